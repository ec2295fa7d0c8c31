// Decoders of Kafka's internal topics against bytes no seglog code wrote: the real broker's
// __consumer_offsets-6 and __cluster_metadata-0 (every record decodes; the per-type counts are
// checked against a count made here straight from the raw key/value bytes and against the other
// files of the same data directory), hand-encoded records of every key/value schema version,
// records seglog's own broker writes, and a seeded fuzzer: damaged values give notes, never throws.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Broker } from '../../lib/broker/index.js';
import { ManualClock } from '../../lib/clock.js';
import { encodeBatch } from '../../lib/record/index.js';
import {
  dumpLogAll, readMetaProperties, readPartitionMetadata, recordDecoder, type DecodedRecord, type JsonObject, type RecordDump,
} from '../../lib/inspect/index.js';
import { readOffsetCheckpoint } from '../../lib/log/checkpoint-file.js';
import { removeTempDirs, seedFromEnv, seededRandom, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const brokerDir = join(root, 'fixtures/kafka-broker');
const offsetsLog = join(brokerDir, '__consumer_offsets-6/00000000000000000000.log');
const metadataLog = join(brokerDir, '__cluster_metadata-0/00000000000000000000.log');
const seed = seedFromEnv();

test.after.each(removeTempDirs);

type Decoder = 'offsets' | 'transaction-log' | 'cluster-metadata';

function records(path: string, decoder: Decoder): { records: RecordDump[]; headerCount: number } {
  const { batches, summary } = dumpLogAll(path, { decoder, encoding: 'hex', printData: true });
  assert.is(summary.corruption, null);
  assert.is(summary.recordErrors, 0);
  return { records: batches.flatMap((b) => b.records ?? []), headerCount: batches.reduce((n, b) => n + b.count, 0) };
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return counts;
}

// ---- a tiny independent encoder for hand-made records (classic and flexible) ----

class Out {
  parts: Buffer[] = [];
  int8(v: number): this { const b = Buffer.alloc(1); b.writeInt8(v); this.parts.push(b); return this; }
  int16(v: number): this { const b = Buffer.alloc(2); b.writeInt16BE(v); this.parts.push(b); return this; }
  int32(v: number): this { const b = Buffer.alloc(4); b.writeInt32BE(v); this.parts.push(b); return this; }
  int64(v: number): this { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); this.parts.push(b); return this; }
  uvarint(v: number): this {
    const bytes: number[] = [];
    do { let byte = v & 0x7f; v = Math.floor(v / 128); if (v > 0) byte |= 0x80; bytes.push(byte); } while (v > 0);
    this.parts.push(Buffer.from(bytes)); return this;
  }
  str(v: string | null): this {
    if (v === null) return this.int16(-1);
    this.int16(Buffer.byteLength(v)).parts.push(Buffer.from(v));
    return this;
  }
  cstr(v: string | null): this {
    if (v === null) return this.uvarint(0);
    this.uvarint(Buffer.byteLength(v) + 1).parts.push(Buffer.from(v));
    return this;
  }
  bytes(v: Buffer | null): this { if (v === null) return this.int32(-1); this.int32(v.length); this.parts.push(v); return this; }
  cbytes(v: Buffer): this { this.uvarint(v.length + 1); this.parts.push(v); return this; }
  raw(v: Buffer): this { this.parts.push(v); return this; }
  done(): Buffer { return Buffer.concat(this.parts); }
}

function segment(dir: string, items: ReadonlyArray<{ key: Buffer | null; value: Buffer | null }>): string {
  const path = join(dir, '00000000000000000000.log');
  writeFileSync(path, encodeBatch(items.map((i) => ({ key: i.key, value: i.value, timestampMs: 1_700_000_000_000 })), { baseOffset: 0 }));
  return path;
}

// ---- the real broker's data ----

