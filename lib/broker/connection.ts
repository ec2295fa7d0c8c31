/**
 * One client connection of the wire server: reads size-prefixed request frames, answers them one at a
 * time in arrival order (Kafka "mutes" a channel the same way) and writes each response, its record
 * data as file regions straight from the page cache.
 *
 * Framing is judged from a frame's first eight bytes (size, API key, version), before its body is
 * buffered: a size that is negative, below a request header, above requestBytesMax or above its API's
 * own limit (requestBytesMaxFor) closes the connection. A frame's bytes are reserved in the server's
 * RequestMemoryPool before they are read; while it is spent the socket is paused until memory is
 * granted. At most QUEUED_FRAMES_MAX frames wait unanswered before reading pauses. Idle connections
 * close after idleTimeoutMs. Any failure closes this connection only.
 */
import type { Socket } from 'node:net';
import type { FileRegion } from '../index.js';
import { REQUEST_HEADER_MIN_BYTES, requestBytesMaxFor } from './protocol/api-keys.js';
import { ProtocolError, Writer, type ResponseChunk } from './protocol/wire.js';
import { handleRequest } from './request-handlers.js';
import type { ServerContext } from './server-context.js';

import { CONNECTION_QUEUED_FRAMES_MAX as QUEUED_FRAMES_MAX } from '../limits.js';
/** Size (int32), API key and version (int16 each): what is read of a frame before its body is buffered. */
const FRAME_PREFIX_BYTES = 8;
const SIZE_PREFIX_BYTES = 4;

interface QueuedFrame {
  bytes: Buffer;
  reservedBytes: number;
}

export class Connection {
  private readonly socket: Socket;
  private readonly context: ServerContext;
  private readonly requestBytesMax: number;
  private readonly prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
  private prefixBytes = 0;
  /** The frame being read: its buffer (sized from the prefix, reserved in the pool) and how much has arrived. */
  private body: Buffer | null = null;
  private bodyBytes = 0;
  /** Received bytes not yet consumed while this connection waits for pool memory. */
  private stalled: Buffer | null = null;
  private readonly frames: QueuedFrame[] = [];
  private processing = false;
  private closed = false;
  private readonly writer = new Writer();
  private readonly onMemory = (): void => this.memoryGranted();

