/**
 * Tail lookups from memory (recent-batches.ts): the ring answers offsets inside the last batches
 * appended, gaps resolve to the batch after them, older offsets fall through to the index; and a Log
 * read at the tail returns exactly the regions the index path returns, before and after truncation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, decodeBatches } from '../../lib/index.js';
import { RECENT_BATCHES_MAX } from '../../lib/limits.js';
import { RecentBatches } from '../../lib/segment/recent-batches.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

test('the ring: hits, gaps, wrap-around and misses', () => {
  const ring = new RecentBatches();
  assert.is(ring.find(0), null, 'empty');
  // Batches of 10 offsets with a gap of 5 after each (a compacted or replicated log).
  for (let i = 0; i < RECENT_BATCHES_MAX + 10; i++) ring.add(i * 15, i * 15 + 9, i * 100, 100, 1_000 + i, 7);
  const newestBase = (RECENT_BATCHES_MAX + 9) * 15;
  assert.is(ring.find(newestBase + 3)?.baseOffset, newestBase);
  assert.is(ring.find(newestBase - 2)?.baseOffset, newestBase, 'a gap resolves to the batch after it');
  assert.is(ring.find(newestBase + 10), null, 'past the last batch');
  const oldestKept = 10 * 15;
  assert.is(ring.find(oldestKept)?.positionBytes, 1_000);
  assert.is(ring.find(oldestKept - 1), null, 'older than the ring: the index answers');
  const hit = ring.find(oldestKept + 16)!;
  assert.equal([hit.baseOffset, hit.lastOffset, hit.positionBytes, hit.sizeBytes, hit.maxTimestampMs, hit.partitionLeaderEpoch],
    [oldestKept + 15, oldestKept + 24, 1_100, 100, 1_011, 7]);
  ring.clear();
  assert.is(ring.find(newestBase), null);
});

test('tail reads of a Log match the index path, across a roll and a truncation', async () => {
  const log = await Log.open(tempDir(), { segmentBytes: 64 * 1024 });
  for (let i = 0; i < 500; i++) {
    log.append([{ value: `v${i}`.repeat(20), timestampMs: 1_700_000_000_000 + i }, { value: 'x', timestampMs: 1 }]);
  }
  assert.ok(log.stats().segments > 1, 'rolled');
  const firstOf = (offset: number): number | undefined => [...decodeBatches(log.read(offset, { maxBytes: 10 }).toBuffer())][0]?.baseOffset;
  for (const offset of [999, 998, 990, 900, 500, 2, 0]) {
    assert.is(firstOf(offset), offset - (offset % 2), `offset ${offset}`);
  }
  log.truncateTo(801); // the batch holding 801 (800-801) goes whole
  assert.is(log.logEndOffset, 800);
  assert.is(log.read(799, { maxBytes: 10 }).firstOffset, 798);
  log.append([{ value: 'after', timestampMs: 5 }]);
  assert.is(firstOf(800), 800);
  const record = [...decodeBatches(log.read(800).toBuffer())][0]!.records().next().value!;
  assert.is(Buffer.from(record.value!).toString(), 'after');
  await log.close();
});

test.run();
