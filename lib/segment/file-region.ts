/**
 * A slice of a segment file — what `Log.read` returns (Kafka's FileRecords slice). The bytes on disk
 * are the bytes on the wire (whole batches from the first; the end may cut a batch), so a region moves
 * to a socket or stream without decoding or re-encoding.
 *
 * Mechanism, chosen by measurement (bench/transfer, README "Zero-copy reads"): to a plain TCP or IPC
 * socket, a sealed segment goes as 1 MiB views of a read-only mmap of the file — one kernel copy,
 * page cache → socket buffer, ≈ 1.4× the throughput and ≈ 0.55× the CPU of read + write on loopback.
 * Everything else (the active segment, a file cut by truncation, TLS sockets and other Writables, and
 * every send under SEGLOG_NATIVE=0) goes through positioned `readSync` into two reused 1 MiB buffers
 * + `write` (≈ 0.97× a C read+write loop). Node has no sendfile(2); on loopback C sendfile measured
 * below read+write anyway.
 *
 * SIGBUS: a page of a mapping past the file's end faults. A view of the mapping is therefore handed
 * only to a socket's kernel write, where the fault becomes EFAULT for that write (the transfer
 * rejects), and never to JavaScript that would read it (TLS encrypts in user space, a generic
 * Writable may copy) — those destinations get copies. Only sealed segments are mapped; a truncation
 * of one calls FileHandle.beforeTruncate first, which stops new mappings.
 *
 * Failure: a destination that closes or errors, a file deleted or cut under the region — the promise
 * rejects with TransferAbortedError, the fd is released, nothing hangs. Deleted but still open (the
 * `.deleted` delay, or unlinked with the fd held) is not a failure: the bytes are still there.
 */
import type { AbortedTransaction } from './transaction-index.js';
import { Socket } from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { assert, assertionFailed } from '../assert.js';
import { SeglogError, TransferAbortedError } from '../errors.js';
import { LOG_OVERHEAD_BYTES, STREAM_CHUNK_BYTES } from '../limits.js';
import { BATCH_LENGTH } from '../record/layout.js';
import type { FileSendOutcome } from '../platform/contract.js';
import { sendFileRange } from '../platform/index.js';
import { readFully } from '../platform/positioned-read.js';
import type { FileHandle } from './file-handle.js';


/**
 * Mapped views go only to a plain net.Socket (TCP or IPC, as net.connect and net.Server make them),
 * whose writes hand the bytes straight to the kernel. Subclasses may read chunks in user space —
 * TLSSocket encrypts them — so they, like every other Writable, get copies.
 */
function kernelOnly(destination: Writable): boolean {
  return Object.getPrototypeOf(destination) === Socket.prototype;
}

export class FileRegion {
  readonly file: FileHandle | null;
  readonly positionBytes: number;
  readonly sizeBytes: number;
  readonly firstOffset: number;
  /**
   * For a read_committed read: the aborted transactions overlapping the region, whose data a consumer
   * drops (what a Fetch v4+ response carries). null for read_uncommitted reads.
   */
  abortedTransactions: AbortedTransaction[] | null = null;
  /**
   * The last offset of the region's first batch, as the lookup found it (-1 when not known): with
   * `firstOffset` it tells a point read how far into a large batch its record probably sits.
   */
  readonly firstBatchLastOffset: number;

  constructor(file: FileHandle | null, positionBytes: number, sizeBytes: number, firstOffset: number, firstBatchLastOffset = -1) {
    // Checked on every read: the messages are built only on failure.
    if (!(Number.isSafeInteger(positionBytes) && positionBytes >= 0)) assertionFailed(`region position ${positionBytes}`);
    if (!(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0)) assertionFailed(`region size ${sizeBytes}`);
    assert(file !== null || sizeBytes === 0, 'a region with bytes needs a file');
    this.file = file;
    this.positionBytes = positionBytes;
    this.sizeBytes = sizeBytes;
    this.firstOffset = firstOffset;
    this.firstBatchLastOffset = firstBatchLastOffset;
  }

  /** A region of no bytes (a read at the log end). */
  static empty(firstOffset: number): FileRegion {
    return new FileRegion(null, 0, 0, firstOffset);
  }

  get path(): string {
    return this.file === null ? '' : this.file.path;
  }

  /** Reads `lengthBytes` at region offset `fromBytes` into `target` at `targetStart` (fully, or TransferAbortedError). */
  private readInto(fd: number, target: Buffer, targetStart: number, fromBytes: number, lengthBytes: number): void {
    const filePosition = this.positionBytes + fromBytes;
    const readBytes = readFully(fd, target, targetStart, lengthBytes, filePosition, this.path);
    if (readBytes < lengthBytes) {
      throw new TransferAbortedError(`segment ended ${this.sizeBytes - fromBytes - readBytes} bytes before the region's end`,
        { path: this.path, positionBytes: filePosition + readBytes });
    }
  }

