/**
 * One segment of a partition log: `<base>.log` (record batches back to back, no header), its sparse
 * `.index` (relative offset → byte position) and `.timeindex` (max timestamp so far → relative offset).
 *
 * Append rule (Kafka's, one batch per call): before writing, if more than `indexIntervalBytes` have
 * been appended since the last index entry, add `(batch.lastOffset, batch.position)` to the offset
 * index and `(maxTimestampSoFar, offsetOfMaxTimestampSoFar)` to the time index. Entries therefore
 * always point at batch starts, which is what `kafka-dump-log --verify-index-only` checks.
 *
 * The `.log` is written with positioned writes at `sizeBytes`, so a failed or short write (disk full)
 * leaves `sizeBytes` unchanged: the torn bytes past it are invisible to readers, overwritten by the
 * next append, cut on close, and cut by recovery after a crash (their CRC cannot match).
 *
 * Failed appends are invisible in every file: the `.log` write is an append's commit point. Index
 * entries due for their files (a page of them) are written before it, this append's entries go to
 * memory after it; so an append that fails has written nothing anywhere that recovery would keep,
 * and one that succeeded cannot fail afterwards. A roll (`prepareToSeal`, then the new segment, then
 * `onBecomeInactive`) and `close` write what needs space first, so a full disk leaves the segment
 * active and whole, and the call can be repeated.
 *
 * Active segment: indexes held in memory, written with positioned writes, bounded by
 * segmentIndexBytes (never preallocated, never mapped: see index-file.ts). Sealed (after a roll):
 * indexes trimmed to their entries and opened lazily; the `.log` size never changes again except by
 * replication truncation or recovery.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../assert.js';
import { CorruptRecordError, ioError } from '../errors.js';
import { LOCATE_CHUNK_BYTES, RECORD_BATCH_OVERHEAD_BYTES, RELATIVE_OFFSET_MAX, SCAN_CHUNK_BYTES } from '../limits.js';
import { scanReadsAhead } from '../platform/index.js';
import { readFully } from '../platform/positioned-read.js';
import { writeAt } from '../platform/positioned-write.js';
import { failedInFsync, syncFileSync, syncPath } from '../platform/file-sync.js';
import { settleAll } from '../platform/settle-all.js';
import { BASE_OFFSET, BatchHeaderView, CURRENT_MAGIC, FRAME_PEEK_BYTES, LAST_OFFSET_DELTA, MAGIC, decodeBatches, frameBatch,
  framingProblem, readInt32, type RecordMarks, type RecordStart } from '../record/index.js';
import { BatchWalker } from './batch-walker.js';
import { BatchTable, type BatchSpan } from './batch-table.js';
import { FileHandle, type FilePool } from './file-handle.js';
import { FileRegion } from './file-region.js';
import { segmentFileName, type TemporaryState } from './file-names.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TransactionIndex } from './transaction-index.js';


/** A batch's place and the header fields lookups by position need (a header read's answer). */
interface BatchLocation extends BatchSpan {
  maxTimestampMs: number;
  partitionLeaderEpoch: number;
}

export interface SegmentOptions {
  segmentIndexBytes: number;
  indexIntervalBytes: number;
  preallocateBytes: number;
  rollJitterMs: number;
}

interface RecoveryResult {
  validBytes: number;
  truncatedBytes: number;
  batches: number;
  nextOffset: number;
  /** Why the scan stopped early, when it did (torn tail, CRC mismatch, …). */
  stopReason: string | null;
  /** Batches that name a producer (idempotent, transactional, markers): 0 means producer state has nothing to learn here. */
  producerBatches: number;
}

export interface TimestampHit {
  offset: number;
  timestampMs: number;
  leaderEpoch: number;
}

