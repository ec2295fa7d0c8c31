/**
 * The 61-byte v2 batch header read into plain fields. BatchHeaderView is reused by the hot paths
 * (append validation, recovery scan, segment reads): `load()` overwrites its fields in place and
 * allocates nothing. RecordBatch (batch-decoder.ts) reads the same fields through `readHeader`.
 *
 * `load` checks only what is needed to interpret the fields (61 bytes present, magic 2, a known
 * codec, sane count and length); the CRC is the caller's choice (`computeBatchCrc`), because the
 * recovery scan already has it and the read path does not want it. A header read allocates nothing
 * (no per-field objects or slices) unless it throws.
 */
import { CorruptRecordError, UnsafeIntegerError } from '../errors.js';
import { BATCH_RECORDS_MAX, LOG_OVERHEAD_BYTES, RECORD_BATCH_OVERHEAD_BYTES } from '../limits.js';
import { crc32c } from '../platform/index.js';
import { readInt16, readInt32, readInt64Unchecked, readUint32 } from './int64.js';
import {
  ATTRIBUTES, BASE_OFFSET, BASE_SEQUENCE, BASE_TIMESTAMP, BATCH_LENGTH, COMPRESSION_BY_ID, COMPRESSION_MASK, CONTROL_MASK,
  CRC, CRC_COVERED_FROM, CURRENT_MAGIC, DELETE_HORIZON_MASK, LAST_OFFSET_DELTA, MAGIC, MAX_TIMESTAMP, PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH, PRODUCER_ID, RECORDS_COUNT, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_MASK,
  type CompressionType, type TimestampType,
} from './layout.js';

