/**
 * Sequential batch reader over one `.log` file for the cleaner: reads 256 KiB chunks (Kafka's
 * cleaner I/O buffer) into ONE reused buffer that grows only for a batch larger than it, and hands
 * out each batch as (bytes, start) with its header loaded into a reused BatchHeaderView. No
 * allocation per batch.
 *
 * It opens its own read-only descriptor on the path: a segment retired (renamed `.deleted`) while a
 * round reads it stays readable through that descriptor on POSIX, and the round notices the
 * segment is gone before the swap (cleaner.ts) and abandons its output instead of corrupting the log.
 * Reads stop at `limitBytes` (the sealed size); a torn batch there is an error, not a tail.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CorruptRecordError, ioError } from '../errors.js';
import { BATCH_BYTES_MAX, LOG_OVERHEAD_BYTES, RECORD_BATCH_OVERHEAD_BYTES } from '../limits.js';
import { BatchHeaderView, peekBatchSize } from '../record/index.js';

const CHUNK_BYTES = 256 * 1024;
const BATCH_LENGTH = 8;

export class BatchScanner {
  readonly header = new BatchHeaderView();
  /** The bytes of the current batch are chunk[batchStart .. batchStart + header.sizeBytes). */
  chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  batchStart = 0;
  /** File position of the current batch. */
  positionBytes = 0;
  bytesRead = 0;
  private fd = -1;
  private path = '';
  private limitBytes = 0;
  private chunkFilePosition = 0;
  private chunkLength = 0;
  private nextPosition = 0;

  open(path: string, limitBytes: number): void {
    this.close();
    try {
      this.fd = openSync(path, 'r');
    } catch (error) {
      throw ioError(error, 'cleaner cannot open segment', { path });
    }
    this.path = path;
    this.limitBytes = limitBytes;
    this.chunkFilePosition = 0;
    this.chunkLength = 0;
    this.nextPosition = 0;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Loads the next batch; false at the end of the file. */
  next(): boolean {
    const position = this.nextPosition;
    if (position >= this.limitBytes) return false;
    if (position + LOG_OVERHEAD_BYTES > this.chunkFilePosition + this.chunkLength) this.fill(position, LOG_OVERHEAD_BYTES);
    const sizeBytes = peekBatchSize(this.chunk, position - this.chunkFilePosition);
    if (sizeBytes < RECORD_BATCH_OVERHEAD_BYTES || sizeBytes > BATCH_BYTES_MAX || position + sizeBytes > this.limitBytes) {
      const length = this.chunk.readInt32BE(position - this.chunkFilePosition + BATCH_LENGTH);
      const place = { path: this.path, positionBytes: position };
      throw new CorruptRecordError(`batch length ${length} is invalid or runs past the segment end`, place);
    }
    if (position + sizeBytes > this.chunkFilePosition + this.chunkLength) this.fill(position, sizeBytes);
    this.batchStart = position - this.chunkFilePosition;
    this.positionBytes = position;
    this.header.load(this.chunk, this.batchStart, { path: this.path, basePositionBytes: this.chunkFilePosition });
    this.nextPosition = position + sizeBytes;
    return true;
  }

  /** The current batch's bytes (a view into the reused chunk: valid until the next `next()`). */
  batchBytes(): Buffer {
    return this.chunk.subarray(this.batchStart, this.batchStart + this.header.sizeBytes);
  }

  private fill(position: number, needBytes: number): void {
    if (this.chunk.length < needBytes) this.chunk = Buffer.allocUnsafe(Math.max(needBytes, this.chunk.length * 2));
    const want = Math.min(this.chunk.length, this.limitBytes - position);
    let got = 0;
    try {
      while (got < want) {
        const n = readSync(this.fd, this.chunk, got, want - got, position + got);
        if (n === 0) break;
        got += n;
      }
    } catch (error) {
      throw ioError(error, 'cleaner read failed', { path: this.path, positionBytes: position + got });
    }
    if (got < needBytes) throw new CorruptRecordError('segment ends inside a batch', { path: this.path, positionBytes: position });
    this.bytesRead += got;
    this.chunkFilePosition = position;
    this.chunkLength = got;
  }
}
