import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, ManualClock, decodeBatches, encodeBatch, encodeControlBatch, type LogRecord } from '../../lib/index.js';
import { cleanLog, dirtyRatio } from '../../lib/compaction/cleaner.js';
import { readCleanerCheckpoint } from '../../lib/log/log-checkpoints.js';
import { checkIndexes, readAll } from '../log/log-helpers.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';

const seed = seedFromEnv();
const DELETE_RETENTION_MS = 10_000;
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

interface Written { offset: number; key: string; value: string | null; timestampMs: number }

async function openLog(dir: string, clock: ManualClock, over: object = {}): Promise<Log> {
  return Log.open(dir, { cleanupPolicy: 'compact', segmentBytes: 3000, indexIntervalBytes: 200,
    deleteRetentionMs: DELETE_RETENTION_MS, fileDeleteDelayMs: 0, ...over }, { clock });
}

/** Appends `batches` random batches (1–5 records) over `keys` keys, ~15% tombstones; returns what was written. */
function writeRandom(log: Log, clock: ManualClock, random: () => number, batches: number, keys: number): Written[] {
  const out: Written[] = [];
  for (let b = 0; b < batches; b++) {
    const n = 1 + Math.floor(random() * 5);
    const records = [];
    for (let i = 0; i < n; i++) {
      const key = `key-${Math.floor(random() * keys)}`;
      const value = random() < 0.15 ? null : `v-${log.logEndOffset + i}-${'x'.repeat(Math.floor(random() * 60))}`;
      records.push({ key, value, timestampMs: clock.nowMs() });
      out.push({ offset: log.logEndOffset + i, key, value, timestampMs: clock.nowMs() });
    }
    const compression = (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)[Math.floor(random() * 5)] ?? 'none';
    log.append(records, { compression });
    clock.advance(1);
  }
  return out;
}

/** Checks the compacted log against everything ever written: offsets and contents unchanged, latest per key kept. */
function checkAgainst(log: Log, written: Written[], cleanedUpTo: number, tombstonesGone: Set<string>, where: string): LogRecord[] {
  const byOffset = new Map(written.map((w) => [w.offset, w]));
  const latest = new Map<string, Written>();
  for (const w of written) latest.set(w.key, w);
  const records = readAll(log);
  let previous = -1;
  const seenBelow = new Set<string>();
  for (const r of records) {
    assert.ok(r.offset > previous, `${where}: offsets must strictly increase (${r.offset} after ${previous}), seed ${seed}`);
    previous = r.offset;
    const w = byOffset.get(r.offset);
    assert.ok(w !== undefined, `${where}: offset ${r.offset} was never written, seed ${seed}`);
    assert.is(text(r.key), w.key, `${where}: key at ${r.offset}, seed ${seed}`);
    assert.is(text(r.value), w.value, `${where}: value at ${r.offset}, seed ${seed}`);
    assert.is(r.timestampMs, w.timestampMs, `${where}: timestamp at ${r.offset}, seed ${seed}`);
    if (r.offset < cleanedUpTo) {
      assert.not.ok(seenBelow.has(w.key), `${where}: key ${w.key} appears twice in the cleaned section, seed ${seed}`);
      seenBelow.add(w.key);
      assert.is(latest.get(w.key)?.offset, r.offset, `${where}: a superseded record of ${w.key} survived at ${r.offset}, seed ${seed}`);
    }
  }
  const present = new Set(records.map((r) => r.offset));
  for (const [key, w] of latest) {
    if (w.value === null && tombstonesGone.has(key)) {
      assert.not.ok(present.has(w.offset), `${where}: tombstone of ${key} at ${w.offset} should be gone, seed ${seed}`);
    } else {
      assert.ok(present.has(w.offset), `${where}: latest record of ${key} at ${w.offset} is missing, seed ${seed}`);
    }
  }
  return records;
}

function checkLogFiles(dir: string): void {
  checkIndexes(dir);
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
    for (const batch of decodeBatches(readFileSync(join(dir, name)), { allowTruncatedTail: false })) {
      assert.ok(batch.isValid(), `${name}: CRC of the batch at ${batch.positionBytes}`);
    }
  }
}

test.after.each(removeTempDirs);

