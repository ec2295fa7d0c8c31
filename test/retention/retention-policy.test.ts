import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SegmentInfo } from '../../lib/log/log.js';
import { selectRetention, type RetentionConfig } from '../../lib/retention/retention-policy.js';

/** Segments of `sizes` bytes, 10 offsets each, newest record at `timestamps[i]`; the last is active. */
function segments(sizes: number[], timestamps: number[], logEndOffset = sizes.length * 10): SegmentInfo[] {
  return sizes.map((sizeBytes, i) => ({
    baseOffset: i * 10,
    sizeBytes,
    endOffset: i + 1 < sizes.length ? (i + 1) * 10 : logEndOffset,
    largestTimestampMs: timestamps[i] ?? -1,
    isActive: i === sizes.length - 1,
    path: `/x/${i}.log`,
  }));
}

const deleteAll: RetentionConfig = { retentionMs: -1, retentionBytes: -1, cleanupPolicy: 'delete' };
const state = (over: Partial<{ logStartOffset: number; highWatermark: number; nowMs: number }> = {}) => ({ logStartOffset: 0,
  highWatermark: 1000, nowMs: 10_000, ...over });

test('nothing configured: nothing selected', () => {
  assert.equal(selectRetention(segments([100, 100, 100], [1, 2, 3]), deleteAll, state()), { count: 0, reason: null });
});

test('time: a contiguous prefix older than retentionMs', () => {
  const segs = segments([100, 100, 100, 100], [1000, 5000, 1000, 9000]);
  // 10_000 - 1000 > 4000 yes; 10_000 - 5000 > 4000 yes (5000 > 4000); third 9000 > 4000, fourth 1000 < 4000
  assert.equal(selectRetention(segs, { ...deleteAll, retentionMs: 4000 }, state()), { count: 3, reason: 'time' });
  // The prefix stops at the first young segment even if later ones are old.
  const gap = segments([100, 100, 100, 100], [1000, 9500, 1000, 9900]);
  assert.equal(selectRetention(gap, { ...deleteAll, retentionMs: 4000 }, state()), { count: 1, reason: 'time' });
  // Exactly retentionMs old is kept (strictly greater).
  assert.equal(selectRetention(segments([1, 1], [6000, 9999]), { ...deleteAll, retentionMs: 4000 }, state()).count, 0);
});

test('time: future timestamps are kept until they pass', () => {
  const segs = segments([100, 100], [50_000, 1]);
  assert.equal(selectRetention(segs, { ...deleteAll, retentionMs: 10 }, state()).count, 0);
  assert.equal(selectRetention(segs, { ...deleteAll, retentionMs: 10 }, state({ nowMs: 50_011 })).count, 2);
});

test('time: every segment may go (the log rolls first); an empty active segment never', () => {
  assert.equal(selectRetention(segments([100, 100, 100], [1, 2, 3]), { ...deleteAll, retentionMs: 1 }, state()), { count: 3,
    reason: 'time' });
  assert.equal(selectRetention(segments([100, 100, 0], [1, 2, -1], 20), { ...deleteAll, retentionMs: 1 }, state()), { count: 2,
    reason: 'time' });
});

test('nothing at or above the high watermark', () => {
  const segs = segments([100, 100, 100], [1, 2, 3]);
  assert.equal(selectRetention(segs, { ...deleteAll, retentionMs: 1 }, state({ highWatermark: 25 })).count, 2);
  assert.equal(selectRetention(segs, { ...deleteAll, retentionMs: 1 }, state({ highWatermark: 19 })).count, 1);
  assert.equal(selectRetention(segs, { ...deleteAll, retentionMs: 1 }, state({ highWatermark: 9 })).count, 0);
});

test('size: delete oldest while the rest stays at or above retentionBytes', () => {
  const segs = segments([100, 200, 300, 50], [1, 2, 3, 4]); // total 650
  assert.equal(selectRetention(segs, { ...deleteAll, retentionBytes: 350 }, state()), { count: 2,
    reason: 'size' }); // 650-100-200=350 ≥ 350
  assert.equal(selectRetention(segs, { ...deleteAll, retentionBytes: 351 }, state()), { count: 1, reason: 'size' });
  assert.equal(selectRetention(segs, { ...deleteAll, retentionBytes: 650 }, state()).count, 0);
  assert.equal(selectRetention(segs, { ...deleteAll, retentionBytes: 651 }, state()).count, 0);
  assert.equal(selectRetention(segs, { ...deleteAll, retentionBytes: 0 }, state()).count, 4);
});

test('log start offset: a segment goes when the next one starts at or below it', () => {
  const segs = segments([100, 100, 100], [1, 2, 3]);
  assert.equal(selectRetention(segs, deleteAll, state({ logStartOffset: 15 })), { count: 1, reason: 'log-start-offset' });
  assert.equal(selectRetention(segs, deleteAll, state({ logStartOffset: 20 })), { count: 2, reason: 'log-start-offset' });
  assert.equal(selectRetention(segs, deleteAll, state({ logStartOffset: 9 })).count, 0);
});

test('order: log start offset first, then size, then time', () => {
  const segs = segments([100, 100, 100, 100], [1, 2, 3, 4]);
  const all = { retentionMs: 1, retentionBytes: 0, cleanupPolicy: 'delete' as const };
  assert.equal(selectRetention(segs, all, state({ logStartOffset: 10 })).reason, 'log-start-offset');
  assert.equal(selectRetention(segs, all, state()).reason, 'size');
  assert.equal(selectRetention(segs, { ...all, retentionBytes: -1 }, state()).reason, 'time');
});

test('compact only: only the log start offset rule', () => {
  const segs = segments([100, 100, 100], [1, 2, 3]);
  const compact = { retentionMs: 1, retentionBytes: 0, cleanupPolicy: 'compact' as const };
  assert.equal(selectRetention(segs, compact, state()).count, 0);
  assert.equal(selectRetention(segs, compact, state({ logStartOffset: 10 })), { count: 1, reason: 'log-start-offset' });
  assert.equal(selectRetention(segs, { ...compact, cleanupPolicy: 'compact,delete' }, state()).reason, 'size');
});

test.run();
