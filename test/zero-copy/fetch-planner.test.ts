/**
 * planFetch against small fake logs whose read() follows §8.2 over real FileRegions of real files of
 * record batches (independent of the Log): the response budget, minOneMessage until some partition
 * returns data, firstEntryIncomplete (v3+ sends nothing, v0–v2 the cut bytes), the high watermark or
 * a request's own bound, per-partition errors; a seeded property test of the budget rules; and the
 * plan written to a real socket after a "header" arrives as the file bytes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { FileHandle, FilePool } from '../../lib/segment/file-handle.js';
import { FileRegion, OffsetOutOfRangeError, planFetch, decodeBatches, type FetchableLog, type ReadOptions } from '../../lib/index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { client, finish, receiver, writeBatchFile, type BatchFile } from './helpers.js';

test.after.each(removeTempDirs);

const seed = seedFromEnv();
const RECORDS_PER_BATCH = 10;

/** A log of one file of batches, offsets [0, batches * 10); reads as Kafka's LogSegment.read. */
class FakeLog implements FetchableLog {
  readonly file: BatchFile;
  readonly handle: FileHandle;
  highWatermark: number;
  logStartOffset = 0;
  readonly logEndOffset: number;
  reads = 0;

  /** No transactions here: the last stable offset is the high watermark. */
  get lastStableOffset(): number {
    return this.highWatermark;
  }

  constructor(file: BatchFile, pool: FilePool) {
    this.file = file;
    this.handle = new FileHandle(file.path, pool);
    this.logEndOffset = file.batches.length * RECORDS_PER_BATCH;
    this.highWatermark = this.logEndOffset;
  }

  read(offset: number, options: ReadOptions = {}): FileRegion {
    this.reads++;
    if (offset < this.logStartOffset || offset > this.logEndOffset) throw new OffsetOutOfRangeError(`offset ${offset}`, { offset });
    const maxOffset = Math.min(options.maxOffset ?? this.logEndOffset, this.logEndOffset);
    if (offset >= maxOffset) return FileRegion.empty(offset);
    const batches = this.file.batches;
    const first = batches[Math.floor(offset / RECORDS_PER_BATCH)]!;
    const bound = batches[Math.ceil(maxOffset / RECORDS_PER_BATCH)];
    const maxPositionBytes = bound === undefined ? this.file.bytes.length : bound.positionBytes;
    const maxBytes = options.maxBytes ?? 1 << 30;
    const limit = options.minOneMessage ?? true ? Math.max(maxBytes, first.sizeBytes) : maxBytes;
    const sizeBytes = Math.min(maxPositionBytes - first.positionBytes, limit);
    return new FileRegion(this.handle, first.positionBytes, sizeBytes, first.baseOffset);
  }
}

function fakeLogs(count: number, batches = 20, valueBytes = 100): { logs: FakeLog[]; pool: FilePool } {
  const dir = tempDir();
  const pool = new FilePool();
  const random = seededRandom(seed);
  const logs = Array.from({ length: count }, (_, i) =>
    new FakeLog(writeBatchFile(join(dir, `p${i}.log`), batches, RECORDS_PER_BATCH, valueBytes, random), pool));
  return { logs, pool };
}

const batchBytes = (log: FakeLog, index = 0): number => log.file.batches[index]!.sizeBytes;

test('minOneMessage for the first partition only until data: a batch bigger than every limit goes whole', () => {
  const { logs } = fakeLogs(3);
  const [a, b, c] = logs as [FakeLog, FakeLog, FakeLog];
  const plan = planFetch([
    { log: a, offset: 0, maxBytes: 10 },
    { log: b, offset: 0, maxBytes: 10 },
    { log: c, offset: 15, maxBytes: 1 << 20 },
  ], 50);
  assert.is(plan.partitions[0]!.region?.sizeBytes, batchBytes(a), 'whole first batch past maxBytes and budget');
  assert.is(plan.partitions[1]!.region, null, 'no minOneMessage any more and no budget left');
  assert.ok(plan.partitions[1]!.firstEntryIncomplete || plan.partitions[1]!.region === null);
  assert.is(plan.partitions[2]!.region, null, 'budget spent');
  assert.is(plan.totalBytes, batchBytes(a));
});

test('an empty first partition keeps minOneMessage for the next one', () => {
  const { logs } = fakeLogs(2);
  const [a, b] = logs as [FakeLog, FakeLog];
  a.highWatermark = 50;
  const plan = planFetch([{ log: a, offset: 50, maxBytes: 1 << 20 }, { log: b, offset: 35, maxBytes: 1 }], 1 << 20);
  assert.is(plan.partitions[0]!.region, null, 'at the high watermark: nothing');
  assert.is(plan.partitions[0]!.highWatermark, 50);
  const region = plan.partitions[1]!.region!;
  assert.is(region.sizeBytes, batchBytes(b, 3), 'whole batch of offset 35');
  assert.is(region.firstOffset, 30);
});

