// End to end with an unmodified client: kafkajs 2.2.4 against a real `seglog serve` child process on
// 127.0.0.1 — admin create, keyed produce with every codec (kafkajs builds in gzip; snappy, lz4 and zstd
// are kafkajs plugins, registered here on seglog's own Kafka-framed codecs), a consumer group that
// commits, a server restart resumed from the committed offsets, ListOffsets by timestamp, and two
// consumers splitting partitions and rebalancing when one leaves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { partitionForKey } from '../../lib/broker/murmur2.js';
import { compress, decompress, decodeBatches, type CompressionType } from '../../lib/index.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startServe, type ServeProcess } from './helpers.js';

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;

// kafkajs plugin shape: compress(encoder) and decompress(buffer), both async.
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
function plugin(codec: CompressionType): () => KafkajsCodec {
  return () => ({
    compress: async (encoder) => compress(codec, encoder.buffer),
    decompress: async (buffer) => decompress(codec, buffer, {}),
  });
}
CompressionCodecs[CompressionTypes.Snappy] = plugin('snappy');
CompressionCodecs[CompressionTypes.LZ4] = plugin('lz4');
CompressionCodecs[CompressionTypes.ZSTD] = plugin('zstd');
const CODECS: [CompressionType, number][] = [['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy], ['lz4', CompressionTypes.LZ4], ['zstd', CompressionTypes.ZSTD]];

/** The codecs of every batch stored for `topic` (read from the segment files the server wrote). */
function storedCodecs(topic: string): Set<string> {
  const codecs = new Set<string>();
  for (const dir of readdirSync(dataDir).filter((d) => d.startsWith(`${topic}-`))) {
    for (const file of readdirSync(join(dataDir, dir)).filter((f) => f.endsWith('.log'))) {
      for (const batch of decodeBatches(readFileSync(join(dataDir, dir, file)))) codecs.add(batch.compression);
    }
  }
  return codecs;
}
type Consumer = ReturnType<InstanceType<typeof Kafka>['consumer']>;

let dataDir: string;
let serve: ServeProcess;

function client(port: number): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'seglog-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 8,
      initialRetryTime: 100 } });
}

test.before(async () => {
  dataDir = tempDir('seglog-kafkajs-');
  serve = await startServe(dataDir);
});

test.after(async () => {
  await serve.stop();
  removeTempDirs();
});

async function consumeUntil(consumer: Consumer, topic: string, count: number,
    timeoutMs = 30_000): Promise<{ key: string; value: string; partition: number; offset: number }[]> {
  const seen: { key: string; value: string; partition: number; offset: number }[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition, offset: Number(message.offset) });
      if (seen.length >= count) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  return seen;
}

test('produce keyed messages with every codec, consume in a group, commit, restart, resume', async () => {
  const kafka = client(serve.port);
  const admin = kafka.admin();
  await admin.connect();
  assert.ok(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }));
  await admin.disconnect();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent: string[] = [];
  for (const [, compression] of CODECS) {
    for (let round = 0; round < 4; round++) {
      const messages = Array.from({ length: 50 }, (_, i) => {
        const key = `key-${compression}-${round}-${i}`;
        sent.push(key);
        return { key, value: `value-${key}` };
      });
      const results = await producer.send({ topic: 'orders', compression, messages });
      assert.ok(results.every((r) => r.errorCode === 0));
    }
  }
  await producer.disconnect();
  assert.equal(storedCodecs('orders'), new Set(CODECS.map(([name]) => name)), 'each codec reached the disk as sent');

  const consumer = kafka.consumer({ groupId: 'g1', sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  const seen = await consumeUntil(consumer, 'orders', sent.length);
  await consumer.disconnect();
  assert.is(seen.length, sent.length, 'every message once');
  assert.equal(new Set(seen.map((m) => m.key)), new Set(sent));
  for (const m of seen) {
    assert.is(m.value, `value-${m.key}`);
    assert.is(m.partition, partitionForKey(Buffer.from(m.key), 3), `key ${m.key} on the Java partitioner's partition`);
  }

  assert.is(await serve.stop('SIGTERM'), 0, 'clean shutdown on SIGTERM');
  serve = await startServe(dataDir);
  const kafka2 = client(serve.port);
  const producer2 = kafka2.producer();
  await producer2.connect();
  await producer2.send({ topic: 'orders', messages: Array.from({ length: 30 }, (_, i) => ({ key: `after-${i}`, value: 'new' })) });
  await producer2.disconnect();
  const consumer2 = kafka2.consumer({ groupId: 'g1', sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer2.connect();
  const resumed = await consumeUntil(consumer2, 'orders', 30, 15_000);
  // Give a wrongly rewound consumer time to show its duplicates.
  await new Promise((r) => setTimeout(r, 1000));
  await consumer2.disconnect();
  assert.is(resumed.length, 30, 'only the messages produced after the committed offsets');
  assert.ok(resumed.every((m) => m.key.startsWith('after-')));
});

test('ListOffsets by timestamp finds the first record at or after it', async () => {
  const kafka = client(serve.port);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'times', numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  const base = 1_700_000_000_000;
  await producer.send({ topic: 'times', messages: Array.from({ length: 10 }, (_, i) => ({ value: `${i}`,
      timestamp: String(base + i * 1000) })) });
  await producer.disconnect();
  const [hit] = await admin.fetchTopicOffsetsByTimestamp('times', base + 4500);
  assert.is(hit?.offset, '5');
  const [latest] = await admin.fetchTopicOffsets('times');
  assert.is(latest?.high, '10');
  assert.is(latest?.low, '0');
  await admin.disconnect();
});

test('two consumers in one group split the partitions and rebalance when one leaves', async () => {
  const kafka = client(serve.port);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'split', numPartitions: 4 }] });
  await admin.disconnect();
  const assignments = new Map<string, number[]>();
  const make = (name: string): Consumer => {
    // Fetch long-polls shorter than the rebalance timeout, so a member in a poll rejoins in time (as with kafkajs's 60 s default).
    const c = kafka.consumer({ groupId: 'g2', sessionTimeout: 10_000, heartbeatInterval: 200, rebalanceTimeout: 10_000,
        maxWaitTimeInMs: 500 });
    c.on(c.events.GROUP_JOIN, (e) => assignments.set(name, (e.payload.memberAssignment['split'] ?? []).slice().sort()));
    return c;
  };
  const a = make('a');
  const b = make('b');
  await a.connect();
  await b.connect();
  await a.subscribe({ topic: 'split' });
  await b.subscribe({ topic: 'split' });
  try {
    await a.run({ eachMessage: async () => undefined });
    await b.run({ eachMessage: async () => undefined });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !((assignments.get('a')?.length ?? 0) === 2 && (assignments.get('b')?.length ?? 0) === 2)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.is(assignments.get('a')?.length, 2, 'a has two partitions');
  assert.is(assignments.get('b')?.length, 2, 'b has two partitions');
  assert.equal([...(assignments.get('a') ?? []), ...(assignments.get('b') ?? [])].sort(), [0, 1, 2, 3]);
  await b.disconnect();
  while (Date.now() < deadline + 10_000 && (assignments.get('a')?.length ?? 0) !== 4) await new Promise((r) => setTimeout(r, 100));
  assert.equal(assignments.get('a'), [0, 1, 2, 3], 'a takes over every partition after b leaves');
  } finally {
    // A failed assertion must not leave kafkajs retrying forever and the test process hanging.
    await Promise.allSettled([a.disconnect(), b.disconnect()]);
  }
});

test.run();