test('property: latest value per key, offsets unchanged, tombstones until their horizon', async () => {
  const random = seededRandom(seed);
  for (let round = 0; round < 4; round++) {
    const dir = tempDir();
    const clock = new ManualClock();
    let log = await openLog(dir, clock);
    const written = writeRandom(log, clock, random, 150 + Math.floor(random() * 150), 20 + Math.floor(random() * 40));
    log.roll();
    const t0 = clock.nowMs();
    const first = await cleanLog(log, { nowMs: t0, offsetMapBytes: 24 * 4096 });
    assert.ok(first.cleaned, `first round cleaned, seed ${seed}`);
    assert.is(first.endOffset, log.activeSegmentBaseOffset);
    assert.is(readCleanerCheckpoint(log), first.endOffset);
    assert.ok(first.recordsDropped > 0, `something was dropped, seed ${seed}`);
    checkAgainst(log, written, first.endOffset, new Set(), `round ${round} pass 1`);
    checkLogFiles(dir);

    // Before the horizon: a new dirty section, tombstones must still be there.
    clock.advance(DELETE_RETENTION_MS / 2);
    written.push(...writeRandom(log, clock, random, 20, 1000));
    log.roll();
    const second = await cleanLog(log, { nowMs: clock.nowMs(), offsetMapBytes: 24 * 4096 });
    assert.ok(second.cleaned);
    assert.is(second.tombstonesRemoved, 0, `no tombstone removed before the horizon, seed ${seed}`);
    checkAgainst(log, written, second.endOffset, new Set(), `round ${round} pass 2`);

    // At the horizon of pass 1: those tombstones go; reopen must see the same log.
    clock.set(t0 + DELETE_RETENTION_MS);
    written.push(...writeRandom(log, clock, random, 5, 1_000_000));
    log.roll();
    const third = await cleanLog(log, { nowMs: clock.nowMs(), offsetMapBytes: 24 * 4096 });
    const gone = new Set<string>();
    const latest = new Map<string, Written>();
    for (const w of written) latest.set(w.key, w);
    for (const [key, w] of latest) if (w.value === null && w.offset < first.endOffset) gone.add(key);
    const after = checkAgainst(log, written, third.endOffset, gone, `round ${round} pass 3`);
    if (gone.size > 0) assert.ok(third.tombstonesRemoved > 0, `tombstones removed at the horizon, seed ${seed}`);
    checkLogFiles(dir);
    await log.close();
    log = await openLog(dir, clock);
    const reopened = readAll(log).map((r) => `${r.offset}:${text(r.key)}:${text(r.value)}`);
    assert.equal(reopened, after.map((r) => `${r.offset}:${text(r.key)}:${text(r.value)}`), `reopen, seed ${seed}`);
    await log.close();
  }
});

test('batches whose records all survive are copied verbatim; small segments are merged', async () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const log = await openLog(dir, clock, { segmentBytes: 600 });
  for (let i = 0; i < 40; i++) log.append([{ key: `unique-${i}`, value: `value-${i}`, timestampMs: clock.nowMs() }]);
  log.roll();
  const before = readFileSync(join(dir, '00000000000000000000.log'));
  const segmentsBefore = log.segmentInfos().length;
  const result = await cleanLog(log, { nowMs: clock.nowMs(), offsetMapBytes: 24 * 1024 });
  assert.is(result.batchesRebuilt, 0);
  assert.is(result.recordsDropped, 0);
  assert.ok(result.batchesCopied >= 39);
  const after = readFileSync(join(dir, '00000000000000000000.log'));
  assert.equal(after.subarray(0, before.length), before, 'first segment bytes copied verbatim');
  assert.ok(log.segmentInfos().length <= segmentsBefore, 'never more segments');
  checkLogFiles(dir);
  await log.close();
});

test('superseded batches dropped whole; survivors keep offsets', async () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const log = await openLog(dir, clock);
  log.append([{ key: 'a', value: '1', timestampMs: 1 }]);
  log.append([{ key: 'b', value: '1', timestampMs: 2 }]);
  log.append([{ key: 'a', value: '2', timestampMs: 3 }, { key: 'b', value: '2', timestampMs: 4 }]);
  log.append([{ key: 'a', value: '3', timestampMs: 5 }]);
  log.append([{ key: 'b', value: '3', timestampMs: 6 }]);
  log.append([{ key: 'a', value: '4', timestampMs: 7 }]);
  log.append([{ key: 'b', value: '4', timestampMs: 8 }]);
  log.roll();
  const result = await cleanLog(log, { nowMs: clock.nowMs() });
  const batches = [...decodeBatches(readFileSync(join(dir, '00000000000000000000.log')))];
  assert.equal(batches.map((b) => [b.baseOffset, b.lastOffset, b.recordsCount]), [[6, 6, 1], [7, 7, 1]]);
  assert.is(result.batchesDropped, 5);
  assert.is(result.recordsDropped, 6);
  await log.close();
});

test('keyless records dropped; the round\'s last batch and a producer\'s last batch stay as 61-byte empty batches', async () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const log = await openLog(dir, clock);
  log.append([{ key: 'k', value: 'old', timestampMs: 1 }], { producerId: 7, producerEpoch: 0, baseSequence: 0 });
  log.append([{ key: 'k', value: 'new', timestampMs: 2 }]);
  log.appendBatch(encodeBatch([{ key: null, value: 'keyless', timestampMs: 3 }], { baseOffset: log.logEndOffset }),
    { origin: 'replication' });
  log.roll();
  const result = await cleanLog(log, { nowMs: clock.nowMs() });
  const batches = [...decodeBatches(readFileSync(join(dir, '00000000000000000000.log')))];
  assert.equal(batches.map((b) => [b.baseOffset, b.lastOffset, b.recordsCount, b.sizeBytes, b.producerId]), [[0, 0, 0, 61, 7], [1, 1,
    1, batches[1]?.sizeBytes, -1], [2, 2, 0, 61, -1]]);
  assert.ok(batches.every((b) => b.isValid()));
  assert.is(batches[2]?.maxTimestampMs, 3, 'the empty batch keeps its max timestamp');
  assert.is(batches[2]?.baseTimestampMs, -1);
  assert.is(result.emptyBatchesRetained, 2);
  assert.is(log.logEndOffset, 3);
  checkLogFiles(dir);
  await log.close();
});

