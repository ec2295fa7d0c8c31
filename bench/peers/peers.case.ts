/**
 * seglog next to the embedded Node stores people compare it with, on the same work in the same run:
 * lmdb (B+tree in a memory map) and classic-level (LevelDB). Each store gets the same 1 KiB values
 * under 8-byte big-endian offset keys.
 *
 * - append: seglog `Log.append` of 100 × 1 KiB batches; lmdb 100 `putSync` per `transactionSync`;
 *   classic-level one `batch` of 100 puts. None of them fsyncs per write (seglog's default, lmdb
 *   opened with `noSync`, LevelDB's default `sync: false`): page-cache speed on all three.
 * - point read, single-record batches: `read(offset)` + `toBuffer()` and `readRecord(offset)` on a
 *   log of 1 KiB single-record batches, against lmdb `getBinary` and classic-level `getSync` of
 *   random keys.
 * - point read, records inside 100-record batches: `readRecord(offset)` (one positioned read of the
 *   batch, only that record decoded) against lmdb `getBinary`.
 *
 * Targets (the hot-path issue's): seglog append ≥ 2× lmdb's MB/s; single-record point read p50 ≤
 * lmdb's p50; record-level point read p50 ≤ 3× lmdb's.
 */
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { open as openLmdb } from 'lmdb';
import { Log, type RecordInput } from '../../lib/index.js';
import { higherIsBetter, lowerIsBetter, targetMax, targetMin, type BenchCase } from '../case.js';
import { KIB, Rng, fold, mbPerSec, nowNs, payload, quantile } from '../util.js';

const VALUE_BYTES = KIB;
const BATCH_RECORDS = 100;
const BLOCK_OPS = 500;

function keyOf(offset: number): Buffer {
  const key = Buffer.allocUnsafe(8);
  key.writeBigUInt64BE(BigInt(offset));
  return key;
}

