/**
 * Exact write faults (lib/platform/faults.ts) on every file an append touches: ENOSPC on the nth
 * write to the .index, the .timeindex or the .log (whole or after landing some bytes), with and
 * without a preallocated .log, and during a roll. In each case the append that hit it throws
 * SEGLOG_NO_SPACE and is invisible — right after the error, and to recovery of the files exactly as
 * the failure left them (a copy of the directory taken at that moment: what a crash would leave,
 * since every write so far is in the page cache) — while the log keeps working: the next appends
 * succeed, and close + reopen show every acknowledged record and nothing else.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Log, type LogConfig } from '../../lib/index.js';
import { clearFaults, fsyncCounts, injectFsyncFault, injectWriteFault, type WriteFault } from '../../lib/platform/faults.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { checkIndexes, readAll, value } from './log-helpers.js';

test.after.each(() => {
  clearFaults();
  removeTempDirs();
});

const APPENDS = 1500;

/** The directory as a crash right now would leave it (minus the lock, which names this live process). */
function crashCopy(dir: string): string {
  const copy = tempDir('seglog-crash-copy-');
  for (const name of readdirSync(dir)) {
    if (name === '.lock' || !statSync(join(dir, name)).isFile()) continue;
    copyFileSync(join(dir, name), join(copy, name));
  }
  return copy;
}

function batch(i: number): Array<{ key: string; value: Buffer; timestampMs: number }> {
  return [{ key: `k${i}`, value: value(i, 20 + (i % 90)), timestampMs: 1_700_000_000_000 + i }];
}

async function expectExactly(dir: string, config: Partial<LogConfig>, acked: number[], label: string): Promise<void> {
  const log = await Log.open(dir, config);
  try {
    const keys = readAll(log).map((r) => Buffer.from(r.key!).toString());
    assert.equal(keys, acked.map((i) => `k${i}`), label);
  } finally {
    await log.close();
  }
  checkIndexes(dir);
}

/**
 * Appends APPENDS batches with `fault` armed; exactly one append must fail with SEGLOG_NO_SPACE.
 * Checks the state right after it, a crash copy, and the live log going on and reopening.
 */
async function runWithFault(config: Partial<LogConfig>, fault: WriteFault, label: string): Promise<void> {
  const dir = tempDir();
  const log = await Log.open(dir, config);
  injectWriteFault(fault);
  const acked: number[] = [];
  let failedAt = -1;
  let crashDir = '';
  for (let i = 0; i < APPENDS; i++) {
    try {
      log.append(batch(i));
      acked.push(i);
    } catch (error) {
      assert.is((error as { code?: string }).code, 'SEGLOG_NO_SPACE', `${label}: append ${i}: ${(error as Error).message}`);
      assert.is(failedAt, -1, `${label}: a second append failed (${i})`);
      failedAt = i;
      assert.is(log.logEndOffset, acked.length, `${label}: the failed append assigned no offset`);
      assert.equal(readAll(log).map((r) => Buffer.from(r.key!).toString()), acked.map((a) => `k${a}`), `${label}: visible now`);
      crashDir = crashCopy(dir);
    }
  }
  assert.is(clearFaults(), 1, `${label}: the fault fired once`);
  assert.ok(failedAt >= 0, `${label}: no append failed`);
  assert.is(acked.length, APPENDS - 1);
  await expectExactly(crashDir, config, acked.filter((i) => i < failedAt), `${label}: recovery of the files as the failure left them`);
  await log.close();
  await expectExactly(dir, config, acked, `${label}: after close and reopen`);
}

// indexIntervalBytes 0: every append adds entries, so their pending page is written every ~512 appends.
const EVERY_APPEND_INDEXED: Partial<LogConfig> = { indexIntervalBytes: 0, segmentBytes: 1 << 30 };