export interface BatchHeaderFields {
  baseOffset: number;
  batchLength: number;
  sizeBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  lastOffset: number;
  baseTimestampMs: number;
  maxTimestampMs: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** Where errors point: the file and the batch's position in it. */
interface HeaderPlace {
  path?: string | undefined;
  basePositionBytes?: number | undefined;
}

function corrupt(message: string, place: HeaderPlace | undefined, positionBytes: number, offset?: number): never {
  throw new CorruptRecordError(message, { path: place?.path, positionBytes, offset });
}

/**
 * Reads a v2 header at `position` into `target`. Throws CorruptRecordError on anything uninterpretable
 * and UnsafeIntegerError when an int64 field (or lastOffset) is outside the safe range. Allocates
 * nothing unless it throws: the int64s are read unchecked and checked together.
 */
export function readHeader(target: BatchHeaderFields, bytes: Uint8Array, position: number, place?: HeaderPlace): void {
  const positionBytes = (place?.basePositionBytes ?? 0) + position;
  if (bytes.length - position < RECORD_BATCH_OVERHEAD_BYTES) {
    corrupt(`batch header needs 61 bytes, ${Math.max(0, bytes.length - position)} left`, place, positionBytes);
  }
  const magic = bytes[position + MAGIC]!;
  if (magic !== CURRENT_MAGIC) corrupt(`unsupported magic ${magic} (expected 2)`, place, positionBytes);
  const baseOffset = readInt64Unchecked(bytes, position + BASE_OFFSET);
  const lastOffsetDelta = readInt32(bytes, position + LAST_OFFSET_DELTA);
  const baseTimestampMs = readInt64Unchecked(bytes, position + BASE_TIMESTAMP);
  const maxTimestampMs = readInt64Unchecked(bytes, position + MAX_TIMESTAMP);
  const producerId = readInt64Unchecked(bytes, position + PRODUCER_ID);
  if (!Number.isSafeInteger(baseOffset + lastOffsetDelta) || !Number.isSafeInteger(baseOffset)
      || !Number.isSafeInteger(baseTimestampMs) || !Number.isSafeInteger(maxTimestampMs) || !Number.isSafeInteger(producerId)) {
    throw new UnsafeIntegerError('batch header has an int64 field (offset, timestamp or producer id) outside the safe integer range',
        { path: place?.path, positionBytes });
  }
  const batchLength = readInt32(bytes, position + BATCH_LENGTH);
  if (batchLength < RECORD_BATCH_OVERHEAD_BYTES - LOG_OVERHEAD_BYTES) {
    corrupt(`batch length ${batchLength} is below the 49-byte minimum`, place, positionBytes, baseOffset);
  }
  const attributes = readInt16(bytes, position + ATTRIBUTES) & 0xff;
  const codec = attributes & COMPRESSION_MASK;
  const compression = COMPRESSION_BY_ID[codec];
  if (compression === undefined) corrupt(`unknown compression codec ${codec}`, place, positionBytes, baseOffset);
  const recordsCount = readInt32(bytes, position + RECORDS_COUNT);
  if (recordsCount < 0 || recordsCount > BATCH_RECORDS_MAX) {
    corrupt(`invalid record count ${recordsCount}`, place, positionBytes, baseOffset);
  }
  if (lastOffsetDelta < 0) corrupt(`negative last offset delta ${lastOffsetDelta}`, place, positionBytes, baseOffset);
  target.baseOffset = baseOffset;
  target.batchLength = batchLength;
  target.sizeBytes = LOG_OVERHEAD_BYTES + batchLength;
  target.partitionLeaderEpoch = readInt32(bytes, position + PARTITION_LEADER_EPOCH);
  target.magic = magic;
  target.crc = readUint32(bytes, position + CRC);
  target.attributes = attributes;
  target.compression = compression;
  target.timestampType = (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? 'LogAppendTime' : 'CreateTime';
  target.isTransactional = (attributes & TRANSACTIONAL_MASK) !== 0;
  target.isControl = (attributes & CONTROL_MASK) !== 0;
  target.hasDeleteHorizon = (attributes & DELETE_HORIZON_MASK) !== 0;
  target.lastOffsetDelta = lastOffsetDelta;
  target.lastOffset = baseOffset + lastOffsetDelta;
  target.baseTimestampMs = baseTimestampMs;
  target.maxTimestampMs = maxTimestampMs;
  target.producerId = producerId;
  target.producerEpoch = readInt16(bytes, position + PRODUCER_EPOCH);
  target.baseSequence = readInt32(bytes, position + BASE_SEQUENCE);
  target.recordsCount = recordsCount;
}

/** A reusable, allocation-free view of one batch header. */
export class BatchHeaderView implements BatchHeaderFields {
  baseOffset = 0;
  batchLength = 0;
  sizeBytes = 0;
  partitionLeaderEpoch = -1;
  magic = CURRENT_MAGIC;
  crc = 0;
  attributes = 0;
  compression: CompressionType = 'none';
  timestampType: TimestampType = 'CreateTime';
  isTransactional = false;
  isControl = false;
  hasDeleteHorizon = false;
  lastOffsetDelta = 0;
  lastOffset = 0;
  baseTimestampMs = -1;
  maxTimestampMs = -1;
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  recordsCount = 0;

  load(bytes: Uint8Array, position: number, place?: HeaderPlace): this {
    readHeader(this, bytes, position, place);
    return this;
  }
}

/** 12 + batchLength from the first 12 bytes at `position`; -1 if fewer than 12 bytes remain. */
export function peekBatchSize(bytes: Uint8Array, position: number): number {
  if (bytes.length - position < LOG_OVERHEAD_BYTES) return -1;
  return LOG_OVERHEAD_BYTES + readInt32(bytes, position + BATCH_LENGTH);
}

/** The magic byte (same position in every format); -1 if not there yet. */
export function peekMagic(bytes: Uint8Array, position: number): number {
  return bytes.length > position + MAGIC ? bytes[position + MAGIC]! : -1;
}

/** CRC-32C of the batch at `position` (`sizeBytes` long) over [attributes, end). */
export function computeBatchCrc(bytes: Uint8Array, position: number, sizeBytes: number): number {
  return crc32c(bytes, position + CRC_COVERED_FROM, position + sizeBytes);
}

export function storedBatchCrc(bytes: Uint8Array, position: number): number {
  return readUint32(bytes, position + CRC);
}