test('offsets decoder: every record of the real __consumer_offsets-6 decodes; counts per type match the raw key versions', () => {
  const { records: rs, headerCount } = records(offsetsLog, 'offsets');
  assert.is(rs.length, headerCount);
  assert.is(rs.length, 13);
  // Independent count: the int16 key version at the start of each raw key (hex), 0/1 = offset commit, 2 = group metadata.
  const kinds: Record<number, string> = { 0: 'OFFSET_COMMIT', 1: 'OFFSET_COMMIT', 2: 'GROUP_METADATA' };
  const raw = countBy(rs, (r) => kinds[parseInt(r.key!.slice(0, 4), 16)] ?? 'OTHER');
  assert.equal(raw, { OFFSET_COMMIT: 7, GROUP_METADATA: 6 });
  assert.equal(countBy(rs, (r) => r.decoded!.type), raw);
  for (const r of rs) {
    assert.is(r.decoded!.note, null, `offset ${r.offset}`);
    assert.is(r.decoded!.tombstone, r.value === null);
    assert.is(r.decoded!.version, parseInt(r.value!.slice(0, 4), 16), 'value version is the raw int16 prefix');
  }
  const commit = rs.find((r) => r.decoded!.type === 'OFFSET_COMMIT')!.decoded!;
  assert.equal(Object.keys(commit.key!), ['group', 'topic', 'partition']);
  assert.equal(Object.keys(commit.data!), ['offset', 'leaderEpoch', 'metadata', 'commitTimestamp'], 'v3 fields in Kafka order');
  const group = rs.find((r) => r.decoded!.type === 'GROUP_METADATA')!.decoded!;
  assert.is(group.data!['protocolType'], 'consumer');
  const members = group.data!['members'] as JsonObject[];
  assert.ok(members.length > 0);
  // The consumer-protocol bytes became topics and partitions: every member subscribes to a topic list.
  for (const m of members) {
    assert.ok(Array.isArray((m['subscription'] as JsonObject)['topics']), 'subscription decoded');
    assert.ok(Array.isArray((m['assignment'] as JsonObject)['assignedPartitions']), 'assignment decoded');
    assert.type(m['clientId'], 'string');
    assert.type(m['sessionTimeout'], 'number');
  }
  // The leader is one of the members (the group's own bytes agree with themselves).
  assert.ok(members.some((m) => m['memberId'] === group.data!['leader']));
});

test('cluster-metadata decoder: all 4,929 records of the real __cluster_metadata-0 decode; counts per type match the raw frames', () => {
  const { records: rs, headerCount } = records(metadataLog, 'cluster-metadata');
  assert.is(rs.length, headerCount);
  assert.is(rs.length, 4929);
  // Independent count: frame = uvarint frameVersion, uvarint apiKey (all < 128 here: one byte each);
  // control key = int16 version, int16 type.
  const names: Record<number, string> = {
    0: 'REGISTER_BROKER_RECORD', 2: 'TOPIC_RECORD', 3: 'PARTITION_RECORD', 4: 'CONFIG_RECORD', 5: 'PARTITION_CHANGE_RECORD',
    12: 'FEATURE_LEVEL_RECORD', 15: 'PRODUCER_IDS_RECORD', 17: 'BROKER_REGISTRATION_CHANGE_RECORD', 20: 'NO_OP_RECORD',
    21: 'ZK_MIGRATION_STATE_RECORD', 23: 'BEGIN_TRANSACTION_RECORD', 24: 'END_TRANSACTION_RECORD', 27: 'REGISTER_CONTROLLER_RECORD',
  };
  const raw = countBy(rs, (r) => r.control !== undefined ? `control ${r.control?.controlTypeId}`
    : names[parseInt(r.value!.slice(2, 4), 16)] ?? 'OTHER');
  assert.equal(raw, {
    'control 2': 1, NO_OP_RECORD: 4801, PARTITION_RECORD: 54, PARTITION_CHANGE_RECORD: 54, TOPIC_RECORD: 5, CONFIG_RECORD: 3,
    BROKER_REGISTRATION_CHANGE_RECORD: 3, REGISTER_BROKER_RECORD: 2, FEATURE_LEVEL_RECORD: 1, PRODUCER_IDS_RECORD: 1,
    ZK_MIGRATION_STATE_RECORD: 1, BEGIN_TRANSACTION_RECORD: 1, END_TRANSACTION_RECORD: 1, REGISTER_CONTROLLER_RECORD: 1,
  });
  const decoded = countBy(rs, (r) => r.decoded!.type === 'LEADER_CHANGE' ? 'control 2' : r.decoded!.type);
  assert.equal(decoded, raw);
  for (const r of rs) assert.is(r.decoded!.note, null, `offset ${r.offset}: ${r.decoded!.note}`);

  // Cross-checks with the other files of the same data directory.
  const byType = (type: string): DecodedRecord[] => rs.map((r) => r.decoded!).filter((d) => d.type === type);
  const offsetsTopic = byType('TOPIC_RECORD').find((d) => d.data!['name'] === '__consumer_offsets')!;
  const partitionMetadata = readPartitionMetadata(join(brokerDir, '__consumer_offsets-6/partition.metadata'));
  assert.is(offsetsTopic.data!['topicId'], partitionMetadata.fields!['topic_id']);
  const directoryId = readMetaProperties(join(brokerDir, 'meta.properties')).fields!['directory.id'];
  for (const b of byType('REGISTER_BROKER_RECORD')) assert.equal(b.data!['logDirs'], [directoryId]);
  // One PartitionRecord per partition the broker hosts = the entries of its recovery-point checkpoint.
  const checkpoint = readOffsetCheckpoint(join(brokerDir, 'recovery-point-offset-checkpoint'));
  assert.is(byType('PARTITION_RECORD').length, checkpoint.length);
  const offsetsPartitions = byType('PARTITION_RECORD').filter((d) => d.data!['topicId'] === offsetsTopic.data!['topicId']);
  assert.is(offsetsPartitions.length, checkpoint.filter((e) => e.topic === '__consumer_offsets').length);
  const leaderChange = byType('LEADER_CHANGE')[0]!;
  assert.equal(leaderChange.data, { version: 0, leaderId: 1, voters: [{ voterId: 1 }], grantingVoters: [{ voterId: 1 }] });
});

