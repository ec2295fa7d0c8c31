// A damaged partition goes offline with an error naming partition and file, while the broker (a real
// `seglog serve` child process, and the in-process Broker) keeps serving every other partition (Metadata:
// LEADER_NOT_AVAILABLE for it; produce/fetch: KAFKA_STORAGE_ERROR); each
// log's recovery is reported; start after a clean stop replays only from the newest producer snapshot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Broker, ErrorCode, type RecoveryEvent } from '../../lib/broker/index.js';
import { errorCodeFor } from '../../lib/broker/protocol/error-codes.js';
import { InvalidConfigError, PartitionOfflineError, decodeBatches } from '../../lib/index.js';
import { verifyPaths } from '../../lib/inspect/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startServe } from './helpers.js';

test.after.each(() => removeTempDirs());

const DEFAULTS = { segmentBytes: 16 * 1024 };

/** Topics good, bad, torn (1 partition each) with 600 records in ~20 segments each, cleanly closed. */
async function writeBroker(dir: string): Promise<void> {
  const broker = await Broker.open(dir, { defaults: DEFAULTS });
  for (const topic of ['good', 'bad', 'torn']) {
    await broker.createTopic(topic, { partitions: 1 });
    for (let i = 0; i < 200; i++) {
      await broker.produce(topic, 0, [0, 1, 2].map((j) => ({ key: `k${i}-${j}`, value: `value ${i * 3 + j} `.padEnd(60, '.') })));
    }
  }
  await broker.close();
}

function segments(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^\d{20}\.log$/.test(n)).sort();
}

/** Sets the top byte of the baseOffset of a batch in the middle of `path` (outside the CRC): not a safe integer. */
function breakBaseOffset(path: string): void {
  const bytes = readFileSync(path);
  const batches = [...decodeBatches(bytes)];
  const victim = batches[Math.floor(batches.length / 2)]!;
  bytes[victim.positionBytes] = 0x40;
  writeFileSync(path, bytes);
}

async function count(broker: Broker, topic: string): Promise<number> {
  let n = 0;
  let offset = 0;
  for (;;) {
    const [r] = await broker.fetch([{ topic, partition: 0, offset, maxBytes: 1 << 20 }]);
    assert.is(r!.error, null);
    if (r!.regions.length === 0) return n;
    for (const region of r!.regions) {
      for (const batch of decodeBatches(region.toBuffer())) {
        n += batch.lastOffset - batch.baseOffset + 1;
        offset = batch.lastOffset + 1;
      }
    }
  }
}

test('D12/D9: a real serve child starts with a damaged partition offline (no leader in Metadata) and serves the others', async () => {
  const dir = tempDir('seglog-offline-');
  await writeBroker(dir);
  // bad-0: its active segment's .log is a directory (EISDIR on open): nothing recovery can read.
  const badLog = join(dir, 'bad-0', segments(join(dir, 'bad-0')).pop()!);
  unlinkSync(badLog);
  mkdirSync(badLog);
  // torn-0: a torn tail on the active segment, with the clean-shutdown marker still there.
  const tornDir = join(dir, 'torn-0');
  const active = join(tornDir, segments(tornDir).pop()!);
  truncateSync(active, statSync(active).size - 7);
  const serve = await startServe(dir);
  try {
    const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    const good = await admin.fetchTopicOffsets('good');
    assert.is(good[0]!.high, '600');
    const torn = await admin.fetchTopicOffsets('torn');
    assert.is(torn[0]!.high, '597', 'the torn batch was cut at open, the rest served');
    let code = '';
    try {
      await admin.fetchTopicOffsets('bad');
    } catch (error) {
      code = (error as Error).message;
    }
    assert.match(code, 'no leader', 'a client learns from Metadata that the partition has no leader');
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await producer.send({ topic: 'good', messages: [{ key: 'k', value: 'after' }] });
    await producer.disconnect();
    await admin.disconnect();
  } finally {
    assert.is(await serve.stop('SIGINT'), 0, 'a clean stop');
  }
  assert.ok(existsSync(join(tornDir, `${active.split('/').pop()}.recovered-1`)), 'the torn bytes are kept');
});

test('in process: offline partitions answer PartitionOfflineError naming the file; events carry every recovery', async () => {
  const dir = tempDir('seglog-offline-');
  await writeBroker(dir);
  const badDir = join(dir, 'bad-0');
  for (const name of readdirSync(badDir)) if (name.endsWith('.snapshot')) unlinkSync(join(badDir, name));
  breakBaseOffset(join(badDir, segments(badDir)[3]!)); // replay from 0 must decode it
  rmSync(join(dir, 'torn-0'), { recursive: true });
  const events: RecoveryEvent[] = [];
  const broker = await Broker.open(dir, { defaults: DEFAULTS, onRecovery: (e) => events.push(e) });
  try {
    const offline = broker.offlinePartitions();
    assert.equal(offline.map((o) => `${o.topic}-${o.partition}`), ['bad-0']);
    assert.ok(offline[0]!.error.path?.startsWith(join(badDir, segments(badDir)[3]!)), offline[0]!.error.toLine());
    assert.match(offline[0]!.error.message, 'bad-0');
    const [fetched] = await broker.fetch([{ topic: 'bad', partition: 0, offset: 0, maxBytes: 1000 }]);
    assert.ok(fetched!.error instanceof PartitionOfflineError);
    try {
      await broker.produce('bad', 0, [{ value: 'x' }]);
      assert.unreachable('produce to an offline partition');
    } catch (error) {
      assert.ok(error instanceof PartitionOfflineError, String(error));
      assert.is(errorCodeFor(error), ErrorCode.KAFKA_STORAGE_ERROR, 'on the wire: KAFKA_STORAGE_ERROR (56)');
    }
    assert.is(await count(broker, 'good'), 600);
    const torn = events.find((e) => e.topic === 'torn');
    assert.ok(torn !== undefined && torn.notes.some((n) => n.includes('missing: partition recreated empty')), JSON.stringify(torn?.notes));
    assert.ok(events.find((e) => e.topic === 'bad')?.error instanceof PartitionOfflineError);
    assert.ok(events.some((e) => e.topic === 'good' && e.report !== null && e.error === null));
    assert.ok(Broker.describeRecovery(events.find((e) => e.topic === 'bad')!).some((l) => l.includes('SEGLOG_PARTITION_OFFLINE')));
  } finally {
    await broker.close();
  }
});

