/**
 * Where every batch of a segment sits, in memory: (base offset, last offset, position) per batch, 12
 * bytes each, for the batches this process appended or recovered. A lookup is a binary search here
 * and no syscall, so `read(offset)` returns its region at once and a point read costs one positioned
 * read of the batch — where the sparse `.index` (one entry per `indexIntervalBytes`) would need a
 * read of the gap between two entries to find the batch first.
 *
 * The sparse index stays the on-disk truth, written as Kafka writes it; this table is a cache of
 * what the appends and the recovery scan saw, never written anywhere. Segments loaded cleanly from
 * disk have none and are looked up through the index. A table covers one contiguous run of batches
 * (from its first entry to the segment's end): appends add at the end, truncation cuts it, recovery
 * rebuilds it.
 *
 * Memory is bounded per process (`BATCH_TABLES_BYTES_MAX`): when growing a table would pass the
 * budget, the oldest tables are dropped first (a dropped table's segment falls back to the index),
 * so the segments written last, where Kafka's reads mostly land, keep theirs. 1 KiB batches cost
 * 1.1 % of their bytes; producer batches of 16 KiB, 0.07 %.
 */
import { assert } from '../assert.js';
import { BATCH_TABLES_BYTES_MAX } from '../limits.js';

/** Where a batch sits in its segment file: what a read or a truncation needs. */
export interface BatchSpan {
  positionBytes: number;
  sizeBytes: number;
  baseOffset: number;
  lastOffset: number;
}

const FIELDS = 3;
const BASE = 0;
const LAST = 1;
const POSITION = 2;
const ENTRY_BYTES = FIELDS * Int32Array.BYTES_PER_ELEMENT;
const INITIAL_ENTRIES = 64;

/** The bytes all live tables may hold; tables join in creation order and the oldest leave first. */
export class BatchTableBudget {
  private usedBytes = 0;
  private readonly tables = new Set<BatchTable>();

  constructor(readonly limitBytes: number) {}

  get heldBytes(): number {
    return this.usedBytes;
  }

  /** Grants `table` `moreBytes`, dropping older tables as needed; false when even that cannot make room. */
  grow(table: BatchTable, moreBytes: number): boolean {
    if (!this.tables.has(table)) this.tables.add(table);
    for (const oldest of this.tables) {
      if (this.usedBytes + moreBytes <= this.limitBytes || oldest === table) break;
      oldest.drop();
    }
    if (this.usedBytes + moreBytes > this.limitBytes) return false;
    this.usedBytes += moreBytes;
    return true;
  }

  /** Returns `bytes` of `table`'s; `leaving` removes it from the budget's order. */
  give(table: BatchTable, bytes: number, leaving: boolean): void {
    this.usedBytes -= bytes;
    assert(this.usedBytes >= 0, 'batch table budget went negative');
    if (leaving) this.tables.delete(table);
  }
}

/** The process-wide budget every segment's table draws on. */
const batchTableBudget = new BatchTableBudget(BATCH_TABLES_BYTES_MAX);

export class BatchTable {
  private entries = new Int32Array(0);
  private count = 0;
  private dropped = false;

  /** `baseOffset` is the segment's: offsets are held relative to it, as the index holds them. */
  constructor(private readonly baseOffset: number, private readonly budget: BatchTableBudget = batchTableBudget) {}

  /** False once the budget took this table away (or it was released): the segment must drop it. */
  get live(): boolean {
    return !this.dropped;
  }

  get batches(): number {
    return this.count;
  }

  /** Records the batch appended (or recovered) at `positionBytes`, right after the last one held. */
  add(baseOffset: number, lastOffset: number, positionBytes: number): void {
    if (this.dropped) return;
    const at = this.count * FIELDS;
    if (at === this.entries.length && !this.resize(Math.max(INITIAL_ENTRIES, this.count * 2))) return;
    const entries = this.entries;
    entries[at + BASE] = baseOffset - this.baseOffset;
    entries[at + LAST] = lastOffset - this.baseOffset;
    entries[at + POSITION] = positionBytes;
    this.count++;
  }

  /**
   * The batch holding `offset`, or the first after it (a gap left by compaction); null when `offset`
   * is outside what the table covers. `segmentBytes` ends the last batch.
   */
  find(offset: number, segmentBytes: number): BatchSpan | null {
    const count = this.count;
    if (count === 0) return null;
    const entries = this.entries;
    const relative = offset - this.baseOffset;
    if (relative < entries[BASE]! || relative > entries[(count - 1) * FIELDS + LAST]!) return null;
    // The first batch whose last offset is ≥ relative.
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries[mid * FIELDS + LAST]! < relative) lo = mid + 1;
      else hi = mid;
    }
    const at = lo * FIELDS;
    const positionBytes = entries[at + POSITION]!;
    const endBytes = lo + 1 < count ? entries[at + FIELDS + POSITION]! : segmentBytes;
    return { positionBytes, sizeBytes: endBytes - positionBytes, baseOffset: this.baseOffset + entries[at + BASE]!,
      lastOffset: this.baseOffset + entries[at + LAST]! };
  }

  /** Forgets the batches at or after `positionBytes` (a truncation cut the file there). */
  truncateAt(positionBytes: number): void {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid * FIELDS + POSITION]! < positionBytes) lo = mid + 1;
      else hi = mid;
    }
    this.count = lo;
  }

  /** Sealed: no batch will join, so the slack goes back to the budget. */
  trim(): void {
    if (!this.dropped && this.count * FIELDS < this.entries.length) this.resize(this.count);
  }

  /** Returns the memory to the budget for good (the segment closed, or the budget needs room). */
  drop(): void {
    if (this.dropped) return;
    this.dropped = true;
    this.budget.give(this, this.entries.byteLength, true);
    this.entries = new Int32Array(0);
    this.count = 0;
  }

  private resize(capacityEntries: number): boolean {
    const moreBytes = capacityEntries * ENTRY_BYTES - this.entries.byteLength;
    if (moreBytes > 0 && !this.budget.grow(this, moreBytes)) {
      this.drop();
      return false;
    }
    if (moreBytes < 0) this.budget.give(this, -moreBytes, false);
    const next = new Int32Array(capacityEntries * FIELDS);
    next.set(this.entries.subarray(0, this.count * FIELDS));
    this.entries = next;
    return !this.dropped;
  }
}
