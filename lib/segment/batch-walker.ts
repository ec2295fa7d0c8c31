/**
 * The one way seglog walks the record batches of a `.log` file in order (Kafka's file-records batch
 * iterator): recovery, swap checks, the cleaner, the inspector and verify all use it. Positioned
 * reads of `chunkBytes` go into one reused buffer, which grows only for a batch larger than it (never
 * past BATCH_BYTES_MAX: the framing rule refuses larger lengths first). Each `next()` frames one batch
 * by the shared rule (lib/record/batch-framing.ts), checks its CRC when asked, and leaves it at
 * `chunk[batchStart, batchStart + sizeBytes)`: a view valid until the next call. No allocation per batch.
 *
 * The walk ends at `endBytes` (the file's size at open unless the caller bounds it: a sealed size, a
 * recovery limit, kafka-dump-log's --max-bytes). When it ends early, `stop` says where and why in the
 * rule's words, and whether it is a torn tail (a write that did not finish) or damage; each caller
 * decides what that means to it (recovery cuts, verify reports, the cleaner refuses), so the same bytes
 * get the same verdict everywhere.
 *
 * A read-ahead walk (recovery) reads the next chunk in the thread pool while the caller checks the
 * batches of this one, so the copy out of the page cache and the CRC run on two cores at once. The
 * next chunk starts at the first batch that does not end inside this one (found by hopping over the
 * batch lengths); when the walk gets there before the read is done, `next()` returns false with
 * `waiting` set and the caller awaits `wait()`. A read that missed (damage, a batch larger than the
 * chunk) is dropped and the plain positioned read takes over, so the verdicts stay those of the plain walk.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { assert } from '../assert.js';
import { ioError } from '../errors.js';
import { RECORD_BATCH_OVERHEAD_BYTES, SCAN_CHUNK_BYTES } from '../limits.js';
import { readFully, readFullyAhead } from '../platform/positioned-read.js';
import { CRC_MISMATCH, CURRENT_MAGIC, FRAME_PEEK_BYTES, FRAME_TORN, MAGIC, batchCrcMatches, frameBatch,
  framingProblem } from '../record/index.js';


/** Why a walk ended before its end: at which byte, in the framing rule's words, and whether the tail was torn. */
export interface WalkStop {
  positionBytes: number;
  /** A batch that did not finish (fewer bytes than it claims); false for damage (a bad length, magic or CRC). */
  torn: boolean;
  reason: string;
}

export interface BatchWalkerOptions {
  /** Bytes per positioned read (default 1 MiB); tests use small chunks to cross chunk boundaries. */
  chunkBytes?: number | undefined;
  /** Check each v2 batch's CRC-32C; a mismatch stops the walk (default false). */
  verifyCrc?: boolean | undefined;
  /** Called after each read with the file position read up to. */
  onRead?: ((readToBytes: number) => void) | undefined;
  /**
   * Load a batch whole only when it is at most this long; a longer one only up to its header, and the
   * walk hops over its records without reading them (walks that need headers alone, such as the
   * producer-state replay; control batches stay whole). Not with verifyCrc. Default: every batch whole.
   */
  wholeBatchBytesMax?: number | undefined;
  /** Read the next chunk in the thread pool while this one is walked (see the file comment); default false. */
  readAhead?: boolean | undefined;
}

/** The chunk being read ahead into the spare buffer. */
interface ChunkAhead {
  positionBytes: number;
  wantBytes: number;
  /** Set when the read settled: the bytes read, or -1 if it failed (the plain read then tries again and reports). */
  gotBytes: number;
  settled: Promise<void>;
}

export class BatchWalker {
  /** The current batch's bytes are chunk[batchStart, batchStart + sizeBytes). */
  chunk: Buffer;
  batchStart = 0;
  /** File position, size and magic byte of the current batch. */
  positionBytes = 0;
  sizeBytes = 0;
  magic = 0;
  /** Why the walk ended before `endBytes`; null while walking and after a walk that reached it. */
  stop: WalkStop | null = null;
  /** Bytes read from the file so far (a batch crossing a chunk's end is read again with the next chunk). */
  bytesRead = 0;
  /** Where the walk ends (exclusive). */
  endBytes = 0;
  private fd = -1;
  private ownsFd = false;
  private path = '';
  private chunkFilePosition = 0;
  private chunkLength = 0;
  private nextPosition = 0;
  private readonly verifyCrc: boolean;
  private readonly onRead: ((readToBytes: number) => void) | undefined;
  private readonly wholeBatchBytesMax: number;
  private readonly readAhead: boolean;
  private spare: Buffer | null = null;
  private ahead: ChunkAhead | null = null;
  private starved = false;

