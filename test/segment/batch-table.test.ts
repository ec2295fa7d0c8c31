/**
 * Lookups from memory (batch-table.ts): the table answers offsets inside the batches it holds, gaps
 * resolve to the batch after them, offsets outside fall through to the index; the process-wide budget
 * drops the oldest tables first. And a Log read through its tables returns exactly the regions the
 * sparse index returns once the log is reopened without them: after appends across rolls, after a
 * truncation, after a recovery scan, and for a log whose first batches came from disk.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLEAN_SHUTDOWN_FILE, Log, RECOVERY_POINT_CHECKPOINT, decodeBatches } from '../../lib/index.js';
import { BatchTable, BatchTableBudget } from '../../lib/segment/batch-table.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const SEGMENT_BASE = 1_000;

test('the table: hits, gaps, misses, truncation', () => {
  const table = new BatchTable(SEGMENT_BASE, new BatchTableBudget(1024 * 1024));
  assert.is(table.find(SEGMENT_BASE, 0), null, 'empty');
  // Batches of 10 offsets with a gap of 5 after each (a compacted or replicated log), 100 bytes each.
  for (let i = 0; i < 200; i++) table.add(SEGMENT_BASE + i * 15, SEGMENT_BASE + i * 15 + 9, i * 100);
  const segmentBytes = 200 * 100;
  const last = SEGMENT_BASE + 199 * 15;
  assert.equal(table.find(last + 3, segmentBytes), { positionBytes: 19_900, sizeBytes: 100, baseOffset: last, lastOffset: last + 9 });
  assert.is(table.find(last - 2, segmentBytes)?.baseOffset, last, 'a gap resolves to the batch after it');
  assert.is(table.find(last + 10, segmentBytes), null, 'past the last batch');
  assert.equal(table.find(SEGMENT_BASE + 16, segmentBytes),
    { positionBytes: 100, sizeBytes: 100, baseOffset: SEGMENT_BASE + 15, lastOffset: SEGMENT_BASE + 24 });
  assert.is(table.find(SEGMENT_BASE - 1, segmentBytes), null, 'before the first batch: the index answers');
  table.truncateAt(5_000);
  assert.is(table.batches, 50);
  assert.is(table.find(SEGMENT_BASE + 50 * 15, 5_000), null, 'cut batches are gone');
  assert.is(table.find(SEGMENT_BASE + 49 * 15, 5_000)?.sizeBytes, 100, 'the last batch kept ends at the new segment end');
  table.trim();
  assert.is(table.find(SEGMENT_BASE + 49 * 15 + 9, 5_000)?.positionBytes, 4_900, 'trimmed, still whole');
});

test('record marks: the nearest one at or before an offset, inside the batch asked about only; cut with their batches', () => {
  const table = new BatchTable(SEGMENT_BASE, new BatchTableBudget(1024 * 1024));
  // Two batches of 100 records: at 0 (marks at records 30 and 60) and at 10_000 (marks at records 40 and 80).
  table.add(SEGMENT_BASE, SEGMENT_BASE + 99, 0);
  table.addMarks(SEGMENT_BASE, 0, { pairs: Int32Array.of(30, 3_000, 60, 6_000), count: 2 });
  table.add(SEGMENT_BASE + 100, SEGMENT_BASE + 199, 10_000);
  table.addMarks(SEGMENT_BASE + 100, 10_000, { pairs: Int32Array.of(40, 4_000, 80, 8_000), count: 2 });
  const out = { recordIndex: -1, positionInBatch: -1 };
  const at = (offset: number, batchPosition: number): [number, number] | null =>
    table.recordStart(SEGMENT_BASE + offset, batchPosition, SEGMENT_BASE + (batchPosition === 0 ? 0 : 100), out)
      ? [out.recordIndex, out.positionInBatch] : null;
  assert.is(at(10, 0), null, 'before the first mark');
  assert.equal(at(30, 0), [30, 3_000]);
  assert.equal(at(99, 0), [60, 6_000]);
  assert.is(at(120, 10_000), null, "the first batch's marks are not the second's");
  assert.equal(at(140, 10_000), [40, 4_000]);
  assert.equal(at(199, 10_000), [80, 8_000]);
  table.truncateAt(10_000);
  assert.is(at(199, 10_000), null, 'cut with the batch');
  assert.equal(at(99, 0), [60, 6_000], 'the batch kept keeps its marks');
  table.trim();
  assert.equal(at(70, 0), [60, 6_000]);
});

test('the budget: growing past it drops the oldest tables first, and a table that alone cannot fit drops itself', () => {
  const entryBytes = 12;
  const budget = new BatchTableBudget(256 * entryBytes);
  const fill = (table: BatchTable, to: number): void => {
    for (let i = table.batches; i < to; i++) table.add(i, i, i * 10);
  };
  const older = new BatchTable(0, budget);
  const newer = new BatchTable(0, budget);
  fill(older, 100); // room for 128 held
  fill(newer, 64); // room for 64 held
  assert.is(budget.heldBytes, 192 * entryBytes);
  fill(newer, 65); // grows to 128: 256 in all, exactly the budget
  assert.ok(older.live && newer.live, 'still fits');
  fill(newer, 129); // grows to 256: only by dropping the older table
  assert.not.ok(older.live, 'the older table went to make room');
  assert.is(older.find(5, 1_000), null, 'a dropped table answers nothing');
  assert.ok(newer.live);
  assert.equal(newer.find(128, 1_290), { positionBytes: 1_280, sizeBytes: 10, baseOffset: 128, lastOffset: 128 });
  assert.is(budget.heldBytes, 256 * entryBytes);
  fill(newer, 257); // would need 512: cannot fit even alone
  assert.not.ok(newer.live);
  assert.is(newer.find(0, 10), null);
  assert.is(budget.heldBytes, 0, 'every byte returned');
});

interface RegionKey {
  path: string;
  positionBytes: number;
  sizeBytes: number;
  firstOffset: number;
}

function regions(log: Log, from: number, to: number): RegionKey[] {
  const out: RegionKey[] = [];
  for (let offset = from; offset < to; offset++) {
    const region = log.read(offset, { maxBytes: 1 });
    out.push({ path: region.path, positionBytes: region.positionBytes, sizeBytes: region.sizeBytes, firstOffset: region.firstOffset });
  }
  return out;
}

function makeUnclean(dir: string): void {
  const marker = join(dir, CLEAN_SHUTDOWN_FILE);
  if (existsSync(marker)) rmSync(marker);
  writeFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), '0\n0\n');
}

/** Batches of 1–3 records of varied sizes, so index entries skip batches and sizes differ. */
function appendMixed(log: Log, batches: number, seed: number): void {
  for (let i = 0; i < batches; i++) {
    const records = 1 + ((i + seed) % 3);
    log.append(Array.from({ length: records }, (_, r) => ({ value: 'v'.repeat(40 + ((i * 37 + r * 11 + seed) % 900)),
      timestampMs: 1_700_000_000_000 + i })));
  }
}

