/**
 * Where the last batches appended to the active segment are: a fixed ring of (base offset, last
 * offset, position, size, max timestamp, leader epoch). Consumers in Kafka mostly read at the tail,
 * asking for batches appended moments ago; the ring answers those lookups from memory, with no index
 * search and no header read, so a tail read is one region and no syscall until its bytes are sent.
 *
 * Only the active segment has a ring (allocated on its first append, dropped when it seals), so a
 * log of 10,000 segments holds one. Appends are contiguous and ordered, so the ring covers one
 * offset range, newest last; anything that rewrites the segment's tail (truncation, recovery) clears it.
 */
import { RECENT_BATCHES_MAX } from '../limits.js';

/** Where a batch sits in its segment file: what a read or a truncation needs (the ring's answer and a header read's). */
export interface BatchLocation {
  positionBytes: number;
  sizeBytes: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestampMs: number;
  partitionLeaderEpoch: number;
}

export class RecentBatches {
  private readonly baseOffsets = new Float64Array(RECENT_BATCHES_MAX);
  private readonly lastOffsets = new Float64Array(RECENT_BATCHES_MAX);
  private readonly maxTimestamps = new Float64Array(RECENT_BATCHES_MAX);
  private readonly positions = new Int32Array(RECENT_BATCHES_MAX);
  private readonly sizes = new Int32Array(RECENT_BATCHES_MAX);
  private readonly epochs = new Int32Array(RECENT_BATCHES_MAX);
  /** Batches recorded so far; the newest is at (count - 1) % RECENT_BATCHES_MAX. */
  private count = 0;

  add(baseOffset: number, lastOffset: number, positionBytes: number, sizeBytes: number, maxTimestampMs: number,
      partitionLeaderEpoch: number): void {
    const slot = this.count % RECENT_BATCHES_MAX;
    this.baseOffsets[slot] = baseOffset;
    this.lastOffsets[slot] = lastOffset;
    this.positions[slot] = positionBytes;
    this.sizes[slot] = sizeBytes;
    this.maxTimestamps[slot] = maxTimestampMs;
    this.epochs[slot] = partitionLeaderEpoch;
    this.count++;
  }

  clear(): void {
    this.count = 0;
  }

  /** The remembered batch holding `offset` (or the first after it, inside the remembered range); null if outside it. */
  find(offset: number): BatchLocation | null {
    const held = Math.min(this.count, RECENT_BATCHES_MAX);
    if (held === 0) return null;
    const newest = (this.count - 1) % RECENT_BATCHES_MAX;
    const oldest = (this.count - held) % RECENT_BATCHES_MAX;
    if (offset < this.baseOffsets[oldest]! || offset > this.lastOffsets[newest]!) return null;
    // Binary search over the ring in offset order for the last batch starting at or before `offset`.
    let lo = 0;
    let hi = held - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.baseOffsets[(oldest + mid) % RECENT_BATCHES_MAX]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const slot = (oldest + lo) % RECENT_BATCHES_MAX;
    // A gap between batches (compacted or replicated offsets) resolves to the batch after it.
    const at = offset > this.lastOffsets[slot]! ? (slot + 1) % RECENT_BATCHES_MAX : slot;
    return {
      positionBytes: this.positions[at]!, sizeBytes: this.sizes[at]!, baseOffset: this.baseOffsets[at]!,
      lastOffset: this.lastOffsets[at]!, maxTimestampMs: this.maxTimestamps[at]!, partitionLeaderEpoch: this.epochs[at]!,
    };
  }
}