test('budget: later partitions get min(own maxBytes, what is left); a cut first batch is nothing (v3+), cut bytes (v0–v2)', () => {
  const { logs } = fakeLogs(3);
  const [a, b, c] = logs as [FakeLog, FakeLog, FakeLog];
  const budget = batchBytes(a) + batchBytes(b) * 2 + 5;
  const plan = planFetch([
    { log: a, offset: 0, maxBytes: batchBytes(a) },
    { log: b, offset: 0, maxBytes: 1 << 20 },
    { log: c, offset: 0, maxBytes: 1 << 20 },
  ], budget);
  assert.is(plan.partitions[0]!.region?.sizeBytes, batchBytes(a));
  assert.is(plan.partitions[1]!.region?.sizeBytes, batchBytes(b) * 2 + 5, 'the rest of the budget, ending in a cut batch');
  assert.is(plan.partitions[2]!.region, null);
  assert.is(plan.totalBytes, budget);

  const tight = planFetch([{ log: a, offset: 0, maxBytes: batchBytes(a) }, { log: b, offset: 0, maxBytes: 100 }], 1 << 20);
  assert.is(tight.partitions[1]!.region, null, 'v3+: nothing rather than a cut first batch');
  assert.ok(tight.partitions[1]!.firstEntryIncomplete);
  assert.is(tight.totalBytes, batchBytes(a), 'the budget is not spent on it');

  const hard = planFetch([{ log: a, offset: 0, maxBytes: 100 }, { log: b, offset: 0, maxBytes: 100 }], 150, { hardMaxBytesLimit: true });
  assert.is(hard.partitions[0]!.region?.sizeBytes, 100, 'v0–v2: no minOneMessage, cut bytes');
  assert.is(hard.partitions[1]!.region?.sizeBytes, 50);
  assert.not.ok(hard.partitions[0]!.firstEntryIncomplete);
});

test('bounds: the high watermark by default, a request\'s own maxOffset (a follower reads to the log end)', () => {
  const { logs } = fakeLogs(1);
  const [a] = logs as [FakeLog];
  a.highWatermark = 40;
  const consumer = planFetch([{ log: a, offset: 0, maxBytes: 1 << 20 }], 1 << 20);
  assert.is(consumer.totalBytes, a.file.batches[4]!.positionBytes, 'up to the batch at the high watermark');
  const follower = planFetch([{ log: a, offset: 0, maxBytes: 1 << 20, maxOffset: a.logEndOffset }], 1 << 20);
  assert.is(follower.totalBytes, a.file.bytes.length);
});

test('per-partition errors: typed error for that partition, the others still served; bugs propagate', () => {
  const { logs } = fakeLogs(2);
  const [a, b] = logs as [FakeLog, FakeLog];
  a.logStartOffset = 100;
  const plan = planFetch([{ log: a, offset: 5, maxBytes: 1 << 20 }, { log: b, offset: 0, maxBytes: 10 }], 1 << 20);
  assert.instance(plan.partitions[0]!.error, OffsetOutOfRangeError);
  assert.is(plan.partitions[0]!.logStartOffset, 100);
  assert.is(plan.partitions[1]!.region?.sizeBytes, batchBytes(b), 'minOneMessage still owed to the next partition');
  const broken: FetchableLog = { ...b, lastStableOffset: b.highWatermark, read: () => { throw new TypeError('bug'); } };
  assert.throws(() => planFetch([{ log: broken, offset: 0, maxBytes: 1 }], 1), TypeError);
});

test(`seeded requests (seed ${seed}): budget rules, batch starts; the plan sent after a header is the file bytes`, async () => {
  const random = seededRandom(seed);
  const { logs, pool } = fakeLogs(6, 30, 200);
  for (let round = 0; round < 30; round++) {
    const requests = logs.map((log) => ({
      log,
      offset: Math.floor(random() * (log.logEndOffset + 1)),
      maxBytes: Math.floor(random() * 3 * batchBytes(log)),
    }));
    const budget = Math.floor(random() * 8 * batchBytes(logs[0]!));
    const plan = planFetch(requests, budget);
    const firstData = plan.partitions.findIndex((p) => p.region !== null);
    let sum = 0;
    plan.partitions.forEach((p, i) => {
      const where = `seed ${seed} round ${round} partition ${i}`;
      if (p.region === null) return;
      sum += p.region.sizeBytes;
      const log = requests[i]!.log;
      assert.ok(log.file.batches.some((batch) => batch.positionBytes === p.region!.positionBytes), `${where}: starts at a batch`);
      if (i === firstData) {
        const first = log.file.batches.find((batch) => batch.positionBytes === p.region!.positionBytes)!;
        assert.ok(p.region.sizeBytes <= Math.max(first.sizeBytes, Math.min(requests[i]!.maxBytes, budget)), `${where}: first`);
      } else {
        assert.ok(p.region.sizeBytes <= requests[i]!.maxBytes, `${where}: own limit`);
        const [first] = [...decodeBatches(p.region.toBuffer())];
        assert.ok(first !== undefined, `${where}: a later partition sends at least one whole batch`);
      }
    });
    assert.is(sum, plan.totalBytes);
    if (firstData >= 0) {
      const firstSize = plan.partitions[firstData]!.region!.sizeBytes;
      assert.ok(plan.totalBytes <= Math.max(budget, firstSize), `seed ${seed} round ${round}: within the budget`);
    }
  }
  // "Ready to be written after a response header": header bytes, then each region in order.
  const plan = planFetch(logs.map((log) => ({ log, offset: 0, maxBytes: 1 << 20 })), 1 << 20);
  const target = await receiver();
  const socket = await client(target.port);
  const header = Buffer.from('HEADER');
  socket.write(header);
  for (const p of plan.partitions) if (p.region !== null) await p.region.transferTo(socket);
  const got = await finish(socket, target);
  const expected = Buffer.concat([header, ...plan.partitions.map((p) => (p.region === null ? Buffer.alloc(0) : p.region.toBuffer()))]);
  assert.ok(got.equals(expected));
  assert.is(got.length, header.length + plan.totalBytes);
  await target.close();
  pool.closeAll();
});

test.run();