  constructor(socket: Socket, context: ServerContext, requestBytesMax: number, idleTimeoutMs: number) {
    this.socket = socket;
    this.context = context;
    this.requestBytesMax = requestBytesMax;
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs, () => this.close());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Bytes of request frames this connection holds (partial and queued). */
  get bufferedBytes(): number {
    let bytes = this.bodyBytes;
    for (const f of this.frames) bytes += f.bytes.length;
    return bytes;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const pool = this.context.memory;
    pool.cancel(this.onMemory);
    if (this.body !== null) pool.release(this.body.length);
    this.body = null;
    this.stalled = null;
    // Frames still queued are released here; the one being handled is released by drainFrames.
    for (const f of this.frames.splice(0)) pool.release(f.reservedBytes);
    this.context.connections.delete(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let at = 0;
    while (at < chunk.length) {
      if (this.body === null) {
        const take = Math.min(FRAME_PREFIX_BYTES - this.prefixBytes, chunk.length - at);
        chunk.copy(this.prefix, this.prefixBytes, at, at + take);
        const hadSize = this.prefixBytes >= SIZE_PREFIX_BYTES;
        this.prefixBytes += take;
        at += take;
        if (!hadSize && this.prefixBytes >= SIZE_PREFIX_BYTES) {
          const sizeBytes = this.prefix.readInt32BE(0);
          if (sizeBytes < REQUEST_HEADER_MIN_BYTES || sizeBytes > this.requestBytesMax) {
            this.close();
            return;
          }
        }
        if (this.prefixBytes < FRAME_PREFIX_BYTES) break;
        const sizeBytes = this.prefix.readInt32BE(0);
        const apiKey = this.prefix.readInt16BE(SIZE_PREFIX_BYTES);
        // Size and API are judged before a byte of the body is kept: a frame too large for its API closes the connection.
        const limitBytes = requestBytesMaxFor(apiKey, this.requestBytesMax);
        if (limitBytes === 0) {
          this.context.broker.emit('unsupportedRequest', { apiKey, apiVersion: this.prefix.readInt16BE(SIZE_PREFIX_BYTES + 2),
              clientId: null, remoteAddress: this.socket.remoteAddress ?? null });
        }
        if (sizeBytes > limitBytes) {
          this.close();
          return;
        }
        if (!this.context.memory.reserveOrWait(sizeBytes, this.onMemory)) {
          this.stalled = chunk.subarray(at);
          this.socket.pause();
          return;
        }
        this.startBody(sizeBytes);
      }
      const body = this.body as Buffer;
      const take = Math.min(body.length - this.bodyBytes, chunk.length - at);
      chunk.copy(body, this.bodyBytes, at, at + take);
      this.bodyBytes += take;
      at += take;
      if (this.bodyBytes === body.length) {
        this.frames.push({ bytes: body, reservedBytes: body.length });
        this.body = null;
        this.bodyBytes = 0;
        this.prefixBytes = 0;
      }
    }
    if (this.frames.length >= QUEUED_FRAMES_MAX) this.socket.pause();
    if (!this.processing && this.frames.length > 0) void this.drainFrames();
  }

  private startBody(sizeBytes: number): void {
    const body = Buffer.allocUnsafe(sizeBytes);
    this.prefix.copy(body, 0, SIZE_PREFIX_BYTES, FRAME_PREFIX_BYTES);
    this.body = body;
    this.bodyBytes = FRAME_PREFIX_BYTES - SIZE_PREFIX_BYTES;
  }

  private memoryGranted(): void {
    if (this.closed) {
      this.context.memory.release(this.prefix.readInt32BE(0));
      return;
    }
    this.startBody(this.prefix.readInt32BE(0));
    const rest = this.stalled ?? Buffer.alloc(0);
    this.stalled = null;
    this.onData(rest);
    if (!this.closed && this.stalled === null && this.frames.length < QUEUED_FRAMES_MAX) this.socket.resume();
  }

  private async drainFrames(): Promise<void> {
    this.processing = true;
    const pool = this.context.memory;
    try {
      while (!this.closed && this.frames.length > 0) {
        const frame = this.frames.shift() as QueuedFrame;
        let released = false;
        try {
          if (this.frames.length < QUEUED_FRAMES_MAX / 2 && this.socket.isPaused() && this.stalled === null) this.socket.resume();
          const startedNs = process.hrtime.bigint();
          const chunks = await handleRequest(this.context, frame.bytes, this.writer, this.socket.remoteAddress ?? null);
          this.context.broker.observeRequest(frame.bytes.readInt16BE(0), Number(process.hrtime.bigint() - startedNs) / 1e9);
          // Produce appended the frame's bytes in place: they are on the log now, the memory is free again.
          pool.release(frame.reservedBytes);
          released = true;
          if (chunks === null) continue;
          await this.send(chunks);
        } finally {
          if (!released) pool.release(frame.reservedBytes);
        }
      }
    } catch {
      // A request we cannot parse or answer: Kafka closes the connection; so do we.
      this.close();
    } finally {
      this.processing = false;
    }
  }

  private async send(chunks: readonly ResponseChunk[]): Promise<void> {
    const socket = this.socket;
    let lastWrite: Promise<void> = Promise.resolve();
    for (const chunk of chunks) {
      if (this.closed) return;
      if (chunk instanceof Buffer) {
        lastWrite = new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
      } else {
        // The region goes out from the page cache: earlier bytes must be in the kernel first.
        await lastWrite;
        if (this.closed) return;
        const sentBytes = await (chunk as FileRegion).transferTo(socket);
        if (sentBytes !== (chunk as FileRegion).sizeBytes) {
          throw new ProtocolError(`region sent ${sentBytes} of ${(chunk as FileRegion).sizeBytes} bytes`);
        }
        lastWrite = Promise.resolve();
      }
    }
    if (socket.writableLength > socket.writableHighWaterMark) await lastWrite;
  }
}
