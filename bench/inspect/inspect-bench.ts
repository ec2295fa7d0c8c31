// seglog verify throughput on one large segment as a ratio to a raw sequential read of the same
// file in the same run (1 MiB positioned reads, the page cache warm for both), the peak RSS of
// `seglog dump --deep --json` on it with stdout to /dev/null, and on a `__consumer_offsets` segment
// of offset commits the peak RSS of `dump --deep --json --offsets-decoder` against `dump --deep
// --json` of the same file (decoding must stay streaming). Each dump runs as the CLI runs itself,
// with its streaming V8 flags. Size: SEGLOG_BENCH_BYTES (1 GiB) per segment.
// Prints one JSON line; inputs are written before any timing.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBatch } from '../../lib/record/index.js';
import { verifyPaths } from '../../lib/inspect/index.js';
import { streamingFlags } from '../../lib/cli/streaming-relaunch.js';

const targetBytes = Number(process.env.SEGLOG_BENCH_BYTES ?? 1024 * 1024 * 1024);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = join(mkdtempSync(join(tmpdir(), 'seglog-inspect-bench-')), 'bench-0');
spawnSync('mkdir', ['-p', dir]);
const path = join(dir, '00000000000000000000.log');
const offsetsDir = join(dir, '..', '__consumer_offsets-0');
spawnSync('mkdir', ['-p', offsetsDir]);
const offsetsPath = join(offsetsDir, '00000000000000000000.log');

function kafkaString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Offset commits as Kafka writes them: key v1 (group, topic, partition), value v3 (offset, leader epoch, metadata, time). */
function writeOffsetsSegment(): number {
  const fd = openSync(offsetsPath, 'w');
  let offset = 0;
  let sizeBytes = 0;
  while (sizeBytes < targetBytes) {
    const records = Array.from({ length: 16 }, (_, i) => {
      const n = offset + i;
      const key = Buffer.concat([Buffer.from([0, 1]), kafkaString(`group-${n % 500}`), kafkaString(`topic-${n % 50}`),
        Buffer.from([0, 0, 0, n % 8])]);
      const head = Buffer.alloc(14);
      head.writeInt16BE(3, 0);
      head.writeBigInt64BE(BigInt(n), 2);
      head.writeInt32BE(5, 10);
      const time = Buffer.alloc(8);
      time.writeBigInt64BE(BigInt(1_700_000_000_000 + n));
      return { key, value: Buffer.concat([head, kafkaString('consumer metadata'), time]), timestampMs: 1_700_000_000_000 + n };
    });
    const bytes = encodeBatch(records, { baseOffset: offset });
    writeSync(fd, bytes);
    sizeBytes += bytes.length;
    offset += 16;
  }
  closeSync(fd);
  return sizeBytes;
}

/** Peak RSS (MiB) and wall time of one `seglog dump` run as the CLI runs itself, stdout to /dev/null. */
function dumpPeak(args: readonly string[]): { peakRssMiB: number; ms: number; status: number | null } {
  const argv = ['dump', ...args];
  const script = `process.on('exit', () => process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n'));` +
    `process.argv = [process.execPath, 'seglog', ...${JSON.stringify(argv)}];` +
    `await import(${JSON.stringify(join(root, 'dist/lib/cli/main.js'))});`;
  const devNull = openSync('/dev/null', 'w');
  const started = performance.now();
  const run = spawnSync(process.execPath, [...streamingFlags(argv), '--input-type=module', '-e', script],
    { stdio: ['ignore', devNull, 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  closeSync(devNull);
  const maxRssKiB = Number(/MAXRSS (\d+)/.exec(run.stderr)?.[1] ?? -1);
  return { peakRssMiB: Math.round(maxRssKiB / 1024), ms: Math.round(ms), status: run.status };
}

function writeSegment(): { batches: number; records: number; sizeBytes: number } {
  const fd = openSync(path, 'w');
  const value = 'x'.repeat(1000);
  let offset = 0;
  let sizeBytes = 0;
  let batches = 0;
  while (sizeBytes < targetBytes) {
    const records = Array.from({ length: 16 }, (_, i) => ({ key: `key-${(offset + i) % 100_000}`, value,
        timestampMs: 1_700_000_000_000 + offset + i }));
    const bytes = encodeBatch(records, { baseOffset: offset });
    writeSync(fd, bytes);
    sizeBytes += bytes.length;
    offset += 16;
    batches++;
  }
  closeSync(fd);
  return { batches, records: offset, sizeBytes };
}

function rawRead(): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let position = 0;
  let checksum = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, position);
    if (n === 0) break;
    checksum = (checksum + buffer[n - 1]!) | 0;
    position += n;
  }
  closeSync(fd);
  return checksum;
}

function timed<T>(work: () => T): { ms: number; result: T } {
  const started = performance.now();
  const result = work();
  return { ms: performance.now() - started, result };
}

const written = writeSegment();
rawRead(); // warm the page cache
const raws: number[] = [];
const verifies: number[] = [];
let problems = -1;
for (let i = 0; i < 3; i++) {
  raws.push(timed(rawRead).ms);
  const v = timed(() => verifyPaths([dir]));
  verifies.push(v.ms);
  problems = v.result.problemCount;
}
const rawMs = Math.min(...raws);
const verifyMs = Math.min(...verifies);
const dump = dumpPeak(['--deep', '--json', path]);
const offsetsBytes = writeOffsetsSegment();
const offsetsPlain = dumpPeak(['--deep', '--json', offsetsPath]);
const offsetsDecoded = dumpPeak(['--deep', '--json', '--offsets-decoder', offsetsPath]);
const mib = written.sizeBytes / 1024 / 1024;
console.log(JSON.stringify({
  case: 'inspect', segmentBytes: written.sizeBytes, batches: written.batches, records: written.records, problems,
  rawReadMs: Math.round(rawMs), rawReadMiBps: Math.round(mib / (rawMs / 1000)),
  verifyMs: Math.round(verifyMs), verifyMiBps: Math.round(mib / (verifyMs / 1000)),
  verifyToRawRatio: Math.round((rawMs / verifyMs) * 1000) / 1000,
  dumpDeepJsonMs: dump.ms, dumpDeepJsonPeakRssMiB: dump.peakRssMiB, dumpStatus: dump.status,
  offsetsSegmentBytes: offsetsBytes, offsetsDumpPeakRssMiB: offsetsPlain.peakRssMiB, offsetsDecoderPeakRssMiB: offsetsDecoded.peakRssMiB,
  offsetsDecoderToDumpRssRatio: Math.round((offsetsDecoded.peakRssMiB / offsetsPlain.peakRssMiB) * 1000) / 1000,
  offsetsDumpMs: offsetsPlain.ms, offsetsDecoderMs: offsetsDecoded.ms, offsetsDecoderStatus: offsetsDecoded.status,
}));
rmSync(join(dir, '..'), { recursive: true, force: true });
