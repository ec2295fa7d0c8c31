/** Shared helpers for the broker tests: a real `seglog serve` child process and a raw wire client. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Reader, Writer } from '../../lib/broker/protocol/wire.js';

const SERVE_CHILD = fileURLToPath(new URL('./serve-child.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  dataDir: string;
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
        dataDir,
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
/** The first partition's error code and base offset of a Produce response (v3+ layout). */
export function readProduceAnswer(frame: Buffer): { errorCode: number; baseOffset: number } {
  const r = new Reader(frame);
  r.int32();
  r.arrayLength();
  r.string();
  r.arrayLength();
  r.int32();
  return { errorCode: r.int16(), baseOffset: r.int64() };
}

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

const BROKER_CHILD = fileURLToPath(new URL('./broker-child.js', import.meta.url));

export interface BrokerChild {
  child: ChildProcess;
  port: number;
  /** One `stats` answer from the child (see broker-child.ts). */
  stats(): Promise<ChildStats>;
  stop(): Promise<number | null>;
}

export interface ChildStats {
  rssBytes: number;
  memory: { reservedBytes: number; bufferedBytes: number; capacityBytes: number; waitingConnections: number };
  connections: number;
  partitionsMax: number;
}

/** Starts broker-child.js, optionally under `prlimit` arguments (e.g. ['--nofile=200:200']). */
export function startBrokerChild(dataDir: string, options: object = {}, prlimit: string[] = []): Promise<BrokerChild> {
  const node = [process.execPath, '--expose-gc', BROKER_CHILD, dataDir, JSON.stringify(options)];
  const [command, ...args] = prlimit.length > 0 ? ['prlimit', ...prlimit, ...node] : node;
  const child = spawn(command as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  let out = '';
  const lineWaiters: ((line: string) => void)[] = [];
  child.stdout?.on('data', (d) => {
    out += d;
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      lineWaiters.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => lineWaiters.push(resolve));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`broker child exited with ${code}: ${stderr}`)));
    void nextLine().then((line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match === null) return reject(new Error(`broker child said ${line}: ${stderr}`));
      resolve({
        child,
        port: Number(match[1]),
        async stats() {
          const answer = nextLine();
          child.stdin?.write('stats\n');
          return JSON.parse(await answer) as ChildStats;
        },
        async stop() {
          child.stdin?.end();
          return exited;
        },
      });
    });
  });
}
