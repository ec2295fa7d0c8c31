/**
 * The time index `<base>.timeindex` (Kafka's TimeIndex): 12-byte big-endian entries, no header
 *
 *   TIMESTAMP int64 (largest timestamp so far, ms) | RELATIVE_OFFSET int32 (last offset of the batch that first reached it)
 *
 * An entry (T, O) says: the largest timestamp among the records up to that point is T, first reached
 * in the batch ending at O — so any record with a timestamp above T lies after O. The segment calls
 * `maybeAppend` at every offset-index entry and once more when it rolls or closes.
 *
 * Invariants: timestamps strictly increase and are ≥ 0 (-1 means "no timestamp" and is never
 * written), offsets never decrease. Timestamps are read as safe-integer numbers (hi × 2^32 + lo).
 * The last slot is reserved: `isFull` is true one entry early so the final entry written at roll
 * (`skipFullCheck`) always fits. File lifecycle and crash behaviour: index-file.ts.
 */
import { CorruptIndexError, InvalidArgumentError } from '../errors.js';
import { RELATIVE_OFFSET_MAX } from '../limits.js';
import { IndexFile, type IndexOptions } from './index-file.js';

import { TIME_INDEX_ENTRY_BYTES as ENTRY_BYTES, TIME_INDEX_RELATIVE_OFFSET as RELATIVE_OFFSET,
  TIME_INDEX_TIMESTAMP as TIMESTAMP } from './side-file-layouts.js';
const TWO_POW_32 = 4294967296;

export interface TimestampOffset {
  timestampMs: number;
  offset: number;
}

export class TimeIndex extends IndexFile {
  constructor(path: string, baseOffset: number, options: IndexOptions) {
    super(path, baseOffset, ENTRY_BYTES, options);
  }

  protected keyIn(bytes: Buffer, i: number): number {
    const at = i * ENTRY_BYTES + TIMESTAMP;
    return bytes.readInt32BE(at) * TWO_POW_32 + bytes.readUInt32BE(at + 4);
  }

  protected relativeOffsetIn(bytes: Buffer, i: number): number {
    return bytes.readInt32BE(i * ENTRY_BYTES + RELATIVE_OFFSET);
  }

  protected keyName(): string {
    return 'timestamp';
  }

  protected keyValue(key: number): number {
    return key;
  }

  /** A negative or unsafe timestamp is never written, so one on disk is not trusted. */
  protected override describeBreak(bytes: Buffer, i: number): string | null {
    const timestampMs = this.keyIn(bytes, i);
    if (timestampMs < 0 || !Number.isSafeInteger(timestampMs)) return `entry ${i} has an invalid timestamp ${timestampMs}`;
    return super.describeBreak(bytes, i);
  }

  /** Kafka §5.4: the last timestamp must not be below the first, nor the last offset below the base. */
  protected kafkaSanityProblems(bytes: Buffer, entries: number): string[] {
    if (entries === 0) return [];
    const problems: string[] = [];
    const firstMs = this.keyIn(bytes, 0);
    const lastMs = this.keyIn(bytes, entries - 1);
    if (lastMs < firstMs) problems.push(`last timestamp ${lastMs} is below the first ${firstMs}`);
    const lastRelative = this.relativeOffsetIn(bytes, entries - 1);
    if (lastRelative < 0) problems.push(`last offset ${this.baseOffset + lastRelative} is below the base offset ${this.baseOffset}`);
    return problems;
  }

  /** Entry `i` (0 ≤ i < entries). */
  entryAt(i: number): TimestampOffset {
    this.checkSlot(i);
    return { timestampMs: this.keyAt(i), offset: this.baseOffset + this.relativeOffsetAt(i) };
  }

  /** One slot early: the last slot is kept for the entry written at roll. */
  override get isFull(): boolean {
    return this.entries >= this.maxEntries - 1;
  }

  /** The last entry, or (-1, baseOffset) when empty: the segment's max timestamp after a restart. */
  lastEntry(): TimestampOffset {
    const n = this.entries;
    return n === 0 ? { timestampMs: -1, offset: this.baseOffset } : this.entryAt(n - 1);
  }

  /**
   * Appends (timestampMs, offset) if timestampMs is above the last entry's; an equal one is the same
   * maximum again and is ignored, as is -1 (no timestamp). An offset below the last entry's is an
   * error, as is a smaller timestamp (the caller passes a running maximum). When the index is full
   * (`isFull`, or every slot with `skipFullCheck`) the entry is dropped: the time index is only a
   * search hint, and the segment rolls before its next append anyway.
   */
  maybeAppend(timestampMs: number, offset: number, skipFullCheck = false): void {
    const path = this.path;
    if (!Number.isSafeInteger(timestampMs) || !Number.isSafeInteger(offset)) {
      throw new InvalidArgumentError(`time index entry (${timestampMs}, ${offset}) is not a pair of safe integers`, { path, offset });
    }
    const n = this.entries;
    const lastMs = n === 0 ? -1 : this.keyAt(n - 1);
    const lastOffset = n === 0 ? this.baseOffset : this.baseOffset + this.relativeOffsetAt(n - 1);
    if (n > 0 && offset < lastOffset) {
      throw new CorruptIndexError(`time index offset ${offset} is below the last entry's ${lastOffset}`, { path, offset });
    }
    if (n > 0 && timestampMs < lastMs) {
      throw new CorruptIndexError(`time index timestamp ${timestampMs} is below the last entry's ${lastMs}`, { path, offset });
    }
    if (timestampMs <= lastMs) return;
    if (skipFullCheck ? n >= this.maxEntries : this.isFull) return;
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > RELATIVE_OFFSET_MAX) {
      const why = `offset ${offset} cannot follow base offset ${this.baseOffset} (relative offsets are int32)`;
      throw new InvalidArgumentError(why, { path, offset });
    }
    const scratch = this.scratch;
    const high = Math.floor(timestampMs / TWO_POW_32);
    scratch.writeInt32BE(high, TIMESTAMP);
    scratch.writeUInt32BE(timestampMs - high * TWO_POW_32, TIMESTAMP + 4);
    scratch.writeInt32BE(relative, RELATIVE_OFFSET);
    this.appendScratch();
  }

  /** Largest entry with timestamp ≤ target, else (-1, baseOffset). */
  lookup(targetTimestampMs: number): TimestampOffset {
    const slot = this.largestLowerBound(targetTimestampMs);
    if (slot < 0) return { timestampMs: -1, offset: this.baseOffset };
    return { timestampMs: this.keyAt(slot), offset: this.baseOffset + this.relativeOffsetAt(slot) };
  }

  /** Drops every entry whose offset is ≥ `offset`. */
  truncateTo(offset: number): void {
    this.truncateEntries(this.firstSlotAtOrAbove(offset - this.baseOffset));
  }
}
