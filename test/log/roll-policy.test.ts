import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rollJitterMs, shouldRoll, type ActiveSegmentState } from '../../lib/log/roll-policy.js';

const base: ActiveSegmentState = { baseOffset: 100, sizeBytes: 500, firstBatchTimestampMs: 1000, createdAtMs: 0, indexesFull: false,
  rollJitterMs: 0 };

test('rolls when the incoming batch would exceed segmentBytes', () => {
  assert.is(shouldRoll(base, { sizeBytes: 500, maxTimestampMs: 1000, lastOffset: 101 }, 1000, 10_000, 0), null);
  assert.is(shouldRoll(base, { sizeBytes: 501, maxTimestampMs: 1000, lastOffset: 101 }, 1000, 10_000, 0), 'size');
});

test('time roll uses record timestamps, wall clock only without timestamps', () => {
  assert.is(shouldRoll(base, { sizeBytes: 1, maxTimestampMs: 11_000, lastOffset: 101 }, 1e9, 10_000, 0), null);
  assert.is(shouldRoll(base, { sizeBytes: 1, maxTimestampMs: 11_001, lastOffset: 101 }, 1e9, 10_000, 0), 'time');
  const noTs = { ...base, firstBatchTimestampMs: -1, createdAtMs: 5000 };
  assert.is(shouldRoll(noTs, { sizeBytes: 1, maxTimestampMs: -1, lastOffset: 101 }, 1e9, 10_000, 15_000), null);
  assert.is(shouldRoll(noTs, { sizeBytes: 1, maxTimestampMs: -1, lastOffset: 101 }, 1e9, 10_000, 15_001), 'time');
  assert.is(shouldRoll({ ...base, sizeBytes: 0 }, { sizeBytes: 1, maxTimestampMs: 1e12, lastOffset: 101 }, 1e9, 10_000, 0), null,
    'empty segment never rolls by time');
  assert.is(shouldRoll({ ...base, rollJitterMs: 100 }, { sizeBytes: 1, maxTimestampMs: 10_901, lastOffset: 101 }, 1e9, 10_000, 0), 'time');
});

test('index full and relative offset overflow roll', () => {
  assert.is(shouldRoll({ ...base, indexesFull: true }, { sizeBytes: 1, maxTimestampMs: 1000, lastOffset: 101 }, 1e9, 1e9, 0), 'index-full');
  assert.is(shouldRoll(base, { sizeBytes: 1, maxTimestampMs: 1000, lastOffset: 100 + 2 ** 31 }, 1e9, 1e9, 0), 'offset-overflow');
  assert.is(shouldRoll(base, { sizeBytes: 1, maxTimestampMs: 1000, lastOffset: 100 + 2 ** 31 - 1 }, 1e9, 1e9, 0), null);
});

test('jitter is within [0, min(jitter, segmentMs))', () => {
  assert.is(rollJitterMs(0, 1000), 0);
  for (let i = 0; i < 100; i++) {
    const j = rollJitterMs(500, 1000);
    assert.ok(j >= 0 && j < 500);
  }
  assert.is(rollJitterMs(5000, 1000, () => 0.999999), 999);
});

test.run();
