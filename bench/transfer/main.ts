/**
 * Zero-copy transfer benchmark (issue: zero-copy reads). Moves the same log bytes — a log of sealed
 * segments of 1 KiB records — over 127.0.0.1 to a receiver process that only counts them (recv.c),
 * and compares seglog's FileRegion.transferTo (fetch-sized regions from Log.read) with
 *   (a) C sendfile(2) and C read(1 MiB) + write (send.c, built with gcc into a temp dir now),
 *   (b) Node readSync into reused 1 MiB buffers + socket.write with backpressure,
 *   (c) fs.createReadStream().pipe(socket).
 * Reports throughput, sender CPU per GB (process.cpuUsage / getrusage), ratios to the best raw
 * transfer and to (b), and heap/RSS before and after seglog's transfers. Cases interleave, each run
 * `--rounds` times (default 3); the best and the median are kept. Every sender — the C programs
 * included — is started and connected before its timer starts, and the timer stops when the
 * receiver has counted the last byte, so no case pays for process start-up inside the measure. The side (mmap-io mapping or
 * positioned reads) is the process's: run again with SEGLOG_NATIVE=0 for the fallback.
 *
 *   node dist/bench/transfer/main.js [--size-mib N] [--rounds N]
 * The last stdout line is one JSON object (bench/external.ts reads it).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log, decodeBatches, platformReport, type FileRegion } from '../../lib/index.js';

const MIB = 1024 * 1024;
const argValue = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const sizeMiB = argValue('--size-mib', 1024);
const rounds = argValue('--rounds', 3);
const sourceDir = fileURLToPath(new URL('../../../bench/transfer/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'seglog-transfer-'));
/** A consumer's fetch: Kafka's default fetch.max.bytes is 50 MiB, max.partition.fetch.bytes 1 MiB; brokers batch partitions. */
const FETCH_BYTES = 16 * MIB;

function build(): { recv: string; send: string } {
  const recv = join(work, 'recv');
  const send = join(work, 'send');
  execFileSync('gcc', ['-O2', '-o', recv, join(sourceDir, 'recv.c')]);
  execFileSync('gcc', ['-O2', '-o', send, join(sourceDir, 'send.c')]);
  return { recv, send };
}

/** The counting receiver: one line per connection, "received <bytes>". */
class Receiver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private readonly waiters: Array<(line: string) => void> = [];
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

/**
 * A sender that is connected and warm: `go()` starts the transfer and resolves with the sender's
 * CPU seconds once it has written everything. Setup (process start, connect) happens before the
 * timer for every case alike; the timer stops when the receiver has counted the last byte.
 */
interface ReadySender { go(): Promise<{ cpuSeconds: number }> }

async function nodeSender(port: number, run: (socket: Socket) => Promise<void>): Promise<ReadySender> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  return {
    go: async () => {
      const cpu = process.cpuUsage();
      await run(socket);
      await new Promise<void>((r) => socket.end(r));
      const used = process.cpuUsage(cpu);
      return { cpuSeconds: (used.user + used.system) / 1e6 };
    },
  };
}

