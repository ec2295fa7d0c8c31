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
 * Record marks (the encoder's notes of where a record starts, about every 16 KiB inside a large
 * uncompressed batch that `Log.append` wrote) are kept beside the batches, 8 bytes each, so a point
 * read of a record deep in a 100 KiB batch reads from the nearest mark, not from the first record.
 *
 * Memory is bounded per process (`BATCH_TABLES_BYTES_MAX`): when growing a table would pass the
 * budget, the oldest tables are dropped first (a dropped table's segment falls back to the index),
 * so the segments written last, where Kafka's reads mostly land, keep theirs. 1 KiB batches cost
 * 1.1 % of their bytes; producer batches of 16 KiB, 0.07 %.
 */
import { assert } from '../assert.js';
import { BATCH_TABLES_BYTES_MAX } from '../limits.js';
import type { RecordMarks, RecordStart } from '../record/index.js';

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
/** Marks: offset (relative) and position in the segment; the record's index is its offset less its batch's base. */
const MARK_FIELDS = 2;
const MARK_OFFSET = 0;
const MARK_POSITION = 1;
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
    this.tables.add(table); // a table already held keeps its place in the order
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
  private entries: Int32Array = new Int32Array(0);
  private count = 0;
  private marks: Int32Array = new Int32Array(0);
  private markCount = 0;
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

  /** Keeps the record marks of the batch just added (at `positionBytes`, first offset `baseOffset`). */
  addMarks(baseOffset: number, positionBytes: number, recordMarks: RecordMarks): void {
    const n = recordMarks.count;
    if (this.dropped || n === 0) return;
    const needed = (this.markCount + n) * MARK_FIELDS;
    if (needed > this.marks.length && !this.resizeMarks(Math.max(INITIAL_ENTRIES, this.markCount * 2, this.markCount + n))) return;
    const marks = this.marks;
    const pairs = recordMarks.pairs;
    const relativeBase = baseOffset - this.baseOffset;
    for (let k = 0; k < n; k++) {
      const at = (this.markCount + k) * MARK_FIELDS;
      marks[at + MARK_OFFSET] = relativeBase + pairs[k * 2]!;
      marks[at + MARK_POSITION] = positionBytes + pairs[k * 2 + 1]!;
    }
    this.markCount += n;
  }

  /**
   * The last record mark at or before `offset` inside the batch at `batchPositionBytes` (whose first
   * offset is `batchBaseOffset`), into `out`; false when none.
   */
  recordStart(offset: number, batchPositionBytes: number, batchBaseOffset: number, out: RecordStart): boolean {
    const marks = this.marks;
    // Marks at or before the offset (offsets are integers): the last of them is the one.
    const atOrBefore = countBelow(marks, this.markCount, MARK_FIELDS, MARK_OFFSET, offset - this.baseOffset + 1);
    if (atOrBefore === 0) return false;
    const at = (atOrBefore - 1) * MARK_FIELDS;
    const positionBytes = marks[at + MARK_POSITION]!;
    if (positionBytes <= batchPositionBytes) return false; // the mark is in an earlier batch
    out.recordIndex = this.baseOffset + marks[at + MARK_OFFSET]! - batchBaseOffset;
    out.positionInBatch = positionBytes - batchPositionBytes;
    return true;
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
    // The first batch whose last offset is ≥ relative (there is one: relative ≤ the last batch's).
    const slot = countBelow(entries, count, FIELDS, LAST, relative);
    const at = slot * FIELDS;
    const positionBytes = entries[at + POSITION]!;
    const endBytes = slot + 1 < count ? entries[at + FIELDS + POSITION]! : segmentBytes;
    return { positionBytes, sizeBytes: endBytes - positionBytes, baseOffset: this.baseOffset + entries[at + BASE]!,
      lastOffset: this.baseOffset + entries[at + LAST]! };
  }

  /** Forgets the batches (and marks) at or after `positionBytes` (a truncation cut the file there). */
  truncateAt(positionBytes: number): void {
    this.count = countBelow(this.entries, this.count, FIELDS, POSITION, positionBytes);
    this.markCount = countBelow(this.marks, this.markCount, MARK_FIELDS, MARK_POSITION, positionBytes);
  }

  /** Sealed: no batch will join, so the slack goes back to the budget. */
  trim(): void {
    if (!this.dropped && this.count * FIELDS < this.entries.length) this.resize(this.count);
    if (!this.dropped && this.markCount * MARK_FIELDS < this.marks.length) this.resizeMarks(this.markCount);
  }

  /** Returns the memory to the budget for good (the segment closed, or the budget needs room). */
  drop(): void {
    if (this.dropped) return;
    this.dropped = true;
    this.budget.give(this, this.entries.byteLength + this.marks.byteLength, true);
    this.entries = new Int32Array(0);
    this.count = 0;
    this.marks = new Int32Array(0);
    this.markCount = 0;
  }

  private resize(capacityEntries: number): boolean {
    const next = this.regrow(this.entries, FIELDS, this.count, capacityEntries);
    if (next === null) return false;
    this.entries = next;
    return true;
  }

  private resizeMarks(capacityMarks: number): boolean {
    const next = this.regrow(this.marks, MARK_FIELDS, this.markCount, capacityMarks);
    if (next === null) return false;
    this.marks = next;
    return true;
  }

  /** `array`'s first `used` rows copied into room for `capacity`, paid from the budget; null (the table dropped) if it cannot be. */
  private regrow(array: Int32Array, fields: number, used: number, capacity: number): Int32Array | null {
    const moreBytes = capacity * fields * Int32Array.BYTES_PER_ELEMENT - array.byteLength;
    if (moreBytes > 0 && !this.budget.grow(this, moreBytes)) {
      this.drop();
      return null;
    }
    if (moreBytes < 0) this.budget.give(this, -moreBytes, false);
    if (this.dropped) return null;
    const next = new Int32Array(capacity * fields);
    next.set(array.subarray(0, used * fields));
    return next;
  }
}

/** Rows of `array` (of `fields` each, increasing in `field`) whose `field` is below `limit`. */
function countBelow(array: Int32Array, rows: number, fields: number, field: number, limit: number): number {
  let lo = 0;
  let hi = rows;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid * fields + field]! < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
