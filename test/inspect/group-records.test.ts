/**
 * `--offsets-decoder` on the newer group protocols' records of `__consumer_offsets` (key versions
 * 3-16: consumer groups of KIP-848, share groups of KIP-932, regular expressions). The bytes are
 * written here by hand from Kafka's message specs with a small encoder of its own (int16 key
 * version, classic strings in keys; compact strings and arrays, UUIDs and tagged fields in the
 * flexible values), so the decoder is checked against the format, not against itself. Unknown key
 * versions and bytes that do not fit are notes, never errors; a null value is a tombstone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordDecoder } from '../../lib/inspect/index.js';

class Bytes {
  private readonly parts: Buffer[] = [];
  int8(v: number): this { const b = Buffer.alloc(1); b.writeInt8(v); return this.push(b); }
  int16(v: number): this { const b = Buffer.alloc(2); b.writeInt16BE(v); return this.push(b); }
  int32(v: number): this { const b = Buffer.alloc(4); b.writeInt32BE(v); return this.push(b); }
  int64(v: bigint): this { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return this.push(b); }
  uvarint(v: number): this {
    const out: number[] = [];
    while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
    out.push(v);
    return this.push(Buffer.from(out));
  }
  /** A classic (non-flexible) string: int16 length. */
  string(s: string): this { const b = Buffer.from(s, 'utf8'); return this.int16(b.length).push(b); }
  /** A compact string: unsigned varint length + 1 (0 for null). */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).push(b);
  }
  compactBytes(b: Buffer): this { return this.uvarint(b.length + 1).push(b); }
  uuid(b: Buffer): this { return this.push(b); }
  raw(b: Buffer): this { return this.push(b); }
  /** No tagged fields. */
  noTags(): this { return this.uvarint(0); }
  push(b: Buffer): this { this.parts.push(b); return this; }
  done(): Buffer { return Buffer.concat(this.parts); }
}

const decoder = recordDecoder('offsets');
const TOPIC_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const TOPIC_ID_TEXT = TOPIC_ID.toString('base64url');

test('key 3, consumer group metadata: epoch and the tagged metadata hash', () => {
  const key = new Bytes().int16(3).string('orders-app').done();
  const value = new Bytes().int16(0).int32(42)
    .uvarint(1).uvarint(0).uvarint(8).int64(123456789n) // one tagged field: tag 0, 8 bytes
    .done();
  const d = decoder.decode(key, value, 10);
  assert.is(d.note, null, d.note ?? '');
  assert.is(d.type, 'CONSUMER_GROUP_METADATA');
  assert.equal(d.key, { groupId: 'orders-app' });
  assert.equal(d.data, { epoch: 42, metadataHash: 123456789 });
  assert.is(decoder.text(d).payload, '{"version":"0","data":{"epoch":42,"metadataHash":123456789}}');
});

test('key 5, consumer group member metadata with a classic member (tagged nullable struct)', () => {
  const key = new Bytes().int16(5).string('orders-app').string('member-1').done();
  // The classic member's struct: presence byte, session timeout, one protocol (with its own empty tags), empty tags.
  const classicStruct = new Bytes().int8(1).int32(45_000).uvarint(2)
    .compactString('range').compactBytes(Buffer.from([0, 1, 2])).noTags()
    .noTags()
    .done();
  const value = new Bytes().int16(0)
    .compactString(null) // instanceId
    .compactString('rack-a')
    .compactString('client-7')
    .compactString('/10.0.0.7')
    .uvarint(3).compactString('orders').compactString('payments') // subscribedTopicNames
    .compactString(null) // subscribedTopicRegex
    .int32(300_000)
    .compactString('uniform')
    .uvarint(1).uvarint(0).uvarint(classicStruct.length).raw(classicStruct) // tagged field 0
    .done();
  const d = decoder.decode(key, value, 11);
  assert.is(d.note, null, d.note ?? '');
  assert.is(d.type, 'CONSUMER_GROUP_MEMBER_METADATA');
  assert.equal(d.key, { groupId: 'orders-app', memberId: 'member-1' });
  assert.equal(d.data, {
    instanceId: null, rackId: 'rack-a', clientId: 'client-7', clientHost: '/10.0.0.7', subscribedTopicNames: ['orders', 'payments'],
    subscribedTopicRegex: null, rebalanceTimeoutMs: 300_000, serverAssignor: 'uniform',
    classicMemberMetadata: { sessionTimeoutMs: 45_000, supportedProtocols: [{ name: 'range', metadata: 'AAEC' }] },
  });
});