export const benchCases: BenchCase[] = [{
  name: 'peers',
  smoke: true,
  async run(ctx) {
    const records = ctx.pick(2_000, 32_800, 262_100);
    const ops = ctx.pick(1_000, 20_000, 100_000);
    const value = payload(VALUE_BYTES, ctx.seed);
    const keys = Array.from({ length: records }, (_, i) => keyOf(i));
    const batch: RecordInput[] = Array.from({ length: BATCH_RECORDS }, () => ({ value }));
    const rng = new Rng(ctx.seed);
    let checksum = 0;

    // Append, the three stores in turn, the same records.
    const batched = await Log.open(join(ctx.dir, 'batched-0'));
    let started = nowNs();
    for (let i = 0; i < records; i += BATCH_RECORDS) batched.append(batch);
    const seglogNs = nowNs() - started;
    const lmdb = openLmdb({ path: join(ctx.dir, 'lmdb'), encoding: 'binary', keyEncoding: 'binary', noSync: true,
      compression: false });
    started = nowNs();
    for (let i = 0; i < records; i += BATCH_RECORDS) {
      lmdb.transactionSync(() => {
        for (let j = i; j < i + BATCH_RECORDS; j++) lmdb.putSync(keys[j]!, value);
      });
    }
    const lmdbNs = nowNs() - started;
    const level = new ClassicLevel<Buffer, Buffer>(join(ctx.dir, 'level'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await level.open();
    started = nowNs();
    for (let i = 0; i < records; i += BATCH_RECORDS) {
      const operations = [];
      for (let j = i; j < i + BATCH_RECORDS; j++) operations.push({ type: 'put' as const, key: keys[j]!, value });
      await level.batch(operations);
    }
    const levelNs = nowNs() - started;
    const appendedBytes = records * VALUE_BYTES;
    const seglogMBs = mbPerSec(appendedBytes, seglogNs);
    const lmdbMBs = mbPerSec(appendedBytes, lmdbNs);
    const levelMBs = mbPerSec(appendedBytes, levelNs);

    // Single-record batches for the point reads.
    const single = await Log.open(join(ctx.dir, 'single-0'));
    const one: RecordInput[] = [{ value }];
    for (let i = 0; i < records; i++) single.append(one);

    const regionSamples = new Float64Array(ops);
    const recordSamples = new Float64Array(ops);
    const lmdbSamples = new Float64Array(ops);
    const levelSamples = new Float64Array(ops);
    const batchedSamples = new Float64Array(ops);
    const lmdbBatchedSamples = new Float64Array(ops);
    // Blocks of BLOCK_OPS per measure in turn, so each runs warm and drift hits all of them.
    const singleOffsets = Int32Array.from({ length: ops }, () => rng.below(records));
    const batchedOffsets = Int32Array.from({ length: ops }, () => rng.below(records));
    for (let from = 0; from < ops; from += BLOCK_OPS) {
      const to = Math.min(ops, from + BLOCK_OPS);
      for (let i = from; i < to; i++) {
        const t = nowNs();
        checksum = fold(checksum, single.read(singleOffsets[i]!, { maxBytes: 1 }).toBuffer().length);
        regionSamples[i] = nowNs() - t;
      }
      for (let i = from; i < to; i++) {
        const t = nowNs();
        checksum = fold(checksum, single.readRecord(singleOffsets[i]!)!.valueSizeBytes);
        recordSamples[i] = nowNs() - t;
      }
      for (let i = from; i < to; i++) {
        const t = nowNs();
        checksum = fold(checksum, lmdb.getBinary(keys[singleOffsets[i]!]!)!.length);
        lmdbSamples[i] = nowNs() - t;
      }
      for (let i = from; i < to; i++) {
        const t = nowNs();
        checksum = fold(checksum, level.getSync(keys[singleOffsets[i]!]!)!.length);
        levelSamples[i] = nowNs() - t;
      }
      for (let i = from; i < to; i++) {
        const t = nowNs();
        checksum = fold(checksum, batched.readRecord(batchedOffsets[i]!)!.valueSizeBytes);
        batchedSamples[i] = nowNs() - t;
      }
      for (let i = from; i < to; i++) {
        const t = nowNs();
        checksum = fold(checksum, lmdb.getBinary(keys[batchedOffsets[i]!]!)!.length);
        lmdbBatchedSamples[i] = nowNs() - t;
      }
    }
    const us = (samples: Float64Array, q: number) => quantile(samples, ops, q) / 1000;
    const regionP50 = us(regionSamples, 0.5);
    const recordP50 = us(recordSamples, 0.5);
    const lmdbP50 = us(lmdbSamples, 0.5);
    const levelP50 = us(levelSamples, 0.5);
    const batchedP50 = us(batchedSamples, 0.5);
    const lmdbBatchedP50 = us(lmdbBatchedSamples, 0.5);
    const details = {
      records, ops,
      seglogAppendMBs: seglogMBs, lmdbAppendMBs: lmdbMBs, levelAppendMBs: levelMBs,
      readRegionP50Us: regionP50, readRegionP99Us: us(regionSamples, 0.99),
      readRecordSingleP50Us: recordP50, readRecordSingleP99Us: us(recordSamples, 0.99),
      lmdbGetP50Us: lmdbP50, lmdbGetP99Us: us(lmdbSamples, 0.99),
      levelGetP50Us: levelP50, levelGetP99Us: us(levelSamples, 0.99),
      readRecordIn100P50Us: batchedP50, readRecordIn100P99Us: us(batchedSamples, 0.99),
      lmdbGetIn100P50Us: lmdbBatchedP50,
    };
    await batched.close();
    await single.close();
    await level.close();
    await lmdb.close();
    return {
      rows: [
        higherIsBetter('append 1 KiB × 100 vs lmdb', seglogMBs, lmdbMBs, 'MB/s', 'lmdb putSync ×100/txn'),
        higherIsBetter('append 1 KiB × 100 vs classic-level', seglogMBs, levelMBs, 'MB/s', 'classic-level batch ×100'),
        lowerIsBetter('point read (read+toBuffer) vs lmdb', regionP50, lmdbP50, 'µs p50', 'lmdb getBinary'),
        lowerIsBetter('point read (readRecord) vs lmdb', recordP50, lmdbP50, 'µs p50', 'lmdb getBinary'),
        lowerIsBetter('point read (read+toBuffer) vs classic-level', regionP50, levelP50, 'µs p50', 'classic-level getSync'),
        lowerIsBetter('readRecord in 100-record batches vs lmdb', batchedP50, lmdbBatchedP50, 'µs p50', 'lmdb getBinary'),
      ],
      targets: [
        targetMin('append ≥ 2× lmdb MB/s', seglogMBs / lmdbMBs, 2),
        targetMax('point read p50 ≤ lmdb p50 (read+toBuffer, single-record batches)', regionP50 / lmdbP50, 1),
        targetMax('readRecord p50 ≤ 3× lmdb (1 KiB records in 100-record batches)', batchedP50 / lmdbBatchedP50, 3),
      ],
      checksum,
      details,
    };
  },
}];