// ---- every schema version, hand-encoded ----

function offsetKey(version: number, group: string, topic: string, partition: number): Buffer {
  return new Out().int16(version).str(group).str(topic).int32(partition).done();
}

test('offsets decoder: offset-commit values v0-v4 and key v0/v1, tombstones as <DELETE>', () => {
  const dir = tempDir();
  const values = [
    new Out().int16(0).int64(10).str('m0').int64(1000).done(),
    new Out().int16(1).int64(11).str('m1').int64(1001).int64(2001).done(),
    new Out().int16(2).int64(12).str('m2').int64(1002).done(),
    new Out().int16(3).int64(13).int32(7).str('m3').int64(1003).done(),
    new Out().int16(4).int64(14).int32(8).cstr('m4').int64(1004).uvarint(0).done(),
  ];
  const items: Array<{ key: Buffer; value: Buffer | null }> = values.map((value, v) => ({ key: offsetKey(v % 2, "g", "t", v), value }));
  items.push({ key: offsetKey(1, 'g', 't', 9), value: null });
  const { records: rs } = records(segment(dir, items), 'offsets');
  const data = rs.map((r) => r.decoded!.data);
  assert.equal(data, [
    { offset: 10, metadata: 'm0', commitTimestamp: 1000 },
    { offset: 11, metadata: 'm1', commitTimestamp: 1001, expireTimestamp: 2001 },
    { offset: 12, metadata: 'm2', commitTimestamp: 1002 },
    { offset: 13, leaderEpoch: 7, metadata: 'm3', commitTimestamp: 1003 },
    { offset: 14, leaderEpoch: 8, metadata: 'm4', commitTimestamp: 1004 },
    null,
  ]);
  assert.equal(rs.map((r) => r.decoded!.version), [0, 1, 2, 3, 4, null]);
  assert.equal(rs[5]!.decoded!.key, { group: 'g', topic: 't', partition: 9 });
  assert.ok(rs[5]!.decoded!.tombstone);
  const text = recordDecoder('offsets').text(rs[5]!.decoded!);
  assert.equal(text, { key: '{"type":"1","data":{"group":"g","topic":"t","partition":9}}', payload: '<DELETE>' });
  assert.is(recordDecoder('offsets').text(rs[3]!.decoded!).payload,
    '{"version":"3","data":{"offset":13,"leaderEpoch":7,"metadata":"m3","commitTimestamp":1003}}');
});

function subscription(version: number, topics: string[]): Buffer {
  const out = new Out().int16(version).int32(topics.length);
  for (const t of topics) out.str(t);
  out.bytes(null);
  if (version >= 1) out.int32(1).str(topics[0]!).int32(1).int32(3);
  if (version >= 2) out.int32(5);
  if (version >= 3) out.str('rack-a');
  return out.done();
}

function assignment(version: number, topic: string, partitions: number[]): Buffer {
  const out = new Out().int16(version).int32(1).str(topic).int32(partitions.length);
  for (const p of partitions) out.int32(p);
  return out.bytes(null).done();
}

