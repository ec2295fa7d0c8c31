// One fetch path: Broker.fetch answers exactly what the fetch planner (planFetch) plans, including
// when the response budget runs out in the second partition. Kafka's rules: the first batch of a
// partition that does not fit what is left of the budget is not sent at all (firstEntryIncomplete,
// Fetch v3+); a budget that ends after a partition's first batch cuts the region there, and the
// client handles the partial last batch. Every Log of the broker shares one FilePool.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { Broker } from '../../lib/broker/index.js';
import { decodeBatches, planFetch } from '../../lib/index.js';
import { BROKER_OPEN_SEGMENT_FILES_MAX } from '../../lib/limits.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(() => removeTempDirs());

const BATCHES = 5;
const VALUE_BYTES = 1000;

async function brokerWithTwoPartitions(): Promise<{ broker: Broker; batchBytes: number[] }> {
  const broker = await Broker.open(tempDir('seglog-fetch-'));
  await broker.createTopic('t', { partitions: 2 });
  const batchBytes: number[] = [];
  for (let p = 0; p < 2; p++) {
    for (let b = 0; b < BATCHES; b++) {
      const result = await broker.produce('t', p, [{ key: `k${b}`, value: Buffer.alloc(VALUE_BYTES, 97 + b) }]);
      assert.is(result.baseOffset, b);
    }
  }
  const whole = broker.log('t', 1).read(0, { maxBytes: 1 << 20 }).toBuffer();
  for (const batch of decodeBatches(whole)) batchBytes.push(batch.sizeBytes);
  assert.is(batchBytes.length, BATCHES);
  return { broker, batchBytes };
}

function sizesOf(results: Awaited<ReturnType<Broker['fetch']>>): number[] {
  return results.map((r) => r.regions.reduce((sum, region) => sum + region.sizeBytes, 0));
}

async function compare(broker: Broker, responseMaxBytes: number): Promise<number[]> {
  const requests = [0, 1].map((partition) => ({ topic: 't', partition, offset: 0, maxBytes: 1 << 20 }));
  const fetched = await broker.fetch(requests, { maxBytes: responseMaxBytes });
  const plan = planFetch(requests.map((r) => ({ log: broker.log('t', r.partition), offset: 0, maxBytes: r.maxBytes })), responseMaxBytes);
  assert.equal(sizesOf(fetched), plan.partitions.map((p) => p.region?.sizeBytes ?? 0), 'the broker answers what the planner plans');
  return sizesOf(fetched);
}

test('the budget ends inside the second partition\'s first batch: that partition sends nothing', async () => {
  const { broker, batchBytes } = await brokerWithTwoPartitions();
  const partition0Bytes = broker.log('t', 0).stats().sizeBytes;
  const sizes = await compare(broker, partition0Bytes + (batchBytes[0] as number) - 1);
  assert.equal(sizes, [partition0Bytes, 0]);
  await broker.close();
});

test('the budget ends after the second partition\'s first batch: its region is cut there, whole first batch included', async () => {
  const { broker, batchBytes } = await brokerWithTwoPartitions();
  const partition0Bytes = broker.log('t', 0).stats().sizeBytes;
  const extra = 100;
  const sizes = await compare(broker, partition0Bytes + (batchBytes[0] as number) + extra);
  assert.equal(sizes, [partition0Bytes, (batchBytes[0] as number) + extra]);
  const fetched = await broker.fetch([{ topic: 't', partition: 1, offset: 0, maxBytes: (batchBytes[0] as number) + extra }],
    { maxBytes: 1 << 20 });
  const decoded = [...decodeBatches(fetched[0]!.regions[0]!.toBuffer())];
  assert.is(decoded.length, 1, 'the cut second batch is a partial tail the decoder leaves out');
  await broker.close();
});

test('the first partition with data goes whole even past the budget (KIP-74), and an unknown partition is its own error', async () => {
  const { broker, batchBytes } = await brokerWithTwoPartitions();
  const sizes = await compare(broker, 10);
  assert.equal(sizes, [batchBytes[0] as number, 0]);
  const [bad, good] = await broker.fetch([{ topic: 't', partition: 7, offset: 0, maxBytes: 100 },
    { topic: 't', partition: 0, offset: 0, maxBytes: 1 << 20 }]);
  assert.ok(bad!.error !== null && /partition 7/.test(bad!.error.message));
  assert.is(good!.regions[0]!.sizeBytes, broker.log('t', 0).stats().sizeBytes);
  await broker.close();
});

test('every partition\'s reads share one bounded pool of descriptors', async () => {
  // One batch per segment: 10 partitions × 40 segments = 400 segment files, each partition under the
  // 64 a pool of its own would keep open, together above the broker's shared 256.
  const broker = await Broker.open(tempDir('seglog-fetch-'), { defaults: { segmentBytes: 2048 } });
  const partitions = 10;
  const segmentsEach = 40;
  await broker.createTopic('many', { partitions });
  for (let p = 0; p < partitions; p++) {
    for (let b = 0; b < segmentsEach; b++) await broker.produce('many', p, [{ value: Buffer.alloc(1500, 1) }]);
  }
  assert.ok(broker.log('many', 0).stats().segments >= segmentsEach, 'one batch per segment');
  const openFds = (): number => readdirSync('/proc/self/fd').length;
  const before = openFds();
  for (let p = 0; p < partitions; p++) {
    for (let offset = 0; offset < segmentsEach; offset++) {
      const [result] = await broker.fetch([{ topic: 'many', partition: p, offset, maxBytes: 100 }]);
      assert.is(result!.regions[0]!.toBuffer().length > 0, true);
    }
  }
  const readFds = openFds() - before;
  assert.ok(readFds <= BROKER_OPEN_SEGMENT_FILES_MAX + 16, `read descriptors stay within the shared pool (${readFds})`);
  assert.ok(readFds >= BROKER_OPEN_SEGMENT_FILES_MAX - 16, `the reads did fill the pool (${readFds})`);
  await broker.close();
});

test.run();
