/**
 * What an append must pass before any byte reaches a segment (Kafka's LogValidator): keys on a
 * compacted log, batch sizes against max.message.bytes and segment.bytes, record timestamps against
 * message.timestamp.{before,after}.max.ms, and for a producer's own encoded batch its framing, CRC,
 * counts and producer fields. Pure checks over bytes and the log's config: each throws a typed error
 * naming the log directory and the offset the batch would have taken, and changes nothing.
 *
 * Replicated bytes (a follower's fetch) pass fewer checks: offsets are already assigned, so only the
 * shared framing rule (lib/record/batch-framing.ts) and the CRC decide what is a whole batch.
 */
import { CorruptRecordError, InvalidRecordError, RecordTooLargeError } from '../errors.js';
import { LOG_OVERHEAD_BYTES, RECORD_BATCH_OVERHEAD_BYTES } from '../limits.js';
import {
  CURRENT_MAGIC,
  FRAME_TORN,
  MAGIC,
  batchCrcMatches,
  decodeBatches,
  frameBatch,
  framingProblem,
  walkBatchRecords,
  type BatchHeaderView,
  type RecordInput,
} from '../record/index.js';
import type { LogConfig } from './config.js';

/** Where a refused batch would have gone: the log directory and its log end offset. */
export interface AppendPlace {
  path: string;
  offset: number;
}

/** Every record of an append to a compacted log needs a key (Kafka: compacted topic records need keys). */
export function requireRecordKeys(records: readonly RecordInput[], place: AppendPlace): void {
  for (const r of records) {
    if (r.key === undefined || r.key === null) throw new InvalidRecordError('compacted logs require a key on every record', place);
  }
}

/** The same for records already encoded in `bytes`. */
export function requireBatchKeys(bytes: Uint8Array, place: AppendPlace): void {
  for (const batch of decodeBatches(bytes)) {
    for (const record of batch.records()) {
      if (record.key === null) throw new InvalidRecordError('compacted logs require a key on every record', place);
    }
  }
}

/**
 * A batch fits the log: at most maxMessageBytes (producers and local appends; replicated batches were
 * checked by their leader) and never more than a segment.
 */
export function checkBatchSize(config: LogConfig, sizeBytes: number, enforceMaxMessage: boolean, path: string, offset: number): void {
  // The place is built only for a refusal: this runs on every append.
  if (enforceMaxMessage && sizeBytes > config.maxMessageBytes) {
    throw new RecordTooLargeError(`batch of ${sizeBytes} bytes exceeds maxMessageBytes ${config.maxMessageBytes}`, { path, offset });
  }
  if (sizeBytes > config.segmentBytes) {
    throw new RecordTooLargeError(`batch of ${sizeBytes} bytes exceeds segmentBytes ${config.segmentBytes}`, { path, offset });
  }
}

/** Kafka's message.timestamp.{before,after}.max.ms, checked per record (CreateTime only; off by default). */
export function checkRecordTimestamps(config: LogConfig, nowMs: number, bytes: Uint8Array, path: string, offset: number): void {
  const before = config.messageTimestampBeforeMaxMs;
  const after = config.messageTimestampAfterMaxMs;
  if (before === Number.MAX_SAFE_INTEGER && after === Number.MAX_SAFE_INTEGER) return;
  const place = { path, offset };
  for (const batch of decodeBatches(bytes)) {
    for (const record of batch.records()) {
      if (nowMs - record.timestampMs > before || record.timestampMs - nowMs > after) {
        throw new InvalidRecordError(`record timestamp ${record.timestampMs} is outside the allowed range around ${nowMs}`, place);
      }
    }
  }
}

/**
 * One producer batch as a client sends it: exactly `bytes`, CRC intact, base offset 0, not a control
 * batch, a record count that matches its offsets, a base sequence when idempotent, and records that
 * walk (walkBatchRecords, over the header the caller loaded from `bytes`). Returns the records' max timestamp.
 */
export function validateClientBatch(bytes: Uint8Array, header: BatchHeaderView, place: AppendPlace): { maxTimestampMs: number } {
  const h = header;
  if (LOG_OVERHEAD_BYTES + h.batchLength !== bytes.length) {
    const declared = LOG_OVERHEAD_BYTES + h.batchLength;
    throw new CorruptRecordError(`batch length ${declared} does not match the ${bytes.length} bytes given (one batch per append)`, place);
  }
  if (!batchCrcMatches(bytes, 0, bytes.length)) throw new CorruptRecordError('batch CRC mismatch', place);
  if (h.baseOffset !== 0) throw new InvalidRecordError(`producer batches must have base offset 0, got ${h.baseOffset}`, place);
  if (h.isControl) throw new InvalidRecordError('clients may not append control batches', place);
  if (h.recordsCount <= 0 || h.lastOffsetDelta + 1 !== h.recordsCount) {
    throw new CorruptRecordError(`record count ${h.recordsCount} does not match last offset delta ${h.lastOffsetDelta}`, place);
  }
  if (h.producerId >= 0 && h.baseSequence < 0) throw new InvalidRecordError('idempotent batches need a base sequence', place);
  return walkBatchRecords(bytes, 0, h);
}

/** A client batch is at least a v2 header long (checked before the header is loaded). */
export function requireBatchHeader(bytes: Uint8Array, place: AppendPlace): void {
  if (bytes.length < RECORD_BATCH_OVERHEAD_BYTES) {
    throw new CorruptRecordError(`batch of ${bytes.length} bytes is shorter than the ${RECORD_BATCH_OVERHEAD_BYTES}-byte header`, place);
  }
}

/**
 * Size of the replicated batch at `position` of `bytes`, or 0 where the whole batches end: a torn
 * last batch is trimmed, as Kafka trims a fetch's partial tail. Damage (a bad length or magic, a v2
 * batch whose CRC does not match) is a CorruptRecordError at its position.
 */
export function frameReplicatedBatch(bytes: Uint8Array, position: number, place: AppendPlace): number {
  const remainingBytes = bytes.length - position;
  const sizeBytes = frameBatch(bytes, position, remainingBytes);
  if (sizeBytes > 0) {
    // A legacy batch is refused by the caller's v2 header load; its CRC is another algorithm.
    if (bytes[position + MAGIC] === CURRENT_MAGIC && !batchCrcMatches(bytes, position, sizeBytes)) {
      throw new CorruptRecordError('batch CRC mismatch', { ...place, positionBytes: position });
    }
    return sizeBytes;
  }
  if (sizeBytes === FRAME_TORN || remainingBytes === 0) return 0;
  throw new CorruptRecordError(framingProblem(sizeBytes, bytes, position, remainingBytes), { ...place, positionBytes: position });
}
