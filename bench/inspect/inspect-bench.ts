// seglog verify throughput on one large segment as a ratio to a raw sequential read of the same
// file in the same run (1 MiB positioned reads, the page cache warm for both), and the peak RSS of
// `seglog dump --deep --json` on it with stdout to /dev/null. Size: SEGLOG_BENCH_BYTES (1 GiB).
// Prints one JSON line; inputs are written before any timing.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBatch } from '../../lib/record/index.js';
import { verifyPaths } from '../../lib/inspect/index.js';

const targetBytes = Number(process.env.SEGLOG_BENCH_BYTES ?? 1024 * 1024 * 1024);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = join(mkdtempSync(join(tmpdir(), 'seglog-inspect-bench-')), 'bench-0');
spawnSync('mkdir', ['-p', dir]);
const path = join(dir, '00000000000000000000.log');

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
const rssScript = `process.on('exit', () => process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n'));` +
  `process.argv = [process.execPath, 'seglog', 'dump', '--deep', '--json', ${JSON.stringify(path)}];` +
  `await import(${JSON.stringify(join(root, 'dist/lib/cli/main.js'))});`;
const devNull = openSync('/dev/null', 'w');
const dumpStarted = performance.now();
const dump = spawnSync(process.execPath, ['--input-type=module', '-e', rssScript], { stdio: ['ignore', devNull, 'pipe'],
    encoding: 'utf8' });
const dumpMs = performance.now() - dumpStarted;
closeSync(devNull);
const maxRssKiB = Number(/MAXRSS (\d+)/.exec(dump.stderr)?.[1] ?? -1);
const mib = written.sizeBytes / 1024 / 1024;
console.log(JSON.stringify({
  case: 'inspect', segmentBytes: written.sizeBytes, batches: written.batches, records: written.records, problems,
  rawReadMs: Math.round(rawMs), rawReadMiBps: Math.round(mib / (rawMs / 1000)),
  verifyMs: Math.round(verifyMs), verifyMiBps: Math.round(mib / (verifyMs / 1000)),
  verifyToRawRatio: Math.round((rawMs / verifyMs) * 1000) / 1000,
  dumpDeepJsonMs: Math.round(dumpMs), dumpDeepJsonPeakRssMiB: Math.round(maxRssKiB / 1024), dumpStatus: dump.status,
}));
rmSync(join(dir, '..'), { recursive: true, force: true });
