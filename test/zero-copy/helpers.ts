/**
 * Shared pieces of the zero-copy tests: a 127.0.0.1 receiver that collects (or drops) what it gets,
 * a connected client socket, open-fd counting from /proc/self/fd, and segment-like files of real
 * record batches written with the codec.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readdirSync, writeFileSync } from 'node:fs';
import { encodeBatch } from '../../lib/index.js';

export const openFds = (): number => readdirSync('/proc/self/fd').length;

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Receiver {
  server: Server;
  port: number;
  /** Everything received on the first connection, once it ends or fails. */
  received: Promise<Buffer>;
  /** The server's side of each accepted connection. */
  sockets: Socket[];
  close(): Promise<void>;
}

/** A receiver; `slowMs` pauses reading after every chunk so the sender meets backpressure. */
export async function receiver(slowMs = 0): Promise<Receiver> {
  const sockets: Socket[] = [];
  let deliver: (bytes: Buffer) => void = () => undefined;
  const received = new Promise<Buffer>((resolve) => (deliver = resolve));
  const server = createServer((socket) => {
    sockets.push(socket);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (slowMs > 0) {
        socket.pause();
        setTimeout(() => socket.resume(), slowMs);
      }
    });
    socket.on('end', () => deliver(Buffer.concat(chunks)));
    socket.on('error', () => deliver(Buffer.concat(chunks)));
    socket.on('close', () => deliver(Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, port, received, sockets, close };
}

/** A connected client socket with an error handler (a reset after a test's transfer must not crash it). */
export async function client(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** Ends the socket and waits until the receiver has everything. */
export async function finish(socket: Socket, target: Receiver): Promise<Buffer> {
  socket.end();
  return target.received;
}

export interface BatchFile {
  path: string;
  bytes: Buffer;
  /** Start position and size of each batch, in file order; batch i holds offsets [i * records, …). */
  batches: Array<{ positionBytes: number; sizeBytes: number; baseOffset: number }>;
}

/** A .log-like file of `count` batches of `recordsPerBatch` records with `valueBytes`-byte values. */
export function writeBatchFile(path: string, count: number, recordsPerBatch: number, valueBytes: number,
  random: () => number = Math.random): BatchFile {
  const parts: Buffer[] = [];
  const batches: BatchFile['batches'] = [];
  let positionBytes = 0;
  for (let b = 0; b < count; b++) {
    const records = Array.from({ length: recordsPerBatch }, (_, i) => {
      const value = Buffer.allocUnsafe(valueBytes);
      for (let j = 0; j < valueBytes; j += 4) value.writeUInt32LE((random() * 2 ** 32) >>> 0, Math.min(j, valueBytes - 4));
      return { key: `k${b}-${i}`, value, timestampMs: 1_700_000_000_000 + b };
    });
    const bytes = Buffer.from(encodeBatch(records, { baseOffset: b * recordsPerBatch }));
    batches.push({ positionBytes, sizeBytes: bytes.length, baseOffset: b * recordsPerBatch });
    parts.push(bytes);
    positionBytes += bytes.length;
  }
  const bytes = Buffer.concat(parts);
  writeFileSync(path, bytes);
  return { path, bytes, batches };
}

/** A file of `sizeBytes` seeded pseudo-random bytes (for transfers that need no batch structure). */
export function writeRandomFile(path: string, sizeBytes: number, random: () => number): Buffer {
  const bytes = Buffer.allocUnsafe(sizeBytes);
  for (let i = 0; i + 4 <= sizeBytes; i += 4) bytes.writeUInt32LE((random() * 2 ** 32) >>> 0, i);
  for (let i = sizeBytes - (sizeBytes % 4); i < sizeBytes; i++) bytes[i] = (random() * 256) | 0;
  writeFileSync(path, bytes);
  return bytes;
}
