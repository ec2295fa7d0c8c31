import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Reader, Writer, ProtocolError } from '../../lib/broker/protocol/wire.js';
import { readRequestHeader, SUPPORTED_APIS, ApiKey } from '../../lib/broker/protocol/api-keys.js';
import { decodeApiVersionsRequest, encodeApiVersionsResponse } from '../../lib/broker/api/api-versions.js';
import { decodeProduceRequest, encodeProduceResponse } from '../../lib/broker/api/produce.js';
import { decodeFetchRequest } from '../../lib/broker/api/fetch.js';
import { decodeMetadataRequest, encodeMetadataResponse } from '../../lib/broker/api/metadata.js';
import { decodeJoinGroupRequest, encodeJoinGroupResponse } from '../../lib/broker/api/group.js';
import { decodeOffsetFetchRequest } from '../../lib/broker/api/offsets.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';

function reader(w: Writer): Reader {
  return new Reader(w.toBuffer());
}

test('primitives round-trip, including int64 and varints', () => {
  const w = new Writer(8);
  w.int8(-5).int16(-300).int32(-70000).int64(2 ** 53 - 1).int64(-1).boolean(true);
  w.string('héllo').nullableString(null).compactString('abc').compactNullableString(null);
  w.bytesField(Buffer.from([1, 2, 3])).nullableBytes(null).unsignedVarint(0).unsignedVarint(300).unsignedVarint(2 ** 31);
  const r = reader(w);
  assert.is(r.int8(), -5);
  assert.is(r.int16(), -300);
  assert.is(r.int32(), -70000);
  assert.is(r.int64(), 2 ** 53 - 1);
  assert.is(r.int64(), -1);
  assert.is(r.boolean(), true);
  assert.is(r.string(), 'héllo');
  assert.is(r.nullableString(), null);
  assert.is(r.compactString(), 'abc');
  assert.is(r.compactNullableString(), null);
  assert.equal([...r.bytesField()], [1, 2, 3]);
  assert.is(r.nullableBytes(), null);
  assert.is(r.unsignedVarint(), 0);
  assert.is(r.unsignedVarint(), 300);
  assert.is(r.unsignedVarint(), 2 ** 31);
  assert.is(r.remaining, 0);
});

test('reads past the frame and hostile array counts are ProtocolErrors', () => {
  assert.throws(() => new Reader(Buffer.from([0, 0])).int32(), (e: unknown) => e instanceof ProtocolError);
  assert.throws(() => new Reader(Buffer.from([0, 5, 65])).string(), (e: unknown) => e instanceof ProtocolError);
  assert.throws(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).arrayLength(), (e: unknown) => e instanceof ProtocolError);
  assert.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xfe])).arrayLength(), (e: unknown) => e instanceof ProtocolError);
  const unsafe = Buffer.alloc(8, 0x7f);
  assert.throws(() => new Reader(unsafe).int64(), (e: unknown) => e instanceof ProtocolError);
});

test('a seeded fuzz of truncated and random frames never throws anything but ProtocolError', () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const decoders = [decodeProduceRequest, decodeFetchRequest, decodeMetadataRequest, decodeJoinGroupRequest, decodeOffsetFetchRequest];
  for (let i = 0; i < 3000; i++) {
    const bytes = Buffer.alloc(Math.floor(random() * 64));
    for (let j = 0; j < bytes.length; j++) bytes[j] = random() < 0.5 ? 0 : Math.floor(random() * 256);
    const decode = decoders[i % decoders.length]!;
    try {
      decode(new Reader(bytes), 1 + Math.floor(random() * 7));
    } catch (error) {
      if (!(error instanceof ProtocolError)) assert.unreachable(`seed ${seed}: ${String(error)}`);
    }
  }
});

