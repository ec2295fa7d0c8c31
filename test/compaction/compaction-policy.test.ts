import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanableRange, firstDirtyOffsetFor, pickFilthiest, type CleanableSegmentInfo,
  type CompactionConfig } from '../../lib/compaction/compaction-policy.js';

/** Segments of `sizes` bytes, 10 offsets each, newest record at timestamps[i]; the last is active. */
function segments(sizes: number[], timestamps: number[]): CleanableSegmentInfo[] {
  return sizes.map((sizeBytes, i) => ({
    baseOffset: i * 10,
    sizeBytes,
    endOffset: (i + 1) * 10,
    largestTimestampMs: timestamps[i] ?? 0,
    firstBatchTimestampMs: (timestamps[i] ?? 0) - 5,
    isActive: i === sizes.length - 1,
  }));
}
const config: CompactionConfig = { minCleanableDirtyRatio: 0.5, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER };
import type { CleanableState } from '../../lib/compaction/compaction-policy.js';
type StateOver = Partial<CleanableState>;
const state = (over: StateOver = {}) =>
  ({ checkpointOffset: null, logStartOffset: 0, logEndOffset: 40, highWatermark: 40, nowMs: 1000, ...over });

test('first dirty offset: checkpoint unless missing or out of range', () => {
  assert.is(firstDirtyOffsetFor(null, 5, 50), 5);
  assert.is(firstDirtyOffsetFor(3, 5, 50), 5);
  assert.is(firstDirtyOffsetFor(51, 5, 50), 5);
  assert.is(firstDirtyOffsetFor(20, 5, 50), 20);
});

test('the active segment is never cleanable; ratio = dirty / (clean + dirty)', () => {
  const segs = segments([100, 100, 100, 100], [1, 2, 3, 4]);
  const r = cleanableRange(segs, config, state({ checkpointOffset: 10 }));
  assert.is(r.firstDirtyOffset, 10);
  assert.is(r.firstUncleanableOffset, 30);
  assert.is(r.cleanBytes, 100);
  assert.is(r.cleanableBytes, 200);
  assert.ok(Math.abs(r.dirtyRatio - 2 / 3) < 1e-9);
  assert.ok(r.eligible);
});

test('ratio must be strictly greater than minCleanableDirtyRatio', () => {
  const segs = segments([100, 100, 100], [1, 2, 3]);
  const r = cleanableRange(segs, config, state({ checkpointOffset: 10, logEndOffset: 30, highWatermark: 30 }));
  assert.is(r.dirtyRatio, 0.5);
  assert.not.ok(r.eligible);
  assert.ok(cleanableRange(segs, { ...config, minCleanableDirtyRatio: 0.49 }, state({ checkpointOffset: 10, logEndOffset: 30,
    highWatermark: 30 })).eligible);
});

test('nothing at or above the high watermark (segment-aligned)', () => {
  const segs = segments([100, 100, 100, 100], [1, 2, 3, 4]);
  const r = cleanableRange(segs, config, state({ highWatermark: 15 }));
  assert.is(r.firstUncleanableOffset, 10);
  assert.is(r.cleanableBytes, 100);
  assert.is(cleanableRange(segs, config, state({ highWatermark: 5 })).cleanableBytes, 0);
});

test('minCompactionLagMs holds back segments with records newer than now − lag', () => {
  const segs = segments([100, 100, 100, 100], [100, 900, 200, 1000]);
  const r = cleanableRange(segs, { ...config, minCompactionLagMs: 500 }, state());
  assert.is(r.firstUncleanableOffset, 10);
  assert.is(r.cleanableBytes, 100);
});

test('maxCompactionLagMs forces a round below the ratio', () => {
  const segs = segments([100, 100, 100, 100], [100, 200, 300, 400]);
  const lowRatio = { ...config, minCleanableDirtyRatio: 0.99 };
  const notForced = cleanableRange(segs, lowRatio, state({ checkpointOffset: 20 }));
  assert.not.ok(notForced.eligible);
  const forced = cleanableRange(segs, { ...lowRatio, maxCompactionLagMs: 500 }, state({ checkpointOffset: 20 }));
  assert.ok(forced.forced);
  assert.ok(forced.eligible);
});

test('pickFilthiest: forced first, then the highest ratio; ineligible never', () => {
  const mk = (dirtyRatio: number, eligible: boolean, forced: boolean) => ({ range: { firstDirtyOffset: 0, firstUncleanableOffset: 0,
    cleanBytes: 0, cleanableBytes: 1, dirtyRatio, eligible, forced } });
  const a = mk(0.9, true, false);
  const b = mk(0.6, true, true);
  const c = mk(0.99, false, false);
  assert.is(pickFilthiest([a, c]), a);
  assert.is(pickFilthiest([a, b, c]), b);
  assert.is(pickFilthiest([c]), null);
});

test.run();
