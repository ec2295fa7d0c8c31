/**
 * A log's segments in offset order and the lookups over them (Kafka's LogSegments): which segment
 * holds an offset, where each one ends, what each one is for the retention and compaction policies.
 * The last segment is the active one (appends go there); the rest are sealed.
 *
 * Invariants (asserted where the list changes): never empty, base offsets strictly increase, and only
 * the last segment may be active. The list owns no files: the Log creates, retires and deletes them.
 */
import { assert } from '../assert.js';
import type { Segment } from '../segment/segment.js';

/** One segment as retention and compaction see it. */
export interface SegmentInfo {
  baseOffset: number;
  sizeBytes: number;
  /** Next segment's base offset, or the log end offset for the last one. */
  endOffset: number;
  largestTimestampMs: number;
  isActive: boolean;
  path: string;
}

export class SegmentList {
  private list: Segment[];

  constructor(segments: Segment[]) {
    this.list = [];
    this.replaceAll(segments);
  }

  /** Every segment, oldest first. */
  get all(): readonly Segment[] {
    return this.list;
  }

  get length(): number {
    return this.list.length;
  }

  get first(): Segment {
    return this.list[0] as Segment;
  }

  /** The segment appends go to (the newest). */
  get active(): Segment {
    return this.list[this.list.length - 1] as Segment;
  }

  /** Every segment except the active one, oldest first. */
  sealed(): readonly Segment[] {
    return this.list.slice(0, -1);
  }

  at(index: number): Segment {
    return this.list[index] as Segment;
  }

  /** Index of the segment whose base offset is the largest ≤ `offset` (0 when the offset is below them all). */
  indexFor(offset: number): number {
    const segs = this.list;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((segs[mid] as Segment).baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The next segment's base offset after segment `index`, or +Infinity for the active one. */
  nextBaseOffset(index: number): number {
    return index + 1 < this.list.length ? (this.list[index + 1] as Segment).baseOffset : Number.POSITIVE_INFINITY;
  }

  /** Where segment `index` ends: the next base offset, or `logEndOffset` for the active one. */
  endOffsetOf(index: number, logEndOffset: number): number {
    return index + 1 < this.list.length ? (this.list[index + 1] as Segment).baseOffset : logEndOffset;
  }

  infos(logEndOffset: number): SegmentInfo[] {
    const active = this.active;
    return this.list.map((s, i) => ({
      baseOffset: s.baseOffset,
      sizeBytes: s.sizeBytes,
      endOffset: this.endOffsetOf(i, logEndOffset),
      largestTimestampMs: s.largestTimestampMs(),
      isActive: s === active,
      path: s.path,
    }));
  }

  sizeBytes(): number {
    let total = 0;
    for (const s of this.list) total += s.sizeBytes;
    return total;
  }

  maxTimestampMs(): number {
    let max = -1;
    for (const s of this.list) max = Math.max(max, s.maxTimestampMs());
    return max;
  }

  /** Adds a new active segment after the current one (a roll). */
  push(segment: Segment): void {
    assert(segment.baseOffset > this.active.baseOffset, 'segments must be added in offset order');
    this.list.push(segment);
  }

  /** Takes the oldest `count` segments out (retention); at least one segment stays. */
  removeOldest(count: number): Segment[] {
    assert(count < this.list.length, 'the log always keeps a segment');
    return this.list.splice(0, count);
  }

  /** Takes out every segment whose base offset is above `offset` (replication truncation). */
  removeAbove(offset: number): Segment[] {
    const keep = this.list.filter((s) => s.baseOffset <= offset);
    const drop = this.list.filter((s) => s.baseOffset > offset);
    this.replaceAll(keep);
    return drop;
  }

  /** Puts `news` where the contiguous run starting at index `first` of `count` segments was (a compaction swap). */
  splice(first: number, count: number, news: readonly Segment[]): void {
    const next = [...this.list];
    next.splice(first, count, ...news);
    next.sort((a, b) => a.baseOffset - b.baseOffset);
    this.replaceAll(next);
  }

  replaceAll(segments: Segment[]): void {
    assert(segments.length > 0, 'a log has at least one segment');
    for (let i = 1; i < segments.length; i++) {
      assert((segments[i - 1] as Segment).baseOffset < (segments[i] as Segment).baseOffset, 'segment base offsets must increase');
    }
    this.list = segments;
  }
}
