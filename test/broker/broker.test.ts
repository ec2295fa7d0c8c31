// The in-process Broker facade: topics, partitioning, idempotent dedupe across a restart, committed
// offsets across a restart, long-poll fetch, ListOffsets, DeleteRecords and the dir-level files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker, partitionForKey } from '../../lib/broker/index.js';
import { ManualClock, InvalidTopicError, OutOfOrderSequenceError, ProducerFencedError, TopicExistsError, UnknownTopicError, decodeBatches,
    parseOffsetCheckpoint } from '../../lib/index.js';
import { clearFaults, injectFsyncFault } from '../../lib/platform/faults.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(() => {
  clearFaults();
  removeTempDirs();
});

async function rejects(promise: Promise<unknown>, check: (e: unknown) => boolean): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(check(error), `unexpected error ${String(error)}`);
    return;
  }
  assert.unreachable('expected a rejection');
}

test('topics: create with overrides, list, refuse bad or duplicate names, delete; survives reopen', async () => {
  const dir = tempDir('seglog-broker-');
  let broker = await Broker.open(dir, { defaults: { segmentBytes: 1 << 20 } });
  await broker.createTopic('a', { partitions: 3, config: { retentionMs: 1000 } });
  await rejects(broker.createTopic('a', { partitions: 1 }), (e: unknown) => e instanceof TopicExistsError);
  await rejects(broker.createTopic('bad name', { partitions: 1 }), (e: unknown) => e instanceof InvalidTopicError);
  await broker.createTopic('b', { partitions: 1 });
  assert.equal(broker.listTopics().map((t) => t.name), ['__consumer_offsets', 'a', 'b']);
  assert.is(broker.log('a', 2).config.retentionMs, 1000);
  assert.is(broker.log('a', 2).config.segmentBytes, 1 << 20);
  await broker.deleteTopic('b');
  assert.not.ok(existsSync(join(dir, 'b-0')));
  await rejects(broker.deleteTopic('b'), (e: unknown) => e instanceof UnknownTopicError);
  await broker.close();
  assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')));
  broker = await Broker.open(dir);
  assert.not.ok(existsSync(join(dir, '.kafka_cleanshutdown')), 'marker removed at open');
  assert.equal(broker.describe('a'), { name: 'a', partitions: 3, config: { retentionMs: 1000 }, isInternal: false });
  await broker.close();
  const checkpoint = parseOffsetCheckpoint(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8'), 'x');
  assert.is(checkpoint.length, 4, 'one line per partition (a-0..2 and __consumer_offsets-0)');
  assert.ok(existsSync(join(dir, 'log-start-offset-checkpoint')));
  assert.ok(existsSync(join(dir, 'replication-offset-checkpoint')));
  assert.match(readFileSync(join(dir, 'meta.properties'), 'utf8'), /cluster\.id=/);
});

test('records without a partition go where Kafka’s default partitioner puts them', async () => {
  const broker = await Broker.open(tempDir('seglog-broker-'));
  await broker.createTopic('p', { partitions: 7 });
  for (let i = 0; i < 50; i++) {
    const key = `user-${i}`;
    const result = await broker.produce('p', null, [{ key, value: 'v' }]);
    assert.is(result.partition, partitionForKey(Buffer.from(key), 7));
  }
  await broker.close();
});

test('idempotent producer: duplicates return original offsets, gaps and old epochs fail, state survives a restart', async () => {
  const dir = tempDir('seglog-broker-');
  let broker = await Broker.open(dir);
  await broker.createTopic('i', { partitions: 1 });
  const { producerId } = broker.initProducerId();
  const records = [{ value: 'a' }, { value: 'b' }];
  const first = await broker.produce('i', 0, records, { producerId, producerEpoch: 0, baseSequence: 0 });
  const again = await broker.produce('i', 0, records, { producerId, producerEpoch: 0, baseSequence: 0 });
  assert.is(again.duplicate, true);
  assert.is(again.baseOffset, first.baseOffset);
  assert.is(broker.log('i', 0).logEndOffset, 2);
  await rejects(broker.produce('i', 0, records, { producerId, producerEpoch: 0, baseSequence: 7 }),
      (e: unknown) => e instanceof OutOfOrderSequenceError);
  await broker.produce('i', 0, records, { producerId, producerEpoch: 1, baseSequence: 0 });
  await rejects(broker.produce('i', 0, records, { producerId, producerEpoch: 0, baseSequence: 4 }),
      (e: unknown) => e instanceof ProducerFencedError);
  await broker.close();
  assert.ok(existsSync(join(dir, 'i-0', '00000000000000000004.snapshot')), 'Kafka-named producer snapshot at the log end');
  broker = await Broker.open(dir);
  const retried = await broker.produce('i', 0, records, { producerId, producerEpoch: 1, baseSequence: 0 });
  assert.is(retried.duplicate, true, 'the last batch is still known after a restart');
  assert.is(retried.baseOffset, 2);
  assert.ok(broker.initProducerId().producerId > producerId, 'producer ids are not reused');
  await broker.close();
});

test('committed offsets live in __consumer_offsets and survive a restart', async () => {
  const dir = tempDir('seglog-broker-');
  let broker = await Broker.open(dir);
  await broker.createTopic('c', { partitions: 2 });
  broker.commitOffsets('g', [{ topic: 'c', partition: 0, offset: 5, metadata: 'm' }, { topic: 'c', partition: 1, offset: 9 }]);
  broker.commitOffsets('g', [{ topic: 'c', partition: 0, offset: 6 }]);
  await broker.close();
  broker = await Broker.open(dir);
  assert.is(broker.committedOffset('g', 'c', 0)?.offset, 6);
  assert.is(broker.committedOffset('g', 'c', 1)?.offset, 9);
  assert.is(broker.committedOffset('other', 'c', 0), null);
  const stored = readFileSync(join(dir, '__consumer_offsets-0', '00000000000000000000.log'));
  let keys = 0;
  for (const batch of decodeBatches(stored)) keys += batch.recordsCount;
  assert.is(keys, 3, 'one record per commit entry');
  await broker.close();
});

test('fetch long-polls until an append arrives, then returns its region; listOffsets and deleteRecords', async () => {
  const broker = await Broker.open(tempDir('seglog-broker-'));
  await broker.createTopic('f', { partitions: 1 });
  const started = process.hrtime.bigint();
  const pending = broker.fetch([{ topic: 'f', partition: 0, offset: 0, maxBytes: 1 << 20 }], { maxWaitMs: 5000, minBytes: 1 });
  setTimeout(() => void broker.produce('f', 0, [{ value: 'hello', timestampMs: 1_700_000_000_000 }]), 100);
  const [result] = await pending;
  const waitedMs = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(waitedMs >= 90 && waitedMs < 4000, `woke on append after ${waitedMs} ms`);
  assert.is(result!.error, null);
  assert.is(result!.highWatermark, 1);
  const bytes = result!.regions[0]!.toBuffer();
  const [batch] = [...decodeBatches(bytes)];
  assert.is(batch!.recordArray()[0]!.value!.toString(), 'hello');
  const empty = await broker.fetch([{ topic: 'f', partition: 0, offset: 1, maxBytes: 1 << 20 }], { maxWaitMs: 50 });
  assert.is(empty[0]!.regions.length, 0, 'timed out empty');
  const outOfRange = await broker.fetch([{ topic: 'f', partition: 0, offset: 99, maxBytes: 1 << 20 }]);
  assert.is(outOfRange[0]!.error?.constructor.name, 'OffsetOutOfRangeError');
  await broker.produce('f', 0, [{ value: 'later', timestampMs: 1_700_000_100_000 }]);
  assert.equal(broker.listOffsets('f', 0, 1_700_000_050_000), { offset: 1, timestampMs: 1_700_000_100_000 });
  assert.is(broker.listOffsets('f', 0, -1).offset, 2);
  assert.is(broker.deleteRecords('f', 0, 1), 1);
  assert.is(broker.listOffsets('f', 0, -2).offset, 1);
  const stats = broker.stats().find((s) => s.topic === 'f')!;
  assert.is(stats.logEndOffset, 2);
  assert.is(stats.logStartOffset, 1);
  await broker.close();
});

test('background maintenance: __consumer_offsets compacts and keeps the latest commits; retention deletes old segments', async () => {
  const dir = tempDir('seglog-broker-');
  const clock = new ManualClock(1_700_000_000_000);
  let broker = await Broker.open(dir, { clock, defaults: { segmentBytes: 16 * 1024 }, logCheckIntervalMs: 60_000 });
  await broker.createTopic('old', { partitions: 1, config: { retentionMs: 60_000, segmentBytes: 4096 } });
  await broker.createTopic('c', { partitions: 4 });
  for (let i = 0; i < 50; i++) await broker.produce('old', 0, [{ value: 'x'.repeat(500), timestampMs: clock.nowMs() }]);
  for (let round = 0; round < 400; round++) {
    broker.commitOffsets('g', [{ topic: 'c', partition: round % 4, offset: round }]);
  }
  const offsets = broker.log('__consumer_offsets', 0);
  const segmentsBefore = offsets.stats().segments;
  assert.ok(segmentsBefore > 2, 'commits spread over several segments');
  clock.advance(120_000);
  await broker.produce('old', 0, [{ value: 'new', timestampMs: clock.nowMs() }]);
  offsets.roll();
  const report = await broker.runMaintenance();
  assert.is(report.errors.length, 0);
  assert.is(broker.log('old', 0).logStartOffset, 49, 'retention removed every expired segment (the one taking new records stays)');
  assert.ok(report.compaction !== null && report.compaction.result.recordsDropped > 300, 'compaction dropped superseded commits');
  await broker.close();
  broker = await Broker.open(dir, { clock, defaults: { segmentBytes: 16 * 1024 } });
  for (let p = 0; p < 4; p++) assert.is(broker.committedOffset('g', 'c', p)?.offset, 396 + p,
      'the latest commit per partition survives compaction');
  await broker.close();
});

test('the background task runs retention and compaction on its own timer, not only when asked', async () => {
  const dir = tempDir('seglog-broker-');
  const broker = await Broker.open(dir, { logCheckIntervalMs: 50 });
  try {
    await broker.createTopic('aged', { partitions: 1, config: { retentionMs: 60_000, segmentBytes: 4096 } });
    const hourAgoMs = Date.now() - 3_600_000;
    for (let i = 0; i < 40; i++) await broker.produce('aged', 0, [{ value: 'x'.repeat(500), timestampMs: hourAgoMs }]);
    const log = broker.log('aged', 0);
    assert.ok(log.stats().segments > 3, 'several rolled segments');
    assert.is(log.logStartOffset, 0);
    const runs: number[] = [];
    broker.logManager.on('run', (report: { nowMs: number }) => runs.push(report.nowMs));
    const deadlineMs = Date.now() + 5_000;
    while (Date.now() < deadlineMs && log.logStartOffset === 0) await new Promise((r) => setTimeout(r, 20));
    assert.ok(runs.length >= 1, 'a scheduled pass ran');
    assert.ok(log.logStartOffset > 0, 'expired segments deleted by the scheduled pass');
    assert.is(log.stats().segments, 1, 'only the active segment is left');
  } finally {
    await broker.close();
  }
});

test('after a failed fsync a partition refuses acks=all produce before appending, retries of an idempotent batch included', async () => {
  const dir = tempDir('seglog-broker-');
  const broker = await Broker.open(dir);
  await broker.createTopic('d', { partitions: 2, config: { flushMessages: 1 } });
  const { producerId } = broker.initProducerId();
  const records = [{ key: 'k', value: 'v' }];
  await broker.produce('d', 0, records, { acks: 'all', producerId, producerEpoch: 0, baseSequence: 0 });
  injectFsyncFault({ pathEndsWith: `${join('d-0', '00000000000000000000.log')}`, skipFsyncs: 0, code: 'EIO' });
  const ioFailure = (e: unknown): boolean => (e as { code?: string }).code === 'SEGLOG_IO';
  // The append lands, its fsync fails: the producer is told, and retries.
  await rejects(broker.produce('d', 0, records, { acks: 'all', producerId, producerEpoch: 0, baseSequence: 1 }), ioFailure);
  assert.is(clearFaults(), 1);
  assert.is(broker.log('d', 0).logEndOffset, 2);
  await rejects(broker.produce('d', 0, records, { acks: 'all', producerId, producerEpoch: 0, baseSequence: 1 }), ioFailure);
  await rejects(broker.produce('d', 0, records, { acks: 'all' }), ioFailure);
  assert.is(broker.log('d', 0).logEndOffset, 2, 'nothing appended after the failure');
  assert.is((await broker.produce('d', 0, records, { acks: 1 })).baseOffset, 2, 'acks=1 still goes to the page cache');
  assert.is((await broker.produce('d', 1, records, { acks: 'all' })).baseOffset, 0, 'the other partition is unaffected');
  await broker.deleteTopic('d'); // the failed partition's close must not stop the deletion
  assert.not.ok(existsSync(join(dir, 'd-0')));
  assert.not.ok(existsSync(join(dir, 'd-1')));
  await broker.close();
});

test.run();
