/**
 * The ordered segment list (segment-list.ts): lookups by offset, where each segment ends, and the
 * invariants its changes keep (never empty, base offsets increasing, the last one active).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilePool } from '../../lib/segment/file-handle.js';
import { Segment } from '../../lib/segment/segment.js';
import { SegmentList } from '../../lib/log/segment-list.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const OPTIONS = { segmentIndexBytes: 4096, indexIntervalBytes: 4096, preallocateBytes: 0, rollJitterMs: 0 };

function segments(bases: number[]): Segment[] {
  const dir = tempDir();
  const pool = new FilePool();
  return bases.map((base) => Segment.create(dir, base, OPTIONS, pool, 0));
}

test('indexFor finds the segment holding an offset; endOffsetOf and nextBaseOffset bound it', () => {
  const list = new SegmentList(segments([0, 100, 250]));
  assert.equal([0, 99, 100, 249, 250, 10_000].map((o) => list.indexFor(o)), [0, 0, 1, 1, 2, 2]);
  assert.is(list.indexFor(-5), 0, 'below every base: the first segment');
  assert.equal([0, 1, 2].map((i) => list.endOffsetOf(i, 300)), [100, 250, 300]);
  assert.is(list.nextBaseOffset(2), Number.POSITIVE_INFINITY);
  assert.is(list.active.baseOffset, 250);
  assert.equal(list.sealed().map((s) => s.baseOffset), [0, 100]);
  assert.equal(list.infos(300).map((i) => [i.baseOffset, i.endOffset, i.isActive]), [[0, 100, false], [100, 250, false], [250, 300, true]]);
});

test('changes keep the invariants: removals, splices and out-of-order additions', () => {
  const [a, b, c, d] = segments([0, 100, 250, 400]) as [Segment, Segment, Segment, Segment];
  const list = new SegmentList([a, b, c]);
  assert.throws(() => list.push(b), /offset order/);
  list.push(d);
  assert.equal(list.removeOldest(1).map((s) => s.baseOffset), [0]);
  assert.throws(() => list.removeOldest(3), /keeps a segment/);
  assert.equal(list.removeAbove(260).map((s) => s.baseOffset), [400]);
  assert.equal(list.all.map((s) => s.baseOffset), [100, 250]);
  assert.throws(() => new SegmentList([]), /at least one segment/);
  assert.throws(() => list.replaceAll([c, b]), /must increase/);
  list.splice(0, 1, [a]);
  assert.equal(list.all.map((s) => s.baseOffset), [0, 250]);
});

test.run();
