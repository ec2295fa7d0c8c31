/**
 * Sealed segments' index mappings are bounded by the file pool: a lookup maps a sealed index, and
 * when the segment's `.log` handle leaves the pool's LRU its index mappings go with it, so reading
 * every segment of a long log never holds more mappings than the pool holds descriptors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeBatch } from '../../lib/index.js';
import { FilePool } from '../../lib/segment/file-handle.js';
import { Segment } from '../../lib/segment/segment.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const OPTIONS = { segmentIndexBytes: 1024 * 1024, indexIntervalBytes: 1, preallocateBytes: 0, rollJitterMs: 0 };
const POOL_FILES = 3;
const SEGMENTS = 12;
const BATCHES_PER_SEGMENT = 5;

function sealedSegments(dir: string, pool: FilePool): Segment[] {
  const segments: Segment[] = [];
  for (let s = 0; s < SEGMENTS; s++) {
    const base = s * BATCHES_PER_SEGMENT;
    const segment = Segment.create(dir, base, OPTIONS, pool, 1_700_000_000_000);
    for (let b = 0; b < BATCHES_PER_SEGMENT; b++) {
      const offset = base + b;
      const bytes = encodeBatch([{ value: `v${offset}`, timestampMs: 1_700_000_000_000 + offset }], { baseOffset: offset });
      segment.append(bytes, offset, 1_700_000_000_000 + offset);
    }
    segment.onBecomeInactive();
    segment.releaseWriter();
    segment.close();
    segments.push(Segment.open(dir, base, OPTIONS, pool, false));
  }
  return segments;
}

const mappedCount = (segments: Segment[]): number => segments.filter((s) => s.offsetIndex.isMapped || s.timeIndex.isMapped).length;

test('lookups across every sealed segment hold at most the pool size of index mappings', () => {
  const pool = new FilePool(POOL_FILES);
  const segments = sealedSegments(tempDir(), pool);
  assert.is(mappedCount(segments), 0, 'nothing is mapped at open');
  let peak = 0;
  for (const segment of segments) {
    const offset = segment.baseOffset + BATCHES_PER_SEGMENT - 1;
    const found = segment.locate(offset);
    assert.is(found?.lastOffset, offset, 'the lookup still finds its batch');
    assert.is(segment.findOffsetByTimestamp(1_700_000_000_000 + offset, 0)?.offset, offset);
    peak = Math.max(peak, mappedCount(segments));
  }
  assert.ok(segments[SEGMENTS - 1]!.offsetIndex.isMapped, 'the last segment looked up is still mapped');
  assert.ok(peak <= POOL_FILES + 1, `mappings stay bounded by the pool (peak ${peak}, pool ${POOL_FILES})`);
  assert.ok(peak >= 2, 'lookups did map sealed indexes');
  // A segment whose mapping was dropped maps again on its next lookup.
  assert.not.ok(segments[0]!.offsetIndex.isMapped);
  assert.is(segments[0]!.locate(2)?.lastOffset, 2);
  assert.ok(segments[0]!.offsetIndex.isMapped);
  for (const segment of segments) segment.close();
  pool.closeAll();
});

test.run();
