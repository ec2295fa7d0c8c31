// `seglog serve` on a real Kafka broker's log directory (a copy of fixtures/kafka-broker): it serves
// the topics it finds in the partition directories, replays the offsets Kafka committed (Kafka's v3
// value schema), leaves Kafka's KRaft metadata log and renamed (-delete, -future, -stray) directories
// alone, and after a real client consumed and the server stopped, every file that was there before
// is byte for byte as it was — except the checkpoint files, where every entry is still there, the
// partitions not served keep their exact values, and the served ones moved only forward.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { decodeBatches, parseOffsetCheckpoint } from '../../lib/index.js';
import { Broker } from '../../lib/broker/index.js';
import { decodeOffsetValue } from '../../lib/broker/offset-store.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startServe } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/kafka-broker', import.meta.url));
const CHECKPOINTS = new Set(['recovery-point-offset-checkpoint', 'log-start-offset-checkpoint', 'replication-offset-checkpoint']);
const RENAMED = ['TestTopicPatient-0.7c1e5f0a2b3d4e6f-delete', 'TestTopicPatient-0.7c1e5f0a2b3d4e6f-future',
  'TestTopicPatient-0.7c1e5f0a2b3d4e6f-stray'];

test.after(() => removeTempDirs());

function filesUnder(root: string, dir = root, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(root, path, out);
    else out.set(relative(root, path), readFileSync(path));
  }
  return out;
}

/** The fixture, plus the directories Kafka renames partitions to, plus a topic missing its partition 0. */
function kafkaDirCopy(): string {
  const dir = tempDir('seglog-kafka-dir-');
  cpSync(FIXTURE, dir, { recursive: true });
  const log = readFileSync(join(FIXTURE, 'TestTopicPatient-0', '00000000000000000000.log'));
  for (const name of [...RENAMED, 'Orphan-1']) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, '00000000000000000000.log'), log);
  }
  return dir;
}

