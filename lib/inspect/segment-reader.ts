/**
 * Streams the batches of one `.log` file the inspector does not trust, in bounded memory, through the
 * shared batch walker (lib/segment/batch-walker.ts): positioned reads of `chunkBytes` (1 MiB) into one
 * reused buffer that grows only for a batch larger than it, never beyond BATCH_BYTES_MAX.
 *
 * The file's size is taken once at open: a log still being appended to is read up to that size, so
 * a live writer can only ever show up as a torn last batch, never as a crash or an endless read.
 * `maxBytes` caps the bytes looked at (kafka-dump-log's --max-bytes: only whole batches inside it).
 *
 * Batches handed out are views into the shared buffer and are valid only until the next one is
 * requested. A torn last batch ends the scan with `trailingBytes`; damage by the walker's rule (a bad
 * length or magic) or a v2 header that does not parse ends it with `corruption`, a CorruptRecordError.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { CorruptRecordError, SeglogError, StorageError, ioError } from '../errors.js';
import { SCAN_CHUNK_BYTES } from '../limits.js';
import { FRAME_PEEK_BYTES, RecordBatch } from '../record/index.js';
import { BatchWalker } from '../segment/batch-walker.js';


/** The inspector's read size: the shared scan chunk (part of the inspector's public options). */
export const CHUNK_BYTES_DEFAULT = SCAN_CHUNK_BYTES;

export interface SegmentReaderOptions {
  /** Bytes per positioned read (default 1 MiB); tests use small chunks to force carry-over. */
  chunkBytes?: number;
  /** Only batches lying wholly inside the first `maxBytes` bytes. */
  maxBytes?: number | undefined;
  /** Start at this byte, a batch boundary (an offset index entry's position); default 0. */
  startBytes?: number | undefined;
  /** Called after each read with bytes consumed so far and the size at open. */
  onProgress?: ((doneBytes: number, totalBytes: number) => void) | undefined;
}

/** Opens a file for reading, turning every failure into one typed line naming the path. */
export function openForReading(path: string): { fd: number; sizeBytes: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw describeOpenError(error, path);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new StorageError('is a directory, not a file', { path });
    if (!stat.isFile()) throw new StorageError('not a regular file', { path });
    return { fd, sizeBytes: stat.size };
  } catch (error) {
    closeSync(fd);
    throw error instanceof SeglogError ? error : ioError(error, 'cannot stat', { path });
  }
}

function describeOpenError(error: unknown, path: string): SeglogError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new StorageError('no such file', { path, cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new StorageError('permission denied', { path, cause: error });
  if (code === 'EISDIR') return new StorageError('is a directory, not a file', { path, cause: error });
  return ioError(error, 'cannot open', { path });
}

export class SegmentReader implements Iterable<RecordBatch> {
  readonly path: string;
  /** Size of the file when it was opened; nothing past it is read. */
  readonly fileSizeBytes: number;
  /** min(fileSizeBytes, maxBytes). */
  readonly limitBytes: number;
  /** Bytes of whole batches handed out. */
  validBytes = 0;
  /** Bytes after the last whole batch within limitBytes (set when iteration ends). */
  trailingBytes = 0;
  /** Framing that ended the scan early, if any. */
  corruption: CorruptRecordError | null = null;
  private readonly chunkBytes: number;
  private readonly startBytes: number;
  private readonly onProgress: ((doneBytes: number, totalBytes: number) => void) | undefined;
  private fd: number;

  constructor(path: string, options: SegmentReaderOptions = {}) {
    this.path = path;
    const opened = openForReading(path);
    this.fd = opened.fd;
    this.fileSizeBytes = opened.sizeBytes;
    this.limitBytes = options.maxBytes === undefined ? opened.sizeBytes : Math.min(opened.sizeBytes, options.maxBytes);
    this.chunkBytes = Math.max(FRAME_PEEK_BYTES, options.chunkBytes ?? SCAN_CHUNK_BYTES);
    this.startBytes = Math.min(Math.max(0, options.startBytes ?? 0), this.limitBytes);
    this.validBytes = this.startBytes;
    this.onProgress = options.onProgress;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  *[Symbol.iterator](): Generator<RecordBatch, void, undefined> {
    try {
      yield* this.scan();
    } finally {
      this.close();
    }
  }

  private *scan(): Generator<RecordBatch, void, undefined> {
    const path = this.path;
    const limitBytes = this.limitBytes;
    const walker = new BatchWalker({ chunkBytes: Math.min(this.chunkBytes, Math.max(limitBytes, FRAME_PEEK_BYTES)),
      onRead: (readToBytes) => this.onProgress?.(Math.min(readToBytes, limitBytes), limitBytes) });
    walker.attach(this.fd, path, this.startBytes, limitBytes);
    while (walker.next()) {
      let batch: RecordBatch;
      try {
        batch = new RecordBatch(walker.chunk, walker.batchStart, walker.positionBytes - walker.batchStart, path);
      } catch (error) {
        if (!(error instanceof CorruptRecordError)) throw error;
        this.corruption = error;
        this.trailingBytes = limitBytes - this.validBytes;
        return;
      }
      this.validBytes = walker.validBytes;
      yield batch;
    }
    const stop = walker.stop;
    // A torn last batch is a tail (a live or crashed writer, or --max-bytes cutting a batch); anything else is damage.
    if (stop !== null && !stop.torn) this.corruption = new CorruptRecordError(stop.reason, { path, positionBytes: stop.positionBytes });
    this.trailingBytes = limitBytes - this.validBytes;
  }
}
