import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, ManualClock, SeglogError } from '../../lib/index.js';
import { enforceRetention } from '../../lib/retention/retention.js';
import { LogManager, type Scheduler } from '../../lib/manager/log-manager.js';
import { readAll } from '../log/log-helpers.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const HOUR_MS = 3_600_000;

/** Appends `segments` full segments of 10 one-record batches each, record timestamps one hour apart per segment. */
async function filledLog(clock: ManualClock, over: object = {}): Promise<Log> {
  const log = await Log.open(tempDir(), { segmentBytes: 1 << 20, fileDeleteDelayMs: 0, ...over }, { clock });
  for (let s = 0; s < 5; s++) {
    for (let i = 0; i < 10; i++) log.append([{ key: `k${i}`, value: 'x'.repeat(100), timestampMs: clock.nowMs() }]);
    clock.advance(HOUR_MS);
    log.roll();
  }
  return log;
}

test('time: segments older than retentionMs go, oldest first; the log start offset follows', async () => {
  const clock = new ManualClock();
  const log = await filledLog(clock, { retentionMs: 2.5 * HOUR_MS });
  // Newest records: segment s at start + s hours; now = start + 5 h.
  const result = enforceRetention(log, clock.nowMs());
  assert.is(result.reason, 'time');
  assert.equal(result.deleted.map((s) => s.baseOffset), [0, 10, 20]);
  assert.is(log.logStartOffset, 30);
  assert.equal(readAll(log).map((r) => r.offset)[0], 30);
  assert.throws(() => log.read(0), (e: SeglogError) => e.code === 'SEGLOG_OFFSET_OUT_OF_RANGE');
  assert.is(enforceRetention(log, clock.nowMs()).deleted.length, 0, 'idempotent');
  clock.advance(100 * HOUR_MS);
  const all = enforceRetention(log, clock.nowMs());
  assert.equal(all.deleted.map((s) => s.baseOffset), [30, 40]);
  assert.ok(log.segmentInfos().length >= 1, 'the log keeps a segment');
  assert.is(log.logStartOffset, 50);
  assert.is(log.logEndOffset, 50);
  await log.close();
});

test('size: the oldest segments go while the rest stays at or above retentionBytes', async () => {
  const clock = new ManualClock();
  const log = await filledLog(clock);
  const infos = log.segmentInfos();
  const segmentBytes = (infos[0] as { sizeBytes: number }).sizeBytes;
  await log.close();
  const clock2 = new ManualClock();
  const log2 = await filledLog(clock2, { retentionBytes: segmentBytes * 2 });
  const result = enforceRetention(log2, clock2.nowMs());
  assert.is(result.reason, 'size');
  assert.equal(result.deleted.map((s) => s.baseOffset), [0, 10, 20]);
  assert.is(log2.logStartOffset, 30);
  await log2.close();
});

test('log start offset: DeleteRecords then retention removes what lies wholly below it', async () => {
  const clock = new ManualClock();
  const log = await filledLog(clock, { cleanupPolicy: 'compact' });
  log.deleteRecordsBefore(25);
  assert.is(log.logStartOffset, 25);
  enforceRetention(log, clock.nowMs());
  assert.equal(log.segmentInfos().map((s) => s.baseOffset).slice(0, 1), [20]);
  assert.equal(readAll(log).map((r) => r.offset)[0], 25);
  await log.close();
});

test('nothing at or above the high watermark', async () => {
  const clock = new ManualClock();
  const log = await filledLog(clock, { retentionMs: 1 });
  log.highWatermark = 15;
  const result = enforceRetention(log, clock.nowMs());
  assert.equal(result.deleted.map((s) => s.baseOffset), [0]);
  await log.close();
});

test('a reader holding a region of a deleted segment completes or fails with a typed error', async () => {
  const clock = new ManualClock();
  const log = await filledLog(clock, { retentionMs: 1 });
  const region = log.read(0, { maxBytes: 4096 });
  const expected = region.toBuffer();
  const held = log.read(0, { maxBytes: 4096 });
  enforceRetention(log, clock.nowMs());
  await new Promise((r) => setTimeout(r, 20)); // fileDeleteDelayMs = 0: the files are unlinked by now
  assert.not.ok(readdirSync(log.dir).includes('00000000000000000000.log'));
  try {
    assert.equal(held.toBuffer(), expected);
  } catch (error) {
    assert.ok(error instanceof SeglogError, `typed error, got ${String(error)}`);
  }
  await log.close();
});

class FakeScheduler implements Scheduler {
  callbacks: (() => void)[] = [];
  setInterval(callback: () => void): unknown {
    this.callbacks.push(callback);
    return callback;
  }
  clearInterval(handle: unknown): void {
    this.callbacks = this.callbacks.filter((c) => c !== handle);
  }
}

test('LogManager: runs retention and compaction on its interval, deterministically', async () => {
  const clock = new ManualClock();
  const scheduler = new FakeScheduler();
  const manager = new LogManager({ clock, scheduler, checkIntervalMs: 1000, offsetMapBytes: 24 * 4096 });
  const deleting = await filledLog(clock, { retentionMs: 2.5 * HOUR_MS });
  const compacted = await filledLog(clock, { cleanupPolicy: 'compact,delete', minCleanableDirtyRatio: 0.1 });
  manager.add(deleting);
  manager.add(compacted);
  assert.is(scheduler.callbacks.length, 1);
  const runs: unknown[] = [];
  manager.on('run', (r) => runs.push(r));
  // The scheduled pass is asynchronous (compaction yields between slices): wait for its 'run'
  // event rather than a fixed sleep, which a loaded machine can outlast.
  const ran = once(manager, 'run');
  scheduler.callbacks[0]?.();
  await Promise.race([ran, new Promise((_r, reject) => setTimeout(() => reject(new Error('no run in 20 s')), 20_000).unref())]);
  assert.is(runs.length, 1);
  assert.ok(deleting.logStartOffset > 0, 'retention ran');
  const report = await manager.runOnce(clock.nowMs());
  assert.is(report.errors.length, 0);
  const values = readAll(compacted).filter((r) => r.offset < 50);
  assert.is(values.length, 10, 'compaction kept one record per key');
  await manager.close();
  assert.is(scheduler.callbacks.length, 0);
  await deleting.close();
  await compacted.close();
});

test('LogManager: a failing background pass with no error listener keeps the host alive and is kept as lastError', async () => {
  const clock = new ManualClock();
  const scheduler = new FakeScheduler();
  // An offset map too small to build makes the compaction part of the pass fail.
  const manager = new LogManager({ clock, scheduler, checkIntervalMs: 1000, offsetMapBytes: 1 });
  const compacted = await filledLog(clock, { cleanupPolicy: 'compact', minCleanableDirtyRatio: 0.1 });
  manager.add(compacted);
  // Not events.once: it listens for 'error' too, which is exactly what this test must not do.
  const ran = new Promise<{ errors: { error: unknown }[] }>((resolve) => manager.on('run', resolve));
  assert.is(manager.listenerCount('error'), 0);
  scheduler.callbacks[0]?.();
  const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('no run')), 20_000).unref());
  const report = await Promise.race([ran, timeout]);
  assert.is(report.errors.length, 1);
  assert.ok(manager.lastError instanceof SeglogError);
  assert.is((manager.lastError as SeglogError).code, 'SEGLOG_INVALID_ARGUMENT');
  await manager.close();
  await compacted.close();
});

test.run();
