// Produce and CreateTopics requests that are hostile or buggy, over real sockets to an in-process
// broker: an error answer means nothing was stored, the broker keeps starting, and each refusal has
// Kafka's specific code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker, OFFSETS_TOPIC } from '../../lib/broker/index.js';
import { Reader } from '../../lib/broker/protocol/wire.js';
import { ApiKey } from '../../lib/broker/protocol/api-keys.js';
import { ErrorCode } from '../../lib/broker/protocol/error-codes.js';
import { ATTRIBUTES, BASE_TIMESTAMP, PRODUCER_ID, computeBatchCrc, encodeBatch } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { WireClient, readProduceAnswer, requestFrame } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const NOW_MS = 1_700_000_000_000;

test.after.each(() => removeTempDirs());

function produceFrame(correlationId: number, topic: string, records: Uint8Array): Buffer {
  return requestFrame(ApiKey.Produce, 7, correlationId, (w) => {
    w.nullableString(null).int16(-1).int32(5000);
    w.int32(1).string(topic).int32(1).int32(0).bytesField(records);
  });
}


function createTopicsAnswer(frame: Buffer): { errorCode: number; message: string | null } {
  const r = new Reader(frame);
  r.int32();
  r.int32(); // throttle (v2+)
  r.arrayLength();
  r.string();
  return { errorCode: r.int16(), message: r.nullableString() };
}

function createTopicsFrame(correlationId: number, topic: string, partitions: number, configs: [string, string][] = []): Buffer {
  return requestFrame(ApiKey.CreateTopics, 3, correlationId, (w) => {
    w.int32(1).string(topic).int32(partitions).int16(1).int32(0);
    w.int32(configs.length);
    for (const [name, value] of configs) w.string(name).nullableString(value);
    w.int32(30_000).boolean(false);
  });
}

/** Re-seals a batch after a header edit (the CRC covers attributes onward). */
function reseal(batch: Uint8Array): Uint8Array {
  new DataView(batch.buffer, batch.byteOffset).setUint32(17, computeBatchCrc(batch, 0, batch.length));
  return batch;
}

async function withServer(run: (broker: Broker, client: WireClient, dataDir: string) => Promise<void>,
    dataDir = join(tempDir('seglog-hostile-'), 'data')): Promise<void> {
  const broker = await Broker.open(dataDir);
  const server = await broker.listen({ port: 0 });
  const client = await WireClient.open(server.port);
  try {
    await run(broker, client, dataDir);
  } finally {
    client.close();
    await broker.close();
  }
}