function groupValue(version: number, protocolType: string, sub: Buffer, assign: Buffer): Buffer {
  const flexible = version >= 4;
  const out = new Out().int16(version);
  const s = (v: string | null): void => { if (flexible) out.cstr(v); else out.str(v); };
  const b = (v: Buffer): void => { if (flexible) out.cbytes(v); else out.bytes(v); };
  s(protocolType); out.int32(3); s('range'); s('member-1');
  if (version >= 2) out.int64(5000);
  if (flexible) out.uvarint(2); else out.int32(1);
  s('member-1');
  if (version >= 3) s(null);
  s('client-1'); s('/127.0.0.1');
  if (version >= 1) out.int32(60000);
  out.int32(45000); b(sub); b(assign);
  if (flexible) out.uvarint(0).uvarint(0);
  return out.done();
}

test('offsets decoder: group metadata v0-v4 with consumer-protocol subscription and assignment v0-v3', () => {
  const dir = tempDir();
  const items = [0, 1, 2, 3, 4].map((v) => ({
    key: new Out().int16(2).str(`group-${v}`).done(),
    value: groupValue(v, 'consumer', subscription(Math.min(v, 3), ['orders', 'payments']), assignment(Math.min(v, 3), 'orders', [0, 2])),
  }));
  // A non-consumer protocol keeps its member bytes as base64, as Kafka does.
  items.push({ key: new Out().int16(2).str('connect').done(), value: groupValue(3, 'connect', Buffer.from('abc'), Buffer.from('de')) });
  const { records: rs } = records(segment(dir, items), 'offsets');
  for (const [v, r] of rs.slice(0, 5).entries()) {
    const d = r.decoded!;
    assert.is(d.note, null, `v${v}: ${d.note}`);
    assert.is(d.type, 'GROUP_METADATA');
    assert.equal(d.key, { group: `group-${v}` });
    assert.is(d.version, v);
    const member = (d.data!['members'] as JsonObject[])[0]!;
    assert.is(member['clientId'], 'client-1');
    assert.is(member['clientHost'], '/127.0.0.1');
    assert.is(member['sessionTimeout'], 45000);
    assert.is(member['rebalanceTimeout'], v >= 1 ? 60000 : undefined);
    assert.is(d.data!['currentStateTimestamp'], v >= 2 ? 5000 : undefined);
    assert.equal((member['subscription'] as JsonObject)['topics'], ['orders', 'payments']);
    assert.equal((member['assignment'] as JsonObject)['assignedPartitions'], [{ topic: 'orders', partitions: [0, 2] }]);
    if (v >= 3) assert.is((member['subscription'] as JsonObject)['rackId'], 'rack-a');
  }
  const connect = (rs[5]!.decoded!.data!['members'] as JsonObject[])[0]!;
  assert.is(connect['subscription'], Buffer.from('abc').toString('base64'));
});

test('offsets decoder: unknown key versions and damaged values are notes with the raw bytes kept, never errors', () => {
  const dir = tempDir();
  const items = [
    { key: new Out().int16(99).str('new-protocol').done(), value: Buffer.from([0, 0, 1]) },
    { key: offsetKey(1, 'g', 't', 0), value: new Out().int16(3).int64(1).done() },
    { key: offsetKey(1, 'g', 't', 0), value: new Out().int16(9).int64(1).done() },
  ];
  const { records: rs } = records(segment(dir, items), 'offsets');
  assert.equal(rs.map((r) => r.decoded!.data), [null, null, null]);
  assert.match(rs[0]!.decoded!.note!, /unknown record type 99/);
  assert.match(rs[1]!.decoded!.note!, /OffsetCommitValue v3/);
  assert.match(rs[2]!.decoded!.note!, /unknown version 9/);
  for (const r of rs) assert.ok(r.value !== undefined && r.value !== null, 'raw value kept beside the note');
});

