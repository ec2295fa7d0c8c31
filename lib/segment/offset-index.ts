/**
 * The sparse offset index `<base>.index`: 8-byte big-endian entries
 *
 *   relativeOffset int32 (offset − baseOffset) | position int32 (byte position of a batch in the .log)
 *
 * One entry per ~indexIntervalBytes of appended batches, each pointing at the start of a batch whose
 * last offset is the entry's offset; a lookup gives the place to start a short forward scan.
 */
import { CorruptIndexError } from '../errors.js';
import { OFFSET_INDEX_ENTRY_BYTES, RELATIVE_OFFSET_MAX } from '../limits.js';
import { IndexFile, type IndexOptions } from './index-file.js';

const RELATIVE_OFFSET = 0;
const POSITION = RELATIVE_OFFSET + 4;

export interface OffsetPosition {
  offset: number;
  positionBytes: number;
}

export class OffsetIndex extends IndexFile {
  constructor(path: string, baseOffset: number, options: IndexOptions) {
    super(path, baseOffset, OFFSET_INDEX_ENTRY_BYTES, options);
  }

  protected keyAt(i: number): number {
    return this.bytes.readInt32BE(i * OFFSET_INDEX_ENTRY_BYTES + RELATIVE_OFFSET);
  }

  protected relativeOffsetAt(i: number): number {
    return this.keyAt(i);
  }

  entryAt(i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_BYTES;
    return { offset: this.baseOffset + this.bytes.readInt32BE(at + RELATIVE_OFFSET), positionBytes: this.bytes.readInt32BE(at + POSITION) };
  }

  /** Offset of the last entry, or the base offset when empty. */
  get lastOffset(): number {
    const n = this.entries;
    return n === 0 ? this.baseOffset : this.baseOffset + this.keyAt(n - 1);
  }

  append(offset: number, positionBytes: number): void {
    const relative = offset - this.baseOffset;
    const n = this.entries;
    if (relative < 0 || relative > RELATIVE_OFFSET_MAX || (n > 0 && offset <= this.lastOffset)) {
      throw new CorruptIndexError(`offset ${offset} cannot follow ${this.lastOffset} in this index`, { path: this.path, offset });
    }
    this.scratch.writeInt32BE(relative, RELATIVE_OFFSET);
    this.scratch.writeInt32BE(positionBytes, POSITION);
    this.appendScratch();
  }

  /** Slot of the largest entry with offset ≤ target, -1 if none. */
  lookupSlot(targetOffset: number): number {
    return this.largestLowerBound(targetOffset - this.baseOffset);
  }

  /** Largest entry with offset ≤ target, else (baseOffset, 0): where a scan for `target` starts. */
  lookup(targetOffset: number): OffsetPosition {
    const relative = targetOffset - this.baseOffset;
    const slot = this.largestLowerBound(relative);
    return slot < 0 ? { offset: this.baseOffset, positionBytes: 0 } : this.entryAt(slot);
  }

  /** Drops every entry with offset ≥ `offset`. */
  truncateTo(offset: number): void {
    const slot = this.largestLowerBound(offset - this.baseOffset);
    const keep = slot < 0 ? 0 : this.keyAt(slot) === offset - this.baseOffset ? slot : slot + 1;
    this.truncateEntries(keep);
  }
}
