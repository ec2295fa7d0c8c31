/**
 * Sequential append, side by side with the raw baseline for the same work in the same run.
 *
 * Raw baseline (node-io-measurements.md): each record as `[int32 length][value]` copied into one
 * reused buffer, one `fs.writeSync` per batch — the least a log can do to land the same values in
 * the page cache. seglog: `Log.append(records)` (encode + CRC + write + index) and
 * `Log.appendBatch(bytes)` of a producer's pre-encoded batch (validate + CRC + offsets in place +
 * write), whose baseline is one `writeSync` of those same bytes.
 *
 * Rounds alternate raw / seglog so drift in the machine (page-cache writeback, other tenants) hits
 * both sides alike; the median round of each side is reported. Inputs (values, record arrays,
 * encoded batches) are built before any timer starts.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Log, encodeBatch, setBaseOffset, type RecordInput } from '../../lib/index.js';
import {
  higherIsBetter,
  lowerIsBetter,
  targetMax,
  targetMin,
  type BenchCase,
  type BenchContext,
  type BenchRow,
  type BenchTarget,
  type CaseResult,
} from '../case.js';
import { KIB, MIB, fold, mbPerSec, median, nowNs, payload, perSec, quantile } from '../util.js';

const LENGTH_PREFIX_BYTES = 4;
const BASE_TIMESTAMP_MS = 1_700_000_000_000;
/** Distinct pre-encoded producer batches cycled by appendBatch, so one hot buffer is not the whole story. */
const PRODUCER_BATCHES = 16;

interface Shape {
  label: string;
  valueBytes: number;
  recordsPerBatch: number;
}

const SHAPES: readonly Shape[] = [
  { label: 'append 1 KiB × 100', valueBytes: KIB, recordsPerBatch: 100 },
  { label: 'append 100 B × 1000', valueBytes: 100, recordsPerBatch: 1000 },
  { label: 'append 1 KiB × 1', valueBytes: KIB, recordsPerBatch: 1 },
];

interface SideRun {
  ns: number;
  bytes: number;
  records: number;
  batches: number;
}

interface ShapeFigures {
  raw: SideRun[];
  seglog: SideRun[];
  latencyP50Us: number;
  latencyP99Us: number;
  /** The raw writer's batch latencies: page-cache writeback stalls hit both sides, so read p99 next to this. */
  rawLatencyP50Us: number;
  rawLatencyP99Us: number;
  checksum: number;
}

function rawAppendRound(fd: number, values: readonly Buffer[], batches: number, scratch: Buffer, latencies: Float64Array,
  latencyAt: number): SideRun {
  const recordsPerBatch = values.length;
  let bytes = 0;
  const started = nowNs();
  let before = started;
  for (let b = 0; b < batches; b++) {
    let position = 0;
    for (let r = 0; r < recordsPerBatch; r++) {
      const value = values[r]!;
      scratch.writeInt32BE(value.length, position);
      position += LENGTH_PREFIX_BYTES;
      position += value.copy(scratch, position);
    }
    bytes += writeSync(fd, scratch, 0, position);
    const after = nowNs();
    latencies[latencyAt + b] = after - before;
    before = after;
  }
  return { ns: nowNs() - started, bytes, records: batches * recordsPerBatch, batches };
}

function logAppendRound(log: Log, records: RecordInput[], batches: number, latencies: Float64Array, latencyAt: number): SideRun {
  let bytes = 0;
  let records_ = 0;
  const started = nowNs();
  let before = started;
  for (let b = 0; b < batches; b++) {
    const result = log.append(records);
    const after = nowNs();
    latencies[latencyAt + b] = after - before;
    before = after;
    bytes += result.sizeBytes;
    records_ += result.recordsCount;
  }
  return { ns: nowNs() - started, bytes, records: records_, batches };
}

