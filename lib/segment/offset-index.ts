/**
 * The sparse offset index `<base>.index` (Kafka's OffsetIndex): 8-byte big-endian entries, no header
 *
 *   RELATIVE_OFFSET int32 (offset − baseOffset) | POSITION int32 (byte position of a batch in the .log)
 *
 * Sparse because a dense index would cost 8 bytes per record: the segment adds one entry per
 * ~index.interval.bytes (4096) of appended batches, each (batch last offset, batch start position),
 * and a lookup only gives the place where a short forward scan of batch headers starts.
 *
 * Invariants: offsets strictly increase, every offset is in [baseOffset, baseOffset + 2^31 − 1],
 * positions are int32 and do not decrease. Lookup: the largest entry with offset ≤ target, else
 * (baseOffset, 0). File lifecycle, crash behaviour and the warm-section search: index-file.ts.
 */
import { CorruptIndexError, InvalidArgumentError } from '../errors.js';
import { RELATIVE_OFFSET_MAX, SEGMENT_BYTES_MAX } from '../limits.js';
import { IndexFile, type IndexOptions } from './index-file.js';

import { OFFSET_INDEX_ENTRY_BYTES as ENTRY_BYTES, OFFSET_INDEX_POSITION as POSITION,
  OFFSET_INDEX_RELATIVE_OFFSET as RELATIVE_OFFSET } from './side-file-layouts.js';

export interface OffsetPosition {
  offset: number;
  positionBytes: number;
}

export class OffsetIndex extends IndexFile {
  constructor(path: string, baseOffset: number, options: IndexOptions) {
    super(path, baseOffset, ENTRY_BYTES, options);
  }

  protected keyIn(bytes: Buffer, i: number): number {
    return bytes.readInt32BE(i * ENTRY_BYTES + RELATIVE_OFFSET);
  }

  protected relativeOffsetIn(bytes: Buffer, i: number): number {
    return bytes.readInt32BE(i * ENTRY_BYTES + RELATIVE_OFFSET);
  }

  protected keyName(): string {
    return 'offset';
  }

  protected keyValue(key: number): number {
    return this.baseOffset + key;
  }

  /** Positions are byte positions of batches in order: negative or decreasing ones are not trusted. */
  protected override describeBreak(bytes: Buffer, i: number): string | null {
    const common = super.describeBreak(bytes, i);
    if (common !== null) return common;
    const positionBytes = bytes.readInt32BE(i * ENTRY_BYTES + POSITION);
    if (positionBytes < 0) return `entry ${i} has a negative position ${positionBytes}`;
    if (i > 0) {
      const previousBytes = bytes.readInt32BE((i - 1) * ENTRY_BYTES + POSITION);
      if (positionBytes < previousBytes) return `entry ${i}: position ${positionBytes} is below the previous entry's ${previousBytes}`;
    }
    return null;
  }

  /** Kafka §4.5: the last entry's offset must not be below the base offset. */
  protected kafkaSanityProblems(bytes: Buffer, entries: number): string[] {
    if (entries === 0) return [];
    const lastRelative = this.relativeOffsetIn(bytes, entries - 1);
    return lastRelative < 0 ? [`last offset ${this.baseOffset + lastRelative} is below the base offset ${this.baseOffset}`] : [];
  }

  /** Entry `i` (0 ≤ i < entries). */
  entryAt(i: number): OffsetPosition {
    this.checkSlot(i);
    const bytes = this.bytes;
    const at = i * ENTRY_BYTES;
    return { offset: this.baseOffset + bytes.readInt32BE(at + RELATIVE_OFFSET), positionBytes: bytes.readInt32BE(at + POSITION) };
  }

  /** Offset of the last entry, or the base offset when empty. */
  get lastOffset(): number {
    const n = this.entries;
    return n === 0 ? this.baseOffset : this.baseOffset + this.keyAt(n - 1);
  }

  /**
   * Adds (offset, positionBytes) after the last entry. The offset must be above the last entry's
   * and within int32 of the base; a full index is a caller bug (the segment rolls first).
   */
  append(offset: number, positionBytes: number): void {
    const path = this.path;
    const relative = offset - this.baseOffset;
    if (!Number.isSafeInteger(offset) || relative < 0 || relative > RELATIVE_OFFSET_MAX) {
      const why = `offset ${offset} cannot follow base offset ${this.baseOffset} (relative offsets are int32)`;
      throw new InvalidArgumentError(why, { path, offset });
    }
    if (!Number.isSafeInteger(positionBytes) || positionBytes < 0 || positionBytes > SEGMENT_BYTES_MAX) {
      throw new InvalidArgumentError(`index position ${positionBytes} is not an int32 byte position`, { path, offset, positionBytes });
    }
    const n = this.entries;
    if (n > 0 && relative <= this.keyAt(n - 1)) {
      throw new CorruptIndexError(`offset ${offset} cannot follow the last indexed offset ${this.lastOffset}`, { path, offset });
    }
    const scratch = this.scratch;
    scratch.writeInt32BE(relative, RELATIVE_OFFSET);
    scratch.writeInt32BE(positionBytes, POSITION);
    this.appendScratch();
  }

  /** Slot of the largest entry with offset ≤ target, -1 if none. */
  lookupSlot(targetOffset: number): number {
    return this.largestLowerBound(targetOffset - this.baseOffset);
  }

  /** Largest entry with offset ≤ target, else (baseOffset, 0): where a scan for `targetOffset` starts. */
  lookup(targetOffset: number): OffsetPosition {
    const slot = this.largestLowerBound(targetOffset - this.baseOffset);
    if (slot < 0) return { offset: this.baseOffset, positionBytes: 0 };
    const bytes = this.bytes;
    const at = slot * ENTRY_BYTES;
    return { offset: this.baseOffset + bytes.readInt32BE(at + RELATIVE_OFFSET), positionBytes: bytes.readInt32BE(at + POSITION) };
  }

  /** Drops every entry with offset ≥ `offset`. */
  truncateTo(offset: number): void {
    this.truncateEntries(this.firstSlotAtOrAbove(offset - this.baseOffset));
  }
}
