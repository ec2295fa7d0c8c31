/**
 * The cleaner's view of the shared batch walker (lib/segment/batch-walker.ts) over one sealed `.log`:
 * 256 KiB reads (Kafka's cleaner I/O buffer) into one reused buffer, each batch's v2 header loaded into
 * a reused BatchHeaderView. No allocation per batch.
 *
 * It opens its own read-only descriptor on the path: a segment retired (renamed `.deleted`) while a
 * round reads it stays readable through that descriptor on POSIX, and the round notices the
 * segment is gone before the swap (cleaner.ts) and abandons its output instead of corrupting the log.
 * Reads stop at `limitBytes` (the sealed size). A sealed segment has no tail that may be torn, so
 * whatever stops the walk early (in the walker's words) is a CorruptRecordError and the round fails.
 */
import { CorruptRecordError } from '../errors.js';
import { CLEANER_READ_CHUNK_BYTES } from '../limits.js';
import { BatchHeaderView } from '../record/index.js';
import { BatchWalker } from '../segment/batch-walker.js';

export class BatchScanner {
  readonly header = new BatchHeaderView();
  private readonly walker = new BatchWalker({ chunkBytes: CLEANER_READ_CHUNK_BYTES });
  private path = '';

  open(path: string, limitBytes: number): void {
    this.path = path;
    this.walker.open(path, 0, limitBytes);
  }

  close(): void {
    this.walker.close();
  }

  /** Loads the next batch; false at the end of the file. */
  next(): boolean {
    const walker = this.walker;
    if (!walker.next()) {
      const stop = walker.stop;
      if (stop !== null) throw new CorruptRecordError(stop.reason, { path: this.path, positionBytes: stop.positionBytes });
      return false;
    }
    this.header.load(walker.chunk, walker.batchStart, { path: this.path, basePositionBytes: walker.positionBytes - walker.batchStart });
    return true;
  }

  /** The chunk holding the current batch at `batchStart` (valid until the next `next()`). */
  get chunk(): Buffer {
    return this.walker.chunk;
  }

  get batchStart(): number {
    return this.walker.batchStart;
  }

  /** File position of the current batch. */
  get positionBytes(): number {
    return this.walker.positionBytes;
  }

  get bytesRead(): number {
    return this.walker.bytesRead;
  }

  /** The current batch's bytes (a view into the reused chunk: valid until the next `next()`). */
  batchBytes(): Buffer {
    return this.walker.batchBytes();
  }
}
