/**
 * Compaction figures (run: node dist/bench/compaction/compaction.bench.js; SEGLOG_BENCH_BYTES sets
 * the log size, default 1 GiB):
 *   1. throughput of cleanLog over a log of 1 KiB values where 10% of the keys are live, as a ratio
 *      to a raw sequential read + write (+ fsync) of the same bytes in the same run;
 *   2. offset-map memory per million keys, and the key-hash cost: md5Into vs node:crypto createHash;
 *   3. the longest pause an appender sees while the clean runs (appends every 1 ms on the same log),
 *      next to the longest gap of the same 1 ms timer over 2 s with no clean (the machine's own noise).
 * Inputs are prepared outside the timed regions; a checksum of results is printed; one JSON file
 * per run goes to bench/results/.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Log } from '../../lib/index.js';
import { cleanLog } from '../../lib/compaction/cleaner.js';
import { md5Into } from '../../lib/compaction/md5.js';
import { OffsetMap } from '../../lib/compaction/offset-map.js';

const TOTAL_BYTES = Number(process.env.SEGLOG_BENCH_BYTES ?? 1024 ** 3);
const VALUE_BYTES = 1024;
const RECORDS_PER_BATCH = 16;
const MIB = 1024 * 1024;

function rawCopy(dir: string): { bytes: number; ms: number } {
  const files = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  const chunk = Buffer.allocUnsafe(MIB);
  const outPath = join(dir, 'raw-copy.tmp');
  const started = performance.now();
  const out = openSync(outPath, 'w');
  let bytes = 0;
  for (const name of files) {
    const fd = openSync(join(dir, name), 'r');
    for (;;) {
      const n = readSync(fd, chunk, 0, MIB, null);
      if (n === 0) break;
      writeSync(out, chunk, 0, n);
      bytes += n;
    }
    closeSync(fd);
  }
  fsyncSync(out);
  closeSync(out);
  const ms = performance.now() - started;
  rmSync(outPath);
  return { bytes, ms };
}

function hashCost(): { md5IntoNsPerKey: number; createHashNsPerKey: number; checksum: number } {
  const keys = Array.from({ length: 200_000 }, (_, i) => Buffer.from(`key-${i}-abcdefgh`));
  const out = new Uint8Array(16);
  let checksum = 0;
  let t = performance.now();
  for (const k of keys) {
    md5Into(k, 0, k.length, out, 0);
    checksum ^= out[0]!;
  }
  const md5IntoNsPerKey = ((performance.now() - t) * 1e6) / keys.length;
  t = performance.now();
  for (const k of keys) checksum ^= createHash('md5').update(k).digest()[0]!;
  const createHashNsPerKey = ((performance.now() - t) * 1e6) / keys.length;
  return { md5IntoNsPerKey, createHashNsPerKey, checksum };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'seglog-bench-compaction-'));
  try {
    const dir = join(root, 'bench-0');
    mkdirSync(dir);
    const log = await Log.open(dir, { cleanupPolicy: 'compact', segmentBytes: 256 * MIB, fileDeleteDelayMs: 0 });
    const records = Math.floor(TOTAL_BYTES / (VALUE_BYTES + 40));
    const liveKeys = Math.max(1, Math.floor(records / 10));
    const value = Buffer.alloc(VALUE_BYTES, 7);
    const batch = Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: '' as string, value, timestampMs: 0 }));
    let written = 0;
    while (written < records) {
      for (let i = 0; i < RECORDS_PER_BATCH; i++) {
        const r = batch[i]!;
        r.key = `key-${(written + i) % liveKeys}`;
        r.timestampMs = 1_700_000_000_000 + written + i;
      }
      log.append(batch);
      written += RECORDS_PER_BATCH;
    }
    log.roll();
    await log.flush();
    const logBytes = log.stats().sizeBytes;

    const raw = rawCopy(dir);

    // The same appender with no clean running: on a shared machine the scheduler alone makes gaps,
    // and this baseline tells them apart from pauses the cleaner causes.
    let idleLongestGapMs = 0;
    let idleLast = performance.now();
    const idle = setInterval(() => {
      const now = performance.now();
      idleLongestGapMs = Math.max(idleLongestGapMs, now - idleLast);
      idleLast = now;
    }, 1);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    clearInterval(idle);

    // Appender on the same log during the clean: every 1 ms, one batch; the gap between ticks is the pause it sees.
    let longestGapMs = 0;
    let appends = 0;
    let last = performance.now();
    const appender = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      const t = performance.now();
      log.append([{ key: `live-${appends}`, value, timestampMs: 1_800_000_000_000 + appends }]);
      longestGapMs = Math.max(longestGapMs, performance.now() - t);
      appends++;
    }, 1);
    const started = performance.now();
    // Step times split the longest pause into batch work and the swap's synchronous renames/fsyncs.
    const stepMs: Record<string, number> = {};
    const result = await cleanLog(log, { nowMs: 1_900_000_000_000, onStep: (step) => (stepMs[step] = performance.now()) });
    const cleanMs = performance.now() - started;
    clearInterval(appender);

    const map = new OffsetMap();
    const hashes = hashCost();
    const report = {
      logBytes,
      records,
      liveKeys,
      rawReadWriteMBps: raw.bytes / MIB / (raw.ms / 1000),
      cleanMBps: logBytes / MIB / (cleanMs / 1000),
      ratioToRaw: (logBytes / cleanMs) / (raw.bytes / raw.ms),
      cleanMs,
      rawMs: raw.ms,
      bytesRead: result.bytesRead,
      bytesWritten: result.bytesWritten,
      recordsKept: result.recordsKept,
      recordsDropped: result.recordsDropped,
      cleanerLongestSliceMs: result.longestPauseMs,
      swapRenamesMs: (stepMs.swapped ?? 0) - (stepMs['before-swap'] ?? 0),
      checkpointWriteMs: (stepMs.checkpointed ?? 0) - (stepMs.swapped ?? 0),
      appenderLongestGapMs: longestGapMs,
      idleTimerLongestGapMs: idleLongestGapMs,
      appendsDuringClean: appends,
      offsetMapBytes: map.memoryBytes,
      offsetMapKeysMax: map.entriesMax,
      offsetMapBytesPerMillionKeys: (map.memoryBytes / map.entriesMax) * 1e6,
      ...hashes,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const resultsDir = new URL('../../../bench/results/', import.meta.url);
    mkdirSync(resultsDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    writeFileSync(new URL(`compaction-${stamp}.json`, resultsDir), JSON.stringify(report, null, 2));
    await log.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
