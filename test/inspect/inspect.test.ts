// The inspector's functions on real files: chunked streaming with carry-over (seeded), a file that
// changes size while read, every corrupted fixture found with the right kind, Kafka's own broker
// data clean, stats and the HyperLogLog estimate, and a seeded fuzzer that damages a segment and
// checks dump/verify only ever report (never throw anything but a SeglogError).
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeglogError } from '../../lib/errors.js';
import { decodeBatches, encodeBatch } from '../../lib/record/index.js';
import {
  HyperLogLog, SegmentReader, collectStats, dumpLogAll, dumpOffsetIndex, dumpProducerSnapshot, dumpTimeIndex, verifyPaths,
} from '../../lib/inspect/index.js';
import { removeTempDirs, seedFromEnv, seededRandom, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixtures = join(root, 'fixtures/inspect');
const broker = join(root, 'fixtures/kafka-broker');
const seed = seedFromEnv();

test.after.each(removeTempDirs);

function randomSegment(random: () => number, batches: number): Buffer {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (let b = 0; b < batches; b++) {
    const count = 1 + Math.floor(random() * 5);
    const big = random() < 0.1;
    const records = Array.from({ length: count }, (_, i) => ({
      key: `k${Math.floor(random() * 50)}`,
      value: 'v'.repeat(big ? 3000 : Math.floor(random() * 100)),
      timestampMs: 1_700_000_000_000 + offset + i,
    }));
    parts.push(encodeBatch(records, { baseOffset: offset }));
    offset += count;
  }
  return Buffer.concat(parts);
}

test(`SegmentReader: small chunks, carry-over and oversize batches match one whole decode (seed ${seed})`, () => {
  const random = seededRandom(seed);
  const dir = tempDir();
  const bytes = randomSegment(random, 60);
  const path = join(dir, '00000000000000000000.log');
  writeFileSync(path, Buffer.concat([bytes, Buffer.from([0, 0, 0])]));
  const expected = Array.from(decodeBatches(bytes), (b) => [b.positionBytes, b.baseOffset, b.sizeBytes]);
  for (const chunkBytes of [17, 64, 500, 1 << 20]) {
    const reader = new SegmentReader(path, { chunkBytes });
    const seen = Array.from(reader, (b) => [b.positionBytes, b.baseOffset, b.sizeBytes]);
    assert.equal(seen, expected, `seed ${seed} chunk ${chunkBytes}`);
    assert.is(reader.validBytes, bytes.length);
    assert.is(reader.trailingBytes, 3, `seed ${seed}`);
    assert.is(reader.corruption, null);
  }
});

test('SegmentReader: a file growing while read is read up to its size at open', () => {
  const dir = tempDir();
  const path = join(dir, '00000000000000000000.log');
  const first = encodeBatch([{ value: 'a', timestampMs: 1 }], { baseOffset: 0 });
  writeFileSync(path, first);
  const reader = new SegmentReader(path, { chunkBytes: 32 });
  appendFileSync(path, encodeBatch([{ value: 'b', timestampMs: 2 }], { baseOffset: 1 }));
  assert.is(Array.from(reader).length, 1);
  assert.is(reader.validBytes, first.length);
  assert.is(reader.trailingBytes, 0);
});

test('dump: max-bytes keeps only whole batches inside the limit', () => {
  const path = join(fixtures, 'logdir/demo-0/00000000000000000000.log');
  const all = dumpLogAll(path).batches;
  const limit = all[3]!.positionBytes + all[3]!.sizeBytes + 5;
  const { batches, summary } = dumpLogAll(path, { maxBytes: limit });
  assert.is(batches.length, 4);
  assert.ok(summary.maxBytesGiven);
  assert.is(summary.trailingBytes, 5);
});

test('dump: compacted gaps are listed as non-consecutive pairs, control records decoded', () => {
  const compacted = dumpLogAll(join(fixtures, 'compacted/00000000000000000000.log'), { deep: true }).summary;
  assert.equal(compacted.nonConsecutive, [[0, 2], [2, 5], [5, 11], [11, 13]]);
  const txn = dumpLogAll(join(fixtures, 'logdir/demo-0/00000000000000000060.log'), { deep: true }).batches;
  assert.equal(txn[1]!.records![0]!.control, { controlType: 'COMMIT', controlTypeId: 1, coordinatorEpoch: 5 });
  assert.is(txn[3]!.records![0]!.control!.controlType, 'ABORT');
});

test('dump: every codec decodes, data printed in the chosen encoding', () => {
  const { batches, summary } = dumpLogAll(join(fixtures, 'codecs/00000000000000000000.log'), { printData: true, encoding: 'base64' });
  assert.equal(batches.map((b) => b.compression), ['none', 'gzip', 'snappy', 'lz4', 'zstd', 'none', 'none']);
  assert.is(summary.recordErrors, 0);
  assert.is(batches[2]!.records![1]!.key, Buffer.from('snappy-k1').toString('base64'));
  assert.is(batches[5]!.timestampType, 'LogAppendTime');
  assert.is(batches[6]!.deleteHorizonMs, 1_700_000_000_000 + 86_400_000);
  assert.is(batches[6]!.records![0]!.value, null);
});

test('verify: each corrupted fixture reports its kind; the clean ones are clean', () => {
  const kinds = (dir: string) => verifyPaths([join(fixtures, 'corrupt', dir)]).problems.map((p) => p.kind).sort();
  assert.equal(kinds('flipped-bit'), ['crc-mismatch']);
  // A torn tail past the recovery point (none here: 0) is what a crash leaves, with index entries for it.
  assert.equal(kinds('truncated'), []);
  const truncatedNotes = verifyPaths([join(fixtures, 'corrupt', 'truncated')]).notes.join('\n');
  assert.match(truncatedNotes, /torn-tail: 104 bytes .* past the recovery point 0/);
  assert.match(truncatedNotes, /time-index-offset: .* an entry for the torn tail/);
  assert.equal(kinds('bad-index-length'), ['index-length']);
  assert.equal(kinds('index-mismatch'), ['index-mismatch', 'time-index-timestamp']);
  assert.equal(kinds('random'), ['corrupt-batch']);
  assert.equal(kinds('checkpoint-beyond'), ['checkpoint']);
  const flipped = verifyPaths([join(fixtures, 'corrupt/flipped-bit')]).problems[0]!;
  assert.is(flipped.offset, 9);
  assert.is(flipped.positionBytes, 396);
  for (const clean of ['logdir', 'codecs', 'compacted', 'kafkajs']) assert.ok(verifyPaths([join(fixtures, clean)]).ok, clean);
});

test('real Kafka broker data: verify clean; index and time index match the log; snapshot parses', () => {
  const report = verifyPaths([broker]);
  assert.equal(report.problems, []);
  assert.is(report.partitions.length, 3);
  const part = join(broker, '__consumer_offsets-6');
  const index = dumpOffsetIndex(join(part, '00000000000000000000.index'));
  assert.equal(index.index.entries, [{ offset: 3, positionBytes: 4730 }, { offset: 7, positionBytes: 9571 }]);
  assert.equal(index.mismatches, []);
  const time = dumpTimeIndex(join(part, '00000000000000000000.timeindex'));
  assert.is(time.index.entries.length, 3);
  assert.equal(time.errors, { notFound: [], timestampMismatches: [], outOfOrder: [] });
  assert.equal(dumpProducerSnapshot(join(part, '00000000000000000013.snapshot')).entries, []);
  const log = dumpLogAll(join(broker, '__cluster_metadata-0/00000000000000000000.log'), { deep: true });
  assert.is(log.batches.length, 4814);
  assert.is(log.summary.recordErrors, 0);
});

test('stats: counts, ranges, compression mix and key estimate of the demo log dir', () => {
  const { partitions, total } = collectStats(join(fixtures, 'logdir'));
  assert.is(partitions.length, 1);
  const p = partitions[0]!;
  assert.is(p.topic, 'demo');
  assert.is(p.segments, 2);
  assert.is(p.records, 65);
  assert.is(p.batches, 24);
  assert.is(p.firstOffset, 0);
  assert.is(p.lastOffset, 64);
  assert.is(p.controlBatches, 2);
  assert.is(p.keyCountEstimate, 8);
  assert.equal(p.compression, { none: { batches: 24, sizeBytes: p.sizeBytes } });
  assert.is(total.records, 65);
});

test(`HyperLogLog: estimate within 3% for 100k distinct keys (seed ${seed})`, () => {
  const random = seededRandom(seed);
  const hll = new HyperLogLog();
  const salt = Math.floor(random() * 1e9);
  for (let i = 0; i < 100_000; i++) {
    hll.add(Buffer.from(`key-${salt}-${i}`));
    if (i % 3 === 0) hll.add(Buffer.from(`key-${salt}-${i}`)); // duplicates do not count
  }
  const estimate = hll.estimate();
  assert.ok(Math.abs(estimate - 100_000) / 100_000 < 0.03, `seed ${seed}: estimate ${estimate}`);
});

test(`fuzz: damaged segments are reported, never thrown (seed ${seed})`, () => {
  const random = seededRandom(seed);
  const source = join(fixtures, 'logdir/demo-0');
  const cases = Number(process.env.SEGLOG_FUZZ_CASES ?? 60);
  for (let c = 0; c < cases; c++) {
    const dir = join(tempDir(), 'demo-0');
    mkdirSync(dir);
    for (const s of ['.log', '.index', '.timeindex']) copyFileSync(join(source, `00000000000000000000${s}`), join(dir,
        `00000000000000000000${s}`));
    const path = join(dir, '00000000000000000000.log');
    const bytes = readFileSync(path);
    const flips = 1 + Math.floor(random() * 8);
    for (let f = 0; f < flips; f++) {
      const at = Math.floor(random() * bytes.length);
      bytes[at] = bytes[at]! ^ (1 << Math.floor(random() * 8));
    }
    writeFileSync(path, random() < 0.3 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes);
    try {
      dumpLogAll(path, { printData: true, chunkBytes: 64 + Math.floor(random() * 512) });
      verifyPaths([dir], { chunkBytes: 100 });
      collectStats(dir);
    } catch (error) {
      assert.ok(error instanceof SeglogError, `seed ${seed} case ${c}: ${String(error)}`);
    }
  }
});

test.run();