test('request header v1 and v2 (flexible ApiVersions v3)', () => {
  const w = new Writer();
  w.int16(ApiKey.ApiVersions).int16(3).int32(42).nullableString('rdkafka').emptyTaggedFields();
  w.compactString('librdkafka').compactString('2.0.2').emptyTaggedFields();
  const r = reader(w);
  const header = readRequestHeader(r);
  assert.equal(header, { apiKey: 18, apiVersion: 3, correlationId: 42, clientId: 'rdkafka' });
  assert.equal(decodeApiVersionsRequest(r, 3), { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
  assert.is(r.remaining, 0);
});

test('ApiVersions v3 response is compact; v0 is classic', () => {
  const v3 = new Writer();
  encodeApiVersionsResponse(v3, 3, 0, SUPPORTED_APIS);
  const r3 = reader(v3);
  assert.is(r3.int16(), 0);
  assert.is(r3.compactArrayLength(), SUPPORTED_APIS.length);
  const first = SUPPORTED_APIS[0]!;
  assert.equal([r3.int16(), r3.int16(), r3.int16()], [first.apiKey, first.minVersion, first.maxVersion]);
  const v0 = new Writer();
  encodeApiVersionsResponse(v0, 0, 35, SUPPORTED_APIS);
  const r0 = reader(v0);
  assert.is(r0.int16(), 35);
  assert.is(r0.arrayLength(), SUPPORTED_APIS.length);
  assert.is(r0.remaining, SUPPORTED_APIS.length * 6);
});

test('Produce v3 request decodes to a view of the records; v7 response layout', () => {
  const w = new Writer();
  w.nullableString(null).int16(-1).int32(30000);
  w.int32(1).string('t').int32(1).int32(2).bytesField(Buffer.from('batch'));
  const request = decodeProduceRequest(reader(w), 3);
  assert.is(request.acks, -1);
  assert.is(request.topics[0]!.partitions[0]!.partition, 2);
  assert.is(request.topics[0]!.partitions[0]!.records!.toString(), 'batch');
  const out = new Writer();
  encodeProduceResponse(out, 7, [{ topic: 't', partitions: [{ partition: 2, errorCode: 0, baseOffset: 10, logAppendTimeMs: -1,
      logStartOffset: 0 }] }]);
  const r = reader(out);
  assert.is(r.arrayLength(), 1);
  assert.is(r.string(), 't');
  assert.is(r.arrayLength(), 1);
  assert.equal([r.int32(), r.int16(), r.int64(), r.int64(), r.int64(), r.int32()], [2, 0, 10, -1, 0, 0]);
  assert.is(r.remaining, 0);
});

test('Fetch v11 request decodes every field it skips', () => {
  const w = new Writer();
  w.int32(-1).int32(500).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1);
  w.int32(1).string('t').int32(1).int32(0).int32(-1).int64(7).int64(-1).int32(65536);
  w.int32(0).string('');
  const request = decodeFetchRequest(reader(w), 11);
  assert.equal(request.topics, [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 7, partitionMaxBytes: 65536 }] }]);
  assert.is(request.maxWaitMs, 500);
});

test('Metadata v0 empty list means all topics; v1 null means all; response lists the one broker as leader', () => {
  const v0 = new Writer().int32(0);
  assert.is(decodeMetadataRequest(reader(v0), 0).topics, null);
  const v4 = new Writer().int32(-1).boolean(false);
  assert.equal(decodeMetadataRequest(reader(v4), 4), { topics: null, allowAutoTopicCreation: false });
  const out = new Writer();
  encodeMetadataResponse(out, 1, { brokers: [{ nodeId: 0, host: 'h', port: 9 }], clusterId: 'c', controllerId: 0, topics: [{ errorCode: 0,
      topic: 't', isInternal: false, partitions: 2 }] });
  const r = reader(out);
  assert.is(r.arrayLength(), 1);
  assert.equal([r.int32(), r.string(), r.int32(), r.nullableString()], [0, 'h', 9, null]);
  assert.is(r.int32(), 0);
  assert.is(r.arrayLength(), 1);
  assert.equal([r.int16(), r.string(), r.boolean()], [0, 't', false]);
  assert.is(r.arrayLength(), 2);
});

test('JoinGroup v5 round-trip of the member list', () => {
  const w = new Writer();
  w.string('g').int32(30000).int32(60000).string('').nullableString(null).string('consumer');
  w.int32(1).string('RoundRobinAssigner').bytesField(Buffer.from([9]));
  const request = decodeJoinGroupRequest(reader(w), 5);
  assert.is(request.rebalanceTimeoutMs, 60000);
  assert.is(request.protocols[0]!.name, 'RoundRobinAssigner');
  const out = new Writer();
  encodeJoinGroupResponse(out, 5, { errorCode: 0, generationId: 1, protocolName: 'p', leader: 'm', memberId: 'm',
      members: [{ memberId: 'm', metadata: Buffer.from([9]) }] });
  const r = reader(out);
  assert.equal([r.int32(), r.int16(), r.int32(), r.string(), r.string(), r.string()], [0, 0, 1, 'p', 'm', 'm']);
  assert.is(r.arrayLength(), 1);
  assert.equal([r.string(), r.nullableString(), [...r.bytesField()]], ['m', null, [9]]);
});

test('finishFrame patches the size prefix', () => {
  const w = new Writer();
  w.int32(0).int32(7).string('x');
  const [frame] = w.finishFrame();
  assert.ok(frame instanceof Buffer);
  assert.is((frame as Buffer).readInt32BE(0), (frame as Buffer).length - 4);
});

test.run();