  /** The region's bytes in one Buffer (small reads: the consumer gets a copy it may keep). */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.sizeBytes);
    const file = this.file;
    if (this.sizeBytes === 0 || file === null) return out;
    const fd = file.acquire();
    try {
      this.readInto(fd, out, 0, 0, this.sizeBytes);
    } finally {
      file.release();
    }
    return out;
  }

  /**
   * The region's bytes read into `target` (at least `sizeBytes` long) with one positioned read, for a
   * reader that reuses its buffer; returns the view of `target` that holds them.
   */
  readTo(target: Buffer): Buffer {
    this.readRange(0, this.sizeBytes, target);
    return target.subarray(0, this.sizeBytes);
  }

  /** Region bytes [fromBytes, fromBytes + lengthBytes) into `target` at 0, with one positioned read. */
  readRange(fromBytes: number, lengthBytes: number, target: Buffer): void {
    assert(fromBytes >= 0 && lengthBytes >= 0 && fromBytes + lengthBytes <= this.sizeBytes, 'readRange outside the region');
    assert(target.length >= lengthBytes, 'readRange target shorter than the range');
    const file = this.file;
    if (lengthBytes === 0 || file === null) return;
    const fd = file.acquire();
    try {
      this.readInto(fd, target, 0, fromBytes, lengthBytes);
    } finally {
      file.release();
    }
  }

  /**
   * Size of the first batch (log overhead + batchLength), read from its 12-byte header; -1 for an
   * empty region or one shorter than a header. The fetch planner uses it to spot a cut first batch.
   */
  firstBatchSizeBytes(): number {
    const file = this.file;
    if (file === null || this.sizeBytes < LOG_OVERHEAD_BYTES) return -1;
    const header = Buffer.allocUnsafe(LOG_OVERHEAD_BYTES);
    const fd = file.acquire();
    try {
      this.readInto(fd, header, 0, 0, LOG_OVERHEAD_BYTES);
    } finally {
      file.release();
    }
    return LOG_OVERHEAD_BYTES + header.readInt32BE(BATCH_LENGTH);
  }

  /** A Readable of the region in 64 KiB chunks the consumer may keep; errors are TransferAbortedError / StorageError. */
  stream(): Readable {
    const file = this.file;
    const sizeBytes = this.sizeBytes;
    let fromBytes = 0;
    let fd = -1;
    const release = (): void => {
      if (fd >= 0 && file !== null) file.release();
      fd = -1;
    };
    const readable: Readable = new Readable({
      highWaterMark: STREAM_CHUNK_BYTES,
      read: (): void => {
        try {
          if (fromBytes >= sizeBytes || file === null) {
            release();
            readable.push(null);
            return;
          }
          if (fd < 0) fd = file.acquire();
          const lengthBytes = Math.min(STREAM_CHUNK_BYTES, sizeBytes - fromBytes);
          const chunk = Buffer.allocUnsafe(lengthBytes);
          this.readInto(fd, chunk, 0, fromBytes, lengthBytes);
          fromBytes += lengthBytes;
          readable.push(chunk);
        } catch (error) {
          release();
          readable.destroy(error instanceof Error ? error : new Error(String(error)));
        }
      },
      destroy: (error, callback): void => {
        release();
        callback(error);
      },
    });
    return readable;
  }

  /**
   * Writes the region's bytes to `destination` (a net.Socket or any Writable) with backpressure.
   * Resolves with the byte count once the destination has taken every byte; rejects with
   * TransferAbortedError if the destination closes or fails, or the file is deleted or cut under
   * the region. Listeners it adds to `destination` are gone when it settles; an 'error' the
   * destination emits afterwards is the caller's to handle.
   */
  transferTo(destination: Writable): Promise<number> {
    const file = this.file;
    if (this.sizeBytes === 0 || file === null) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      let fd: number;
      try {
        fd = file.acquire();
      } catch (error) {
        reject(this.aborted('cannot read segment', 0, error));
        return;
      }
      let mapped = kernelOnly(destination) ? file.mappedBytes() : null;
      // A region past the mapped (sealed) size — the file grew again after a truncation — reads.
      if (mapped !== null && this.positionBytes + this.sizeBytes > mapped.length) mapped = null;
      const truncations = file.truncations;
      const endPositionBytes = this.positionBytes + this.sizeBytes;
      sendFileRange({ fd, mapped }, this.positionBytes, this.sizeBytes, destination, (outcome: FileSendOutcome) => {
        file.release();
        if (outcome.failure !== null) reject(this.failed(outcome));
        else if (mapped !== null && file.cutBelow(endPositionBytes, truncations)) {
          reject(this.aborted('segment was cut under the region while it was sent', outcome.sentBytes, undefined));
        } else resolve(outcome.sentBytes);
      });
    });
  }

  private failed(outcome: FileSendOutcome): SeglogError {
    const sent = `after ${outcome.sentBytes} of ${this.sizeBytes} bytes`;
    switch (outcome.failure) {
      case 'file-ended':
        return this.aborted(`segment was cut under the region ${sent}`, outcome.sentBytes, undefined);
      case 'read-failed':
        return this.aborted(`segment read failed ${sent}`, outcome.sentBytes, outcome.cause);
      case 'destination-closed':
        return this.aborted(`destination closed ${sent}`, outcome.sentBytes, undefined);
      default: {
        const detail = outcome.cause instanceof Error ? `: ${outcome.cause.message}` : '';
        return this.aborted(`destination failed ${sent}${detail}`, outcome.sentBytes, outcome.cause);
      }
    }
  }

  private aborted(message: string, sentBytes: number, cause: unknown): SeglogError {
    if (cause instanceof TransferAbortedError) return cause;
    return new TransferAbortedError(message, { path: this.path, positionBytes: this.positionBytes + sentBytes, offset: this.firstOffset,
      cause });
  }
}
