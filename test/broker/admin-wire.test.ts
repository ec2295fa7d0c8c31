// The admin APIs no installed client speaks at the versions served (IncrementalAlterConfigs, OffsetDelete),
// and the edges of the others, byte for byte over a socket to a real `seglog serve`: requests built from
// Kafka's message specs by this test, responses read field by field.
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiKey } from '../../lib/broker/protocol/api-keys.js';
import { ErrorCode } from '../../lib/broker/protocol/error-codes.js';
import { Reader } from '../../lib/broker/protocol/wire.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { WireClient, requestFrame, startServe, type ServeProcess } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/kafka-broker', import.meta.url));
const TOPIC_RESOURCE = 2;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

let serve: ServeProcess;
let wire: WireClient;
let correlationId = 0;

test.before(async () => {
  const dir = tempDir('seglog-admin-wire-');
  cpSync(FIXTURE, dir, { recursive: true });
  serve = await startServe(dir);
  wire = await WireClient.open(serve.port);
});
test.after(async () => {
  wire.close();
  await serve.stop();
  removeTempDirs();
});

async function call(apiKey: number, version: number, body: Parameters<typeof requestFrame>[3]): Promise<Reader> {
  correlationId += 1;
  const frame = await wire.request(requestFrame(apiKey, version, correlationId, body));
  const reader = new Reader(frame);
  assert.is(reader.int32(), correlationId);
  return reader;
}

/** The topic's configs (DescribeConfigs v1): name → [value, source]. */
async function describe(topic: string): Promise<Map<string, [string | null, number]>> {
  const r = await call(ApiKey.DescribeConfigs, 1, (w) => w.int32(1).int8(TOPIC_RESOURCE).string(topic).int32(-1).boolean(false));
  r.int32();
  assert.is(r.arrayLength(), 1);
  assert.is(r.int16(), ErrorCode.NONE);
  r.nullableString();
  r.int8();
  assert.is(r.string(), topic);
  const out = new Map<string, [string | null, number]>();
  const count = r.arrayLength();
  for (let i = 0; i < count; i++) {
    const name = r.string();
    const value = r.nullableString();
    r.boolean();
    const source = r.int8();
    r.boolean();
    assert.is(r.arrayLength(), 0, 'no synonyms');
    out.set(name, [value, source]);
  }
  return out;
}

async function incrementalAlter(topic: string, ops: [string, number, string | null][]): Promise<[number, string | null]> {
  const r = await call(ApiKey.IncrementalAlterConfigs, 0, (w) => {
    w.int32(1).int8(TOPIC_RESOURCE).string(topic).int32(ops.length);
    for (const [name, op, value] of ops) w.string(name).int8(op).nullableString(value);
    w.boolean(false);
  });
  r.int32();
  assert.is(r.arrayLength(), 1);
  const errorCode = r.int16();
  const message = r.nullableString();
  assert.is(r.int8(), TOPIC_RESOURCE);
  assert.is(r.string(), topic);
  return [errorCode, message];
}