/** A C sender (send.c) started and connected; it sends when it reads a byte on stdin. */
async function cSender(send: string, mode: string, port: number, files: string[]): Promise<ReadySender> {
  const child = spawn(send, [mode, String(port), ...files]);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${mode} sender exited ${code} before it was ready`)));
  });
  return {
    go: async () => {
      child.stdin.end('g');
      const code = await exited;
      const cpuUs = /cpu_us (\d+)/.exec(out)?.[1];
      if (code !== 0 || cpuUs === undefined) throw new Error(`${mode} sender failed (exit ${code}): ${out}`);
      return { cpuSeconds: Number(cpuUs) / 1e6 };
    },
  };
}

/** Baseline (b): what a careful Node programmer writes by hand. */
async function rawReadWrite(socket: Socket, path: string): Promise<void> {
  const sizeBytes = statSync(path).size;
  const fd = openSync(path, 'r');
  const buffers = [Buffer.allocUnsafe(MIB), Buffer.allocUnsafe(MIB)];
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
      if (sizeBytes === 0) resolve();
    };
    pump();
  });
  closeSync(fd);
}

/** Fetch-sized (offset, maxOffset) pairs covering the log at batch boundaries, found before timing. */
function fetchPlan(log: Log): Array<{ offset: number; maxOffset: number }> {
  const plan: Array<{ offset: number; maxOffset: number }> = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const region = log.read(offset, { maxBytes: FETCH_BYTES });
    let nextOffset = offset;
    for (const batch of decodeBatches(region.toBuffer())) nextOffset = batch.lastOffset + 1; // a cut last batch is skipped
    plan.push({ offset, maxOffset: nextOffset });
    offset = nextOffset;
  }
  return plan;
}

async function prepareLog(): Promise<{ log: Log; files: string[]; sizeBytes: number }> {
  const dir = join(work, 'bench-0');
  // Several sealed segments (the mapped path) and a small active one, like a real partition.
  const segmentBytes = Math.max(16 * MIB, Math.min(256 * MIB, Math.floor((sizeMiB * MIB) / 4)));
  const log = await Log.open(dir, { segmentBytes });
  const value = Buffer.alloc(1024, 7);
  const records = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value, timestampMs: 1_700_000_000_000 }));
  while (log.stats().sizeBytes < sizeMiB * MIB) log.append(records);
  await log.flush();
  const files = readdirSync(dir).filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
  const sizeBytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  return { log, files, sizeBytes };
}

type Case = () => Promise<ReadySender>;

function cases(port: number, send: string, log: Log, files: string[]): Record<string, Case> {
  const plan = fetchPlan(log);
  return {
    'c-sendfile': () => cSender(send, 'sendfile', port, files),
    'c-readwrite': () => cSender(send, 'readwrite', port, files),
    'node-readsync-write': () => nodeSender(port, async (socket) => {
      for (const file of files) await rawReadWrite(socket, file);
    }),
    'node-createreadstream-pipe': () => nodeSender(port, async (socket) => {
      for (const file of files) {
        await new Promise<void>((resolve, reject) => {
          const stream = createReadStream(file);
          stream.on('end', resolve).on('error', reject);
          stream.pipe(socket, { end: false });
        });
      }
    }),
    'seglog-transferTo': () => nodeSender(port, async (socket) => {
      for (const { offset, maxOffset } of plan) {
        const region: FileRegion = log.read(offset, { maxBytes: FETCH_BYTES, maxOffset });
        await region.transferTo(socket);
      }
    }),
  };
}

/** RSS split (Linux): anonymous memory is what the process allocated; file pages are the shared page cache it maps. */
function rssSplitMiB(): { anon: number; file: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { anon: Math.round(kib('RssAnon') / 1024), file: Math.round(kib('RssFile') / 1024) };
}

const gbps = (m: Measured): number => m.bytes / m.seconds / 1e9;
const cpuPerGB = (m: Measured): number => m.cpuSeconds / (m.bytes / 1e9);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round3 = (n: number): number => Number(n.toFixed(3));

async function main(): Promise<void> {
  const { recv, send } = build();
  const receiver = new Receiver(recv);
  const port = Number((await receiver.next()).split(' ')[1]);
  const { log, files, sizeBytes } = await prepareLog();
  const all = cases(port, send, log, files);

  const runs: Record<string, Measured[]> = {};
  const memoryBefore = process.memoryUsage();
  const rssSplitBefore = rssSplitMiB();
  let memoryAfterSeglog = memoryBefore;
  let rssSplitAfter = rssSplitBefore;
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(all)) {
      const sender = await run();
      const started = performance.now();
      const [{ cpuSeconds }, line] = await Promise.all([sender.go(), receiver.next()]);
      const seconds = (performance.now() - started) / 1000;
      const received = Number(line.split(' ')[1]);
      if (received !== sizeBytes) throw new Error(`${name}: receiver counted ${received} of ${sizeBytes} bytes`);
      if (name === 'seglog-transferTo') {
        memoryAfterSeglog = process.memoryUsage();
        rssSplitAfter = rssSplitMiB();
      }
      (runs[name] ??= []).push({ seconds, cpuSeconds, bytes: received });
    }
  }
  receiver.stop();
  await log.close();
  rmSync(work, { recursive: true, force: true });

  const best: Record<string, Measured> = {};
  for (const [name, list] of Object.entries(runs)) best[name] = list.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const medianGbps = (name: string): number => median(runs[name]!.map(gbps));
  const medianCpu = (name: string): number => median(runs[name]!.map(cpuPerGB));
  const bestRaw = Math.max(gbps(best['c-sendfile']!), gbps(best['c-readwrite']!));
  const bestRawMedian = Math.max(medianGbps('c-sendfile'), medianGbps('c-readwrite'));
  const side = platformReport().mapFile === 'native:mmap-io' ? 'native (mmap-io views of sealed segments)' : 'fallback (positioned reads)';
  const what = `${(sizeBytes / MIB).toFixed(0)} MiB in ${files.length} segment files`;
  console.log(`transfer of ${what} over 127.0.0.1 (best of ${rounds}); ${side}`);
  for (const [name, m] of Object.entries(best)) {
    const cpu = `sender CPU ${cpuPerGB(m).toFixed(3)} s/GB (median ${medianCpu(name).toFixed(3)})`;
    const speed = `${gbps(m).toFixed(2)} GB/s (median ${medianGbps(name).toFixed(2)})`;
    console.log(`  ${name.padEnd(28)} ${speed}   ${cpu}   ${(gbps(m) / bestRaw).toFixed(2)}× best raw`);
  }
  const seglog = 'seglog-transferTo';
  const readSync = 'node-readsync-write';
  console.log(JSON.stringify({
    case: 'transfer',
    side: platformReport().mapFile,
    sizeBytes,
    segmentFiles: files.length,
    rounds,
    gbps: Object.fromEntries(Object.entries(best).map(([k, m]) => [k, round3(gbps(m))])),
    medianGbps: Object.fromEntries(Object.keys(best).map((k) => [k, round3(medianGbps(k))])),
    cpuSecondsPerGB: Object.fromEntries(Object.entries(best).map(([k, m]) => [k, Number(cpuPerGB(m).toFixed(4))])),
    medianCpuSecondsPerGB: Object.fromEntries(Object.keys(best).map((k) => [k, Number(medianCpu(k).toFixed(4))])),
    seglogToBestRawRatio: round3(gbps(best[seglog]!) / bestRaw),
    seglogToBestRawMedianRatio: round3(medianGbps(seglog) / bestRawMedian),
    seglogToNodeReadSyncRatio: round3(gbps(best[seglog]!) / gbps(best[readSync]!)),
    pipeToBestRawRatio: round3(gbps(best['node-createreadstream-pipe']!) / bestRaw),
    seglogCpuToNodeReadSyncRatio: round3(medianCpu(seglog) / medianCpu(readSync)),
    heapBeforeMiB: Math.round(memoryBefore.heapUsed / MIB),
    heapAfterMiB: Math.round(memoryAfterSeglog.heapUsed / MIB),
    rssBeforeMiB: Math.round(memoryBefore.rss / MIB),
    rssAfterMiB: Math.round(memoryAfterSeglog.rss / MIB),
    rssAnonBeforeMiB: rssSplitBefore.anon,
    rssAnonAfterMiB: rssSplitAfter.anon,
    rssFileBeforeMiB: rssSplitBefore.file,
    rssFileAfterMiB: rssSplitAfter.file,
  }));
}

await main();
