/**
 * A segment's `.txnindex` (Kafka's TransactionIndex): one 34-byte entry per transaction whose ABORT
 * marker sits in the segment — producer id, the transaction's first offset, the marker's offset, and
 * the last stable offset when it aborted (layout in side-file-layouts.ts). A read_committed fetch
 * collects from these files the aborted transactions that overlap what it returns, and the consumer
 * drops their data. Entries are in marker order, so truncation cuts a suffix.
 *
 * The file is created on the first entry (most segments never see an abort), read lazily on the
 * first lookup, and kept in memory after (entries are few: one per abort). Appends are positioned
 * writes at the end; fsync is the segment's flush. A torn tail after a crash is rebuilt by the log's
 * producer-state replay, which re-derives the entries of every segment it walks (producer-state.ts).
 */
import { closeSync, ftruncateSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { assert } from '../assert.js';
import { CorruptRecordError, ioError } from '../errors.js';
import { syncFileSync, syncPath } from '../platform/file-sync.js';
import { writeAt } from '../platform/positioned-write.js';
import { readInt64, writeInt64 } from '../record/index.js';
import { TXN_INDEX_ENTRY_BYTES, TXN_INDEX_FIRST_OFFSET, TXN_INDEX_LAST_OFFSET, TXN_INDEX_LAST_STABLE_OFFSET, TXN_INDEX_PRODUCER_ID,
  TXN_INDEX_VERSION } from './side-file-layouts.js';

/** An aborted transaction as a `.txnindex` entry holds it (and as Fetch v4+ responses carry its producer id and first offset). */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
  /** The partition's last stable offset once the transaction ended (what no later transaction had held back). */
  lastStableOffset: number;
}

/** The entry version Kafka writes. */
const TXN_INDEX_ENTRY_VERSION = 0;

function encodeEntry(entry: AbortedTransaction): Buffer {
  const bytes = Buffer.alloc(TXN_INDEX_ENTRY_BYTES);
  bytes.writeInt16BE(TXN_INDEX_ENTRY_VERSION, TXN_INDEX_VERSION);
  writeInt64(bytes, TXN_INDEX_PRODUCER_ID, entry.producerId);
  writeInt64(bytes, TXN_INDEX_FIRST_OFFSET, entry.firstOffset);
  writeInt64(bytes, TXN_INDEX_LAST_OFFSET, entry.lastOffset);
  writeInt64(bytes, TXN_INDEX_LAST_STABLE_OFFSET, entry.lastStableOffset);
  return bytes;
}

/** The entries of a `.txnindex` file's bytes, with the version byte of each; damage is a CorruptRecordError naming the byte. */
export function decodeTransactionIndex(bytes: Buffer, path: string): (AbortedTransaction & { version: number })[] {
  if (bytes.length % TXN_INDEX_ENTRY_BYTES !== 0) {
    const tailBytes = bytes.length % TXN_INDEX_ENTRY_BYTES;
    throw new CorruptRecordError(`transaction index of ${bytes.length} bytes ends in a partial entry of ${tailBytes} bytes`,
      { path, positionBytes: bytes.length - tailBytes });
  }
  const entries: (AbortedTransaction & { version: number })[] = [];
  for (let at = 0; at < bytes.length; at += TXN_INDEX_ENTRY_BYTES) {
    const place = { path, positionBytes: at };
    entries.push({
      // Kafka takes the version from the first byte only.
      version: bytes[at + TXN_INDEX_VERSION]!,
      producerId: readInt64(bytes, at + TXN_INDEX_PRODUCER_ID, place),
      firstOffset: readInt64(bytes, at + TXN_INDEX_FIRST_OFFSET, place),
      lastOffset: readInt64(bytes, at + TXN_INDEX_LAST_OFFSET, place),
      lastStableOffset: readInt64(bytes, at + TXN_INDEX_LAST_STABLE_OFFSET, place),
    });
  }
  return entries;
}

export class TransactionIndex {
  path: string;
  /** null until first read. */
  private entries: AbortedTransaction[] | null = null;
  /** Bytes after the last whole entry: a write torn by a crash, cut before the next write. */
  private tailBytes = 0;
  private dirty = false;

  constructor(path: string) {
    this.path = path;
  }

