/**
 * Checks an offset index and a time index against their `.log` in the same single pass over the log
 * that verifies CRCs (so a 1 GiB segment is read once). Semantics follow kafka-dump-log (§15.3):
 *
 *   .index      every entry (offset O, position P): P is the start of a batch whose lastOffset is O.
 *               Entries whose position is not a batch boundary, or lies past the last whole batch,
 *               are mismatches with log offset -1. Offsets must strictly increase, positions too.
 *   .timeindex  every entry (timestamp T, offset O): the first batch with lastOffset >= O must end at
 *               O and have maxTimestamp T; T must strictly increase from entry to entry.
 *
 * The walk is a merge: entries are sorted (a copy) by position / offset, batches arrive in file order,
 * so memory is the entries (bounded by the index file size) and time is linear. The batch's header
 * maxTimestamp stands in for "max over its records", which is the same for any CRC-valid batch.
 */
import type { IndexFile, OffsetIndexEntry, TimeIndexEntry } from './index-files.js';
import type { ProblemList } from './problems.js';
import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from '../segment/side-file-layouts.js';

/** kafka-dump-log's mismatch pair for `.index`: the entry's offset and the lastOffset found at its position. */
export interface OffsetIndexMismatch {
  indexOffset: number;
  logOffset: number;
  positionBytes: number;
}

export interface TimeIndexErrors {
  notFound: Array<{ indexOffset: number; logOffset: number }>;
  timestampMismatches: Array<{ indexTimestampMs: number; logTimestampMs: number; offset: number }>;
  outOfOrder: Array<{ indexTimestampMs: number; previousTimestampMs: number }>;
}

function sortedCopy<E>(entries: readonly E[], key: (e: E) => number): Array<{ entry: E; slot: number }> {
  return entries.map((entry, slot) => ({ entry, slot })).sort((a, b) => key(a.entry) - key(b.entry) || a.slot - b.slot);
}

export class OffsetIndexCheck {
  readonly index: IndexFile<OffsetIndexEntry>;
  readonly mismatches: OffsetIndexMismatch[] = [];
  private readonly byPosition: Array<{ entry: OffsetIndexEntry; slot: number }>;
  private next = 0;
  private readonly problems: ProblemList;

  constructor(index: IndexFile<OffsetIndexEntry>, problems: ProblemList) {
    this.index = index;
    this.problems = problems;
    this.byPosition = sortedCopy(index.entries, (e) => e.positionBytes);
    const path = index.path;
    let previous: OffsetIndexEntry | undefined;
    for (let slot = 0; slot < index.entries.length; slot++) {
      const entry = index.entries[slot]!;
      const at = slot * OFFSET_INDEX_ENTRY_BYTES;
      if (entry.offset < index.baseOffset) problems.add('index-order', path, `entry offset below the base offset ${index.baseOffset}`, at,
          entry.offset);
      if (previous !== undefined && entry.offset <= previous.offset) {
        problems.add('index-order', path, `entry offset ${entry.offset} is not above the previous entry's ${previous.offset}`, at,
            entry.offset);
      } else if (previous !== undefined && entry.positionBytes < previous.positionBytes) {
        problems.add('index-order', path, `entry position ${entry.positionBytes} is below the previous entry's ${previous.positionBytes}`,
            at, entry.offset);
      }
      previous = entry;
    }
  }

  private mismatch(entry: OffsetIndexEntry, slot: number, logOffset: number, why: string): void {
    this.mismatches.push({ indexOffset: entry.offset, logOffset, positionBytes: entry.positionBytes });
    this.problems.add('index-mismatch', this.index.path, `entry ${slot} (position ${entry.positionBytes}) ${why}`,
        slot * OFFSET_INDEX_ENTRY_BYTES, entry.offset);
  }