function rawBatchRound(fd: number, encoded: readonly Uint8Array[], batches: number, recordsPerBatch: number, latencies: Float64Array,
  latencyAt: number): SideRun {
  let bytes = 0;
  const count = encoded.length;
  const started = nowNs();
  let before = started;
  for (let b = 0; b < batches; b++) {
    const batch = encoded[b % count]!;
    // The same in-place edit appendBatch makes, so the two loops differ only by seglog's work.
    setBaseOffset(batch, 0, 0);
    bytes += writeSync(fd, batch);
    const after = nowNs();
    latencies[latencyAt + b] = after - before;
    before = after;
  }
  return { ns: nowNs() - started, bytes, records: batches * recordsPerBatch, batches };
}

function logBatchRound(log: Log, encoded: readonly Uint8Array[], batches: number, latencies: Float64Array, latencyAt: number): SideRun {
  let bytes = 0;
  let records = 0;
  const count = encoded.length;
  const started = nowNs();
  let before = started;
  for (let b = 0; b < batches; b++) {
    const batch = encoded[b % count]!;
    // appendBatch assigned offsets in place last time round; a producer's batch starts at 0.
    setBaseOffset(batch, 0, 0);
    const result = log.appendBatch(batch);
    const after = nowNs();
    latencies[latencyAt + b] = after - before;
    before = after;
    bytes += result.sizeBytes;
    records += result.recordsCount;
  }
  return { ns: nowNs() - started, bytes, records, batches };
}

function sum(runs: SideRun[], pick: (r: SideRun) => number): number {
  return runs.reduce((s, r) => s + pick(r), 0);
}

