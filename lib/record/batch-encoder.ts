/**
 * Encoding records into one RecordBatch v2. BatchEncoder writes into a grow-only buffer it owns and
 * returns a view valid until its next `encode()` — the Log's append path encodes, writes and forgets
 * the bytes, so one buffer serves every append. `encodeBatch` is the standalone form (a fresh copy).
 *
 * Sizes are computed before writing so every varint is minimal and the bytes equal Kafka's own
 * encoder's (the reference's test vectors check that). baseTimestamp is the first record's timestamp
 * (Java's choice; deltas may be negative) unless a delete horizon or an explicit base is given.
 * The CRC is computed last, over the final attributes and max timestamp.
 */
import { InvalidArgumentError } from '../errors.js';
import { DECOMPRESSED_BYTES_MAX, ENCODER_INITIAL_BYTES, RECORD_MARK_INTERVAL_BYTES } from '../limits.js';
import { crc32c } from '../platform/index.js';
import { compress } from './compression.js';
import { controlKey, endTxnMarkerValue } from './control-record.js';
import { writeInt16, writeInt32, writeInt64 } from './int64.js';
import {
  ATTRIBUTES, BASE_OFFSET, BASE_SEQUENCE, BASE_TIMESTAMP, BATCH_LENGTH, COMPRESSION_IDS, CONTROL_MASK, CRC, CRC_COVERED_FROM,
  CURRENT_MAGIC, DELETE_HORIZON_MASK, LAST_OFFSET_DELTA, MAGIC, MAX_TIMESTAMP, PARTITION_LEADER_EPOCH, PRODUCER_EPOCH,
  PRODUCER_ID, RECORDS, RECORDS_COUNT, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_MASK,
  type CompressionType, type TimestampType,
} from './layout.js';
import type { RecordBytes, RecordInput } from './record.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

export interface EncodeOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  compressionLevel?: number;
  timestampType?: TimestampType;
  /** Timestamp for records without one; with LogAppendTime, the batch's max timestamp. */
  nowMs?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Sets attribute bit 6; baseTimestamp holds the horizon and deltas are relative to it. */
  deleteHorizonMs?: number;
  baseTimestampMs?: number;
  /** Offset delta per record (the compactor keeps original offsets; gaps allowed, increasing). */
  offsetDeltas?: readonly number[];
  /** Forces lastOffsetDelta (the compactor keeps a batch's original last offset). */
  lastOffsetDelta?: number;
  /** With zero records (compaction keeps empty batches): the max timestamp to keep. */
  maxTimestampMs?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Where records start inside one encoded batch, about every RECORD_MARK_INTERVAL_BYTES: `count`
 * pairs of (record index, batch-relative position) in `pairs`. Only for uncompressed batches whose
 * offset deltas are the record indexes (what `Log.append` encodes); empty otherwise.
 */
export interface RecordMarks {
  pairs: Int32Array;
  count: number;
}

/**
 * Encoded size of a key, value or header value (-1 for null). Anything that is not
 * `Uint8Array | string | null` is refused here, naming the field, instead of being encoded as
 * garbage (`value: 42` has no length and would otherwise surface later as a corrupt batch).
 */