function txnValue(version: number, status: number): Buffer {
  const flexible = version >= 1;
  const out = new Out().int16(version).int64(4000).int16(2).int32(60000).int8(status);
  if (flexible) {
    out.uvarint(3).cstr('orders').uvarint(3).int32(0).int32(1).uvarint(0);
    out.cstr('payments').uvarint(2).int32(4).uvarint(0);
  } else {
    out.int32(2).str('orders').int32(2).int32(0).int32(1).str('payments').int32(1).int32(4);
  }
  out.int64(1_700_000_000_500).int64(1_700_000_000_000);
  // v1 tagged fields: previousProducerId (tag 0) and clientTransactionVersion (tag 2); and an unknown tag 9 that is skipped.
  if (flexible) out.uvarint(3).uvarint(0).uvarint(8).int64(3999).uvarint(2).uvarint(2).int16(2).uvarint(9).uvarint(1).int8(0);
  return out.done();
}

test('transaction-log decoder: values v0 and v1 (tagged fields), states, partitions, tombstone, Kafka text', () => {
  const dir = tempDir();
  const key = new Out().int16(0).str('txn-1').done();
  const items = [
    { key, value: txnValue(0, 1) }, { key, value: txnValue(1, 4) }, { key, value: txnValue(1, 0) }, { key, value: null },
    { key: new Out().int16(1).str('future').done(), value: txnValue(0, 1) },
  ];
  const { records: rs } = records(segment(dir, items), 'transaction-log');
  const d = rs.map((r) => r.decoded!);
  assert.equal(d[0]!.key, { transactionalId: 'txn-1' });
  assert.equal(d[0]!.data, {
    producerId: 4000, producerEpoch: 2, transactionTimeoutMs: 60000, transactionStatus: 1,
    transactionPartitions: [{ topic: 'orders', partitionIds: [0, 1] }, { topic: 'payments', partitionIds: [4] }],
    transactionLastUpdateTimestampMs: 1_700_000_000_500, transactionStartTimestampMs: 1_700_000_000_000, transactionState: 'Ongoing',
  });
  assert.is(d[1]!.note, null);
  assert.is(d[1]!.data!['previousProducerId'], 3999);
  assert.is(d[1]!.data!['clientTransactionVersion'], 2);
  assert.is(d[1]!.data!['nextProducerId'], undefined, 'an absent tagged field stays absent');
  assert.is(d[1]!.data!['transactionState'], 'CompleteCommit');
  const decoder = recordDecoder('transaction-log');
  assert.equal(decoder.text(d[0]!), {
    key: 'transaction_metadata::transactionalId=txn-1',
    payload: 'producerId:4000,producerEpoch:2,state=Ongoing,partitions=[orders-0,orders-1,payments-4],' +
      'txnLastUpdateTimestamp=1700000000500,txnTimeoutMs=60000',
  });
  assert.match(decoder.text(d[2]!).payload!, /state=Empty,partitions=\[\],/);
  assert.ok(d[3]!.tombstone);
  assert.is(decoder.text(d[3]!).payload, '<DELETE>');
  assert.match(d[4]!.note!, /unknown key version 1/);
});

function metadataValue(apiKey: number, version: number, body: Buffer): Buffer {
  return new Out().uvarint(1).uvarint(apiKey).uvarint(version).raw(body).done();
}

test('cluster-metadata decoder: unknown type, version or frame, and bad bytes, are notes; unknown tags are skipped', () => {
  const dir = tempDir();
  const uuid = Buffer.alloc(16, 1);
  const topic = new Out().cstr('orders').raw(uuid).uvarint(0).done();
  const items = [
    { key: null, value: metadataValue(2, 0, topic) },
    { key: null, value: metadataValue(99, 0, Buffer.from([0])) },
    { key: null, value: metadataValue(2, 7, topic) },
    { key: null, value: new Out().uvarint(0).uvarint(2).uvarint(0).raw(topic).done() },
    { key: null, value: metadataValue(2, 0, Buffer.concat([topic, Buffer.from([1])])) },
    { key: null, value: metadataValue(2, 0, topic.subarray(0, 5)) },
    // PartitionChangeRecord v0 with tags 1 (leader) and 42 (unknown, skipped).
    { key: null, value: metadataValue(5, 0,
      new Out().int32(3).raw(uuid).uvarint(2).uvarint(1).uvarint(4).int32(2).uvarint(42).uvarint(2).int16(0).done()) },
    { key: null, value: null },
  ];
  const { records: rs } = records(segment(dir, items), 'cluster-metadata');
  const d = rs.map((r) => r.decoded!);
  assert.equal(d[0]!.data, { name: 'orders', topicId: uuid.toString('base64url') });
  assert.is(recordDecoder('cluster-metadata').text(d[0]!).payload,
    `{"type":"TOPIC_RECORD","version":0,"data":{"name":"orders","topicId":"${uuid.toString('base64url')}"}}`);
  assert.match(d[1]!.note!, /unknown metadata record type 99/);
  assert.match(d[2]!.note!, /unknown version 7 of TOPIC_RECORD/);
  assert.match(d[3]!.note!, /unknown frame version 0/);
  assert.match(d[4]!.note!, /1 byte\(s\) left over/);
  assert.match(d[5]!.note!, /TopicRecord v0/);
  assert.equal(d[6]!.data, { partitionId: 3, topicId: uuid.toString('base64url'), leader: 2 });
  assert.match(d[7]!.note!, /null value/);
});