test('D1: a produce to __consumer_offsets is INVALID_TOPIC_EXCEPTION and stores nothing', async () => {
  await withServer(async (broker, client) => {
    const end = broker.log(OFFSETS_TOPIC, 0).logEndOffset;
    const batch = encodeBatch([{ key: 'é', value: 'x' }], { nowMs: NOW_MS });
    assert.is(readProduceAnswer(await client.request(produceFrame(1, OFFSETS_TOPIC, batch))).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.is(broker.log(OFFSETS_TOPIC, 0).logEndOffset, end);
  });
});

test('D1: an undecodable record in __consumer_offsets is skipped and counted; the broker starts and keeps the good commits', async () => {
  const dataDir = join(tempDir('seglog-hostile-'), 'data');
  let broker = await Broker.open(dataDir);
  await broker.createTopic('t', { partitions: 1 });
  broker.commitOffsets('g', [{ topic: 't', partition: 0, offset: 7 }]);
  // What a client could write before produce to internal topics was refused (kcat -K: with key "é").
  broker.log(OFFSETS_TOPIC, 0).append([{ key: 'é', value: 'x', timestampMs: NOW_MS }]);
  const badOffset = broker.log(OFFSETS_TOPIC, 0).logEndOffset - 1;
  await broker.close();
  broker = await Broker.open(dataDir);
  try {
    assert.is(broker.committedOffset('g', 't', 0)?.offset, 7);
    assert.is(broker.offsetReplay.recordsSkipped, 1);
    assert.is(broker.offsetReplay.recordsApplied, 1);
    assert.is(broker.offsetReplay.firstSkipped?.offset, badOffset);
  } finally {
    await broker.close();
  }
  const verify = execFileSync(process.execPath, [MAIN, 'verify', dataDir], { encoding: 'utf8' });
  assert.ok(verify.length > 0);
});

test('D3: [valid batch][3 stray bytes] and [valid batch][bad-CRC batch] are refused whole; the retry stores the batch once', async () => {
  await withServer(async (broker, client) => {
    await broker.createTopic('t', { partitions: 1 });
    const good = () => encodeBatch([{ key: 'k', value: 'v' }], { nowMs: NOW_MS });
    const stray = Buffer.concat([good(), Buffer.from([1, 2, 3])]);
    assert.is(readProduceAnswer(await client.request(produceFrame(1, 't', stray))).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.is(broker.log('t', 0).logEndOffset, 0, 'nothing stored for stray bytes');
    const bad = good();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    const twoBatches = Buffer.concat([good(), bad]);
    assert.is.not(readProduceAnswer(await client.request(produceFrame(2, 't', twoBatches))).errorCode, ErrorCode.NONE);
    assert.is(broker.log('t', 0).logEndOffset, 0, 'nothing stored when the second batch is bad');
    assert.is(readProduceAnswer(await client.request(produceFrame(3, 't', good()))).errorCode, ErrorCode.NONE);
    assert.is(broker.log('t', 0).logEndOffset, 1, 'the retry stored the batch exactly once');
  });
});

test('D4: an idempotent batch whose sequences wrap 2^31-1 -> 0 is followed by sequence 1, survives close and reopen', async () => {
  const dataDir = join(tempDir('seglog-hostile-'), 'data');
  let producerId = -1;
  const batch = (baseSequence: number, count: number) => encodeBatch(Array.from({ length: count }, (_, i) => ({ value: `v${i}` })),
      { nowMs: NOW_MS, producerId, producerEpoch: 0, baseSequence });
  await withServer(async (broker, client) => {
    await broker.createTopic('t', { partitions: 1 });
    producerId = broker.initProducerId().producerId;
    assert.is(readProduceAnswer(await client.request(produceFrame(1, 't', batch(2_147_483_646, 3)))).errorCode, ErrorCode.NONE);
    assert.is(readProduceAnswer(await client.request(produceFrame(2, 't', batch(1, 2)))).errorCode, ErrorCode.NONE);
  }, dataDir);
  // close() above wrote the producer snapshot (it threw RangeError on the unwrapped sequence before).
  await withServer(async (broker, client) => {
    const end = broker.log('t', 0).logEndOffset;
    assert.is(end, 5);
    const retry = readProduceAnswer(await client.request(produceFrame(3, 't', batch(1, 2))));
    assert.equal(retry, { errorCode: ErrorCode.NONE, baseOffset: 3 }, 'a retry after restart is the original');
    assert.is(readProduceAnswer(await client.request(produceFrame(4, 't', batch(3, 1)))).errorCode, ErrorCode.NONE);
    assert.is(broker.log('t', 0).logEndOffset, end + 1);
  }, dataDir);
});

test('D5: transactional batch, int64-max timestamp, 2^62 producer id and unknown codec get specific codes and store nothing', async () => {
  await withServer(async (broker, client) => {
    await broker.createTopic('t', { partitions: 1 });
    const { producerId } = broker.initProducerId();
    const txn = encodeBatch([{ value: 'x' }], { nowMs: NOW_MS, producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    assert.is(readProduceAnswer(await client.request(produceFrame(1, 't', txn))).errorCode, ErrorCode.INVALID_TXN_STATE);
    const timestamp = encodeBatch([{ value: 'x' }], { nowMs: NOW_MS });
    new DataView(timestamp.buffer, timestamp.byteOffset).setBigInt64(BASE_TIMESTAMP, 2n ** 63n - 1n);
    assert.is(readProduceAnswer(await client.request(produceFrame(2, 't', reseal(timestamp)))).errorCode, ErrorCode.INVALID_TIMESTAMP);
    const bigProducer = encodeBatch([{ value: 'x' }], { nowMs: NOW_MS, producerId: 1, producerEpoch: 0, baseSequence: 0 });
    new DataView(bigProducer.buffer, bigProducer.byteOffset).setBigInt64(PRODUCER_ID, 2n ** 62n);
    assert.is(readProduceAnswer(await client.request(produceFrame(3, 't', reseal(bigProducer)))).errorCode, ErrorCode.INVALID_RECORD);
    const codec = encodeBatch([{ value: 'x' }], { nowMs: NOW_MS });
    codec[ATTRIBUTES + 1] = ((codec[ATTRIBUTES + 1] as number) & ~0x07) | 0x06;
    const unsupported = readProduceAnswer(await client.request(produceFrame(4, 't', reseal(codec))));
    assert.is(unsupported.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    assert.is(broker.log('t', 0).logEndOffset, 0);
  });
});

test('a bad topic config over the wire is INVALID_CONFIG naming Kafka\'s key (retention.ms)', async () => {
  await withServer(async (_broker, client) => {
    const answer = createTopicsAnswer(await client.request(createTopicsFrame(1, 'c', 1, [['retention.ms', 'soon']])));
    assert.is(answer.errorCode, ErrorCode.INVALID_CONFIG);
    assert.ok(answer.message?.includes('retention.ms'), String(answer.message));
    assert.not.ok(answer.message?.includes('retentionMs'), String(answer.message));
  });
});

test('a produce on a full file system (real tmpfs) is KAFKA_STORAGE_ERROR and the broker keeps serving', async () => {
  const mountPoint = tempDir('seglog-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
  try {
    const dataDir = join(mountPoint, 'data');
    mkdirSync(dataDir);
    await withServer(async (broker, client) => {
      await broker.createTopic('t', { partitions: 1 });
      const value = 'z'.repeat(64 * 1024);
      let code: number = ErrorCode.NONE;
      for (let i = 0; i < 64 && code === ErrorCode.NONE; i++) {
        code = readProduceAnswer(await client.request(produceFrame(i, 't', encodeBatch([{ value }], { nowMs: NOW_MS })))).errorCode;
      }
      assert.is(code, ErrorCode.KAFKA_STORAGE_ERROR);
      const v = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 0, 99, () => undefined)));
      assert.is(v.int32(), 99);
    }, dataDir);
  } finally {
    execFileSync('umount', ['-l', mountPoint]);
  }
});

test.run();