function fieldBytes(value: RecordBytes | undefined, field: string, i: number): number {
  if (value === null || value === undefined) return -1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.length;
  throw new InvalidArgumentError(`record ${i} ${field} must be a Uint8Array, a string or null, got ${describeValue(value)}`);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${Object.prototype.toString.call(value)})` : `a ${typeof value}`;
}

function requireInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export class BatchEncoder {
  private buffer: Buffer;
  private scratch: Buffer;
  /** Body size of record i of the batch being encoded (grow-only). */
  private bodySizes: Float64Array;
  /** The last batch's record marks (valid until the next call). */
  readonly recordMarks: RecordMarks = { pairs: new Int32Array(32), count: 0 };

  constructor(initialCapacityBytes = ENCODER_INITIAL_BYTES) {
    this.buffer = Buffer.allocUnsafe(initialCapacityBytes);
    this.scratch = Buffer.allocUnsafe(0);
    this.bodySizes = new Float64Array(64);
  }

  /** Encodes one batch; the returned view is valid until the next call. */
  encode(records: readonly RecordInput[], options: EncodeOptions = {}): Buffer {
    const count = records.length;
    const compression = options.compression ?? 'none';
    if (COMPRESSION_IDS[compression] === undefined) throw new InvalidArgumentError(`unknown compression '${String(compression)}'`);
    const timestampType = options.timestampType ?? 'CreateTime';
    const offsetDeltas = options.offsetDeltas;
    if (offsetDeltas !== undefined && offsetDeltas.length !== count) {
      throw new InvalidArgumentError('offsetDeltas must have one entry per record');
    }
    const nowMs = options.nowMs;

    // Timestamps: first record's (Java), the max, and the base the deltas are relative to.
    let firstTimestampMs = -1;
    let maxTimestampMs = options.maxTimestampMs ?? -1;
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      if (typeof record !== 'object' || record === null) {
        throw new InvalidArgumentError(`record ${i} must be an object, got ${describeValue(record)}`);
      }
      const ts = record.timestampMs ?? nowMs;
      if (ts === undefined) throw new InvalidArgumentError(`record ${i} has no timestampMs and no nowMs was given`);
      if (!Number.isSafeInteger(ts)) throw new InvalidArgumentError(`record ${i} timestampMs must be a safe integer, got ${ts}`);
      if (i === 0) firstTimestampMs = ts;
      if (ts > maxTimestampMs) maxTimestampMs = ts;
    }
    const hasHorizon = options.deleteHorizonMs !== undefined && options.deleteHorizonMs >= 0;
    const baseTimestampMs = hasHorizon ? options.deleteHorizonMs! : options.baseTimestampMs ?? firstTimestampMs;
    if (timestampType === 'LogAppendTime') {
      if (nowMs === undefined) throw new InvalidArgumentError('LogAppendTime needs nowMs');
      maxTimestampMs = nowMs;
    }

    if (offsetDeltas !== undefined) checkOffsetDeltas(offsetDeltas);

    // Records section size; each body size is kept for the write pass (sizing a string twice is not free).
    if (this.bodySizes.length < count) this.bodySizes = new Float64Array(Math.max(count, this.bodySizes.length * 2));
    const bodySizes = this.bodySizes;
    let recordsBytes = 0;
    for (let i = 0; i < count; i++) {
      const body = this.recordBodySize(records[i]!, i, baseTimestampMs, nowMs, offsetDeltas);
      bodySizes[i] = body;
      recordsBytes += sizeOfVarint(body) + body;
    }
    if (recordsBytes > DECOMPRESSED_BYTES_MAX) {
      throw new InvalidArgumentError(`batch records of ${recordsBytes} bytes exceed ${DECOMPRESSED_BYTES_MAX}`);
    }

    let sizeBytes: number;
    let out: Buffer;
    this.recordMarks.count = 0;
    if (compression === 'none') {
      sizeBytes = RECORDS + recordsBytes;
      out = this.ensure(sizeBytes);
      this.writeRecords(out, RECORDS, records, baseTimestampMs, nowMs, offsetDeltas, offsetDeltas === undefined);
    } else {
      if (this.scratch.length < recordsBytes) this.scratch = Buffer.allocUnsafe(Math.max(recordsBytes, this.scratch.length * 2));
      this.writeRecords(this.scratch, 0, records, baseTimestampMs, nowMs, offsetDeltas);
      const compressed = count === 0 ? EMPTY : compress(compression, this.scratch.subarray(0, recordsBytes), options.compressionLevel);
      sizeBytes = RECORDS + compressed.length;
      out = this.ensure(sizeBytes);
      out.set(compressed, RECORDS);
    }

    const naturalLastDelta = count === 0 ? 0 : offsetDeltas !== undefined ? offsetDeltas[count - 1]! : count - 1;
    const lastOffsetDelta = options.lastOffsetDelta ?? naturalLastDelta;
    if (lastOffsetDelta < naturalLastDelta) {
      throw new InvalidArgumentError(`lastOffsetDelta ${lastOffsetDelta} is below the last record's offset delta ${naturalLastDelta}`);
    }
    let attributes = COMPRESSION_IDS[compression];
    if (timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_MASK;
    if (options.isTransactional === true) attributes |= TRANSACTIONAL_MASK;
    if (options.isControl === true) attributes |= CONTROL_MASK;
    if (hasHorizon) attributes |= DELETE_HORIZON_MASK;

    writeInt64(out, BASE_OFFSET, options.baseOffset ?? 0);
    writeInt32(out, BATCH_LENGTH, sizeBytes - 12);
    writeInt32(out, PARTITION_LEADER_EPOCH, requireInt('partitionLeaderEpoch', options.partitionLeaderEpoch ?? -1, -1, 2147483647));
    out[MAGIC] = CURRENT_MAGIC;
    writeInt16(out, ATTRIBUTES, attributes);
    writeInt32(out, LAST_OFFSET_DELTA, requireInt('lastOffsetDelta', lastOffsetDelta, 0, 2147483647));
    writeInt64(out, BASE_TIMESTAMP, baseTimestampMs);
    writeInt64(out, MAX_TIMESTAMP, maxTimestampMs);
    writeInt64(out, PRODUCER_ID, options.producerId ?? -1);
    writeInt16(out, PRODUCER_EPOCH, requireInt('producerEpoch', options.producerEpoch ?? -1, -1, 32767));
    writeInt32(out, BASE_SEQUENCE, requireInt('baseSequence', options.baseSequence ?? -1, -1, 2147483647));
    writeInt32(out, RECORDS_COUNT, count);
    writeInt32(out, CRC, crc32c(out, CRC_COVERED_FROM, sizeBytes));
    return out.subarray(0, sizeBytes);
  }

  private ensure(sizeBytes: number): Buffer {
    if (this.buffer.length < sizeBytes) this.buffer = Buffer.allocUnsafe(Math.max(sizeBytes, this.buffer.length * 2));
    return this.buffer;
  }

  /** Bytes of a record after its length varint. */
  private recordBodySize(record: RecordInput, i: number, baseTimestampMs: number, nowMs: number | undefined,
      offsetDeltas: readonly number[] | undefined): number {
    const keyBytes = fieldBytes(record.key, 'key', i);
    if (record.value === undefined) throw new InvalidArgumentError(`record ${i} value is missing (use null for a tombstone)`);
    const valueBytes = fieldBytes(record.value, 'value', i);
    const offsetDelta = offsetDeltas === undefined ? i : offsetDeltas[i]!;
    let body = 1 + sizeOfVarlong((record.timestampMs ?? nowMs!) - baseTimestampMs) + sizeOfVarint(offsetDelta)
      + sizeOfVarint(keyBytes) + Math.max(keyBytes, 0) + sizeOfVarint(valueBytes) + Math.max(valueBytes, 0);
    const headers = record.headers;
    const headerCount = headers === undefined ? 0 : headers.length;
    body += sizeOfVarint(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const header = headers![h]!;
      if (typeof header.key !== 'string') throw new InvalidArgumentError(`record ${i} header ${h} needs a string key`);
      const hk = Buffer.byteLength(header.key, 'utf8');
      const hv = fieldBytes(header.value, `header ${h} value`, i);
      body += sizeOfVarint(hk) + hk + sizeOfVarint(hv) + Math.max(hv, 0);
    }
    return body;
  }

  private writeRecords(out: Buffer, position: number, records: readonly RecordInput[], baseTimestampMs: number, nowMs: number | undefined,
      offsetDeltas: readonly number[] | undefined, markRecords = false): number {
    const bodySizes = this.bodySizes;
    let nextMarkAt = markRecords ? position + RECORD_MARK_INTERVAL_BYTES : Number.POSITIVE_INFINITY;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (position >= nextMarkAt) {
        this.markRecord(i, position);
        nextMarkAt = position + RECORD_MARK_INTERVAL_BYTES;
      }
      position = writeVarint(out, position, bodySizes[i]!);
      out[position++] = 0;
      position = writeVarlong(out, position, (record.timestampMs ?? nowMs!) - baseTimestampMs);
      position = writeVarint(out, position, offsetDeltas === undefined ? i : offsetDeltas[i]!);
      position = writeField(out, position, record.key);
      position = writeField(out, position, record.value);
      const headers = record.headers;
      const headerCount = headers === undefined ? 0 : headers.length;
      position = writeVarint(out, position, headerCount);
      for (let h = 0; h < headerCount; h++) {
        const header = headers![h]!;
        position = writeField(out, position, header.key);
        position = writeField(out, position, header.value);
      }
    }
    return position;
  }

  private markRecord(index: number, positionInBatch: number): void {
    const marks = this.recordMarks;
    if (marks.count * 2 === marks.pairs.length) {
      const grown = new Int32Array(marks.pairs.length * 2);
      grown.set(marks.pairs);
      marks.pairs = grown;
    }
    marks.pairs[marks.count * 2] = index;
    marks.pairs[marks.count * 2 + 1] = positionInBatch;
    marks.count++;
  }
}

