/**
 * The writer process behind the memory case (bench/cases/memory.ts): appends 1 KiB × 100 batches
 * either through a Log or as the raw baseline (`[len][value]` copied into a reused buffer, one
 * `writeSync` per batch) and, at each checkpoint of log size, collects garbage and samples heap and
 * RSS. One process per side so neither inherits the other's memory. Prints one JSON line.
 * Usage: node --expose-gc memory-child.js <seglog|raw> <dir> <checkpointBytes,...>
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordInput } from '../../lib/index.js';
import { KIB, payload } from '../util.js';

const RECORDS_PER_BATCH = 100;
const LENGTH_PREFIX_BYTES = 4;
const BASE_TIMESTAMP_MS = 1_700_000_000_000;

interface Sample {
  logBytes: number;
  records: number;
  heapUsedBytes: number;
  rssBytes: number;
}

const [mode, dir, checkpointsArg] = process.argv.slice(2);
if ((mode !== 'seglog' && mode !== 'raw') || dir === undefined || checkpointsArg === undefined) {
  process.stderr.write('usage: memory-child.js <seglog|raw> <dir> <checkpointBytes,...>\n');
  process.exit(2);
}
const checkpoints = checkpointsArg.split(',').map(Number);
const collect = (globalThis as { gc?: () => void }).gc;

function sample(logBytes: number, records: number): Sample {
  collect?.();
  const usage = process.memoryUsage();
  return { logBytes, records, heapUsedBytes: usage.heapUsed, rssBytes: usage.rss };
}

const values = Array.from({ length: RECORDS_PER_BATCH }, (_, r) => payload(KIB, 17 + r));
const samples: Sample[] = [];
mkdirSync(dir, { recursive: true });
let bytes = 0;
let records = 0;
if (mode === 'raw') {
  const fd = openSync(join(dir, 'raw.bin'), 'w');
  const scratch = Buffer.alloc(RECORDS_PER_BATCH * (KIB + LENGTH_PREFIX_BYTES));
  for (const checkpoint of checkpoints) {
    while (bytes < checkpoint) {
      let position = 0;
      for (let r = 0; r < RECORDS_PER_BATCH; r++) {
        const value = values[r]!;
        scratch.writeInt32BE(value.length, position);
        position += LENGTH_PREFIX_BYTES + value.copy(scratch, position + LENGTH_PREFIX_BYTES);
      }
      bytes += writeSync(fd, scratch, 0, position);
      records += RECORDS_PER_BATCH;
    }
    samples.push(sample(bytes, records));
  }
  closeSync(fd);
} else {
  // Loaded only on this side, so the raw writer's RSS does not carry seglog's code; and loaded as an
  // app loads `seglog` (the package's bundled entry, dist/pkg), not module by module as the tests do.
  const packageEntry = new URL('../../pkg/index.js', import.meta.url).href;
  const { Log } = (await import(packageEntry)) as typeof import('../../lib/index.js');
  const log = await Log.open(join(dir, 'bench-0'));
  const batch: RecordInput[] = values.map((value, r) => ({ value, timestampMs: BASE_TIMESTAMP_MS + r }));
  for (const checkpoint of checkpoints) {
    while (bytes < checkpoint) {
      const result = log.append(batch);
      bytes += result.sizeBytes;
      records += result.recordsCount;
    }
    samples.push(sample(bytes, records));
  }
  await log.close();
}
process.stdout.write(`${JSON.stringify({ mode, samples })}\n`);
