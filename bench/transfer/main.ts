/**
 * Zero-copy transfer benchmark (issue: zero-copy reads). Moves the same log bytes over 127.0.0.1 to a
 * receiver process that only counts them (recv.c), and compares seglog's FileRegion.transferTo with
 * (a) C sendfile(2) and C read(1 MiB)+write (send.c), (b) Node readSync into a reused 1 MiB buffer +
 * socket.write with backpressure, (c) fs.createReadStream().pipe(socket). Reports throughput, sender
 * CPU per GB, ratios to the best raw transfer and to (b), and heap/RSS around seglog's transfer.
 *
 *   node dist/bench/transfer/main.js [--size-mib N] [--rounds N]
 * The last stdout line is one JSON object (bench/external.ts reads it).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log, platformReport } from '../../lib/index.js';

const argValue = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const sizeMiB = argValue('--size-mib', 1024);
const rounds = argValue('--rounds', 3);
const sourceDir = fileURLToPath(new URL('../../../bench/transfer/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'seglog-transfer-'));

function build(): { recv: string; send: string } {
  const recv = join(work, 'recv');
  const send = join(work, 'send');
  execFileSync('gcc', ['-O2', '-o', recv, join(sourceDir, 'recv.c')]);
  execFileSync('gcc', ['-O2', '-o', send, join(sourceDir, 'send.c')]);
  return { recv, send };
}

class Receiver {
  private readonly child: ChildProcessWithoutNullStreams;
  private lines: string[] = [];
  private waiters: Array<(line: string) => void> = [];
  constructor(path: string) {
    this.child = spawn(path);
    let buffered = '';
    this.child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        const waiter = this.waiters.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      }
    });
  }
  next(): Promise<string> {
    const line = this.lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => this.waiters.push(resolve));
  }
  stop(): void {
    this.child.kill();
  }
}

interface Measured { seconds: number; cpuSeconds: number; bytes: number }

async function nodeSender(port: number, run: (socket: Socket) => Promise<void>): Promise<{ cpuSeconds: number }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const cpu = process.cpuUsage();
  await run(socket);
  await new Promise<void>((r) => socket.end(r));
  const used = process.cpuUsage(cpu);
  return { cpuSeconds: (used.user + used.system) / 1e6 };
}

async function rawReadWrite(socket: Socket, path: string, sizeBytes: number): Promise<void> {
  const fd = openSync(path, 'r');
  const buffers = [Buffer.allocUnsafe(1 << 20), Buffer.allocUnsafe(1 << 20)];
  let position = 0;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const pump = (): void => {
      while (buffers.length > 0 && position < sizeBytes) {
        const buffer = buffers.pop()!;
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, sizeBytes - position), position);
        position += n;
        inFlight++;
        const ok = socket.write(n === buffer.length ? buffer : buffer.subarray(0, n), () => {
          inFlight--;
          buffers.push(buffer);
          if (position >= sizeBytes && inFlight === 0) resolve();
          else pump();
        });
        if (!ok) return;
      }
    };
    pump();
  });
  closeSync(fd);
}

async function main(): Promise<void> {
  const { recv, send } = build();
  const receiver = new Receiver(recv);
  const port = Number((await receiver.next()).split(' ')[1]);

  // One segment holding sizeMiB of 1 KiB records: the file every case sends.
  const dir = join(work, 'bench-0');
  const log = await Log.open(dir, { segmentBytes: 2_000_000_000 });
  const value = Buffer.alloc(1024, 7);
  const records = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value, timestampMs: 1_700_000_000_000 }));
  while (log.stats().sizeBytes < sizeMiB * 1024 * 1024) log.append(records);
  await log.flush();
  const segmentPath = join(dir, '00000000000000000000.log');
  const sizeBytes = statSync(segmentPath).size;
  const regionMaxBytes = 16 * 1024 * 1024;

  const cases: Record<string, () => Promise<{ cpuSeconds: number }>> = {
    'c-sendfile': async () => ({ cpuSeconds: Number(execFileSync(send, ['sendfile', String(port),
        segmentPath]).toString().split(' ')[1]) / 1e6 }),
    'c-readwrite': async () => ({ cpuSeconds: Number(execFileSync(send, ['readwrite', String(port),
        segmentPath]).toString().split(' ')[1]) / 1e6 }),
    'node-readsync-write': () => nodeSender(port, (socket) => rawReadWrite(socket, segmentPath, sizeBytes)),
    'node-createreadstream-pipe': () => nodeSender(port, (socket) => new Promise<void>((resolve, reject) => {
      const stream = createReadStream(segmentPath);
      stream.on('end', resolve).on('error', reject);
      stream.pipe(socket, { end: false });
    })),
    'seglog-transferTo': () => nodeSender(port, async (socket) => {
      // A consumer's fetches: regions of whole batches, ~16 MiB each (160 batches of 100 records).
      const stepOffsets = 16_000;
      for (let offset = 0; offset < log.logEndOffset; offset += stepOffsets) {
        const region = log.read(offset, { maxBytes: 1 << 30, maxOffset: offset + stepOffsets });
        await region.transferTo(socket);
      }
    }),
  };

  const results: Record<string, Measured> = {};
  const memoryBefore = process.memoryUsage();
  let memoryAfterSeglog = memoryBefore;
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const started = performance.now();
      const { cpuSeconds } = await run();
      const received = Number((await receiver.next()).split(' ')[1]);
      const seconds = (performance.now() - started) / 1000;
      if (name === 'seglog-transferTo') memoryAfterSeglog = process.memoryUsage();
      const best = results[name];
      if (best === undefined || seconds < best.seconds) results[name] = { seconds, cpuSeconds, bytes: received };
    }
  }
  receiver.stop();
  await log.close();
  rmSync(work, { recursive: true, force: true });

  const gbps = (m: Measured) => m.bytes / m.seconds / 1e9;
  const cpuPerGB = (m: Measured) => m.cpuSeconds / (m.bytes / 1e9);
  const seglog = results['seglog-transferTo']!;
  const bestRaw = Math.max(gbps(results['c-sendfile']!), gbps(results['c-readwrite']!));
  const platform = platformReport().mapFile;
  console.log(`transfer of ${(sizeBytes / 1048576).toFixed(0)} MiB over 127.0.0.1 (best of ${rounds}; platform ${platform})`);
  for (const [name, m] of Object.entries(results)) {
    const cpu = `sender CPU ${cpuPerGB(m).toFixed(3)} s/GB`;
    console.log(`  ${name.padEnd(28)} ${gbps(m).toFixed(2)} GB/s   ${cpu}   ${(gbps(m) / bestRaw).toFixed(2)}× best raw`);
  }
  console.log(JSON.stringify({
    case: 'transfer',
    sizeBytes,
    gbps: Object.fromEntries(Object.entries(results).map(([k, m]) => [k, Number(gbps(m).toFixed(3))])),
    cpuSecondsPerGB: Object.fromEntries(Object.entries(results).map(([k, m]) => [k, Number(cpuPerGB(m).toFixed(4))])),
    seglogToBestRawRatio: Number((gbps(seglog) / bestRaw).toFixed(3)),
    seglogToNodeReadSyncRatio: Number((gbps(seglog) / gbps(results['node-readsync-write']!)).toFixed(3)),
    pipeToBestRawRatio: Number((gbps(results['node-createreadstream-pipe']!) / bestRaw).toFixed(3)),
    seglogCpuToNodeReadSyncRatio: Number((cpuPerGB(seglog) / cpuPerGB(results['node-readsync-write']!)).toFixed(3)),
    heapBeforeMiB: Math.round(memoryBefore.heapUsed / 1048576),
    heapAfterMiB: Math.round(memoryAfterSeglog.heapUsed / 1048576),
    rssBeforeMiB: Math.round(memoryBefore.rss / 1048576),
    rssAfterMiB: Math.round(memoryAfterSeglog.rss / 1048576),
  }));
}

await main();