/** Compactor-supplied deltas: int32, non-negative, strictly increasing (readers rely on the order). */
function checkOffsetDeltas(offsetDeltas: readonly number[]): void {
  let previous = -1;
  for (let i = 0; i < offsetDeltas.length; i++) {
    const delta = offsetDeltas[i]!;
    if (!Number.isInteger(delta) || delta <= previous || delta > 2147483647) {
      throw new InvalidArgumentError(`offsetDeltas[${i}] = ${delta}: deltas must be increasing int32 values from 0`);
    }
    previous = delta;
  }
}

function writeField(out: Buffer, position: number, value: RecordBytes | undefined): number {
  if (value === null || value === undefined) return writeVarint(out, position, -1);
  if (typeof value === 'string') {
    const length = Buffer.byteLength(value, 'utf8');
    position = writeVarint(out, position, length);
    return position + out.write(value, position, length, 'utf8');
  }
  position = writeVarint(out, position, value.length);
  out.set(value, position);
  return position + value.length;
}

const sharedEncoder = new BatchEncoder();

/** Encodes one batch into a fresh Uint8Array (the standalone form of BatchEncoder). */
export function encodeBatch(records: readonly RecordInput[], options: EncodeOptions = {}): Uint8Array {
  return Uint8Array.prototype.slice.call(sharedEncoder.encode(records, options));
}

export interface ControlBatchOptions {
  baseOffset?: number;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  timestampMs: number;
  partitionLeaderEpoch?: number;
}

/** A COMMIT/ABORT transaction marker batch (78 bytes, attributes 0x30, baseSequence -1; §2.7). */
export function encodeControlBatch(kind: 'COMMIT' | 'ABORT', options: ControlBatchOptions): Uint8Array {
  return encodeBatch([{ key: controlKey(kind === 'COMMIT' ? 1 : 0), value: endTxnMarkerValue(options.coordinatorEpoch),
      timestampMs: options.timestampMs }], {
    baseOffset: options.baseOffset ?? 0,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
  });
}
