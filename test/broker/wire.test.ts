// The wire server driven byte by byte: version negotiation, idempotent produce retries, and hostile
// input (oversized, malformed, unknown API, disconnect mid-response, many idle connections).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Broker } from '../../lib/broker/index.js';
import { Reader } from '../../lib/broker/protocol/wire.js';
import { ApiKey, SUPPORTED_APIS } from '../../lib/broker/protocol/api-keys.js';
import { ErrorCode } from '../../lib/broker/protocol/error-codes.js';
import { encodeBatch } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { WireClient, readProduceAnswer, requestFrame } from './helpers.js';
import type { BrokerServer } from '../../lib/broker/server.js';

let broker: Broker;
let server: BrokerServer;

test.before(async () => {
  broker = await Broker.open(join(tempDir('seglog-wire-'), 'data'));
  await broker.createTopic('t', { partitions: 1 });
  server = await broker.listen({ port: 0, requestBytesMax: 64 * 1024 });
});

test.after(async () => {
  await broker.close();
  removeTempDirs();
});

function produceFrame(correlationId: number, batch: Uint8Array): Buffer {
  return requestFrame(ApiKey.Produce, 7, correlationId, (w) => {
    w.nullableString(null).int16(-1).int32(5000);
    w.int32(1).string('t').int32(1).int32(0).bytesField(batch);
  });
}


test('ApiVersions v3 (flexible) lists every supported API; v9 gets a v0 answer with UNSUPPORTED_VERSION', async () => {
  const client = await WireClient.open(server.port);
  const v3 = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 3, 1, (w) => {
    w.compactString('test').compactString('1').emptyTaggedFields();
  }, true)));
  assert.is(v3.int32(), 1);
  assert.is(v3.int16(), 0);
  assert.is(v3.compactArrayLength(), SUPPORTED_APIS.length);
  const v9 = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 9, 2, () => undefined)));
  assert.is(v9.int32(), 2);
  assert.is(v9.int16(), ErrorCode.UNSUPPORTED_VERSION);
  assert.is(v9.arrayLength(), SUPPORTED_APIS.length);
  client.close();
});

test('an idempotent retry returns the original offset and appends nothing; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
  const client = await WireClient.open(server.port);
  const { producerId } = broker.initProducerId();
  const records = [{ key: 'k', value: 'v1' }, { key: 'k', value: 'v2' }];
  const batch = () => encodeBatch(records, { producerId, producerEpoch: 0, baseSequence: 0, nowMs: 1_700_000_000_000 });
  const first = readProduceAnswer(await client.request(produceFrame(10, batch())));
  assert.is(first.errorCode, 0);
  const endAfterFirst = broker.log('t', 0).logEndOffset;
  const retry = readProduceAnswer(await client.request(produceFrame(11, batch())));
  assert.equal(retry, first, 'duplicate answered with the original offset');
  assert.is(broker.log('t', 0).logEndOffset, endAfterFirst, 'nothing appended');
  const gap = encodeBatch(records, { producerId, producerEpoch: 0, baseSequence: 5, nowMs: 1_700_000_000_000 });
  assert.is(readProduceAnswer(await client.request(produceFrame(12, gap))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  const next = encodeBatch(records, { producerId, producerEpoch: 0, baseSequence: 2, nowMs: 1_700_000_000_000 });
  assert.is(readProduceAnswer(await client.request(produceFrame(13, next))).baseOffset, endAfterFirst);
  client.close();
});

test('a corrupt batch (bad CRC) is CORRUPT_MESSAGE, the connection stays usable', async () => {
  const client = await WireClient.open(server.port);
  const batch = encodeBatch([{ value: 'x' }], { nowMs: 1_700_000_000_000 });
  batch[batch.length - 1] = (batch[batch.length - 1] as number) ^ 0xff;
  assert.is(readProduceAnswer(await client.request(produceFrame(20, batch))).errorCode, ErrorCode.CORRUPT_MESSAGE);
  const v0 = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 0, 21, () => undefined)));
  assert.is(v0.int32(), 21);
  client.close();
});