test('serve on a Kafka log dir: a real consumer reads TestTopicPatient; every pre-existing file survives', async () => {
  const dir = kafkaDirCopy();
  const before = filesUnder(dir);
  const expected = [...decodeBatches(readFileSync(join(FIXTURE, 'TestTopicPatient-0', '00000000000000000000.log')))]
      .flatMap((b) => [...b.records()].map((r) => Buffer.from(r.value ?? new Uint8Array()).toString('utf8')));
  assert.is(expected.length, 3);

  const serve = await startServe(dir, ['--initial-rebalance-delay-ms', '0']);
  const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  const topics = await admin.listTopics();
  assert.ok(topics.includes('TestTopicPatient'), topics.join(','));
  assert.not.ok(topics.includes('__cluster_metadata'), 'the KRaft metadata log is not a topic');
  assert.not.ok(topics.includes('Orphan'), 'a topic missing partitions is not served');
  const [committed] = await admin.fetchOffsets({ groupId: 'DEVSmileCDR', topics: ['TestTopicPatient'] });
  assert.is(committed?.partitions[0]?.offset, '3', 'the offset Kafka committed (value schema v3) is replayed');
  await admin.disconnect();

  const consumer = kafka.consumer({ groupId: 'seglog-reader', sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'TestTopicPatient', fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of 3`)), 20_000);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString('utf8') ?? '');
        if (seen.length === expected.length) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  assert.equal(seen, expected);
  assert.is(await serve.stop('SIGTERM'), 0);

  const after = filesUnder(dir);
  for (const [path, bytes] of before) {
    const now = after.get(path);
    assert.ok(now !== undefined, `${path} still exists`);
    if (!CHECKPOINTS.has(path)) {
      assert.ok(bytes.equals(now as Buffer), `${path} unchanged`);
      continue;
    }
    const old = parseOffsetCheckpoint(bytes.toString('utf8'), path);
    const kept = new Map(parseOffsetCheckpoint((now as Buffer).toString('utf8'), path).map((e) => [`${e.topic} ${e.partition}`, e.offset]));
    for (const e of old) {
      const key = `${e.topic} ${e.partition}`;
      assert.ok(kept.has(key), `${path}: entry ${key} kept`);
      if (key === 'TestTopicPatient 0' && path === 'recovery-point-offset-checkpoint') assert.is(kept.get(key), 3, 'flushed to the end');
      else if (key === 'TestTopicPatient 0') assert.is(kept.get(key), e.offset, `${path}: ${key}`);
      // seglog's own offsets partition: the consumer's group membership records were appended to it.
      else if (key === '__consumer_offsets 0') assert.ok(kept.get(key)! >= e.offset, `${path}: ${key}`);
      else assert.is(kept.get(key), e.offset, `${path}: ${key} (not served) unchanged`);
    }
  }
  for (const name of [...RENAMED, 'Orphan-1', '__cluster_metadata-0', '__consumer_offsets-6']) {
    const added = [...after.keys()].filter((p) => p.startsWith(`${name}/`) && !before.has(p));
    assert.equal(added, [], `nothing created in ${name}`);
  }
});

test('Broker.open reports what it adopted and what it left alone; a second open serves the same', async () => {
  const dir = kafkaDirCopy();
  const broker = await Broker.open(dir);
  assert.equal(broker.openReport.adoptedTopics, ['TestTopicPatient']);
  const skipped = new Map(broker.openReport.skipped.map((s) => [s.name, s.reason]));
  for (const name of [...RENAMED, '__cluster_metadata-0', '__consumer_offsets-6', 'Orphan']) {
    assert.ok(skipped.has(name), `${name} skipped`);
  }
  assert.match(skipped.get('Orphan') ?? '', /partitions 0 of Orphan/);
  assert.is(broker.openReport.foreignCommits, 7);
  assert.equal(broker.openReport.recovered.map((r) => r.topic), ['TestTopicPatient'], 'no clean-shutdown marker: recovered');
  assert.is(broker.describe('TestTopicPatient').config.retentionMs, -1, 'retention off for an adopted topic');
  await broker.close();
  const again = await Broker.open(dir);
  assert.equal(again.listTopics().map((t) => t.name), ['TestTopicPatient', '__consumer_offsets']);
  assert.equal(again.openReport.recovered, [], 'closed cleanly: nothing to recover');
  assert.is(again.committedOffset('DEVSmileCDR', 'TestTopicPatient', 0)?.offset, 3);
  // Deleting a served topic drops its entries; Kafka's entries for partitions not served stay.
  await again.deleteTopic('TestTopicPatient');
  await again.close();
  const recovery = parseOffsetCheckpoint(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8'), 'recovery');
  const keys = recovery.map((e) => `${e.topic} ${e.partition}`);
  assert.not.ok(keys.includes('TestTopicPatient 0'));
  const original = parseOffsetCheckpoint(readFileSync(join(FIXTURE, 'recovery-point-offset-checkpoint'), 'utf8'), 'fixture');
  for (const e of original.filter((o) => o.topic !== 'TestTopicPatient')) {
    const same = recovery.some((r) => r.topic === e.topic && r.partition === e.partition && r.offset === e.offset);
    assert.ok(same, `${e.topic} ${e.partition} kept`);
  }
});

test('a malformed checkpoint file is refused (SEGLOG_CORRUPT_CHECKPOINT), not overwritten', async () => {
  const dir = kafkaDirCopy();
  const path = join(dir, 'recovery-point-offset-checkpoint');
  writeFileSync(path, '0\n2\nTestTopicPatient 0 0\n');
  const before = filesUnder(dir);
  const refusal = await Broker.open(dir).then(() => null, (error: unknown) => error as { code?: string; path?: string });
  assert.is(refusal?.code, 'SEGLOG_CORRUPT_CHECKPOINT');
  assert.is(refusal?.path, path);
  assert.equal([...filesUnder(dir).keys()].sort(), [...before.keys()].sort(), 'no file created');
  assert.is(readFileSync(path, 'utf8'), '0\n2\nTestTopicPatient 0 0\n');
});

test('offset-commit values in each of Kafka\'s schema versions decode', () => {
  const string = (s: string): Buffer => Buffer.concat([Buffer.from([0, s.length]), Buffer.from(s)]);
  const int64 = (n: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(n));
    return b;
  };
  const version = (v: number): Buffer => Buffer.from([0, v]);
  const epoch = Buffer.from([0, 0, 0, 7]);
  const cases: [number, Buffer][] = [
    [0, Buffer.concat([version(0), int64(42), string('m'), int64(1000)])],
    [1, Buffer.concat([version(1), int64(42), string('m'), int64(1000), int64(-1)])],
    [2, Buffer.concat([version(2), int64(42), string('m'), int64(1000)])],
    [3, Buffer.concat([version(3), int64(42), epoch, string('m'), int64(1000)])],
    [4, Buffer.concat([version(4), int64(42), epoch, Buffer.from([2]), Buffer.from('m'), int64(1000), Buffer.from([0])])],
  ];
  for (const [v, bytes] of cases) assert.equal(decodeOffsetValue(bytes), { offset: 42, metadata: 'm', commitTimestampMs: 1000 }, `v${v}`);
});

test.run();