test(`cluster-metadata and offsets decoders: damaged real values never throw (seed ${seed})`, () => {
  const random = seededRandom(seed);
  const samples = [
    ...records(metadataLog, 'cluster-metadata').records.filter((r) => r.control === undefined).slice(0, 400),
  ].map((r) => Buffer.from(r.value!, 'hex'));
  const offsetSamples = records(offsetsLog, 'offsets').records
    .map((r) => [Buffer.from(r.key!, 'hex'), Buffer.from(r.value!, 'hex')] as const);
  const metadata = recordDecoder('cluster-metadata');
  const offsets = recordDecoder('offsets');
  for (let i = 0; i < 3000; i++) {
    const damage = (bytes: Buffer): Buffer => {
      const copy = Buffer.from(bytes);
      const mode = Math.floor(random() * 3);
      if (mode === 0 && copy.length > 0) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      if (mode === 1) return copy.subarray(0, Math.floor(random() * copy.length));
      if (mode === 2) return Buffer.concat([copy, Buffer.from([Math.floor(random() * 256)])]);
      return copy;
    };
    const m = metadata.decode(null, damage(samples[Math.floor(random() * samples.length)]!), i);
    assert.ok(m.note !== null || m.data !== null, `seed ${seed} case ${i}`);
    const [k, v] = offsetSamples[Math.floor(random() * offsetSamples.length)]!;
    const o = offsets.decode(damage(k), damage(v), i);
    assert.ok(o.note !== null || o.data !== null, `seed ${seed} case ${i}`);
  }
});

// ---- what seglog's own broker writes ----

test("offsets decoder: the offset commits seglog's own broker writes decode to what was committed", async () => {
  const dir = tempDir();
  const clock = new ManualClock(1_700_000_123_000);
  const broker = await Broker.open(dir, { clock });
  try {
    await broker.createTopic('orders', { partitions: 2 });
    broker.commitOffsets('billing', [
      { topic: 'orders', partition: 0, offset: 42, metadata: 'm' }, { topic: 'orders', partition: 1, offset: 7 },
    ]);
    clock.advance(1000);
    broker.commitOffsets('audit', [{ topic: 'orders', partition: 1, offset: 9 }]);
  } finally {
    await broker.close();
  }
  const partitionDir = join(dir, readdirSync(dir).find((n) => n.startsWith('__consumer_offsets-'))!);
  const logName = readdirSync(partitionDir).find((n) => n.endsWith('.log'))!;
  const { records: rs } = records(join(partitionDir, logName), 'offsets');
  assert.equal(rs.map((r) => [r.decoded!.type, r.decoded!.keyVersion, r.decoded!.version, r.decoded!.key, r.decoded!.data]), [
    ['OFFSET_COMMIT', 1, 1, { group: 'billing', topic: 'orders', partition: 0 },
      { offset: 42, metadata: 'm', commitTimestamp: 1_700_000_123_000, expireTimestamp: -1 }],
    ['OFFSET_COMMIT', 1, 1, { group: 'billing', topic: 'orders', partition: 1 },
      { offset: 7, metadata: '', commitTimestamp: 1_700_000_123_000, expireTimestamp: -1 }],
    ['OFFSET_COMMIT', 1, 1, { group: 'audit', topic: 'orders', partition: 1 },
      { offset: 9, metadata: '', commitTimestamp: 1_700_000_124_000, expireTimestamp: -1 }],
  ]);
  // Its meta.properties passes the same checks as Kafka's.
  assert.equal(readMetaProperties(join(dir, 'meta.properties')).problems, []);
  assert.ok(readFileSync(join(dir, 'meta.properties'), 'utf8').includes('cluster.id='));
});

test.run();
