/**
 * One record inside a v2 batch (reference §2.5):
 *
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint (-1 null) | key | valueLength varint (-1 null) | value |
 *   headersCount varint | headers: (keyLength varint ≥ 0 | key utf8 | valueLength varint (-1 null) | value)*
 *
 * `length` counts the bytes after itself; a record must consume exactly that many. Keys, values and
 * header values are views into the batch (or decompressed) bytes — no copies.
 */
import type { BatchHeaderFields } from './batch-header.js';
import type { RecordCursor } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/** A decoded record. `sequence` is -1 for batches without a producer sequence. */
export interface LogRecord {
  offset: number;
  offsetDelta: number;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  sequence: number;
  /** -1 for a null key / value. */
  keySizeBytes: number;
  valueSizeBytes: number;
  /** Bytes of this record including its length varint. */
  sizeBytes: number;
}

/** What writers accept: strings are UTF-8 encoded. */
export type RecordBytes = Uint8Array | string | null;
export interface RecordInput {
  key?: RecordBytes | undefined;
  value: RecordBytes;
  headers?: ReadonlyArray<{ key: string; value: RecordBytes }> | undefined;
  timestampMs?: number | undefined;
}

/** What a record's fields depend on in its batch. */
interface RecordContext {
  baseOffset: number;
  baseTimestampMs: number;
  /** LogAppendTime batches report maxTimestamp for every record (deltas are ignored). */
  logAppendTimeMs: number;
  baseSequence: number;
}

/** What every record of a batch takes from the batch header. */
export function recordContextOf(header: BatchHeaderFields): RecordContext {
  return {
    baseOffset: header.baseOffset,
    baseTimestampMs: header.baseTimestampMs,
    logAppendTimeMs: header.timestampType === 'LogAppendTime' ? header.maxTimestampMs : -1,
    baseSequence: header.baseSequence,
  };
}

/** A record's length, where its body starts and its offset delta: what a point read needs to step over it. */
export interface RecordLead {
  lengthBytes: number;
  bodyStart: number;
  offsetDelta: number;
}

/**
 * Reads the leading fields of the record at the cursor into `lead` (reused: no allocation) — its
 * length, attributes, timestamp delta and offset delta — and checks that the record ends by
 * `endPosition` (cursor coordinates). The next record starts at lead.bodyStart + lead.lengthBytes.
 */
export function readRecordLead(cursor: RecordCursor, endPosition: number, lead: RecordLead): void {
  const lengthBytes = cursor.readVarint();
  const bodyStart = cursor.position;
  if (lengthBytes < 0 || lengthBytes > endPosition - bodyStart) cursor.fail(`record length ${lengthBytes} runs past the batch`);
  cursor.readInt8();
  cursor.readVarlong();
  lead.lengthBytes = lengthBytes;
  lead.bodyStart = bodyStart;
  lead.offsetDelta = cursor.readVarint();
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads one record at the cursor. Throws CorruptRecordError (via the cursor) on any bad field. */
export function readRecord(cursor: RecordCursor, context: RecordContext): LogRecord {
  const start = cursor.position;
  const length = cursor.readVarint();
  if (length < 0) cursor.fail(`negative record length ${length}`);
  const bodyStart = cursor.position;
  if (length > cursor.end - bodyStart) cursor.fail(`record length ${length} runs past the batch`);
  const outerEnd = cursor.end;
  cursor.end = bodyStart + length;
  cursor.readInt8();
  const timestampDelta = cursor.readVarlong();
  const offsetDelta = cursor.readVarint();
  if (offsetDelta < 0) cursor.fail(`negative offset delta ${offsetDelta}`);
  const keySizeBytes = cursor.readVarint();
  const key = cursor.readBytes(keySizeBytes);
  const valueSizeBytes = cursor.readVarint();
  const value = cursor.readBytes(valueSizeBytes);
  const headersCount = cursor.readVarint();
  if (headersCount < 0) cursor.fail(`negative header count ${headersCount}`);
  if (headersCount > cursor.end - cursor.position) cursor.fail(`header count ${headersCount} exceeds the record`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headersCount; i++) {
    const keyLength = cursor.readVarint();
    if (keyLength < 0) cursor.fail(`header key length ${keyLength} is negative`);
    const keyBytes = cursor.readBytes(keyLength)!;
    const headerValue = cursor.readBytes(cursor.readVarint());
    headers.push({ key: utf8.decode(keyBytes), value: headerValue });
  }
  if (cursor.position !== cursor.end) cursor.fail(`record declares ${length} bytes but its fields use ${cursor.position - bodyStart}`);
  cursor.end = outerEnd;
  const seq = context.baseSequence;
  const offset = context.baseOffset + offsetDelta;
  const timestampMs = context.logAppendTimeMs >= 0 ? context.logAppendTimeMs : context.baseTimestampMs + timestampDelta;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(timestampMs)) {
    cursor.failUnsafe(`record offset ${offset} or timestamp ${timestampMs} is outside the safe integer range`);
  }
  return {
    offset,
    offsetDelta,
    timestampMs,
    key,
    value,
    headers,
    sequence: seq < 0 ? -1 : (seq + offsetDelta) % 2147483648,
    keySizeBytes,
    valueSizeBytes,
    sizeBytes: cursor.position - start,
  };
}

/**
 * Walks one record without allocating: checks every length and varint, and returns its
 * timestampDelta. `expectedOffsetDelta` ≥ 0 also requires that offset delta (producer batches are
 * contiguous from 0). Used by the append path to validate producer batches.
 */
export function skipRecord(cursor: RecordCursor, expectedOffsetDelta: number): number {
  const length = cursor.readVarint();
  if (length < 0) cursor.fail(`negative record length ${length}`);
  const bodyStart = cursor.position;
  if (length > cursor.end - bodyStart) cursor.fail(`record length ${length} runs past the batch`);
  const outerEnd = cursor.end;
  cursor.end = bodyStart + length;
  cursor.readInt8();
  const timestampDelta = cursor.readVarlong();
  const offsetDelta = cursor.readVarint();
  if (expectedOffsetDelta >= 0 && offsetDelta !== expectedOffsetDelta) {
    cursor.fail(`record offset delta ${offsetDelta}, expected ${expectedOffsetDelta} (producer batches are contiguous)`);
  }
  cursor.skip(cursor.readVarint());
  cursor.skip(cursor.readVarint());
  const headersCount = cursor.readVarint();
  if (headersCount < 0) cursor.fail(`negative header count ${headersCount}`);
  for (let i = 0; i < headersCount; i++) {
    const keyLength = cursor.readVarint();
    if (keyLength < 0) cursor.fail(`header key length ${keyLength} is negative`);
    cursor.skip(keyLength);
    cursor.skip(cursor.readVarint());
  }
  if (cursor.position !== cursor.end) cursor.fail(`record declares ${length} bytes but its fields use ${cursor.position - bodyStart}`);
  cursor.end = outerEnd;
  return timestampDelta;
}
