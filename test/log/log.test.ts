import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  CorruptRecordError,
  InvalidRecordError,
  Log,
  LogClosedError,
  LogLockedError,
  ManualClock,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  decodeBatches,
  encodeBatch,
  type RecordInput,
} from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { checkIndexes, readAll, value } from './log-helpers.js';

test.after.each(removeTempDirs);

function records(from: number, count: number, size = 100): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: value(from + i, size) }));
}

test('append assigns contiguous offsets and read returns the same records', async () => {
  const dir = tempDir();
  const log = await Log.open(dir);
  const r1 = log.append(records(0, 10));
  const r2 = log.append(records(10, 5));
  assert.equal([r1.baseOffset, r1.lastOffset, r2.baseOffset, r2.lastOffset], [0, 9, 10, 14]);
  assert.is(r1.logAppendTimeMs, -1);
  assert.is(log.logEndOffset, 15);
  assert.is(log.highWatermark, 15);
  const got = readAll(log);
  assert.is(got.length, 15);
  got.forEach((r, i) => {
    assert.is(r.offset, i);
    assert.is(Buffer.from(r.key as Uint8Array).toString(), `k${i}`);
    assert.ok(Buffer.from(r.value as Uint8Array).equals(value(i, 100)));
  });
  await log.close();
});

test('read: whole batch at the start, empty at the log end, out of range typed, maxBytes and maxOffset', async () => {
  const log = await Log.open(tempDir());
  log.append(records(0, 10));
  log.append(records(10, 10));
  const mid = log.read(5);
  const first = [...decodeBatches(mid.toBuffer())][0];
  assert.is(first?.baseOffset, 0, 'a mid-batch offset returns its whole batch');
  assert.is(mid.firstOffset, 0);
  const atEnd = log.read(20);
  assert.is(atEnd.sizeBytes, 0);
  for (const bad of [21, 1000]) {
    try {
      log.read(bad);
      assert.unreachable('read beyond the log end');
    } catch (error) {
      assert.instance(error, OffsetOutOfRangeError);
      assert.is((error as OffsetOutOfRangeError).offset, bad);
    }
  }
  const batchSize = first?.sizeBytes ?? -1;
  const one = log.read(0, { maxBytes: 10 });
  assert.is(one.sizeBytes, batchSize, 'minOneMessage returns the first batch whole');
  const partial = log.read(0, { maxBytes: 10, minOneMessage: false });
  assert.is(partial.sizeBytes, 10, 'without minOneMessage the region may cut a batch');
  const bounded = log.read(0, { maxOffset: 10 });
  assert.is(bounded.sizeBytes, batchSize, 'maxOffset stops before the batch holding it');
  assert.is(log.read(10, { maxOffset: 10 }).sizeBytes, 0);
  await log.close();
});

test('rolls by size into 20-digit files with Kafka index layouts; indexes trimmed on roll', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { segmentBytes: 16 * 1024, indexIntervalBytes: 1024 });
  for (let i = 0; i < 200; i++) log.append(records(i * 5, 5));
  const names = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  assert.ok(names.length > 5, `expected several segments, got ${names.length}`);
  for (const name of names) assert.match(name, /^\d{20}\.log$/);
  assert.is(names[0], '00000000000000000000.log');
  const sealed = names.slice(0, -1);
  for (const name of sealed) {
    const base = name.slice(0, 20);
    const indexSize = statSync(join(dir, `${base}.index`)).size;
    assert.ok(indexSize % 8 === 0 && indexSize < 10485760, 'sealed offset index trimmed');
    assert.ok(statSync(join(dir, `${base}.timeindex`)).size % 12 === 0);
    assert.ok(statSync(join(dir, name)).size <= 16 * 1024);
  }
  const activeBase = names[names.length - 1]!.slice(0, 20);
  // Entries are written a page at a time, never preallocated (a sparse file under a mapping is SIGBUS when full).
  assert.ok(statSync(join(dir, `${activeBase}.index`)).size < 4096, 'active index not preallocated');
  assert.ok(statSync(join(dir, `${activeBase}.timeindex`)).size < 4096);
  checkIndexes(dir);
  assert.is(readAll(log).length, 1000);
  await log.close();
  checkIndexes(dir);
  assert.is(statSync(join(dir, `${activeBase}.index`)).size % 8, 0, 'active index trimmed on close');
  assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')));
  assert.is(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8').split('\n')[2]?.split(' ')[2], '1000');
});