  onBatch(positionBytes: number, lastOffset: number): void {
    const byPosition = this.byPosition;
    let next = this.next;
    while (next < byPosition.length) {
      const { entry, slot } = byPosition[next]!;
      if (entry.positionBytes > positionBytes) break;
      if (entry.positionBytes < positionBytes) this.mismatch(entry, slot, -1, 'does not point at a batch boundary');
      else if (entry.offset !== lastOffset) this.mismatch(entry, slot, lastOffset, `points at a batch whose last offset is ${lastOffset}`);
      next++;
    }
    this.next = next;
  }

  /** After the last whole batch: what is left points past it. */
  finish(validBytes: number): void {
    const byPosition = this.byPosition;
    for (; this.next < byPosition.length; this.next++) {
      const { entry, slot } = byPosition[this.next]!;
      this.mismatch(entry, slot, -1, `points past the last whole batch (log has ${validBytes} valid bytes)`);
    }
  }
}

export class TimeIndexCheck {
  readonly index: IndexFile<TimeIndexEntry>;
  readonly errors: TimeIndexErrors = { notFound: [], timestampMismatches: [], outOfOrder: [] };
  private readonly byOffset: Array<{ entry: TimeIndexEntry; slot: number }>;
  private next = 0;
  private readonly problems: ProblemList;

  constructor(index: IndexFile<TimeIndexEntry>, problems: ProblemList) {
    this.index = index;
    this.problems = problems;
    this.byOffset = sortedCopy(index.entries, (e) => e.offset);
    const path = index.path;
    let previous: TimeIndexEntry | undefined;
    for (let slot = 0; slot < index.entries.length; slot++) {
      const entry = index.entries[slot]!;
      const at = slot * TIME_INDEX_ENTRY_BYTES;
      if (previous !== undefined && entry.timestampMs <= previous.timestampMs) {
        this.errors.outOfOrder.push({ indexTimestampMs: entry.timestampMs, previousTimestampMs: previous.timestampMs });
        problems.add('time-index-order', path, `timestamp ${entry.timestampMs} is not above the previous entry's ${previous.timestampMs}`,
            at, entry.offset);
      }
      if (previous !== undefined && entry.offset < previous.offset) {
        problems.add('time-index-order', path, `offset goes backwards from ${previous.offset}`, at, entry.offset);
      }
      previous = entry;
    }
  }

  private notFound(entry: TimeIndexEntry, slot: number, logOffset: number, why: string): void {
    this.errors.notFound.push({ indexOffset: entry.offset, logOffset });
    this.problems.add('time-index-offset', this.index.path, `entry ${slot} (timestamp ${entry.timestampMs}) ${why}`,
        slot * TIME_INDEX_ENTRY_BYTES, entry.offset);
  }

  onBatch(lastOffset: number, maxTimestampMs: number): void {
    const byOffset = this.byOffset;
    let next = this.next;
    while (next < byOffset.length) {
      const { entry, slot } = byOffset[next]!;
      if (entry.offset > lastOffset) break;
      if (entry.offset !== lastOffset) {
        this.notFound(entry, slot, lastOffset, `is not the last offset of a batch (the batch ends at ${lastOffset})`);
      } else if (entry.timestampMs !== maxTimestampMs) {
        this.errors.timestampMismatches.push({ indexTimestampMs: entry.timestampMs, logTimestampMs: maxTimestampMs, offset: entry.offset });
        this.problems.add('time-index-timestamp', this.index.path,
          `entry ${slot} timestamp ${entry.timestampMs} differs from the batch's max timestamp ${maxTimestampMs}`,
          slot * TIME_INDEX_ENTRY_BYTES, entry.offset);
      }
      next++;
    }
    this.next = next;
  }

  finish(): void {
    const byOffset = this.byOffset;
    for (; this.next < byOffset.length; this.next++) {
      const { entry, slot } = byOffset[this.next]!;
      this.notFound(entry, slot, -1, 'is beyond the last batch of the log');
    }
  }
}