for (const file of ['.index', '.timeindex'] as const) {
  for (const skipWrites of [0, 1]) {
    for (const landedBytes of [0, 5, 4000]) {
      test(`ENOSPC on write ${skipWrites + 1} to the ${file} (${landedBytes} bytes landed): that append fails and stays invisible`,
        async () => {
          await runWithFault(EVERY_APPEND_INDEXED, { pathEndsWith: file, skipWrites, code: 'ENOSPC', landedBytes },
            `${file} #${skipWrites + 1}, ${landedBytes} landed`);
        });
    }
  }
}

for (const preallocate of [false, true]) {
  for (const landedBytes of [0, 1, 12, 70]) {
    test(`ENOSPC on a .log write after ${landedBytes} bytes, preallocate ${preallocate}: invisible now and after a crash`, async () => {
      const config: Partial<LogConfig> = { indexIntervalBytes: 256, segmentBytes: 1 << 20, preallocate };
      await runWithFault(config, { pathEndsWith: '.log', skipWrites: 700, code: 'ENOSPC', landedBytes },
        `.log, ${landedBytes} landed, preallocate ${preallocate}`);
    });
  }
}

test('ENOSPC while a roll writes the old index entries: the append fails, the old segment stays active, a retry rolls', async () => {
  // Small segments: a roll every ~40 appends, whose time-index write is the first write to that file.
  const config: Partial<LogConfig> = { segmentBytes: 4096, indexIntervalBytes: 1 << 20 };
  const dir = tempDir();
  const log = await Log.open(dir, config);
  for (let i = 0; i < 10; i++) log.append(batch(i));
  const activeBefore = log.activeSegmentBaseOffset;
  injectWriteFault({ pathEndsWith: '.timeindex', skipWrites: 0, code: 'ENOSPC' });
  let i = 10;
  let failed = -1;
  for (; failed < 0 && i < 200; i++) {
    try {
      log.append(batch(i));
    } catch (error) {
      assert.is((error as { code?: string }).code, 'SEGLOG_NO_SPACE');
      failed = i;
    }
  }
  assert.ok(failed > 0, 'the roll never hit the fault');
  assert.is(log.activeSegmentBaseOffset, activeBefore, 'no roll happened');
  assert.is(log.logEndOffset, failed);
  const crashDir = crashCopy(dir);
  log.append(batch(failed)); // the retry rolls
  assert.is(log.activeSegmentBaseOffset, failed, 'the retry rolled at the failed append\'s offset');
  for (let j = failed + 1; j < failed + 100; j++) log.append(batch(j));
  assert.is(clearFaults(), 1);
  const acked = [...Array(failed + 100).keys()];
  await expectExactly(crashDir, config, acked.slice(0, failed), 'crash copy at the failed roll');
  await log.close();
  await expectExactly(dir, config, acked, 'after close and reopen');
});


for (const file of ['.log', '.index'] as const) {
  test(`EIO from fsync of the active ${file}: flush and close fail from then on, the recovery point stays, the next open recovers`,
    async () => {
      const dir = tempDir();
      const config: Partial<LogConfig> = { indexIntervalBytes: 0 };
      const log = await Log.open(dir, config);
      for (let i = 0; i < 100; i++) log.append(batch(i));
      await log.flush();
      assert.is(log.recoveryPoint, 100);
      for (let i = 100; i < 200; i++) log.append(batch(i));
      injectFsyncFault({ pathEndsWith: file, skipFsyncs: 0, code: 'EIO' });
      const failed = await log.flush().then(() => null, (error: unknown) => error as { code?: string; message: string });
      assert.is(failed?.code, 'SEGLOG_IO', 'the flush fails');
      assert.match(failed!.message, /fsync/);
      assert.is(clearFaults(), 1, 'the fault fired once');
      assert.is(log.recoveryPoint, 100, 'the recovery point did not move');
      // The kernel may have cleared the error with the pages: a retry that succeeds proves nothing.
      const again = await log.flush().then(() => null, (error: unknown) => error as { code?: string });
      assert.is(again?.code, 'SEGLOG_IO', 'a later flush fails too');
      assert.is(log.recoveryPoint, 100);
      for (let i = 200; i < 250; i++) log.append(batch(i));
      const closed = await log.close().then(() => null, (error: unknown) => error as { code?: string });
      assert.is(closed?.code, 'SEGLOG_IO', 'close reports it');
      assert.not.ok(readdirSync(dir).includes('.kafka_cleanshutdown'), 'no clean-shutdown marker');
      const reopened = await Log.open(dir, config);
      try {
        assert.not.ok(reopened.recoveryReport.cleanShutdown);
        assert.is(reopened.recoveryReport.recovered.length, 1, 'the segment past the recovery point was rescanned');
        assert.equal(readAll(reopened).map((r) => Buffer.from(r.key!).toString()), [...Array(250).keys()].map((i) => `k${i}`));
      } finally {
        await reopened.close();
      }
    });
}

