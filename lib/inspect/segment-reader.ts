/**
 * Streams the batches of one `.log` file the inspector does not trust, in bounded memory: positioned
 * reads of `chunkBytes` (1 MiB) into one reused buffer; a partial batch at the end of a chunk is
 * carried to the front of the buffer for the next read; a batch larger than the buffer grows it to
 * that batch's size, never beyond BATCH_BYTES_MAX (the codec refuses larger lengths first).
 *
 * The file's size is taken once at open: a log still being appended to is read up to that size, so
 * a live writer can only ever show up as a torn last batch, never as a crash or an endless read.
 * `maxBytes` caps the bytes looked at (kafka-dump-log's --max-bytes: only whole batches inside it).
 *
 * Batches handed out are views into the shared buffer and are valid only until the next one is
 * requested. Framing that cannot be a batch (length below the minimum, above the ceiling, unknown
 * magic) ends the scan: `corruption` holds the CorruptRecordError and `trailingBytes` what is left.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CorruptRecordError, SeglogError, StorageError, ioError } from '../errors.js';
import { BATCH_BYTES_MAX, LOG_OVERHEAD_BYTES } from '../limits.js';
import { decodeBatches, peekBatchSize, type RecordBatch } from '../record/index.js';

export const CHUNK_BYTES_DEFAULT = 1024 * 1024;

export interface SegmentReaderOptions {
  /** Bytes per positioned read (default 1 MiB); tests use small chunks to force carry-over. */
  chunkBytes?: number;
  /** Only batches lying wholly inside the first `maxBytes` bytes. */
  maxBytes?: number | undefined;
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

/** Reads `lengthBytes` at `positionBytes` fully (short reads only at end of file). */
export function readFully(fd: number, target: Uint8Array, offsetInTarget: number, lengthBytes: number, positionBytes: number,
    path: string): number {
  let done = 0;
  while (done < lengthBytes) {
    let n: number;
    try {
      n = readSync(fd, target, offsetInTarget + done, lengthBytes - done, positionBytes + done);
    } catch (error) {
      throw ioError(error, 'read failed', { path, positionBytes: positionBytes + done });
    }
    if (n === 0) break;
    done += n;
  }
  return done;
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
  private readonly onProgress: ((doneBytes: number, totalBytes: number) => void) | undefined;
  private fd: number;

  constructor(path: string, options: SegmentReaderOptions = {}) {
    this.path = path;
    const opened = openForReading(path);
    this.fd = opened.fd;
    this.fileSizeBytes = opened.sizeBytes;
    this.limitBytes = options.maxBytes === undefined ? opened.sizeBytes : Math.min(opened.sizeBytes, options.maxBytes);
    this.chunkBytes = Math.max(LOG_OVERHEAD_BYTES + 5, options.chunkBytes ?? CHUNK_BYTES_DEFAULT);
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
    let limitBytes = this.limitBytes;
    let buffer = Buffer.allocUnsafe(Math.min(this.chunkBytes, Math.max(limitBytes, LOG_OVERHEAD_BYTES + 5)));
    let bufferStartBytes = 0; // file position of buffer[0]
    let filledBytes = 0; // bytes of buffer holding file data
    for (;;) {
      const wantBytes = Math.min(buffer.length - filledBytes, limitBytes - (bufferStartBytes + filledBytes));
      if (wantBytes > 0) {
        const gotBytes = readFully(this.fd, buffer, filledBytes, wantBytes, bufferStartBytes + filledBytes, path);
        filledBytes += gotBytes;
        // The file shrank under us (a live log truncated): what we have is all there is.
        if (gotBytes < wantBytes) limitBytes = bufferStartBytes + filledBytes;
      }
      const atEnd = bufferStartBytes + filledBytes >= limitBytes;
      const iterator = decodeBatches(buffer.subarray(0, filledBytes), { basePositionBytes: bufferStartBytes, path });
      try {
        for (const batch of iterator) {
          this.validBytes = batch.positionBytes + batch.sizeBytes;
          yield batch;
        }
      } catch (error) {
        if (!(error instanceof CorruptRecordError)) throw error;
        this.corruption = error;
        this.trailingBytes = limitBytes - this.validBytes;
        return;
      }
      this.onProgress?.(bufferStartBytes + iterator.validBytes, this.limitBytes);
      if (atEnd) break;
      const leftBytes = iterator.trailingBytes;
      buffer.copyWithin(0, iterator.validBytes, filledBytes);
      bufferStartBytes += iterator.validBytes;
      filledBytes = leftBytes;
      const neededBytes = peekBatchSize(buffer.subarray(0, filledBytes), 0);
      if (neededBytes > limitBytes - bufferStartBytes) break; // torn last batch: never complete
      if (neededBytes > buffer.length && neededBytes <= BATCH_BYTES_MAX) {
        // A batch bigger than the chunk gets a buffer of its size (the codec rejects > the ceiling).
        const grown = Buffer.allocUnsafe(neededBytes);
        buffer.copy(grown, 0, 0, filledBytes);
        buffer = grown;
      }
    }
    this.trailingBytes = limitBytes - this.validBytes;
  }
}
