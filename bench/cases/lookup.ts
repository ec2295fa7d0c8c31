/**
 * Indexed lookups, side by side with the raw baseline: one `fs.readSync` of 1 KiB at a position
 * already known (page cache hot) — what a lookup would cost if the index were free.
 *
 * The log holds 1 KiB single-record batches (so one batch ≈ one baseline read) with Kafka's default
 * 4 KiB index interval, spread over several segments. Measured: `read(offset)` at uniformly random
 * offsets and at offsets near the tail (the consumer that keeps up), `read` + `toBuffer()` (the
 * bytes actually in hand), and `offsetForTimestamp` at random timestamps. The raw reads hit random
 * positions in the same segment files. Samples alternate between sides in blocks so drift hits
 * both; every op is timed on its own into a preallocated array.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Log, type RecordInput } from '../../lib/index.js';
import { higherIsBetter, lowerIsBetter, targetMax, type BenchCase, type BenchRow, type CaseResult } from '../case.js';
import { KIB, MIB, Rng, fold, nowNs, payload, quantile } from '../util.js';

const VALUE_BYTES = KIB;
const BASE_TIMESTAMP_MS = 1_700_000_000_000;
const TIMESTAMP_STEP_MS = 10;
const BLOCK_OPS = 500;
const TAIL_OFFSETS = 1000;

interface RawFile {
  fd: number;
  sizeBytes: number;
}

interface Samples {
  log: Float64Array;
  raw: Float64Array;
  count: number;
}

function newSamples(ops: number): Samples {
  return { log: new Float64Array(ops), raw: new Float64Array(ops), count: 0 };
}

export const lookupCase: BenchCase = {
  name: 'lookup',
  smoke: true,
  async run(ctx) {
    const logBytes = ctx.pick(2 * MIB, 96 * MIB, 1024 * MIB);
    const segmentBytes = ctx.pick(512 * KIB, 16 * MIB, 128 * MIB);
    const ops = ctx.pick(2_000, 60_000, 200_000);
    const dir = join(ctx.dir, 'lookup-0');
    const log = await Log.open(dir, { segmentBytes });
    const value = payload(VALUE_BYTES, ctx.seed);
    const batch: RecordInput[] = [{ value, timestampMs: 0 }];
    const record = batch[0]!;
    const recordsTotal = Math.floor(logBytes / (VALUE_BYTES + 80));
    ctx.progress(`lookup: writing ${recordsTotal} records`);
    for (let i = 0; i < recordsTotal; i++) {
      record.timestampMs = BASE_TIMESTAMP_MS + i * TIMESTAMP_STEP_MS;
      log.append(batch);
    }
    await log.flush();
    const files: RawFile[] = readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .sort()
      .map((name) => {
        const path = join(dir, name);
        return { fd: openSync(path, 'r'), sizeBytes: statSync(path).size };
      })
      .filter((f) => f.sizeBytes > KIB);
    const lastFile = files[files.length - 1]!;
    const scratch = Buffer.alloc(KIB);
    const rng = new Rng(ctx.seed);
    let checksum = 0;
    const leo = log.logEndOffset;

    // Inputs for every op drawn before timing: offsets, timestamps, raw (file, position) pairs.
    const randomOffsets = new Float64Array(ops);
    const tailOffsets = new Float64Array(ops);
    const timestamps = new Float64Array(ops);
    const rawFiles = new Uint32Array(ops);
    const rawPositions = new Float64Array(ops);
    const tailPositions = new Float64Array(ops);
    const tailSpan = Math.min(lastFile.sizeBytes - KIB, TAIL_OFFSETS * (VALUE_BYTES + 80));
    for (let i = 0; i < ops; i++) {
      randomOffsets[i] = rng.below(leo);
      tailOffsets[i] = leo - 1 - rng.below(Math.min(TAIL_OFFSETS, leo));
      timestamps[i] = BASE_TIMESTAMP_MS + rng.below(leo * TIMESTAMP_STEP_MS);
      const f = rng.below(files.length);
      rawFiles[i] = f;
      rawPositions[i] = rng.below(files[f]!.sizeBytes - KIB);
      tailPositions[i] = lastFile.sizeBytes - KIB - rng.below(tailSpan);
    }

    const random = newSamples(ops);
    const tail = newSamples(ops);
    const toBuffer = newSamples(ops);
    const byTime = newSamples(ops);
    const readOptions = { maxBytes: KIB };

    function rawRandom(s: Samples, from: number, to: number): void {
      for (let i = from; i < to; i++) {
        const file = files[rawFiles[i]!]!;
        const t0 = nowNs();
        const n = readSync(file.fd, scratch, 0, KIB, rawPositions[i]!);
        s.raw[i] = nowNs() - t0;
        checksum = fold(checksum, n + scratch[0]!);
      }
    }

    function rawTail(s: Samples, from: number, to: number): void {
      const fd = lastFile.fd;
      for (let i = from; i < to; i++) {
        const t0 = nowNs();
        const n = readSync(fd, scratch, 0, KIB, tailPositions[i]!);
        s.raw[i] = nowNs() - t0;
        checksum = fold(checksum, n + scratch[0]!);
      }
    }

    const phases: Array<[string, Samples, (from: number, to: number) => void, (s: Samples, from: number, to: number) => void]> = [
      ['read random', random, (from, to) => {
        for (let i = from; i < to; i++) {
          const t0 = nowNs();
          const region = log.read(randomOffsets[i]!, readOptions);
          random.log[i] = nowNs() - t0;
          checksum = fold(checksum, region.positionBytes + region.sizeBytes);
        }
      }, rawRandom],
      ['read tail', tail, (from, to) => {
        for (let i = from; i < to; i++) {
          const t0 = nowNs();
          const region = log.read(tailOffsets[i]!, readOptions);
          tail.log[i] = nowNs() - t0;
          checksum = fold(checksum, region.positionBytes + region.sizeBytes);
        }
      }, rawTail],
      ['read+toBuffer random', toBuffer, (from, to) => {
        for (let i = from; i < to; i++) {
          const t0 = nowNs();
          const bytes = log.read(randomOffsets[i]!, readOptions).toBuffer();
          toBuffer.log[i] = nowNs() - t0;
          checksum = fold(checksum, bytes.length + (bytes[bytes.length - 1] ?? 0));
        }
      }, rawRandom],
      ['offsetForTimestamp', byTime, (from, to) => {
        for (let i = from; i < to; i++) {
          const t0 = nowNs();
          const hit = log.offsetForTimestamp(timestamps[i]!);
          byTime.log[i] = nowNs() - t0;
          checksum = fold(checksum, hit === null ? -1 : hit.offset);
        }
      }, rawRandom],
    ];

    const rows: BenchRow[] = [];
    const details: CaseResult['details'] = { records: leo, segments: files.length, ops };
    let randomP50Ratio = Number.NaN;
    let randomP99Ratio = Number.NaN;
    try {
      for (const [label, samples, seglogBlock, rawBlock] of phases) {
        ctx.progress(`lookup: ${label}`);
        // Warm-up, untimed in the results (overwritten below).
        seglogBlock(0, Math.min(BLOCK_OPS, ops));
        rawBlock(samples, 0, Math.min(BLOCK_OPS, ops));
        for (let from = 0; from < ops; from += BLOCK_OPS) {
          const to = Math.min(ops, from + BLOCK_OPS);
          rawBlock(samples, from, to);
          seglogBlock(from, to);
        }
        samples.count = ops;
        let logTotalNs = 0;
        let rawTotalNs = 0;
        for (let i = 0; i < ops; i++) {
          logTotalNs += samples.log[i]!;
          rawTotalNs += samples.raw[i]!;
        }
        const logP50 = quantile(samples.log, ops, 0.5) / 1000;
        const logP99 = quantile(samples.log, ops, 0.99) / 1000;
        const rawP50 = quantile(samples.raw, ops, 0.5) / 1000;
        const rawP99 = quantile(samples.raw, ops, 0.99) / 1000;
        rows.push(lowerIsBetter(`${label} p50`, logP50, rawP50, 'µs', 'readSync 1 KiB'));
        rows.push(lowerIsBetter(`${label} p99`, logP99, rawP99, 'µs', 'readSync 1 KiB'));
        rows.push(higherIsBetter(`${label} ops/s`, ops / (logTotalNs / 1e9), ops / (rawTotalNs / 1e9), 'ops/s', 'readSync 1 KiB'));
        if (label === 'read random') {
          randomP50Ratio = logP50 / rawP50;
          randomP99Ratio = logP99 / rawP99;
        }
      }
    } finally {
      for (const f of files) closeSync(f.fd);
      await log.close();
    }
    const targets = [
      targetMax('read(offset) random p50 ≤ 1.5× raw read', randomP50Ratio, 1.5),
      targetMax('read(offset) random p99 ≤ 5× raw read', randomP99Ratio, 5),
    ];
    return { rows, targets, checksum, details };
  },
};

export const benchCases: BenchCase[] = [lookupCase];