test('key 8, current member assignment: topic ids, partitions, pending revocations', () => {
  const key = new Bytes().int16(8).string('g').string('m').done();
  const topicPartitions = (partitions: number[]): Buffer => {
    const b = new Bytes().uvarint(2).uuid(TOPIC_ID).uvarint(partitions.length + 1);
    for (const p of partitions) b.int32(p);
    return b.noTags().done();
  };
  const value = new Bytes().int16(0).int32(7).int32(6).int8(0)
    .raw(topicPartitions([0, 2])).raw(new Bytes().uvarint(1).done()) // pending revocation: empty array
    .noTags().done();
  const d = decoder.decode(key, value, 12);
  assert.is(d.note, null, d.note ?? '');
  assert.equal(d.data, {
    memberEpoch: 7, previousMemberEpoch: 6, state: 0,
    assignedPartitions: [{ topicId: TOPIC_ID_TEXT, partitions: [0, 2] }], partitionsPendingRevocation: [],
  });
});

test('share group records (keys 9-15) and the regular-expression record (key 16) decode; a tombstone is <DELETE>', () => {
  const shareMeta = decoder.decode(new Bytes().int16(11).string('share-g').done(), new Bytes().int16(0).int32(3).noTags().done(), 1);
  assert.is(shareMeta.type, 'SHARE_GROUP_METADATA');
  assert.equal(shareMeta.data, { epoch: 3 });
  const member = decoder.decode(new Bytes().int16(10).string('share-g').string('m1').done(), new Bytes().int16(0)
    .compactString(null).compactString('c').compactString('/h').uvarint(2).compactString('t').noTags().done(), 2);
  assert.equal(member.data, { rackId: null, clientId: 'c', clientHost: '/h', subscribedTopicNames: ['t'] });
  const regex = decoder.decode(new Bytes().int16(16).string('g').string('orders-.*').done(),
    new Bytes().int16(0).uvarint(2).compactString('orders-eu').int64(5n).int64(1_700_000_000_000n).noTags().done(), 3);
  assert.is(regex.type, 'CONSUMER_GROUP_REGULAR_EXPRESSION');
  assert.equal(regex.key, { groupId: 'g', regularExpression: 'orders-.*' });
  assert.equal(regex.data, { topics: ['orders-eu'], version: 5, timestamp: 1_700_000_000_000 });
  const tombstone = decoder.decode(new Bytes().int16(7).string('g').string('m').done(), null, 4);
  assert.is(tombstone.type, 'CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER');
  assert.ok(tombstone.tombstone);
  assert.is(decoder.text(tombstone).payload, '<DELETE>');
});

test('an unknown key version and a value that does not fit are notes, not errors', () => {
  const unknown = decoder.decode(new Bytes().int16(99).string('g').done(), Buffer.from([0, 0]), 5);
  assert.is(unknown.type, 'UNKNOWN');
  assert.match(unknown.note ?? '', /unknown record type 99/);
  const short = decoder.decode(new Bytes().int16(3).string('g').done(), Buffer.from([0, 0, 0, 1]), 6);
  assert.is(short.type, 'CONSUMER_GROUP_METADATA');
  assert.ok(short.note !== null && short.data === null, 'a truncated value is a note');
});

test.run();
