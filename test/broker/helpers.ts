/** Shared helpers for the broker tests: a real `seglog serve` child process and a raw wire client. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Writer } from '../../lib/broker/protocol/wire.js';

const SERVE_CHILD = fileURLToPath(new URL('./serve-child.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServe(dataDir: string, extra: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', SERVE_CHILD, '--data', dataDir, '--port', '0',
      '--initial-rebalance-delay-ms', '200', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const match = /listening [^:\s]+:(\d+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      resolve({
        child,
        port: Number(match[1]),
        stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
          if (child.exitCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
}

/** One request frame: header v1 (apiKey, apiVersion, correlationId, clientId) then `body`. */
export function requestFrame(apiKey: number, apiVersion: number, correlationId: number, body: (w: Writer) => void,
    flexibleHeader = false): Buffer {
  const w = new Writer();
  w.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId).nullableString('test');
  if (flexibleHeader) w.emptyTaggedFields();
  body(w);
  const [frame] = w.finishFrame();
  return frame as Buffer;
}

/** A raw client: send frames, read whole response frames (without the size prefix). */
export class WireClient {
  readonly socket: Socket;
  private buffered = Buffer.alloc(0);
  private waiters: ((frame: Buffer) => void)[] = [];
  private frames: Buffer[] = [];
  closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        const waiter = this.waiters.shift();
        if (waiter !== undefined) waiter(frame);
        else this.frames.push(frame);
      }
    });
  }

  static open(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: Buffer): void {
    this.socket.write(frame);
  }

  next(timeoutMs = 5000): Promise<Buffer> {
    const ready = this.frames.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response')), timeoutMs);
      this.waiters.push((frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  async request(frame: Buffer): Promise<Buffer> {
    this.send(frame);
    return this.next();
  }

  close(): void {
    this.socket.destroy();
  }
}