test('reopen after a clean close keeps offsets and continues appending', async () => {
  const dir = tempDir();
  let log = await Log.open(dir, { segmentBytes: 8 * 1024 });
  for (let i = 0; i < 50; i++) log.append(records(i * 3, 3));
  await log.close();
  log = await Log.open(dir, { segmentBytes: 8 * 1024 });
  assert.ok(log.recoveryReport.cleanShutdown);
  assert.is(log.recoveryReport.recovered.length, 0, 'a clean shutdown recovers nothing');
  assert.is(log.logEndOffset, 150);
  assert.is(log.recoveryPoint, 150);
  assert.not.ok(existsSync(join(dir, '.kafka_cleanshutdown')), 'marker removed at open');
  log.append(records(150, 3));
  assert.is(readAll(log).length, 153);
  await log.close();
});

test('time roll follows record timestamps (segmentMs)', async () => {
  const clock = new ManualClock(1_000_000);
  const log = await Log.open(tempDir(), { segmentMs: 1000 }, { clock });
  log.append([{ value: 'a', timestampMs: 1_000_000 }]);
  log.append([{ value: 'b', timestampMs: 1_000_900 }]);
  assert.is(log.stats().segments, 1);
  log.append([{ value: 'c', timestampMs: 1_001_001 }]);
  assert.is(log.stats().segments, 2);
  assert.is(log.stats().activeSegmentBaseOffset, 2);
  await log.close();
});

test('appendBatch assigns offsets in place without re-encoding, keeps the CRC valid', async () => {
  const log = await Log.open(tempDir());
  log.append(records(0, 3));
  const producerBatch = encodeBatch([{ key: 'a', value: 'x', timestampMs: 5 }, { key: 'b', value: 'y', timestampMs: 7 }], { producerId: 42,
    producerEpoch: 0, baseSequence: 0 });
  const before = Buffer.from(producerBatch.subarray(21));
  const result = log.appendBatch(producerBatch);
  assert.equal([result.baseOffset, result.lastOffset, result.maxTimestampMs], [3, 4, 7]);
  assert.ok(Buffer.from(producerBatch.subarray(21)).equals(before), 'CRC-covered bytes untouched');
  const stored = [...decodeBatches(log.read(3).toBuffer(), { verifyCrc: true })];
  assert.is(stored[0]?.baseOffset, 3);
  assert.ok(stored[0]?.isValid());
  assert.equal([...stored[0]!.records()].map((r) => r.offset), [3, 4]);
  await log.close();
});

test('appendBatch on a LogAppendTime log stamps the broker time and rewrites the CRC', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const log = await Log.open(tempDir(), { messageTimestampType: 'LogAppendTime' }, { clock });
  const batch = encodeBatch([{ value: 'x', timestampMs: 5 }]);
  const result = log.appendBatch(batch);
  assert.is(result.logAppendTimeMs, 1_700_000_000_000);
  const stored = [...decodeBatches(log.read(0).toBuffer())][0]!;
  assert.ok(stored.isValid());
  assert.is(stored.timestampType, 'LogAppendTime');
  assert.is([...stored.records()][0]?.timestampMs, 1_700_000_000_000);
  const appended = log.append([{ value: 'y', timestampMs: 1 }]);
  assert.is(appended.logAppendTimeMs, 1_700_000_000_000);
  await log.close();
});

test('appendBatch rejects bad producer batches with typed errors and appends nothing', async () => {
  const log = await Log.open(tempDir(), { maxMessageBytes: 2000 });
  const good = () => encodeBatch([{ key: 'a', value: 'x', timestampMs: 1 }]);
  const flipped = good();
  flipped[flipped.length - 1]! ^= 0xff;
  const rebased = encodeBatch([{ value: 'x', timestampMs: 1 }], { baseOffset: 7 });
  const control = encodeBatch([{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array([0, 0, 0, 0, 0, 0]), timestampMs: 1 }],
    { isControl: true, isTransactional: true, producerId: 1, producerEpoch: 0 });
  const big = encodeBatch([{ value: new Uint8Array(3000), timestampMs: 1 }]);
  const cases: [Uint8Array, Function][] = [
    [flipped, CorruptRecordError],
    [good().subarray(0, 40), CorruptRecordError],
    [Buffer.concat([good(), good()]), CorruptRecordError],
    [rebased, InvalidRecordError],
    [control, InvalidRecordError],
    [big, RecordTooLargeError],
  ];
  for (const [bytes, type] of cases) {
    try {
      log.appendBatch(bytes);
      assert.unreachable(`accepted a bad batch (${type.name})`);
    } catch (error) {
      assert.instance(error, type);
    }
  }
  assert.is(log.logEndOffset, 0);
  log.appendBatch(good());
  assert.is(log.logEndOffset, 1);
  await log.close();
});

