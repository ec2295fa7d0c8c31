/**
 * A point read inside one uncompressed batch that reads the batch's bytes only as far as the record
 * asked for. Records have no index inside a batch: each one's place follows from the lengths of
 * those before it, so the walk needs every record's first bytes (its length and offset delta) up to
 * the target, but not the bodies after it. The bytes come in windows through `readRange` (positioned
 * reads into one reused buffer): a first window holds the header and the first records; when the
 * walk reaches a window's end, the next window is sized from the records seen so far to reach the
 * target, so a record in the middle of a 100 KiB batch costs about half of the batch, not all of it.
 *
 * A compressed batch cannot be entered in the middle: the caller reads it whole (RecordBatch.recordAt).
 */
import { RECORD_BATCH_OVERHEAD_BYTES } from '../limits.js';
import { BatchHeaderView } from './batch-header.js';
import { CURRENT_MAGIC, MAGIC, RECORDS } from './layout.js';
import { readRecord, readRecordLead, recordContextOf, type LogRecord, type RecordLead } from './record.js';
import { RecordCursor } from './varint.js';

/** The most a record's leading fields take: length varint (5), attributes (1), timestamp delta varlong (10), offset delta varint (5). */
const RECORD_LEAD_BYTES_MAX = 21;
/** The first window: the 61-byte header and the first few records of a typical batch. */
export const SEEK_FIRST_WINDOW_BYTES = 8 * 1024;
/** Slack added to an estimated window so a record a little longer than the average still fits. */
const WINDOW_SLACK_BYTES = 512;

/** A record that starts at a known place inside its batch (its index in the batch, and its first byte there). */
export interface RecordStart {
  recordIndex: number;
  positionInBatch: number;
}

/** Reads `lengthBytes` of the batch from `fromBytes` (batch-relative) into `target` at 0. */
type BatchRangeReader = (fromBytes: number, lengthBytes: number, target: Buffer) => void;

/**
 * The first read: as far as the record probably ends if the batch's records are of the average size
 * (plus slack), when the batch's offsets are known; else the header and the first few records.
 */
function firstWindowBytes(sizeBytes: number, offset: number, baseOffset: number, lastOffset: number): number {
  if (baseOffset < 0 || offset < baseOffset || offset > lastOffset) return Math.min(sizeBytes, SEEK_FIRST_WINDOW_BYTES);
  const averageRecordBytes = (sizeBytes - RECORDS) / (lastOffset - baseOffset + 1);
  const estimate = RECORDS + Math.ceil(averageRecordBytes * (offset - baseOffset + 1)) + WINDOW_SLACK_BYTES;
  return Math.min(sizeBytes, Math.max(estimate, RECORD_BATCH_OVERHEAD_BYTES + RECORD_LEAD_BYTES_MAX));
}

export class RecordSeeker {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly header = new BatchHeaderView();
  private readonly cursor = new RecordCursor();
  private readonly lead: RecordLead = { lengthBytes: 0, bodyStart: 0, offsetDelta: 0 };
  /** Batch-relative position of buffer[0], and how many bytes of the batch the buffer holds. */
  private windowStart = 0;
  private windowLength = 0;

  /**
   * The record at `offset` of the batch of `sizeBytes` bytes read through `read`; null when the batch
   * does not hold it; undefined when the batch is compressed or not v2 (read it whole instead).
   * `baseOffsetHint`..`lastOffsetHint`, the batch's offsets as the lookup found them (-1 when not
   * known), size the first read to reach the record at once when records are of similar sizes.
   * `start`, a record known to start at a place in the batch at or before the one wanted (a record
   * mark), lets the walk begin there: the header is read on its own, then the records from `start`.
   * The record's key and value are views into a reused buffer: copy what must outlive the next call.
   */
  find(read: BatchRangeReader, sizeBytes: number, offset: number, positionBytes: number, path: string, baseOffsetHint = -1,
      lastOffsetHint = -1, start: RecordStart | null = null): LogRecord | null | undefined {
    const from = start !== null && start.positionInBatch > RECORDS && start.positionInBatch < sizeBytes ? start : null;
    this.fill(read, 0, from !== null ? RECORDS : firstWindowBytes(sizeBytes, offset, baseOffsetHint, lastOffsetHint));
    if (this.windowLength < RECORD_BATCH_OVERHEAD_BYTES || this.buffer[MAGIC] !== CURRENT_MAGIC) return undefined;
    const header = this.header.load(this.buffer, 0, { path, basePositionBytes: positionBytes });
    if (header.compression !== 'none') return undefined;
    if (header.isControl) return null;
    const wantedDelta = offset - header.baseOffset;
    if (wantedDelta < 0 || offset > header.lastOffset) return null;
    const cursor = this.cursor;
    cursor.path = path;
    cursor.offset = header.baseOffset;
    let position = from === null ? RECORDS : from.positionInBatch;
    for (let i = from === null ? 0 : from.recordIndex; i < header.recordsCount; i++) {
      const left = sizeBytes - position;
      if (left <= 0) return null;
      if (position + Math.min(RECORD_LEAD_BYTES_MAX, left) > this.windowStart + this.windowLength) {
        // Records so far average (position - RECORDS) / i bytes; reach the wanted one with some slack.
        const average = i === 0 ? 0 : (position - RECORDS) / i;
        const estimate = Math.ceil(average * (wantedDelta - i + 1)) + WINDOW_SLACK_BYTES;
        this.fill(read, position, Math.min(left, Math.max(estimate, RECORD_LEAD_BYTES_MAX)));
      }
      this.point(position, positionBytes);
      const lead = this.lead;
      readRecordLead(cursor, sizeBytes - this.windowStart, lead);
      // A mark names the record at its index (its offset delta, in the batches marks are kept for).
      if (from !== null && i === from.recordIndex && lead.offsetDelta !== i) return undefined;
      const recordBytes = lead.bodyStart - (position - this.windowStart) + lead.lengthBytes;
      if (lead.offsetDelta === wantedDelta) {
        if (position + recordBytes > this.windowStart + this.windowLength) this.fill(read, position, recordBytes);
        this.point(position, positionBytes);
        return readRecord(cursor, recordContextOf(header));
      }
      if (lead.offsetDelta > wantedDelta) return null;
      position += recordBytes;
    }
    return null;
  }

  /** Loads batch bytes [fromBytes, fromBytes + lengthBytes) into the buffer. */
  private fill(read: BatchRangeReader, fromBytes: number, lengthBytes: number): void {
    if (this.buffer.length < lengthBytes) this.buffer = Buffer.allocUnsafe(Math.max(lengthBytes, this.buffer.length * 2));
    read(fromBytes, lengthBytes, this.buffer);
    this.windowStart = fromBytes;
    this.windowLength = lengthBytes;
  }

  /** Points the cursor at batch position `position` (inside the window), bounded by the window. */
  private point(position: number, positionBytes: number): void {
    this.cursor.reset(this.buffer, position - this.windowStart, this.windowLength, positionBytes + this.windowStart);
  }
}