  /** Every entry, oldest first (read from the file on first use; a missing file has none). */
  all(): readonly AbortedTransaction[] {
    if (this.entries === null) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(this.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot read transaction index', { path: this.path });
        bytes = Buffer.alloc(0);
      }
      // A torn last entry (a crash during its write) is not an entry: the replay at open re-derives it.
      this.tailBytes = bytes.length % TXN_INDEX_ENTRY_BYTES;
      const whole = bytes.subarray(0, bytes.length - this.tailBytes);
      this.entries = decodeTransactionIndex(whole, this.path).map(({ version: _version, ...entry }) => entry);
    }
    return this.entries;
  }

  /** Adds the entry of a transaction aborted in this segment (markers come in offset order). */
  append(entry: AbortedTransaction): void {
    const entries = this.all() as AbortedTransaction[];
    const last = entries[entries.length - 1];
    assert(last === undefined || entry.lastOffset > last.lastOffset, 'transaction index entries are appended in marker order');
    if (this.tailBytes > 0) this.truncateTo(Number.MAX_SAFE_INTEGER);
    const fd = this.openFile();
    try {
      const bytes = encodeEntry(entry);
      writeAt(fd, this.path, bytes, 0, bytes.length, entries.length * TXN_INDEX_ENTRY_BYTES);
    } finally {
      closeSync(fd);
    }
    entries.push({ ...entry });
    this.dirty = true;
  }

  /**
   * Adds to `out` the entries that overlap [fetchOffset, upperBoundOffset): aborted at or after
   * fetchOffset, begun before upperBoundOffset. Returns true when an entry shows that no later
   * segment can hold one (its last stable offset reaches the upper bound: Kafka's stop rule).
   */
  collect(fetchOffset: number, upperBoundOffset: number, out: AbortedTransaction[]): boolean {
    for (const entry of this.all()) {
      // A copy: callers keep what they get (fetch responses, the cleaner), the cached entries stay as read.
      if (entry.lastOffset >= fetchOffset && entry.firstOffset < upperBoundOffset) out.push({ ...entry });
      if (entry.lastStableOffset >= upperBoundOffset) return true;
    }
    return false;
  }

  /** Removes the entries of markers at or after `offset` (replication truncation, a replay that re-derives them). */
  truncateTo(offset: number): void {
    const entries = this.all() as AbortedTransaction[];
    let keep = entries.length;
    while (keep > 0 && entries[keep - 1]!.lastOffset >= offset) keep--;
    if (keep === entries.length && this.tailBytes === 0) return;
    const fd = this.openFile();
    try {
      ftruncateSync(fd, keep * TXN_INDEX_ENTRY_BYTES);
    } catch (error) {
      throw ioError(error, 'cannot truncate transaction index', { path: this.path });
    } finally {
      closeSync(fd);
    }
    entries.length = keep;
    this.tailBytes = 0;
    this.dirty = true;
  }

  /** Moves the file with its segment (`.deleted`, `.swap`, `.cleaned` and back); a missing file moves nothing. */
  renameTo(path: string): void {
    try {
      renameSync(this.path, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot rename transaction index', { path: this.path });
    }
    this.path = path;
  }

  /** fsync after appends or a truncation (the segment's flush). */
  flush(): void {
    if (!this.dirty) return;
    let fd = -1;
    try {
      fd = openSync(this.path, 'r');
      syncFileSync(fd, this.path);
    } catch (error) {
      this.failFlush(error);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
    this.dirty = false;
  }

  /** `flush()` with the fsync in the thread pool. Appends while it runs keep the file dirty for the next flush. */
  async flushAsync(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await syncPath(this.path);
    } catch (error) {
      this.dirty = (error as NodeJS.ErrnoException).code !== 'ENOENT';
      this.failFlush(error);
    }
  }

  /** A missing file (no aborted transaction was ever written) has nothing to make durable. */
  private failFlush(error: unknown): void {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot fsync transaction index', { path: this.path });
  }

  /** Unlinks the file (its segment is deleted); a missing file is fine. */
  delete(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // Never written: most segments have no aborted transaction.
    }
    this.entries = [];
    this.tailBytes = 0;
  }

  private openFile(): number {
    try {
      return openSync(this.path, 'a+'); // O_APPEND: entries only ever go at the end
    } catch (error) {
      throw ioError(error, 'cannot open transaction index', { path: this.path });
    }
  }
}