test('D10: a start replays only from the newest snapshot (a clean stop\'s, or the last roll\'s): old segments are not read', async () => {
  const dir = tempDir('seglog-offline-');
  await writeBroker(dir);
  const goodDir = join(dir, 'good-0');
  const lastBase = Number(segments(goodDir).pop()!.slice(0, 20));
  const snapshots = () => readdirSync(goodDir).filter((n) => n.endsWith('.snapshot'));
  assert.equal(snapshots(), [`${String(lastBase).padStart(20, '0')}.snapshot`], 'the last roll\'s snapshot (no producers to save at stop)');
  breakBaseOffset(join(goodDir, segments(goodDir)[2]!));
  let broker = await Broker.open(dir, { defaults: DEFAULTS });
  assert.equal(broker.offlinePartitions(), [], 'the damaged old segment was not read at start');
  // Idempotent producers: the clean stop snapshots them at the log end.
  const { producerId } = broker.initProducerId();
  await broker.produce('good', 0, [{ value: 'idempotent' }], { producerId, producerEpoch: 0, baseSequence: 0 });
  await broker.close();
  assert.ok(snapshots().includes('00000000000000000601.snapshot'), snapshots().join(' '));
  broker = await Broker.open(dir, { defaults: DEFAULTS });
  assert.equal(broker.offlinePartitions(), []);
  const again = await broker.produce('good', 0, [{ value: 'idempotent' }], { producerId, producerEpoch: 0, baseSequence: 0 });
  assert.ok(again.duplicate, 'producer state came back from the snapshot');
  await broker.close();
});

test('D10: every roll writes <offset>.snapshot', async () => {
  const dir = tempDir('seglog-offline-');
  const broker = await Broker.open(dir, { defaults: DEFAULTS });
  await broker.createTopic('t', { partitions: 1 });
  for (let i = 0; i < 100; i++) await broker.produce('t', 0, [{ value: 'x'.repeat(400) }]);
  const log = broker.log('t', 0);
  assert.ok(log.stats().rolls >= 2);
  assert.ok(existsSync(join(log.dir, `${String(log.stats().activeSegmentBaseOffset).padStart(20, '0')}.snapshot`)));
  await broker.close();
});

test('D15: a garbage .snapshot is set aside, not read again; verify passes after a clean stop', async () => {
  const dir = tempDir('seglog-offline-');
  await writeBroker(dir);
  const goodDir = join(dir, 'good-0');
  const snapshotName = readdirSync(goodDir).find((n) => n.endsWith('.snapshot'))!;
  writeFileSync(join(goodDir, snapshotName), 'garbage, not a snapshot');
  const events: RecoveryEvent[] = [];
  const broker = await Broker.open(dir, { defaults: DEFAULTS, onRecovery: (e) => events.push(e) });
  const report = events.find((e) => e.topic === 'good')!.report!;
  assert.ok(report.actions.some((a) => a.action === 'set-aside' && a.reason.includes('damaged producer snapshot')));
  await broker.close();
  assert.ok(existsSync(join(goodDir, `${snapshotName}.recovered-1`)));
  const verified = verifyPaths([goodDir]);
  assert.ok(verified.ok, JSON.stringify(verified.problems));
});

test('D14: a missing topics.json: topics served from their directories (retention off); a garbage one names the file', async () => {
  const dir = tempDir('seglog-offline-');
  await writeBroker(dir);
  unlinkSync(join(dir, 'topics.json'));
  let broker = await Broker.open(dir, { defaults: DEFAULTS });
  assert.equal(broker.listTopics().map((t) => t.name), ['__consumer_offsets', 'bad', 'good', 'torn']);
  assert.is(await count(broker, 'good'), 600);
  assert.is(broker.log('good', 0).config.retentionMs, -1);
  await broker.close();
  writeFileSync(join(dir, 'topics.json'), '{"version": 1, "topics": {');
  try {
    broker = await Broker.open(dir);
    await broker.close();
    assert.unreachable('garbage topics.json opened');
  } catch (error) {
    assert.ok(error instanceof InvalidConfigError, String(error));
    assert.is(error.path, join(dir, 'topics.json'));
  }
});

test.run();