  constructor(options: BatchWalkerOptions = {}) {
    this.chunk = Buffer.allocUnsafe(Math.max(FRAME_PEEK_BYTES, RECORD_BATCH_OVERHEAD_BYTES, options.chunkBytes ?? SCAN_CHUNK_BYTES));
    this.verifyCrc = options.verifyCrc ?? false;
    this.onRead = options.onRead;
    this.wholeBatchBytesMax = options.wholeBatchBytesMax ?? Number.POSITIVE_INFINITY;
    this.readAhead = options.readAhead ?? false;
    assert(!this.verifyCrc || this.wholeBatchBytesMax === Number.POSITIVE_INFINITY, 'a CRC check needs whole batches');
  }

  /** Walks the file at `path` through a descriptor of its own, from `startBytes` to `endBytes` (default: its size now). */
  open(path: string, startBytes = 0, endBytes?: number): this {
    this.close();
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw ioError(error, 'cannot open segment', { path });
    }
    let end: number;
    try {
      end = endBytes ?? fstatSync(fd).size;
    } catch (error) {
      closeSync(fd);
      throw ioError(error, 'cannot stat segment', { path });
    }
    this.start(fd, true, path, startBytes, end);
    return this;
  }

  /** Walks through a descriptor the caller owns and closes (an active segment's, a pooled one). */
  attach(fd: number, path: string, startBytes: number, endBytes: number): this {
    this.close();
    this.start(fd, false, path, startBytes, endBytes);
    return this;
  }

  private start(fd: number, ownsFd: boolean, path: string, startBytes: number, endBytes: number): void {
    assert(this.ahead === null, 'settle the read ahead before walking another file');
    assert(startBytes >= 0 && startBytes <= Math.max(startBytes, endBytes), 'walk must start inside the file');
    this.fd = fd;
    this.ownsFd = ownsFd;
    this.path = path;
    this.endBytes = endBytes;
    this.nextPosition = startBytes;
    this.chunkFilePosition = startBytes;
    this.chunkLength = 0;
    this.stop = null;
    this.sizeBytes = 0;
  }

  close(): void {
    assert(this.ahead === null, 'settle the read ahead before closing its descriptor');
    if (this.ownsFd && this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.ownsFd = false;
  }

  /** Position after the last whole batch handed out (where a cut would go). */
  get validBytes(): number {
    return this.nextPosition;
  }

  /** A read-ahead walk reached bytes still being read: `next()` returned false, and `wait()` then lets it go on. */
  get waiting(): boolean {
    return this.starved;
  }

  /** Resolves when the chunk being read ahead is in (never rejects: a failed read is retried by the plain read, which reports). */
  wait(): Promise<void> {
    return this.ahead?.settled ?? Promise.resolve();
  }

  /** Waits out a read still in flight and drops it; call before closing or reusing the walker's descriptor. */
  async settle(): Promise<void> {
    const ahead = this.ahead;
    if (ahead === null) return;
    await ahead.settled;
    this.ahead = null;
  }

  /**
   * Loads the next batch; false at `endBytes`, when the walk stops (then `stop` says why), or in a
   * read-ahead walk when the bytes are still being read (then `waiting` is true).
   */
  next(): boolean {
    assert(this.fd >= 0, 'walk a file that is not open');
    this.starved = false;
    if (this.stop !== null) return false;
    const position = this.nextPosition;
    const remainingBytes = this.endBytes - position;
    if (remainingBytes <= 0) return false;
    if (!this.ensure(position, Math.min(remainingBytes, FRAME_PEEK_BYTES))) return false;
    let at = position - this.chunkFilePosition;
    const sizeBytes = frameBatch(this.chunk, at, remainingBytes);
    if (sizeBytes <= 0) {
      this.stop = { positionBytes: position, torn: sizeBytes === FRAME_TORN,
        reason: framingProblem(sizeBytes, this.chunk, at, remainingBytes) };
      return false;
    }
    const loadBytes = sizeBytes <= this.wholeBatchBytesMax ? sizeBytes : Math.min(sizeBytes, RECORD_BATCH_OVERHEAD_BYTES);
    if (!this.ensure(position, loadBytes)) return false;
    at = position - this.chunkFilePosition;
    const magic = this.chunk[at + MAGIC]!;
    if (this.verifyCrc && magic === CURRENT_MAGIC && !batchCrcMatches(this.chunk, at, sizeBytes)) {
      this.stop = { positionBytes: position, torn: false, reason: CRC_MISMATCH };
      return false;
    }
    this.batchStart = at;
    this.positionBytes = position;
    this.sizeBytes = sizeBytes;
    this.magic = magic;
    this.nextPosition = position + sizeBytes;
    return true;
  }

  /** The current batch's bytes (a view into the reused chunk, valid until the next `next()`; a hopped batch: header only). */
  batchBytes(): Buffer {
    return this.chunk.subarray(this.batchStart, this.batchStart + this.sizeBytes);
  }

  /**
   * Makes [position, position + needBytes) present in the chunk; false if the file ends first (a torn
   * stop) or, reading ahead, if those bytes are still being read (`waiting`).
   */
  private ensure(position: number, needBytes: number): boolean {
    if (position + needBytes <= this.chunkFilePosition + this.chunkLength) return true;
    const ahead = this.ahead;
    if (ahead !== null) {
      if (ahead.gotBytes === 0) {
        this.starved = true;
        return false;
      }
      this.ahead = null;
      if (ahead.positionBytes === position && ahead.gotBytes > 0 && (ahead.gotBytes >= needBytes || ahead.gotBytes < ahead.wantBytes)) {
        const chunk = this.chunk;
        this.chunk = this.spare!;
        this.spare = chunk;
        return this.loaded(position, ahead.gotBytes, needBytes);
      }
      // Read at a guess the walk did not reach (damage, a batch longer than the chunk) or failed: read plainly.
    }
    if (this.chunk.length < needBytes) this.chunk = Buffer.allocUnsafe(Math.max(needBytes,
      Math.min(this.chunk.length * 2, this.endBytes - position)));
    const wantBytes = Math.min(this.chunk.length, this.endBytes - position);
    return this.loaded(position, readFully(this.fd, this.chunk, 0, wantBytes, position, this.path), needBytes);
  }

  /** The chunk now holds `gotBytes` from `position`: account for it and start reading the next one. */
  private loaded(position: number, gotBytes: number, needBytes: number): boolean {
    this.bytesRead += gotBytes;
    this.chunkFilePosition = position;
    this.chunkLength = gotBytes;
    this.onRead?.(position + gotBytes);
    if (gotBytes >= needBytes) {
      if (this.readAhead) this.readNextChunkAhead();
      return true;
    }
    // The file is shorter than the walk's end (truncated under a reader): what is there is a torn tail.
    this.stop = { positionBytes: position, torn: true, reason: `torn tail: the file ends at byte ${position + gotBytes}` };
    return false;
  }

  /** Starts reading, into the spare buffer, from the first batch that does not end inside the chunk. */
  private readNextChunkAhead(): void {
    const chunkEnd = this.chunkFilePosition + this.chunkLength;
    let position = this.chunkFilePosition;
    let crossingBytes = 0;
    while (chunkEnd - position >= FRAME_PEEK_BYTES) {
      const sizeBytes = frameBatch(this.chunk, position - this.chunkFilePosition, this.endBytes - position);
      // A bad length or magic, or a batch running past the walk's end: the walk stops there, reading nothing more.
      if (sizeBytes <= 0) return;
      if (position + sizeBytes > chunkEnd) {
        crossingBytes = sizeBytes;
        break;
      }
      position += sizeBytes;
    }
    // Nothing left, or a chunk too short to frame anything in (the plain read takes over).
    if (position >= this.endBytes || position === this.chunkFilePosition && crossingBytes === 0) return;
    // A batch longer than the spare gets a spare that holds it, as the plain read would grow its chunk.
    if (this.spare === null || this.spare.length < crossingBytes) {
      this.spare = Buffer.allocUnsafe(Math.max(this.chunk.length, crossingBytes));
    }
    const wantBytes = Math.min(this.spare.length, this.endBytes - position);
    const ahead: ChunkAhead = { positionBytes: position, wantBytes, gotBytes: 0, settled: Promise.resolve() };
    ahead.settled = readFullyAhead(this.fd, this.spare, 0, wantBytes, position, this.path).then(
      (gotBytes) => { ahead.gotBytes = gotBytes > 0 ? gotBytes : -1; },
      () => { ahead.gotBytes = -1; });
    this.ahead = ahead;
  }
}