test('transactions: aborted data dropped, markers kept until their horizon', async () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const log = await openLog(dir, clock);
  const pid = 42;
  log.append([{ key: 'k', value: 'committed-1', timestampMs: 1 }], { producerId: pid, producerEpoch: 0, baseSequence: 0,
    isTransactional: true });
  log.appendBatch(encodeControlBatch('COMMIT', { baseOffset: log.logEndOffset, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0,
    timestampMs: 2 }), { origin: 'replication' });
  log.append([{ key: 'k', value: 'aborted-2', timestampMs: 3 }], { producerId: pid, producerEpoch: 0, baseSequence: 1,
    isTransactional: true });
  log.append([{ key: 'other', value: 'aborted-3', timestampMs: 4 }], { producerId: pid, producerEpoch: 0, baseSequence: 2,
    isTransactional: true });
  log.appendBatch(encodeControlBatch('ABORT', { baseOffset: log.logEndOffset, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0,
    timestampMs: 5 }), { origin: 'replication' });
  log.append([{ key: 'plain', value: 'p', timestampMs: 6 }]);
  log.roll();
  await cleanLog(log, { nowMs: 100 });
  const values = readAll(log).map((r) => text(r.value));
  assert.ok(values.includes('committed-1'), 'committed data kept');
  assert.not.ok(values.includes('aborted-2'), 'aborted data dropped');
  assert.not.ok(values.includes('aborted-3'), 'aborted data dropped');
  const markersAfter = (d: string) => readdirSync(d).filter((n) => n.endsWith('.log'))
    .flatMap((n) => [...decodeBatches(readFileSync(join(d, n)))]).filter((b) => b.isControl);
  assert.is(markersAfter(dir).filter((b) => b.recordsCount === 1).length, 2, 'both markers kept in the pass that dropped the data');
  // Next passes: the markers become discardable, get a horizon, and go once it has passed.
  log.append([{ key: 'plain2', value: 'p', timestampMs: 7 }]);
  log.roll();
  await cleanLog(log, { nowMs: 200 });
  const withHorizon = markersAfter(dir).filter((b) => b.recordsCount === 1);
  const abortMarker = withHorizon.find((b) => b.controlRecord()?.controlType === 'ABORT');
  assert.ok(abortMarker !== undefined && abortMarker.hasDeleteHorizon && abortMarker.deleteHorizonMs === 200 + DELETE_RETENTION_MS,
    'the ABORT marker, now without data, gets a delete horizon');
  const commitMarker = withHorizon.find((b) => b.controlRecord()?.controlType === 'COMMIT');
  assert.ok(commitMarker !== undefined && !commitMarker.hasDeleteHorizon, 'the COMMIT marker stays while its data does');
  log.append([{ key: 'plain3', value: 'p', timestampMs: 8 }]);
  log.roll();
  await cleanLog(log, { nowMs: 200 + DELETE_RETENTION_MS });
  const remaining = markersAfter(dir).filter((b) => b.recordsCount === 1);
  assert.equal(remaining.map((b) => b.controlRecord()?.controlType), ['COMMIT'], 'the ABORT marker is gone after its horizon');
  assert.ok(readAll(log).map((r) => text(r.value)).includes('committed-1'));
  checkLogFiles(dir);
  await log.close();
});

test('offset map full: the round stops at the last mapped offset and the next round continues', async () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const log = await openLog(dir, clock, { segmentBytes: 1 << 20 });
  for (let i = 0; i < 300; i++) log.append([{ key: `k${i % 200}`, value: `v${i}`, timestampMs: i }]);
  log.roll();
  const first = await cleanLog(log, { nowMs: 1000, offsetMapBytes: 24 * 100 }); // 90 keys
  assert.ok(first.mapFull);
  assert.is(first.endOffset, 90);
  assert.is(readCleanerCheckpoint(log), 90);
  let rounds = 1;
  let last = first;
  while (last.mapFull && rounds < 20) {
    last = await cleanLog(log, { nowMs: 1000, offsetMapBytes: 24 * 100 });
    rounds++;
  }
  assert.is(last.endOffset, 300);
  const records = readAll(log);
  assert.is(records.filter((r) => r.offset < 300).length, 200, 'one record per key');
  assert.ok(dirtyRatio(log, 1000) === 0);
  await log.close();
});

test.run();