test('oversized, negative and truncated frames and unknown APIs close that connection only', async () => {
  const hostile: Buffer[] = [];
  const oversized = Buffer.alloc(8);
  oversized.writeInt32BE(64 * 1024 + 1, 0);
  hostile.push(oversized);
  const negative = Buffer.alloc(4);
  negative.writeInt32BE(-5, 0);
  hostile.push(negative);
  hostile.push(requestFrame(999, 0, 1, () => undefined));
  hostile.push(requestFrame(ApiKey.Metadata, 42, 1, () => undefined));
  // A Produce whose topic array claims a million entries.
  hostile.push(requestFrame(ApiKey.Produce, 7, 1, (w) => w.nullableString(null).int16(1).int32(1).int32(1_000_000)));
  for (const frame of hostile) {
    const client = await WireClient.open(server.port);
    client.send(frame);
    await client.closed;
  }
  const healthy = await WireClient.open(server.port);
  const r = new Reader(await healthy.request(requestFrame(ApiKey.ApiVersions, 2, 7, () => undefined)));
  assert.is(r.int32(), 7);
  healthy.close();
});

test('a client that disconnects mid-response does not disturb the server', async () => {
  const big = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(1000) }));
  for (let i = 0; i < 20; i++) await broker.produce('t', 0, big);
  for (let i = 0; i < 5; i++) {
    const client = await WireClient.open(server.port);
    client.send(requestFrame(ApiKey.Fetch, 11, 1, (w) => {
      w.int32(-1).int32(0).int32(1).int32(50 << 20).int8(0).int32(0).int32(-1);
      w.int32(1).string('t').int32(1).int32(0).int32(-1).int64(0).int64(-1).int32(50 << 20);
      w.int32(0).string('');
    }));
    client.close();
  }
  const healthy = await WireClient.open(server.port);
  const r = new Reader(await healthy.request(requestFrame(ApiKey.ApiVersions, 2, 8, () => undefined)));
  assert.is(r.int32(), 8);
  healthy.close();
});

test('a thousand idle connections do not stop a new client being served', async () => {
  const idle = await Promise.all(Array.from({ length: 1000 }, () => new Promise<ReturnType<typeof connect>>((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  })));
  const client = await WireClient.open(server.port);
  const started = process.hrtime.bigint();
  const r = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 2, 9, () => undefined)));
  assert.is(r.int32(), 9);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000, 'answered promptly');
  client.close();
  for (const s of idle) s.destroy();
});

function fetchFrame(correlationId: number, offset: number, maxBytes: number): Buffer {
  return requestFrame(ApiKey.Fetch, 11, correlationId, (w) => {
    w.int32(-1).int32(0).int32(1).int32(maxBytes).int8(0).int32(0).int32(-1);
    w.int32(1).string('t').int32(1).int32(0).int32(-1).int64(offset).int64(-1).int32(maxBytes);
    w.int32(0).string('');
  });
}

test('a client that stops reading its responses does not stall fetches for another client', async () => {
  const big = Array.from({ length: 50 }, (_, i) => ({ key: `s${i}`, value: 'y'.repeat(1000) }));
  // Earlier tests' batches carry 2023 timestamps, so (as in Kafka) the segment rolled after them and a
  // fetch from 0 stops at that segment's end: read from where these records start.
  const from = broker.log('t', 0).logEndOffset;
  for (let i = 0; i < 40; i++) await broker.produce('t', 0, big);
  // No 'data' listener: the socket stays paused, the kernel buffers fill, the server's writes back up.
  const stalled = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const fetchedBytes = (): number => broker.stats().find((p) => p.topic === 't')?.fetchBytesTotal ?? 0;
  const fetchedBefore = fetchedBytes();
  const availableBytes = broker.log('t', 0).read(from, { maxBytes: 4 << 20 }).sizeBytes;
  for (let i = 0; i < 20; i++) stalled.write(fetchFrame(100 + i, from, 4 << 20));
  await new Promise((r) => setTimeout(r, 300));
  // The server answers one request at a time per connection and waits for the socket to drain.
  assert.ok(fetchedBytes() - fetchedBefore < 10 * availableBytes, 'the stalled connection is held back, not buffered in memory');
  const healthy = await WireClient.open(server.port);
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    const frame = await healthy.request(fetchFrame(200 + i, from, 1 << 20));
    assert.is(frame.readInt32BE(0), 200 + i);
    assert.ok(frame.length > 1 << 19, `a full fetch answer (${frame.length} bytes)`);
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000, 'answered while the other client is stalled');
  }
  healthy.close();
  stalled.destroy();
});

test.run();
