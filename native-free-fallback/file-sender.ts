/**
 * File range → Writable (a socket, usually) with backpressure, in pure Node: the sender behind
 * FileRegion.transferTo. Two sources:
 *
 *   fd      positioned `readSync` of up to CHUNK_BYTES into one of BUFFERS_PER_SEND reused buffers,
 *           then `write`. A buffer is read into again only after the destination called back for it
 *           (a socket keeps the Buffer it was given, not a copy). Buffers come from a small module
 *           pool, so a send allocates nothing per read. Measured ≈ the C read+write loop.
 *   mapped  views of a read-only mapping of the whole file, written as they are: the kernel copies
 *           page cache → socket buffer once, with no read() copy into user space (measured 0.55× the
 *           CPU of the fd path). The views must reach only the kernel — see lib/segment/file-region.ts
 *           for why that keeps a truncated file from raising SIGBUS.
 *
 * Write callbacks of a stream fire in write order, so in-flight buffers form a FIFO and one bound
 * callback per send serves every chunk. `done` runs exactly once: after the last write's callback,
 * or at the first failure (destination closed or failed, the file read short or failed). Listeners
 * added to the destination are removed before `done`.
 *
 * Imports: Node built-ins and contract types only.
 */
import { readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { FileSendFailure, FileSendOutcome, FileSendSource, SendFileRange } from '../lib/platform/contract.js';

/** Bytes per read and per write: 1 MiB measured best for both sources (fewer syscalls, still cache-warm). */
export const CHUNK_BYTES = 1024 * 1024;
/** Two buffers per fd send: the next read overlaps the previous write. */
const BUFFERS_PER_SEND = 2;
/** Idle buffers kept for later sends (8 MiB); more concurrent sends allocate and drop the extra ones. */
const POOL_BUFFERS_MAX = 8;

const pool: Buffer[] = [];

function takeBuffer(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
}

function giveBuffer(buffer: Buffer): void {
  if (pool.length < POOL_BUFFERS_MAX) pool.push(buffer);
}

/** Idle buffers in the pool (tests check that sends give theirs back). */
export function pooledBufferCount(): number {
  return pool.length;
}

class RangeSend {
  private readonly fd: number;
  private readonly mapped: Buffer | null;
  private readonly positionBytes: number;
  private readonly sizeBytes: number;
  private readonly destination: Writable;
  private readonly done: (outcome: FileSendOutcome) => void;
  /** Bytes handed to `write` so far. */
  private queuedBytes = 0;
  /** Bytes the destination called back for. */
  private sentBytes = 0;
  private waitingDrain = false;
  private finished = false;
  /** fd source: buffers free to read into, and buffers written but not yet called back (FIFO). */
  private readonly spare: Buffer[] = [];
  private readonly inFlight: Buffer[] = [];
  private readonly inFlightLengths: number[] = [];
  private readonly onWritten: (error?: Error | null) => void;
  private readonly onDrain: () => void;
  private readonly onClose: () => void;
  private readonly onError: (error: Error) => void;

  constructor(source: FileSendSource, positionBytes: number, sizeBytes: number, destination: Writable,
    done: (outcome: FileSendOutcome) => void) {
    this.fd = source.fd;
    this.mapped = source.mapped;
    this.positionBytes = positionBytes;
    this.sizeBytes = sizeBytes;
    this.destination = destination;
    this.done = done;
    this.onWritten = (error) => this.written(error);
    this.onDrain = () => {
      this.waitingDrain = false;
      this.pump();
    };
    this.onClose = () => this.finish('destination-closed', undefined);
    this.onError = (error) => this.finish('destination-failed', error);
    if (this.mapped === null) for (let i = 0; i < BUFFERS_PER_SEND; i++) this.spare.push(takeBuffer());
  }

  start(): void {
    const destination = this.destination;
    if (this.sizeBytes === 0) {
      this.finish(null, undefined);
      return;
    }
    if (destination.destroyed || destination.writableEnded) {
      this.finish('destination-closed', undefined);
      return;
    }
    destination.on('close', this.onClose);
    destination.on('error', this.onError);
    this.pump();
  }

  private pump(): void {
    const destination = this.destination;
    const sizeBytes = this.sizeBytes;
    while (!this.finished && !this.waitingDrain && this.queuedBytes < sizeBytes) {
      if (destination.destroyed || destination.writableEnded) {
        this.finish('destination-closed', undefined);
        return;
      }
      const lengthBytes = Math.min(CHUNK_BYTES, sizeBytes - this.queuedBytes);
      const chunk = this.mapped === null ? this.readChunk(lengthBytes) : this.mapChunk(lengthBytes);
      if (chunk === null) return;
      this.queuedBytes += lengthBytes;
      this.inFlightLengths.push(lengthBytes);
      if (!destination.write(chunk, this.onWritten)) {
        this.waitingDrain = true;
        destination.once('drain', this.onDrain);
      }
    }
  }

  private mapChunk(lengthBytes: number): Buffer {
    const start = this.positionBytes + this.queuedBytes;
    return (this.mapped as Buffer).subarray(start, start + lengthBytes);
  }

  /** The next chunk read into a spare buffer; null when none is free or the read failed (finished). */
  private readChunk(lengthBytes: number): Buffer | null {
    const buffer = this.spare.pop();
    if (buffer === undefined) return null;
    const fd = this.fd;
    const filePosition = this.positionBytes + this.queuedBytes;
    let readBytes = 0;
    try {
      while (readBytes < lengthBytes) {
        const n = readSync(fd, buffer, readBytes, lengthBytes - readBytes, filePosition + readBytes);
        if (n === 0) break;
        readBytes += n;
      }
    } catch (error) {
      this.spare.push(buffer);
      this.finish('read-failed', error);
      return null;
    }
    if (readBytes < lengthBytes) {
      this.spare.push(buffer);
      this.finish('file-ended', undefined);
      return null;
    }
    this.inFlight.push(buffer);
    return lengthBytes === buffer.length ? buffer : buffer.subarray(0, lengthBytes);
  }

  private written(error: Error | null | undefined): void {
    const lengthBytes = this.inFlightLengths.shift() ?? 0;
    const buffer = this.mapped === null ? this.inFlight.shift() : undefined;
    // The destination no longer holds this buffer: reusable, or pooled once the send is over.
    if (buffer !== undefined) {
      if (this.finished) giveBuffer(buffer);
      else this.spare.push(buffer);
    }
    if (this.finished) return;
    if (error) {
      this.finish('destination-failed', error);
      return;
    }
    this.sentBytes += lengthBytes;
    if (this.sentBytes === this.sizeBytes) this.finish(null, undefined);
    else this.pump();
  }

  private finish(failure: FileSendFailure, cause: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const destination = this.destination;
    destination.off('close', this.onClose);
    destination.off('error', this.onError);
    destination.off('drain', this.onDrain);
    for (const buffer of this.spare.splice(0)) giveBuffer(buffer);
    this.done({ sentBytes: failure === null ? this.sizeBytes : this.sentBytes, failure, cause });
  }
}

export const sendFileRange: SendFileRange = (source: FileSendSource, positionBytes: number, sizeBytes: number,
  destination: Writable, done: (outcome: FileSendOutcome) => void): void => {
  new RangeSend(source, positionBytes, sizeBytes, destination, done).start();
};