async function measureShape(ctx: BenchContext, shape: Shape, index: number, rounds: number, bytesPerRound: number,
  producer: boolean): Promise<ShapeFigures> {
  const { valueBytes, recordsPerBatch } = shape;
  const values = Array.from({ length: recordsPerBatch }, (_, r) => payload(valueBytes, ctx.seed + index * 7919 + r));
  const records: RecordInput[] = values.map((value, r) => ({ value, timestampMs: BASE_TIMESTAMP_MS + r }));
  const encoded = producer ? Array.from({ length: PRODUCER_BATCHES }, (_, i) => encodeBatch(records, { baseOffset: 0,
    nowMs: BASE_TIMESTAMP_MS + i })) : [];
  const batchBytesEstimate = recordsPerBatch * (valueBytes + LENGTH_PREFIX_BYTES);
  const batchesPerRound = Math.max(1, Math.floor(bytesPerRound / batchBytesEstimate));
  const scratch = Buffer.alloc(batchBytesEstimate);
  const latencies = new Float64Array(batchesPerRound * rounds);
  const rawLatencies = new Float64Array(batchesPerRound * rounds);
  const dir = join(ctx.dir, `append-${index}`);
  mkdirSync(dir, { recursive: true });
  const rawPath = join(dir, 'raw.bin');
  const fd = openSync(rawPath, 'w');
  const log = await Log.open(join(dir, 'bench-0'));
  const raw: SideRun[] = [];
  const seglog: SideRun[] = [];
  try {
    // One untimed warm-up batch per side: JIT, file creation, first index entry.
    if (producer) {
      rawBatchRound(fd, encoded, 1, recordsPerBatch, rawLatencies, 0);
      logBatchRound(log, encoded, 1, latencies, 0);
    } else {
      rawAppendRound(fd, values, 1, scratch, rawLatencies, 0);
      logAppendRound(log, records, 1, latencies, 0);
    }
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`${producer ? 'appendBatch 1 KiB × 100' : shape.label}: round ${round + 1}/${rounds}`);
      const at = round * batchesPerRound;
      if (producer) {
        raw.push(rawBatchRound(fd, encoded, batchesPerRound, recordsPerBatch, rawLatencies, at));
        seglog.push(logBatchRound(log, encoded, batchesPerRound, latencies, at));
      } else {
        raw.push(rawAppendRound(fd, values, batchesPerRound, scratch, rawLatencies, at));
        seglog.push(logAppendRound(log, records, batchesPerRound, latencies, at));
      }
    }
    const checksum = fold(fold(log.logEndOffset, sum(seglog, (r) => r.bytes)), sum(raw, (r) => r.bytes));
    const total = batchesPerRound * rounds;
    return {
      raw,
      seglog,
      latencyP50Us: quantile(latencies, total, 0.5) / 1000,
      latencyP99Us: quantile(latencies, total, 0.99) / 1000,
      rawLatencyP50Us: quantile(rawLatencies, total, 0.5) / 1000,
      rawLatencyP99Us: quantile(rawLatencies, total, 0.99) / 1000,
      checksum,
    };
  } finally {
    closeSync(fd);
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function medianRate(runs: SideRun[], pick: (r: SideRun) => number): number {
  return median(runs.map((r) => perSec(pick(r), r.ns)));
}

export const appendCase: BenchCase = {
  name: 'append',
  smoke: true,
  async run(ctx) {
    const rounds = ctx.pick(2, 5, 8);
    const bytesPerRound = ctx.pick(512 * KIB, 24 * MIB, 96 * MIB);
    const rows: BenchRow[] = [];
    const targets: BenchTarget[] = [];
    const details: CaseResult['details'] = {};
    let checksum = 0;
    const recordsGoal = ctx.side === 'native' ? 0.7 : 0.45;
    const producerShape: Shape = { label: 'appendBatch 1 KiB × 100', valueBytes: KIB, recordsPerBatch: 100 };
    const all: Array<[Shape, boolean]> = [...SHAPES.map((s): [Shape, boolean] => [s, false]), [producerShape, true]];
    for (let i = 0; i < all.length; i++) {
      const [shape, producer] = all[i]!;
      // Single-record appends cost per call, not per byte: fewer bytes keep the round short.
      const roundBytes = shape.recordsPerBatch === 1 ? Math.max(64 * KIB, bytesPerRound / 8) : bytesPerRound;
      const f = await measureShape(ctx, shape, i, rounds, roundBytes, producer);
      checksum = fold(checksum, f.checksum);
      const rawMBps = median(f.raw.map((r) => mbPerSec(r.bytes, r.ns)));
      const logMBps = median(f.seglog.map((r) => mbPerSec(r.bytes, r.ns)));
      const rawRecords = medianRate(f.raw, (r) => r.records);
      const logRecords = medianRate(f.seglog, (r) => r.records);
      rows.push(higherIsBetter(`${shape.label} rec/s`, logRecords, rawRecords, 'rec/s', 'writeSync'));
      rows.push(higherIsBetter(`${shape.label} MB/s`, logMBps, rawMBps, 'MB/s', 'writeSync'));
      rows.push(lowerIsBetter(`${shape.label} batch p50`, f.latencyP50Us, f.rawLatencyP50Us, 'µs', 'writeSync batch'));
      rows.push(lowerIsBetter(`${shape.label} batch p99`, f.latencyP99Us, f.rawLatencyP99Us, 'µs', 'writeSync batch'));
      const recordsRatio = logRecords / rawRecords;
      if (producer) {
        targets.push(targetMin('appendBatch ≥ 0.85× raw write (rec/s)', recordsRatio, 0.85));
        targets.push(targetMax('appendBatch batch p99 ≤ 1 ms (µs)', f.latencyP99Us, 1000));
      } else if (shape.recordsPerBatch > 1) {
        targets.push(targetMin(`${shape.label} ≥ ${recordsGoal}× raw (${ctx.side} CRC)`, recordsRatio, recordsGoal));
        targets.push(targetMax(`${shape.label} batch p99 ≤ 1 ms (µs)`, f.latencyP99Us, 1000));
      }
    }
    return { rows, targets, checksum, details };
  },
};

export const benchCases: BenchCase[] = [appendCase];