test('IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on the topic\'s own configs; a bad value names Kafka\'s key', async () => {
  assert.equal(await incrementalAlter('TestTopicPatient', [['retention.ms', SET, '600000'], ['segment.ms', SET, '3600000']]),
    [ErrorCode.NONE, null]);
  let configs = await describe('TestTopicPatient');
  assert.equal(configs.get('retention.ms'), ['600000', 1]);
  assert.equal(configs.get('segment.ms'), ['3600000', 1]);
  assert.equal(await incrementalAlter('TestTopicPatient', [['segment.ms', DELETE, null], ['cleanup.policy', APPEND, 'compact']]),
    [ErrorCode.NONE, null]);
  configs = await describe('TestTopicPatient');
  assert.equal(configs.get('segment.ms')?.[1], 5, 'back to the default');
  assert.equal(configs.get('cleanup.policy'), ['compact', 1]);
  assert.equal(await incrementalAlter('TestTopicPatient', [['cleanup.policy', APPEND, 'delete']]), [ErrorCode.NONE, null]);
  assert.equal((await describe('TestTopicPatient')).get('cleanup.policy'), ['compact,delete', 1]);
  assert.equal(await incrementalAlter('TestTopicPatient', [['cleanup.policy', SUBTRACT, 'compact']]), [ErrorCode.NONE, null]);
  assert.equal((await describe('TestTopicPatient')).get('cleanup.policy'), ['delete', 1]);
  const [code, message] = await incrementalAlter('TestTopicPatient', [['retention.ms', SET, 'tomorrow']]);
  assert.is(code, ErrorCode.INVALID_CONFIG);
  assert.match(message ?? '', /retention\.ms/);
  assert.equal((await describe('TestTopicPatient')).get('retention.ms'), ['600000', 1], 'unchanged');
  const [appendCode] = await incrementalAlter('TestTopicPatient', [['retention.ms', APPEND, '1']]);
  assert.is(appendCode, ErrorCode.INVALID_CONFIG, 'APPEND applies to list configs only');
  const [unknown] = await incrementalAlter('nope', [['retention.ms', SET, '1']]);
  assert.is(unknown, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('a served Kafka directory shows Kafka\'s own group; OffsetDelete keeps subscribed topics\' offsets', async () => {
  const r = await call(ApiKey.DescribeGroups, 4, (w) => w.int32(1).string('DEVSmileCDR').boolean(false));
  r.int32();
  assert.is(r.arrayLength(), 1);
  assert.is(r.int16(), ErrorCode.NONE);
  assert.is(r.string(), 'DEVSmileCDR');
  assert.is(r.string(), 'Stable', 'as Kafka last stored it');
  assert.is(r.string(), 'consumer');
  assert.is(r.string(), 'range');
  assert.is(r.arrayLength(), 17);

  // Its members subscribe to TestTopicPatient: that offset stays while they are in the group.
  const d = await call(ApiKey.OffsetDelete, 0, (w) => w.string('DEVSmileCDR').int32(1).string('TestTopicPatient').int32(1).int32(0));
  assert.is(d.int16(), ErrorCode.NONE);
  d.int32();
  assert.is(d.arrayLength(), 1);
  assert.is(d.string(), 'TestTopicPatient');
  assert.is(d.arrayLength(), 1);
  assert.is(d.int32(), 0);
  assert.is(d.int16(), ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);

  const missing = await call(ApiKey.OffsetDelete, 0, (w) => w.string('no-such-group').int32(0));
  assert.is(missing.int16(), ErrorCode.GROUP_ID_NOT_FOUND);
  const deleted = await call(ApiKey.DeleteGroups, 1, (w) => w.int32(2).string('DEVSmileCDR').string('no-such-group'));
  deleted.int32();
  assert.is(deleted.arrayLength(), 2);
  assert.equal([deleted.string(), deleted.int16()], ['DEVSmileCDR', ErrorCode.NON_EMPTY_GROUP]);
  assert.equal([deleted.string(), deleted.int16()], ['no-such-group', ErrorCode.GROUP_ID_NOT_FOUND]);
});

test('CreatePartitions and DeleteRecords answer per topic and partition with Kafka\'s codes', async () => {
  const c = await call(ApiKey.CreatePartitions, 1, (w) => w.int32(2).string('TestTopicPatient').int32(1).int32(-1)
    .string('nope').int32(3).int32(-1).int32(1000).boolean(false));
  c.int32();
  assert.is(c.arrayLength(), 2);
  assert.equal([c.string(), c.int16()], ['TestTopicPatient', ErrorCode.INVALID_PARTITIONS]);
  c.nullableString();
  assert.equal([c.string(), c.int16()], ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const del = await call(ApiKey.DeleteRecords, 1, (w) => w.int32(1).string('TestTopicPatient').int32(2).int32(0).int64(1)
    .int32(0).int64(99).int32(1000));
  del.int32();
  assert.is(del.arrayLength(), 1);
  assert.is(del.string(), 'TestTopicPatient');
  assert.is(del.arrayLength(), 2);
  assert.equal([del.int32(), del.int64(), del.int16()], [0, 1, ErrorCode.NONE]);
  assert.equal([del.int32(), del.int64(), del.int16()], [0, -1, ErrorCode.OFFSET_OUT_OF_RANGE], 'above the high watermark');
});

test('the broker\'s own __consumer_offsets keeps its records and its one partition', async () => {
  const del = await call(ApiKey.DeleteRecords, 1, (w) => w.int32(1).string('__consumer_offsets').int32(1).int32(0).int64(-1)
    .int32(1000));
  del.int32();
  del.arrayLength();
  del.string();
  del.arrayLength();
  assert.equal([del.int32(), del.int64(), del.int16()], [0, -1, ErrorCode.INVALID_TOPIC_EXCEPTION]);
  const grow = await call(ApiKey.CreatePartitions, 1, (w) => w.int32(1).string('__consumer_offsets').int32(2).int32(-1).int32(1000)
    .boolean(false));
  grow.int32();
  grow.arrayLength();
  assert.equal([grow.string(), grow.int16()], ['__consumer_offsets', ErrorCode.INVALID_PARTITIONS]);
  const alter = await call(ApiKey.AlterConfigs, 1, (w) => w.int32(1).int8(TOPIC_RESOURCE).string('__consumer_offsets').int32(1)
    .string('cleanup.policy').nullableString('delete').boolean(false));
  alter.int32();
  alter.arrayLength();
  assert.is(alter.int16(), ErrorCode.INVALID_CONFIG, 'compaction is what keeps the latest commit per group');
});

test.run();