test('offsetForTimestamp: first record with timestamp >= target, earliest and latest', async () => {
  const log = await Log.open(tempDir(), { segmentBytes: 4096, indexIntervalBytes: 256 });
  for (let i = 0; i < 300; i++) log.append([{ key: `k${i}`, value: value(i, 50), timestampMs: 10_000 + i * 10 }]);
  assert.equal(log.offsetForTimestamp(10_000), { offset: 0, timestampMs: 10_000, leaderEpoch: -1 });
  assert.is(log.offsetForTimestamp(10_005)?.offset, 1);
  assert.is(log.offsetForTimestamp(12_340)?.offset, 234);
  assert.is(log.offsetForTimestamp(12_341)?.offset, 235);
  assert.is(log.offsetForTimestamp(0)?.offset, 0);
  assert.is(log.offsetForTimestamp(99_999), null);
  assert.is(log.offsetForTimestamp(-2)?.offset, 0);
  assert.is(log.offsetForTimestamp(-1)?.offset, 300);
  assert.ok(log.stats().segments > 3);
  await log.close();
});

test('truncateTo is batch-granular and appends continue after it; reopen agrees', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { segmentBytes: 4096 });
  for (let i = 0; i < 100; i++) log.append(records(i * 2, 2));
  const segmentsBefore = log.stats().segments;
  assert.is(log.truncateTo(101), 100, 'the batch holding 101 goes whole');
  assert.ok(log.stats().segments < segmentsBefore);
  log.append(records(100, 2));
  assert.is(log.logEndOffset, 102);
  const got = readAll(log);
  assert.equal(got.map((r) => r.offset), Array.from({ length: 102 }, (_, i) => i));
  await log.close();
  const reopened = await Log.open(dir, { segmentBytes: 4096 });
  assert.is(reopened.logEndOffset, 102);
  checkIndexes(dir);
  await reopened.close();
});

test('deleteRecordsBefore raises the log start offset and retires whole segments', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { segmentBytes: 4096, fileDeleteDelayMs: 0 });
  for (let i = 0; i < 100; i++) log.append(records(i * 2, 2));
  const segments = log.stats().segments;
  log.deleteRecordsBefore(150);
  assert.is(log.logStartOffset, 150);
  assert.ok(log.stats().segments < segments);
  try {
    log.read(149);
    assert.unreachable('read below the log start');
  } catch (error) {
    assert.instance(error, OffsetOutOfRangeError);
  }
  assert.ok(log.read(150).sizeBytes > 0);
  await log.close();
  const reopened = await Log.open(dir, { segmentBytes: 4096 });
  assert.is(reopened.logStartOffset, 150);
  await reopened.close();
});

test('flush advances the recovery point and writes the checkpoint', async () => {
  const dir = tempDir();
  const log = await Log.open(dir);
  log.append(records(0, 10));
  assert.is(log.recoveryPoint, 0);
  await log.flush();
  assert.is(log.recoveryPoint, 10);
  assert.is(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8').trim().split('\n')[2]?.split(' ')[2], '10');
  const flushed = await Log.open(tempDir(), { flushMessages: 5 });
  flushed.append(records(0, 5));
  // The flush runs in the background (an fsync in the thread pool): wait for it, bounded.
  for (let waitedMs = 0; flushed.recoveryPoint < 5 && waitedMs < 10_000; waitedMs += 20) await new Promise((r) => setTimeout(r, 20));
  assert.is(flushed.recoveryPoint, 5, 'flushMessages triggers a background flush');
  await flushed.close();
  await log.close();
});

test('the directory lock: a .lock naming a live pid that holds no lock (pid 1) does not block open', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, '.lock'), '1\n');
  const log = await Log.open(dir);
  assert.is(readFileSync(join(dir, '.lock'), 'latin1').split('\n')[0], String(process.pid));
  log.append(records(0, 3));
  await log.close();
  assert.not.ok(existsSync(join(dir, '.lock')), 'released on close');
  const again = await Log.open(dir);
  assert.is(again.logEndOffset, 3);
  await again.close();
});

test('the directory lock: a second open in this process and in another process fail', async () => {
  const dir = tempDir();
  const log = await Log.open(dir);
  try {
    await Log.open(dir);
    assert.unreachable('second open succeeded');
  } catch (error) {
    assert.instance(error, LogLockedError);
    assert.is((error as LogLockedError).code, 'SEGLOG_LOG_LOCKED');
  }
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { Log } from ${JSON.stringify(new URL('../../lib/index.js', import.meta.url).href)};
    try { await Log.open(${JSON.stringify(dir)}); console.log('opened'); } catch (e) { console.log(e.code); }
  `], { encoding: 'utf8' });
  assert.is(child.stdout.trim(), 'SEGLOG_LOG_LOCKED', child.stderr);
  await log.close();
  const again = await Log.open(dir);
  await again.close();
  try {
    again.append(records(0, 1));
    assert.unreachable('append after close');
  } catch (error) {
    assert.instance(error, LogClosedError);
  }
});

test.run();