test('a Log read through its tables matches the sparse index, across rolls, truncation, recovery and a reopened tail', async () => {
  const dir = tempDir();
  let log = await Log.open(dir, { segmentBytes: 48 * 1024 });
  appendMixed(log, 400, 0);
  assert.ok(log.stats().segments >= 4, 'rolled');
  log.truncateTo(log.logEndOffset - 100); // cuts inside the active segment
  appendMixed(log, 30, 1);
  const written = regions(log, 0, log.logEndOffset);
  await log.close();

  log = await Log.open(dir, { segmentBytes: 48 * 1024 }); // clean: no tables, the index answers
  assert.equal(regions(log, 0, log.logEndOffset), written, 'appended tables = index');
  appendMixed(log, 50, 2); // the active segment's table starts mid-segment
  const extended = regions(log, 0, log.logEndOffset);
  assert.equal(extended.slice(0, written.length), written);
  await log.close();

  makeUnclean(dir);
  log = await Log.open(dir, { segmentBytes: 48 * 1024 }); // every segment re-scanned: tables from recovery
  assert.equal(regions(log, 0, log.logEndOffset), extended, 'recovered tables = index');
  await log.close();

  log = await Log.open(dir, { segmentBytes: 48 * 1024 });
  assert.equal(regions(log, 0, log.logEndOffset), extended);
  const record = [...decodeBatches(log.read(log.logEndOffset - 1).toBuffer())][0]!.records().next().value!;
  assert.ok(Buffer.from(record.value!).toString().startsWith('vvv'));
  await log.close();
});

test.run();