export class Segment {
  readonly dir: string;
  readonly baseOffset: number;
  readonly options: SegmentOptions;
  readonly file: FileHandle;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Transactions aborted in this segment (`.txnindex`, created on its first entry). */
  readonly txnIndex: TransactionIndex;
  /** Valid bytes in the .log; the file may be longer (preallocate, a torn write). */
  sizeBytes: number;
  private writeFd: number;
  private bytesSinceLastIndexEntry = 0;
  private maxTimestampSoFarMs = -2; // -2: not loaded yet (sealed segments load lazily from the time index)
  private offsetOfMaxTimestampSoFar = -1;
  /** Largest timestamp of the first batch (Kafka's rollingBasedTimestamp); -1 if none or unknown. */
  private firstBatchTimestampMs = -2;
  /** Wall-clock creation time, for segmentMs when records carry no timestamps. */
  readonly createdAtMs: number;
  /** Next offset after the last batch, -1 until known. */
  private cachedNextOffset = -1;
  private readonly header = new BatchHeaderView();
  private readonly scratch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD_BYTES);
  private locateChunk: Buffer = Buffer.allocUnsafe(0);
  /** Every batch's place, for the batches this process appended or recovered (batch-table.ts). */
  private table: BatchTable | null = null;
  private closed = false;

  private constructor(dir: string, baseOffset: number, options: SegmentOptions, pool: FilePool, active: boolean, createdAtMs: number,
    state: TemporaryState) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.options = options;
    this.createdAtMs = createdAtMs;
    const logPath = join(dir, segmentFileName(baseOffset, 'log', state));
    this.file = new FileHandle(logPath, pool);
    const indexMode = active ? 'active' : 'sealed';
    this.offsetIndex = new OffsetIndex(join(dir, segmentFileName(baseOffset, 'index', state)), baseOffset,
      { maxIndexBytes: options.segmentIndexBytes, mode: indexMode });
    this.timeIndex = new TimeIndex(join(dir, segmentFileName(baseOffset, 'timeindex', state)), baseOffset,
      { maxIndexBytes: options.segmentIndexBytes, mode: indexMode });
    this.txnIndex = new TransactionIndex(join(dir, segmentFileName(baseOffset, 'txnindex', state)));
    this.writeFd = -1;
    this.sizeBytes = 0;
    this.file.onIdleClose = () => this.releaseResources();
  }

  /** Creates a new, empty active segment (pre-existing files with this base name are replaced). */
  static create(dir: string, baseOffset: number, options: SegmentOptions, pool: FilePool, nowMs: number,
    state: TemporaryState = null): Segment {
    const logPath = join(dir, segmentFileName(baseOffset, 'log', state));
    let fd = -1;
    let segment: Segment;
    try {
      fd = openSync(logPath, 'w+');
      if (options.preallocateBytes > 0) ftruncateSync(fd, options.preallocateBytes);
      segment = new Segment(dir, baseOffset, options, pool, true, nowMs, state);
    } catch (error) {
      // A full disk can refuse any of the three files: give back the fd, report the file that failed.
      if (fd >= 0) closeSync(fd);
      throw ioError(error, 'cannot create segment', { path: logPath, offset: baseOffset });
    }
    segment.writeFd = fd;
    segment.maxTimestampSoFarMs = -1;
    segment.offsetOfMaxTimestampSoFar = baseOffset;
    segment.firstBatchTimestampMs = -1;
    segment.cachedNextOffset = baseOffset;
    return segment;
  }

  /** Opens an existing segment. `active`: open for appends (indexes re-extended, write fd open). */
  static open(dir: string, baseOffset: number, options: SegmentOptions, pool: FilePool, active: boolean,
    state: TemporaryState = null): Segment {
    const logPath = join(dir, segmentFileName(baseOffset, 'log', state));
    let sizeBytes: number;
    let mtimeMs: number;
    try {
      const st = statSync(logPath);
      sizeBytes = st.size;
      mtimeMs = st.mtimeMs;
    } catch (error) {
      throw ioError(error, 'cannot open segment', { path: logPath, offset: baseOffset });
    }
    const segment = new Segment(dir, baseOffset, options, pool, active, Math.floor(mtimeMs), state);
    segment.sizeBytes = sizeBytes;
    if (active) segment.openForAppend();
    else segment.file.markSealed(sizeBytes);
    return segment;
  }

  get path(): string {
    return this.file.path;
  }

  get isActive(): boolean {
    return this.writeFd >= 0;
  }

  private openForAppend(): void {
    try {
      this.writeFd = openSync(this.file.path, 'r+');
    } catch (error) {
      throw ioError(error, 'cannot open segment for append', { path: this.file.path, offset: this.baseOffset });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Append

  /**
   * Appends one batch's bytes (offsets already assigned). `lastOffset` is the batch's last offset,
   * `maxTimestampMs` its max timestamp. Throws NoSpaceError/StorageError with nothing visible on failure.
   *
   * The .log write is the commit point: index entries of earlier appends that are due for their
   * file are written first, and this append's entries go to memory only after its bytes landed. So
   * a failed append leaves no byte of itself in any file that a reader or recovery would count —
   * the .log bytes past `sizeBytes` are cut, or torn so recovery's CRC check drops them.
   */
  append(bytes: Uint8Array, lastOffset: number, maxTimestampMs: number, recordMarks: RecordMarks | null = null): number {
    assert(this.writeFd >= 0, 'append to a segment that is not active');
    const positionBytes = this.sizeBytes;
    const sizeBytes = bytes.length;
    const relative = lastOffset - this.baseOffset;
    assert(relative >= 0 && relative <= RELATIVE_OFFSET_MAX, 'offset does not fit the segment (the log must roll first)');
    this.offsetIndex.writePendingIfFull();
    this.timeIndex.writePendingIfFull();
    this.writeFully(bytes, positionBytes);

    // Memory only from here on: nothing below can fail for want of space.
    if (this.firstBatchTimestampMs === -1 && positionBytes === 0) this.firstBatchTimestampMs = maxTimestampMs;
    this.loadMaxTimestamp();
    if (maxTimestampMs > this.maxTimestampSoFarMs) {
      this.maxTimestampSoFarMs = maxTimestampMs;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.options.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, positionBytes);
      this.timeIndex.maybeAppend(this.maxTimestampSoFarMs, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += sizeBytes;
    this.sizeBytes = positionBytes + sizeBytes;
    this.cachedNextOffset = lastOffset + 1;
    if (this.table === null || !this.table.live) this.table = new BatchTable(this.baseOffset);
    const baseOffset = readInt32(bytes, BASE_OFFSET) * 2 ** 32 + (readInt32(bytes, BASE_OFFSET + 4) >>> 0);
    this.table.add(baseOffset, lastOffset, positionBytes);
    if (recordMarks !== null) this.table.addMarks(baseOffset, positionBytes, recordMarks);
    return positionBytes;
  }

  private writeFully(bytes: Uint8Array, positionBytes: number): void {
    try {
      writeAt(this.writeFd, this.file.path, bytes, 0, bytes.length, positionBytes);
    } catch (error) {
      // Nothing past sizeBytes is visible; cut what did land so the file is what the log says it is.
      // In a preallocated file the landed bytes stay: a partial batch, which recovery's length and CRC
      // checks drop and the next append overwrites.
      try {
        if (this.options.preallocateBytes === 0) ftruncateSync(this.writeFd, this.sizeBytes);
      } catch {
        // The next append overwrites the torn bytes anyway, and recovery would cut them.
      }
      throw ioError(error, 'append failed', { path: this.file.path, positionBytes, offset: this.baseOffset });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Roll policy inputs

  get indexesFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /** Largest timestamp of the first batch, or -1 (records without timestamps). */
  firstBatchTimestamp(): number {
    if (this.firstBatchTimestampMs === -2) {
      const first = this.sizeBytes >= RECORD_BATCH_OVERHEAD_BYTES ? this.readBatchAt(0) : null;
      this.firstBatchTimestampMs = first === null ? -1 : first.maxTimestampMs;
    }
    return this.firstBatchTimestampMs;
  }

  /** Max record timestamp in the segment (from the time index when sealed), -1 if none. */
  maxTimestampMs(): number {
    this.loadMaxTimestamp();
    return this.maxTimestampSoFarMs;
  }

  /** Kafka's largestTimestamp: max record timestamp, or the file's mtime if records have none. */
  largestTimestampMs(): number {
    const max = this.maxTimestampMs();
    if (max >= 0) return max;
    try {
      return Math.floor(statSync(this.file.path).mtimeMs);
    } catch {
      return this.createdAtMs;
    }
  }

  private loadMaxTimestamp(): void {
    if (this.maxTimestampSoFarMs !== -2) return;
    const last = this.timeIndex.lastEntry();
    this.maxTimestampSoFarMs = last.timestampMs;
    this.offsetOfMaxTimestampSoFar = last.offset;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** Reads the 61-byte header at `positionBytes` into the shared view; null past the end or torn. */
  readBatchAt(positionBytes: number): BatchLocation | null {
    const remainingBytes = this.sizeBytes - positionBytes;
    if (remainingBytes < FRAME_PEEK_BYTES) return null;
    const fd = this.file.acquire();
    try {
      const got = readFully(fd, this.scratch, 0, Math.min(RECORD_BATCH_OVERHEAD_BYTES, remainingBytes), positionBytes, this.file.path);
      // A file shorter than its valid size (cut under us) shows as a torn frame.
      const sizeBytes = frameBatch(this.scratch, 0, got < FRAME_PEEK_BYTES ? got : remainingBytes);
      if (sizeBytes <= 0) {
        // Inside the valid size every batch is whole: a frame that is not is damage, named by the shared rule.
        throw new CorruptRecordError(framingProblem(sizeBytes, this.scratch, 0, remainingBytes), { path: this.file.path, positionBytes });
      }
      if (this.scratch[MAGIC] !== CURRENT_MAGIC) return this.readLegacyBatchAt(fd, positionBytes, sizeBytes);
      const h = this.header.load(this.scratch, 0);
      return {
        positionBytes,
        sizeBytes,
        baseOffset: h.baseOffset,
        lastOffset: h.lastOffset,
        maxTimestampMs: h.maxTimestampMs,
        partitionLeaderEpoch: h.partitionLeaderEpoch,
      };
    } finally {
      this.file.release();
    }
  }

  /** Legacy (magic 0/1) framing: the offset in front of a message is its last offset. */
  private readLegacyBatchAt(fd: number, positionBytes: number, sizeBytes: number): BatchLocation {
    const bytes = Buffer.allocUnsafe(sizeBytes);
    readFully(fd, bytes, 0, sizeBytes, positionBytes, this.file.path);
    for (const batch of decodeBatches(bytes, { basePositionBytes: positionBytes, path: this.file.path })) {
      return {
        positionBytes,
        sizeBytes,
        baseOffset: batch.baseOffset,
        lastOffset: batch.lastOffset,
        maxTimestampMs: batch.maxTimestampMs,
        partitionLeaderEpoch: -1,
      };
    }
    throw new CorruptRecordError('unreadable batch', { path: this.file.path, positionBytes });
  }

  /** First batch at or after `startingPositionBytes` whose last offset is ≥ `offset`; null if none. */
  translateOffset(offset: number, startingPositionBytes = 0): BatchLocation | null {
    let position = startingPositionBytes;
    for (;;) {
      const batch = this.readBatchAt(position);
      if (batch === null) return null;
      if (batch.lastOffset >= offset) return batch;
      position += batch.sizeBytes;
    }
  }

  /**
   * The batch containing (or first after) `offset`: from the batch table, with no syscall, when this
   * process appended or recovered the batch. Otherwise the sparse index names the batch at or before
   * it; the next entry bounds where it can be. Small gaps are read in one positioned read and parsed
   * in memory; when the next entry's batch starts at or before `offset` (large batches, every one
   * indexed) it is the answer after one header read. Otherwise: Kafka's forward scan.
   */
  locate(offset: number): BatchSpan | null {
    // A batch this process appended or recovered: its place is known.
    const known = this.table?.find(offset, this.sizeBytes);
    if (known !== undefined && known !== null) return known;
    const index = this.offsetIndex;
    const slot = index.lookupSlot(offset);
    let startPosition = 0;
    if (slot >= 0) {
      const entry = index.entryAt(slot);
      startPosition = entry.positionBytes;
      // The indexed batch's last offset is the entry's offset: it holds `offset` exactly then.
      if (entry.offset === offset) return this.readBatchAt(startPosition);
    }
    if (slot + 1 < index.entries) {
      const next = index.entryAt(slot + 1);
      const spanBytes = next.positionBytes - startPosition;
      if (spanBytes <= LOCATE_CHUNK_BYTES) {
        const found = this.scanChunk(offset, startPosition, spanBytes + RECORD_BATCH_OVERHEAD_BYTES);
        if (found !== undefined) return found;
      } else {
        const candidate = this.readBatchAt(next.positionBytes);
        if (candidate !== null && candidate.baseOffset <= offset) return candidate;
      }
    }
    return this.translateOffset(offset, startPosition);
  }

  /**
   * Where a record at or before `offset` starts inside the batch at `batchPositionBytes` (first offset
   * `batchBaseOffset`), when this process appended the batch with record marks (batch-table.ts);
   * false otherwise.
   */
  recordStart(offset: number, batchPositionBytes: number, batchBaseOffset: number, out: RecordStart): boolean {
    return this.table !== null && this.table.recordStart(offset, batchPositionBytes, batchBaseOffset, out);
  }

  /**
   * Reads `lengthBytes` from `startPosition` at once and walks the v2 headers in it: the location of
   * the first batch whose last offset is ≥ `offset`, or undefined when the chunk cannot decide
   * (legacy format, a batch crossing the chunk's end) and the caller must scan.
   */
  private scanChunk(offset: number, startPosition: number, lengthBytes: number): BatchLocation | null | undefined {
    const length = Math.min(lengthBytes, this.sizeBytes - startPosition);
    if (length < RECORD_BATCH_OVERHEAD_BYTES) return undefined;
    if (this.locateChunk.length < length) this.locateChunk = Buffer.allocUnsafe(Math.max(length,
        LOCATE_CHUNK_BYTES + RECORD_BATCH_OVERHEAD_BYTES));
    const chunk = this.locateChunk;
    const fd = this.file.acquire();
    let got: number;
    try {
      got = readFully(fd, chunk, 0, length, startPosition, this.file.path);
    } finally {
      this.file.release();
    }
    let at = 0;
    while (at + RECORD_BATCH_OVERHEAD_BYTES <= got) {
      const positionBytes = startPosition + at;
      const sizeBytes = frameBatch(chunk, at, this.sizeBytes - positionBytes);
      if (sizeBytes <= 0) {
        throw new CorruptRecordError(framingProblem(sizeBytes, chunk, at, this.sizeBytes - positionBytes), { path: this.file.path,
          positionBytes });
      }
      if (chunk[at + MAGIC] !== CURRENT_MAGIC) return undefined;
      const h = this.header.load(chunk, at);
      if (h.lastOffset >= offset) {
        return { positionBytes, sizeBytes, baseOffset: h.baseOffset, lastOffset: h.lastOffset, maxTimestampMs: h.maxTimestampMs,
            partitionLeaderEpoch: h.partitionLeaderEpoch };
      }
      at += sizeBytes;
    }
    return at >= got && startPosition + at >= this.sizeBytes ? null : undefined;
  }

  /**
   * A region of whole batches from the one containing `offset`, at most `maxBytes` long (the first
   * batch whole when `minOneMessage`), never past `maxPositionBytes`. Null if nothing here is ≥ offset.
   */
  read(offset: number, maxBytes: number, maxPositionBytes: number, minOneMessage: boolean): FileRegion | null {
    const start = this.locate(offset);
    if (start === null) return null;
    const limit = minOneMessage ? Math.max(maxBytes, start.sizeBytes) : maxBytes;
    const sizeBytes = Math.max(0, Math.min(maxPositionBytes - start.positionBytes, limit));
    return new FileRegion(this.file, start.positionBytes, sizeBytes, start.baseOffset, start.lastOffset);
  }

  /** Kafka's timestamp lookup inside this segment: the first record with timestamp ≥ target and offset ≥ startingOffset. */
  findOffsetByTimestamp(timestampMs: number, startingOffset: number): TimestampHit | null {
    const entry = this.timeIndex.lookup(timestampMs);
    const hint = this.offsetIndex.lookup(Math.max(entry.offset, startingOffset));
    let position = hint.positionBytes;
    for (;;) {
      const batch = this.readBatchAt(position);
      if (batch === null) return null;
      position += batch.sizeBytes;
      if (batch.maxTimestampMs < timestampMs || batch.lastOffset < startingOffset) continue;
      const bytes = this.readBytes(batch.positionBytes, batch.sizeBytes);
      for (const decoded of decodeBatches(bytes, { basePositionBytes: batch.positionBytes, path: this.file.path })) {
        for (const record of decoded.records()) {
          if (record.timestampMs >= timestampMs && record.offset >= startingOffset) {
            return { offset: record.offset, timestampMs: record.timestampMs, leaderEpoch: decoded.partitionLeaderEpoch };
          }
        }
      }
    }
  }

  /** Copies `sizeBytes` from the .log (small reads: one batch, a header). */
  readBytes(positionBytes: number, sizeBytes: number): Buffer {
    const bytes = Buffer.allocUnsafe(sizeBytes);
    const fd = this.file.acquire();
    try {
      const got = readFully(fd, bytes, 0, sizeBytes, positionBytes, this.file.path);
      if (got < sizeBytes) {
        throw new CorruptRecordError('unexpected end of segment', { path: this.file.path, positionBytes: positionBytes + got });
      }
    } finally {
      this.file.release();
    }
    return bytes;
  }

  /** Next offset after the last batch (the segment's log end offset). */
  nextOffset(): number {
    if (this.cachedNextOffset >= 0) return this.cachedNextOffset;
    const hint = this.offsetIndex.entries > 0 ? this.offsetIndex.entryAt(this.offsetIndex.entries - 1) : { offset: this.baseOffset,
      positionBytes: 0 };
    let next = this.baseOffset;
    let position = hint.positionBytes;
    for (;;) {
      const batch = this.readBatchAt(position);
      if (batch === null) break;
      next = batch.lastOffset + 1;
      position += batch.sizeBytes;
    }
    this.cachedNextOffset = next;
    return next;
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery and truncation

  /**
   * Rebuilds both indexes from the .log, checking every batch (size, magic, CRC, offsets), and cuts
   * the file at the first batch that is torn or invalid. The scan reads 1 MiB chunks (next to the
   * fallback CRC, the next one in the thread pool while this one is checked: `scanReadsAhead`); the
   * CRC is the work that cannot be skipped. `keepCut(validBytes, fileSize)` runs (and is awaited)
   * before the cut, while the bytes about to go are still in the file, so the caller can keep them
   * (recovery never destroys them) or refuse the cut by throwing.
   */
  async recover(keepCut?: (validBytes: number, fileSizeBytes: number) => void | Promise<void>): Promise<RecoveryResult> {
    try {
      return await this.rebuildFromLog(keepCut);
    } catch (error) {
      // A recovery that did not finish leaves no index behind: a missing index is what makes the next
      // open rebuild this segment (an index half rebuilt, or one the load created empty, would be trusted).
      for (const index of [this.offsetIndex, this.timeIndex]) {
        try {
          index.deleteIfExists();
        } catch {
          // The recovery's own failure is the one to report; the other index is still deleted.
        }
      }
      throw error;
    }
  }

  private async rebuildFromLog(keepCut?: (validBytes: number, fileSizeBytes: number) => void | Promise<void>): Promise<RecoveryResult> {
    this.table?.drop();
    const table = new BatchTable(this.baseOffset);
    this.table = table;
    this.offsetIndex.beginRebuild();
    this.timeIndex.beginRebuild();
    this.maxTimestampSoFarMs = -1;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    this.firstBatchTimestampMs = -1;
    const fileSize = this.fileLength();
    const walker = new BatchWalker({ verifyCrc: true, readAhead: scanReadsAhead, chunkBytes: Math.min(SCAN_CHUNK_BYTES, fileSize) });
    let validBytes = 0;
    let lastIndexedPosition = 0;
    let nextOffset = this.baseOffset;
    let batches = 0;
    let producerBatches = 0;
    let stopReason: string | null = null;
    const header = this.header;
    const fd = this.file.acquire();
    try {
      walker.attach(fd, this.file.path, 0, fileSize);
      for (;;) {
        if (!walker.next()) {
          if (!walker.waiting) break;
          await walker.wait();
          continue;
        }
        if (walker.magic !== CURRENT_MAGIC) { stopReason = `unsupported magic ${walker.magic}`; break; }
        let h: BatchHeaderView;
        try {
          h = header.load(walker.chunk, walker.batchStart);
        } catch (error) {
          stopReason = error instanceof Error ? error.message : 'bad header';
          break;
        }
        if (h.baseOffset < nextOffset || h.lastOffset < h.baseOffset || h.lastOffset - this.baseOffset > RELATIVE_OFFSET_MAX) {
          stopReason = `offsets out of order (batch ${h.baseOffset}..${h.lastOffset} after ${nextOffset - 1})`;
          break;
        }
        if (batches === 0) this.firstBatchTimestampMs = h.maxTimestampMs;
        if (h.maxTimestampMs > this.maxTimestampSoFarMs) {
          this.maxTimestampSoFarMs = h.maxTimestampMs;
          this.offsetOfMaxTimestampSoFar = h.lastOffset;
        }
        if (validBytes - lastIndexedPosition > this.options.indexIntervalBytes && !this.indexesFull) {
          this.offsetIndex.append(h.lastOffset, validBytes);
          this.timeIndex.maybeAppend(this.maxTimestampSoFarMs, this.offsetOfMaxTimestampSoFar);
          lastIndexedPosition = validBytes;
        }
        table.add(h.baseOffset, h.lastOffset, validBytes);
        nextOffset = h.lastOffset + 1;
        validBytes = walker.validBytes;
        batches++;
        if (h.producerId >= 0) producerBatches++;
      }
      stopReason ??= walker.stop?.reason ?? null;
    } finally {
      await walker.settle();
      walker.close();
      this.file.release();
    }
    const truncatedBytes = fileSize - validBytes;
    if (truncatedBytes > 0) {
      await keepCut?.(validBytes, fileSize);
      this.truncateFile(validBytes);
      // Aborts whose markers were in the cut bytes are no longer in the log.
      this.txnIndex.truncateTo(nextOffset);
    }
    this.sizeBytes = validBytes;
    this.timeIndex.maybeAppend(this.maxTimestampSoFarMs, this.offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.finishRebuild();
    this.timeIndex.finishRebuild();
    this.bytesSinceLastIndexEntry = validBytes - lastIndexedPosition;
    this.cachedNextOffset = nextOffset;
    if (this.writeFd < 0) table.trim();
    return { validBytes, truncatedBytes, batches, nextOffset, stopReason: truncatedBytes > 0 ? stopReason : null, producerBatches };
  }

  /**
   * Why the end of this segment cannot be trusted, or null. Kafka trusts a cleanly closed segment's
   * files; a damaged disk may not be so kind, and a torn or stale tail would otherwise fail every start
   * (or make readers skip offsets). Cheap: from the last offset-index entry (which must name the batch
   * at its position) the batch headers must chain, with sane lengths and offsets, to exactly the end
   * of the file — at most indexIntervalBytes of headers are read.
   */
  tailProblem(): string | null {
    const fileSize = this.fileLength();
    let position = 0;
    let expectLastOffset = -1;
    if (this.offsetIndex.entries > 0) {
      const entry = this.offsetIndex.entryAt(this.offsetIndex.entries - 1);
      if (entry.positionBytes >= fileSize) {
        return `index entry for offset ${entry.offset} points at byte ${entry.positionBytes}, past the end (${fileSize} bytes)`;
      }
      position = entry.positionBytes;
      expectLastOffset = entry.offset;
    }
    let minBaseOffset = this.baseOffset;
    // A transient fd, not the pool's: a start checks every segment once and must not fill the pool.
    const own = this.writeFd < 0;
    const fd = own ? this.openForCheck() : this.writeFd;
    try {
      while (position < fileSize) {
        const remainingBytes = fileSize - position;
        const got = readFully(fd, this.scratch, 0, Math.min(RECORD_BATCH_OVERHEAD_BYTES, remainingBytes), position, this.file.path);
        const sizeBytes = frameBatch(this.scratch, 0, got < FRAME_PEEK_BYTES ? got : remainingBytes);
        if (sizeBytes <= 0) return `${framingProblem(sizeBytes, this.scratch, 0, remainingBytes)} at byte ${position}`;
        if (this.scratch[MAGIC] === CURRENT_MAGIC) {
          const baseOffset = Number(this.scratch.readBigInt64BE(BASE_OFFSET));
          const lastOffset = baseOffset + this.scratch.readInt32BE(LAST_OFFSET_DELTA);
          if (!Number.isSafeInteger(baseOffset) || baseOffset < minBaseOffset || lastOffset < baseOffset
            || lastOffset - this.baseOffset > RELATIVE_OFFSET_MAX) {
            return `batch at byte ${position} has offsets ${baseOffset}..${lastOffset} that cannot follow ${minBaseOffset - 1}`;
          }
          // Kafka indexes one append (possibly several batches) at its first batch's position.
          if (expectLastOffset >= 0 && minBaseOffset === this.baseOffset && expectLastOffset < baseOffset) {
            return `index entry for offset ${expectLastOffset} points at a batch starting at offset ${baseOffset} (stale index)`;
          }
          minBaseOffset = lastOffset + 1;
        }
        position += sizeBytes;
      }
    } finally {
      if (own) {
        closeSync(fd);
        this.releaseResources();
      }
    }
    if (expectLastOffset >= 0 && minBaseOffset !== this.baseOffset && expectLastOffset >= minBaseOffset) {
      return `index entry for offset ${expectLastOffset} is past the last batch (ending at ${minBaseOffset - 1}; stale index)`;
    }
    return null;
  }

  private openForCheck(): number {
    try {
      return openSync(this.file.path, 'r');
    } catch (error) {
      throw ioError(error, 'cannot open segment', { path: this.file.path, offset: this.baseOffset });
    }
  }

  private fileLength(): number {
    if (this.writeFd >= 0) return fstatSync(this.writeFd).size;
    return statSync(this.file.path).size;
  }

  /** Cuts the .log to `sizeBytes` (coordinating with live readers first). */
  private truncateFile(sizeBytes: number): void {
    this.file.beforeTruncate(sizeBytes);
    let fd = this.writeFd;
    const own = fd < 0;
    try {
      if (own) fd = openSync(this.file.path, 'r+');
      ftruncateSync(fd, sizeBytes);
    } catch (error) {
      throw ioError(error, 'cannot truncate segment', { path: this.file.path, positionBytes: sizeBytes });
    } finally {
      if (own && fd >= 0) closeSync(fd);
    }
  }

  /**
   * Removes every batch whose offsets reach `offset` or beyond — batch-granular: the batch containing
   * `offset` goes whole. Returns the bytes removed. The segment becomes appendable afterwards.
   */
  truncateTo(offset: number): number {
    const location = this.locate(offset);
    if (location !== null) this.table?.truncateAt(location.positionBytes);
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.txnIndex.truncateTo(offset);
    if (location === null) return 0;
    const removed = this.sizeBytes - location.positionBytes;
    this.truncateFile(location.positionBytes);
    this.sizeBytes = location.positionBytes;
    this.bytesSinceLastIndexEntry = 0;
    this.cachedNextOffset = -1;
    this.maxTimestampSoFarMs = -2;
    this.loadMaxTimestamp();
    if (location.positionBytes === 0) this.firstBatchTimestampMs = -1;
    return removed;
  }

  /** Makes a sealed segment the active one again (after truncation removed later segments). */
  reactivate(): void {
    if (this.writeFd >= 0) return;
    this.offsetIndex.resize(this.options.segmentIndexBytes);
    this.timeIndex.resize(this.options.segmentIndexBytes);
    this.openForAppend();
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Roll, first half: the final time-index entry and every pending index entry written to the files.
   * The one step of a roll that needs space; when it fails (NoSpaceError) the segment is unchanged
   * and still active, so the roll — and the append that asked for it — can simply be retried.
   */
  prepareToSeal(): void {
    if (this.writeFd < 0) return;
    this.loadMaxTimestamp();
    this.timeIndex.maybeAppend(this.maxTimestampSoFarMs, this.offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.writePending();
    this.timeIndex.writePending();
  }

  /** Roll: final time-index entry, trim indexes and a preallocated .log, seal the file. */
  onBecomeInactive(): void {
    if (this.writeFd < 0) return;
    this.table?.trim();
    // Both indexes written before either is sealed, so a failure leaves them both active.
    this.prepareToSeal();
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    if (this.options.preallocateBytes > 0) ftruncateSync(this.writeFd, this.sizeBytes);
    // The write fd stays open until the roll's flush has fsync'd it (releaseWriter, after flush).
    this.file.markSealed(this.sizeBytes);
  }

  /**
   * fsync of the .log and of the indexes, all in the thread pool: the main thread never waits on a
   * disk. A failed fsync is reported before any other failure (a full disk writing index entries):
   * it is the one the log must not forget.
   */
  async flush(): Promise<void> {
    await settleAll([this.syncLog(), this.offsetIndex.flushAsync(), this.timeIndex.flushAsync(), this.txnIndex.flushAsync()],
      failedInFsync);
  }

  /**
   * Through a descriptor of its own, never writeFd: a retire (retention, truncation, a compaction
   * swap) or releaseWriter while the fsync runs in the thread pool closes writeFd, and an fsync of a
   * closed (or reused) descriptor would fail (or sync another file). Not the pool's either, which
   * would keep an idle partition's sealed segment open. A retired segment's bytes are being deleted.
   */
  private async syncLog(): Promise<void> {
    if (this.file.retired) return;
    const path = this.file.path;
    try {
      await syncPath(path);
    } catch (error) {
      throw ioError(error, 'fsync failed', { path });
    }
  }

  /** Blocking fsync (close path). */
  flushSync(): void {
    if (this.writeFd >= 0) syncFileSync(this.writeFd, this.file.path);
    this.offsetIndex.flush();
    this.timeIndex.flush();
    this.txnIndex.flush();
  }

  /** Releases the write fd of a sealed segment once its data is durable. */
  releaseWriter(): void {
    if (this.writeFd >= 0 && this.file.sealed) {
      closeSync(this.writeFd);
      this.writeFd = -1;
    }
  }

  /** Drops the index mappings of a sealed segment (its file handle's eviction from the pool calls this; lookups map again). */
  releaseResources(): void {
    this.offsetIndex.release();
    this.timeIndex.release();
  }

  /** Renames the segment's files to a temporary state (`.deleted`, `.swap`) or back to final names. */
  changeState(state: TemporaryState): void {
    this.file.renameTo(join(this.dir, segmentFileName(this.baseOffset, 'log', state)));
    this.offsetIndex.renameTo(join(this.dir, segmentFileName(this.baseOffset, 'index', state)));
    this.timeIndex.renameTo(join(this.dir, segmentFileName(this.baseOffset, 'timeindex', state)));
    this.txnIndex.renameTo(join(this.dir, segmentFileName(this.baseOffset, 'txnindex', state)));
  }

  /**
   * Closes the segment: trims an active one (Kafka trims indexes on close) and cuts preallocation.
   * The index entries are written first; if that fails (NoSpaceError) nothing is closed and the
   * call may be repeated — the entries are lost only with the process, and recovery rebuilds them.
   */
  close(): void {
    if (this.closed) return;
    if (this.writeFd >= 0) {
      this.prepareToSeal();
      if (this.options.preallocateBytes > 0) ftruncateSync(this.writeFd, this.sizeBytes);
      closeSync(this.writeFd);
      this.writeFd = -1;
    }
    this.closed = true;
    this.table?.drop();
    this.table = null;
    this.offsetIndex.close();
    this.timeIndex.close();
  }

  /** Retires the segment for deletion: no new reads; the fd closes when in-flight reads finish. */
  retire(): void {
    this.close();
    this.file.retire();
  }
}