test('flush and roll fsync the .log and its indexes in the thread pool: none blocks the event loop', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { indexIntervalBytes: 0, segmentBytes: 16 * 1024 });
  clearFaults();
  for (let i = 0; i < 400; i++) log.append(batch(i)); // several rolls, each flushing the sealed segment
  await log.flush();
  const counts = fsyncCounts();
  assert.is(log.recoveryPoint, 400, 'flushed');
  assert.ok(log.stats().segments >= 3, `rolled (${log.stats().segments} segments)`);
  assert.ok(counts.threadPool >= 3 * 2, `the .log and both indexes of each flushed segment in the pool (${counts.threadPool})`);
  assert.is(counts.blocking, 0, 'no fsync on the main thread');
  await log.close();
});

test('EIO from the directory fsync after a roll is as final as a file\'s: the recovery point stays, no marker', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { segmentBytes: 16 * 1024 });
  for (let i = 0; i < 50; i++) log.append(batch(i));
  await log.flush();
  const durable = log.recoveryPoint;
  clearFaults();
  for (let i = 50; i < 400; i++) log.append(batch(i)); // rolls: the new segments' names need the directory's fsync
  injectFsyncFault({ pathEndsWith: dir, skipFsyncs: 0, code: 'EIO' });
  const failed = await log.flush().then(() => null, (error: unknown) => error as { code?: string; message: string });
  assert.is(failed?.code, 'SEGLOG_IO');
  assert.match(failed!.message, /directory/);
  assert.is(clearFaults(), 1);
  assert.ok(log.durabilityFailure !== null);
  const again = await log.flush().then(() => null, (error: unknown) => error as { code?: string });
  assert.is(again?.code, 'SEGLOG_IO', 'the retry fails too');
  assert.is(log.recoveryPoint, durable, 'the recovery point did not move');
  await log.close().catch(() => undefined);
  assert.not.ok(readdirSync(dir).includes('.kafka_cleanshutdown'));
});

test('a full disk writing index entries and a failed fsync in one flush: the fsync failure is the one kept', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { indexIntervalBytes: 0 });
  for (let i = 0; i < 50; i++) log.append(batch(i));
  await log.flush();
  for (let i = 50; i < 100; i++) log.append(batch(i));
  injectWriteFault({ pathEndsWith: '.index', skipWrites: 0, code: 'ENOSPC' });
  injectFsyncFault({ pathEndsWith: '.timeindex', skipFsyncs: 0, code: 'EIO' });
  const failed = await log.flush().then(() => null, (error: unknown) => error as { code?: string; message: string });
  assert.is(clearFaults(), 2, 'both faults fired');
  assert.is(failed?.code, 'SEGLOG_IO', failed?.message);
  assert.ok(log.durabilityFailure !== null, 'sticky');
  const again = await log.flush().then(() => null, (error: unknown) => error as { code?: string });
  assert.is(again?.code, 'SEGLOG_IO');
  assert.is(log.recoveryPoint, 50);
  await log.close().catch(() => undefined);
  assert.not.ok(readdirSync(dir).includes('.kafka_cleanshutdown'));
});

test.run();
