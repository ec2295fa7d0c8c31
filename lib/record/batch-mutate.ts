/**
 * In-place edits on the append path. baseOffset and partitionLeaderEpoch lie outside the CRC, so
 * assigning them costs eight and four byte writes; changing attributes or maxTimestamp
 * (LogAppendTime, a wrong max) rewrites the CRC afterwards — the only case where the Log touches
 * CRC-covered bytes of a producer's batch.
 *
 * `validateBatchRecords` is the producer-batch check that does not allocate for uncompressed
 * batches: every record's framing, contiguous offset deltas, the declared count, no bytes left over.
 */
import { CorruptRecordError, InvalidRecordError } from '../errors.js';
import { readHeader, type BatchHeaderFields } from './batch-header.js';
import { BatchHeaderView } from './batch-header.js';
import { decompress } from './compression.js';
import { readInt16, readInt32, writeInt16, writeInt32, writeInt64 } from './int64.js';
import { LOG_OVERHEAD_BYTES } from '../limits.js';
import { ATTRIBUTES, BASE_OFFSET, BATCH_LENGTH, CRC, CRC_COVERED_FROM, MAX_TIMESTAMP, PARTITION_LEADER_EPOCH, RECORDS,
    TIMESTAMP_TYPE_MASK } from './layout.js';
import { crc32c, walkPlainRecords } from '../platform/index.js';
import { skipRecord } from './record.js';
import { RecordCursor } from './varint.js';

export function setBaseOffset(bytes: Uint8Array, position: number, baseOffset: number): void {
  writeInt64(bytes, position + BASE_OFFSET, baseOffset);
}

export function setPartitionLeaderEpoch(bytes: Uint8Array, position: number, epoch: number): void {
  writeInt32(bytes, position + PARTITION_LEADER_EPOCH, epoch);
}

function rewriteCrc(bytes: Uint8Array, position: number): void {
  const sizeBytes = LOG_OVERHEAD_BYTES + readInt32(bytes, position + BATCH_LENGTH);
  writeInt32(bytes, position + CRC, crc32c(bytes, position + CRC_COVERED_FROM, position + sizeBytes));
}

/** Marks the batch LogAppendTime with `timestampMs` as its max timestamp, then rewrites the CRC. */
export function setLogAppendTime(bytes: Uint8Array, position: number, timestampMs: number): void {
  writeInt16(bytes, position + ATTRIBUTES, (readInt16(bytes, position + ATTRIBUTES) & 0xff) | TIMESTAMP_TYPE_MASK);
  writeInt64(bytes, position + MAX_TIMESTAMP, timestampMs);
  rewriteCrc(bytes, position);
}

/** Sets a CreateTime batch's max timestamp (the leader's recomputed one), then rewrites the CRC. */
export function setMaxTimestamp(bytes: Uint8Array, position: number, timestampMs: number): void {
  writeInt16(bytes, position + ATTRIBUTES, readInt16(bytes, position + ATTRIBUTES) & 0xff & ~TIMESTAMP_TYPE_MASK);
  writeInt64(bytes, position + MAX_TIMESTAMP, timestampMs);
  rewriteCrc(bytes, position);
}

const validationCursor = new RecordCursor();
const validationHeader: BatchHeaderFields = new BatchHeaderView();

/**
 * Walks every record of the producer batch at `position`: framing, contiguous offset deltas 0..n-1,
 * count; returns the max record timestamp (CreateTime). Throws CorruptRecordError/InvalidRecordError.
 */
export function validateBatchRecords(bytes: Uint8Array, position: number, path?: string): { maxTimestampMs: number } {
  readHeader(validationHeader, bytes, position, path === undefined ? undefined : { path });
  return walkBatchRecords(bytes, position, validationHeader, path);
}

/**
 * validateBatchRecords for a caller that has already read the batch's header into `h` (the append
 * path, which needs it anyway): the header is not parsed a second time.
 */
export function walkBatchRecords(bytes: Uint8Array, position: number, h: BatchHeaderFields, path?: string): { maxTimestampMs: number } {
  const end = position + h.sizeBytes;
  if (end > bytes.length) throw new CorruptRecordError(`batch of ${h.sizeBytes} bytes runs past the ${bytes.length} given`, { path,
      positionBytes: position });
  if (h.recordsCount !== h.lastOffsetDelta + 1) {
    throw new InvalidRecordError(`record count ${h.recordsCount} does not match last offset delta ${h.lastOffsetDelta}`,
        { path, positionBytes: position, offset: h.baseOffset });
  }
  // The common case in one tight loop; anything it does not accept is walked again below, which
  // accepts what it left (long timestamp deltas) and names every problem.
  if (h.compression === 'none') {
    const maxTimestampDelta = walkPlainRecords(bytes, position + RECORDS, end, h.recordsCount);
    if (!Number.isNaN(maxTimestampDelta)) return { maxTimestampMs: Math.max(-1, h.baseTimestampMs + maxTimestampDelta) };
  }
  const place = { path, positionBytes: position, offset: h.baseOffset };
  const cursor = validationCursor;
  cursor.path = path;
  cursor.offset = h.baseOffset;
  if (h.compression === 'none') cursor.reset(bytes, position + RECORDS, end, 0);
  else {
    const plain = decompress(h.compression, bytes.subarray(position + RECORDS, end), place);
    cursor.reset(plain, 0, plain.length, position);
    cursor.decompressed = true;
  }
  let maxTimestampMs = -1;
  const base = h.baseTimestampMs;
  for (let i = 0; i < h.recordsCount; i++) {
    const ts = base + skipRecord(cursor, i);
    if (ts > maxTimestampMs) maxTimestampMs = ts;
  }
  if (cursor.position !== cursor.end) {
    throw new CorruptRecordError(`incorrect declared batch size: ${cursor.end - cursor.position} bytes after ${h.recordsCount} records`,
        place);
  }
  cursor.bytes = new Uint8Array(0); // do not pin a decompressed buffer
  return { maxTimestampMs };
}
