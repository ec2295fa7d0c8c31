/**
 * Platform benchmark: crc32c native (sse4_crc32) vs fallback (slice-by-16) at 1 KiB and 1 MiB, and
 * mapFile writes of 8-byte index entries native (mmap-io) vs fallback (Buffer + pwrite), next to the
 * raw baseline of the same 8-byte `fs.writeSync`. Inputs are built outside the timed functions; a
 * checksum of the results is printed so the work cannot be optimised away; one JSON file per run
 * goes to bench/results/. `node dist/bench/platform/platform.js`.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { createMapFile } from '../../native-free-fallback/mapped-file.js';
import type { Crc32c, MapFile } from '../../lib/platform/contract.js';
import { platformFaults } from '../../lib/platform/faults.js';
import { loadNative } from '../../lib/platform/native.js';

const TIME_MS = Number(process.env['SEGLOG_BENCH_TIME_MS'] ?? 1000);
const native = loadNative(platformFaults);
const dir = mkdtempSync(join(tmpdir(), 'seglog-bench-platform-'));
let checksum = 0;

function randomBuffer(sizeBytes: number): Buffer {
  const bytes = Buffer.alloc(sizeBytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < sizeBytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const bench = new Bench({ time: TIME_MS });
const crcSides: Array<[string, Crc32c]> = [['fallback', fallbackCrc32c]];
if (native.crc32c !== undefined) crcSides.unshift(['native', native.crc32c]);
for (const sizeBytes of [1024, 1024 * 1024]) {
  const input = randomBuffer(sizeBytes);
  for (const [side, crc32c] of crcSides) {
    bench.add(`crc32c ${side} ${sizeBytes} B`, () => {
      checksum ^= crc32c(input);
    });
    // A batch's CRC covers a range (attributes..end), so the ranged call is the one the codec makes.
    bench.add(`crc32c ${side} ${sizeBytes} B range [21, end)`, () => {
      checksum ^= crc32c(input, 21, sizeBytes);
    });
  }
}

const ENTRY_BYTES = 8;
const INDEX_BYTES = 10 * 1024 * 1024;
const entries = Array.from({ length: INDEX_BYTES / ENTRY_BYTES }, (_, i) => {
  const entry = Buffer.alloc(ENTRY_BYTES);
  entry.writeInt32BE(i, 0);
  entry.writeInt32BE(i * 100, 4);
  return entry;
});
const mapSides: Array<[string, MapFile]> = [['fallback', createMapFile(platformFaults)]];
if (native.mapFile !== undefined) mapSides.unshift(['native', native.mapFile]);
const fds: number[] = [];
for (const [side, mapFile] of mapSides) {
  const path = join(dir, `${side}.index`);
  writeFileSync(path, '');
  const fd = openSync(path, 'r+');
  fds.push(fd);
  ftruncateSync(fd, INDEX_BYTES);
  const mapped = mapFile(fd, INDEX_BYTES, true);
  let slot = 0;
  bench.add(`mapFile ${side} write 8 B entry`, () => {
    const entry = entries[slot] as Buffer;
    mapped.write(slot * ENTRY_BYTES, entry);
    slot = slot + 1 === entries.length ? 0 : slot + 1;
  });
}
{
  const path = join(dir, 'baseline.index');
  writeFileSync(path, Buffer.alloc(INDEX_BYTES));
  const fd = openSync(path, 'r+');
  fds.push(fd);
  let slot = 0;
  bench.add('baseline fs.writeSync 8 B entry', () => {
    const entry = entries[slot] as Buffer;
    checksum ^= writeSync(fd, entry, 0, ENTRY_BYTES, slot * ENTRY_BYTES);
    slot = slot + 1 === entries.length ? 0 : slot + 1;
  });
}

await bench.run();
for (const fd of fds) closeSync(fd);
rmSync(dir, { recursive: true, force: true });

const rows = bench.tasks.map((task) => {
  const result = task.result;
  const meanNs = result !== undefined && 'latency' in result ? result.latency.mean * 1e6 : NaN;
  const sizeBytes = /(\d+) B/.exec(task.name)?.[1];
  const gbPerSecond = sizeBytes !== undefined && task.name.startsWith('crc32c') ? Number(sizeBytes) / meanNs : undefined;
  return { name: task.name, meanNs: Math.round(meanNs * 10) / 10,
      gbPerSecond: gbPerSecond === undefined ? null : Math.round(gbPerSecond * 100) / 100 };
});
for (const row of rows) {
  const rate = row.gbPerSecond === null ? '' : `  ${row.gbPerSecond.toFixed(2)} GB/s`;
  console.log(`${row.name.padEnd(40)} ${row.meanNs.toFixed(1).padStart(12)} ns/op${rate}`);
}
console.log(`checksum ${checksum >>> 0}`);
const resultsDir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
const out = join(resultsDir, `platform-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify({ node: process.version, timeMs: TIME_MS, rows, checksum: checksum >>> 0 }, null, 2)}\n`);
console.log(`wrote ${out}`);
