/**
 * The time index `<base>.timeindex`: 12-byte big-endian entries
 *
 *   timestamp int64 (max timestamp so far) | relativeOffset int32 (offset of the record that set it)
 *
 * An entry is written only when the max timestamp grows, so timestamps are strictly increasing.
 * The last slot is kept for the final entry written at roll (`skipFullCheck`), as Kafka does.
 */
import { CorruptIndexError } from '../errors.js';
import { TIME_INDEX_ENTRY_BYTES } from '../limits.js';
import { IndexFile, type IndexOptions } from './index-file.js';

const TIMESTAMP = 0;
const RELATIVE_OFFSET = TIMESTAMP + 8;
const TWO_POW_32 = 4294967296;

export interface TimestampOffset {
  timestampMs: number;
  offset: number;
}

export class TimeIndex extends IndexFile {
  constructor(path: string, baseOffset: number, options: IndexOptions) {
    super(path, baseOffset, TIME_INDEX_ENTRY_BYTES, options);
  }

  protected keyAt(i: number): number {
    const at = i * TIME_INDEX_ENTRY_BYTES + TIMESTAMP;
    return this.bytes.readInt32BE(at) * TWO_POW_32 + this.bytes.readUInt32BE(at + 4);
  }

  protected relativeOffsetAt(i: number): number {
    return this.bytes.readInt32BE(i * TIME_INDEX_ENTRY_BYTES + RELATIVE_OFFSET);
  }

  entryAt(i: number): TimestampOffset {
    return { timestampMs: this.keyAt(i), offset: this.baseOffset + this.relativeOffsetAt(i) };
  }

  override get isFull(): boolean {
    return this.isActive && this.entries >= this.maxEntries - 1;
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  lastEntry(): TimestampOffset {
    const n = this.entries;
    return n === 0 ? { timestampMs: -1, offset: this.baseOffset } : this.entryAt(n - 1);
  }

  /** Appends (timestampMs, offset) if timestampMs is larger than the last entry's. */
  maybeAppend(timestampMs: number, offset: number, skipFullCheck = false): void {
    const n = this.entries;
    if (n >= this.maxEntries || (!skipFullCheck && this.isFull)) return;
    const last = this.lastEntry();
    if (n > 0 && timestampMs <= last.timestampMs) return;
    if (timestampMs < 0) return;
    if (n > 0 && offset < last.offset) {
      throw new CorruptIndexError(`time index offset ${offset} is below the last entry's ${last.offset}`, { path: this.path, offset });
    }
    const hi = Math.floor(timestampMs / TWO_POW_32);
    this.scratch.writeInt32BE(hi, TIMESTAMP);
    this.scratch.writeUInt32BE(timestampMs - hi * TWO_POW_32, TIMESTAMP + 4);
    this.scratch.writeInt32BE(offset - this.baseOffset, RELATIVE_OFFSET);
    this.appendScratch();
  }

  /** Largest entry with timestamp ≤ target, else (-1, baseOffset). */
  lookup(targetTimestampMs: number): TimestampOffset {
    const slot = this.largestLowerBound(targetTimestampMs);
    return slot < 0 ? { timestampMs: -1, offset: this.baseOffset } : this.entryAt(slot);
  }

  /** Drops every entry whose offset is ≥ `offset`. */
  truncateTo(offset: number): void {
    let keep = this.entries;
    while (keep > 0 && this.baseOffset + this.relativeOffsetAt(keep - 1) >= offset) keep--;
    this.truncateEntries(keep);
  }
}
