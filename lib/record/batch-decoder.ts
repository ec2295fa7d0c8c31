/**
 * Decoding `.log` bytes (or a fetch payload) into batches: `decodeBatches(bytes)` walks batches back
 * to back and stops silently at a partial trailing batch, as Kafka's file reader does (a reader
 * catching up with a writer, or a fetch cut at maxBytes). How far it got is on the iterator
 * (`validBytes`, `trailingBytes`), which is how the inspector reports trailing garbage.
 *
 * A RecordBatch reads its header once into plain fields; `records()` is lazy (decompression on first
 * call) and yields views into the batch bytes. Anything malformed is a CorruptRecordError naming the
 * byte position (relative to `basePositionBytes`) and the offset — never a RangeError or a loop.
 */
import { CorruptRecordError } from '../errors.js';
import { LOG_OVERHEAD_BYTES } from '../limits.js';
import { FRAME_TORN, frameBaseOffset, frameBatch, framingProblem } from './batch-framing.js';
import { BatchHeaderView, computeBatchCrc, readHeader } from './batch-header.js';
import { decompress } from './compression.js';
import { parseControlRecord, type ControlRecordInfo } from './control-record.js';
import { readInt32, readInt64 } from './int64.js';
import { BATCH_LENGTH, COMPRESSION_BY_ID, CURRENT_MAGIC, MAGIC, RECORDS } from './layout.js';
import { crc32Ieee, LEGACY_ATTRIBUTES, LEGACY_MAGIC, LEGACY_V1_TIMESTAMP, readLegacyMessage } from './legacy.js';
import { readRecord, readRecordLead, recordContextOf, type LogRecord, type RecordLead } from './record.js';
import { RecordCursor } from './varint.js';

/** recordAt's scratch (synchronous, never re-entered): no allocation per record stepped over. */
const LEAD: RecordLead = { lengthBytes: 0, bodyStart: 0, offsetDelta: 0 };

export interface DecodeOptions {
  /** File position of bytes[0], for error messages and `positionBytes`. */
  basePositionBytes?: number;
  path?: string;
  /** Throw CorruptRecordError on a CRC mismatch (default false: callers choose, see isValid()). */
  verifyCrc?: boolean;
  /** Stop silently at a partial trailing batch (default true); false → CorruptRecordError. */
  allowTruncatedTail?: boolean;
}

/** One decoded batch: the header fields (read once, as BatchHeaderView's) plus lazy records. */
export class RecordBatch extends BatchHeaderView {
  /** File position of the batch (basePositionBytes + its index in the given bytes). */
  readonly positionBytes: number;
  readonly path: string | undefined;
  private readonly source: Uint8Array;
  private readonly start: number;

  constructor(source: Uint8Array, start: number, basePositionBytes: number, path: string | undefined) {
    super();
    this.source = source;
    this.start = start;
    this.positionBytes = basePositionBytes + start;
    this.path = path;
    const magic = source[start + MAGIC]!;
    if (magic === CURRENT_MAGIC) {
      readHeader(this, source, start, { path, basePositionBytes });
    } else {
      this.readLegacyHeader(magic);
    }
  }

  private readLegacyHeader(magic: number): void {
    const bytes = this.source;
    const start = this.start;
    this.magic = magic;
    this.baseOffset = readInt64(bytes, start, { path: this.path, positionBytes: this.positionBytes });
    this.lastOffset = this.baseOffset;
    this.batchLength = readInt32(bytes, start + BATCH_LENGTH);
    this.sizeBytes = LOG_OVERHEAD_BYTES + this.batchLength;
    this.crc = readInt32(bytes, start + LEGACY_MAGIC - 4) >>> 0;
    this.attributes = bytes[start + LEGACY_ATTRIBUTES]!;
    this.compression = COMPRESSION_BY_ID[this.attributes & 0x07] ?? 'none';
    this.timestampType = magic === 1 && (this.attributes & 0x08) !== 0 ? 'LogAppendTime' : 'CreateTime';
    if (magic === 1 && this.sizeBytes >= LEGACY_V1_TIMESTAMP + 8) {
      this.maxTimestampMs = readInt64(bytes, start + LEGACY_V1_TIMESTAMP, { path: this.path, positionBytes: this.positionBytes });
      this.baseTimestampMs = this.maxTimestampMs;
    }
    this.recordsCount = 1;
  }

  get nextOffset(): number {
    return this.lastOffset + 1;
  }

  /** lastSequence per §2.1: wraps past int32 max to 0; -1 without a base sequence. */
  get lastSequence(): number {
    return this.baseSequence < 0 ? -1 : (this.baseSequence + this.lastOffsetDelta) % 2147483648;
  }

  /** The compaction delete horizon, or -1 when the batch has none. */
  get deleteHorizonMs(): number {
    return this.hasDeleteHorizon ? this.baseTimestampMs : -1;
  }

  /** The batch's bytes (a view, no copy). */
  bytes(): Uint8Array {
    return this.source.subarray(this.start, this.start + this.sizeBytes);
  }

  /** CRC over [attributes, end) (CRC-32C); legacy messages: CRC-32 IEEE over [magic, end). */
  computedCrc(): number {
    // A legacy CRC covers [magic, end) whatever the fields inside say, so it is computable even when they are malformed.
    if (this.magic !== CURRENT_MAGIC) return crc32Ieee(this.source, this.start + LEGACY_MAGIC, this.start + this.sizeBytes);
    return computeBatchCrc(this.source, this.start, this.sizeBytes);
  }

  isValid(): boolean {
    return this.computedCrc() === this.crc;
  }

  ensureValid(): void {
    const computed = this.computedCrc();
    if (computed !== this.crc) {
      throw new CorruptRecordError(`CRC mismatch: stored ${this.crc}, computed ${computed}`, { path: this.path,
          positionBytes: this.positionBytes, offset: this.baseOffset });
    }
  }

  /** A cursor over the (decompressed) records of a v2 batch; null for a bare header (no records). */
  private recordCursor(): RecordCursor | null {
    const place = { path: this.path, positionBytes: this.positionBytes, offset: this.baseOffset };
    const cursor = new RecordCursor();
    cursor.path = this.path;
    cursor.offset = this.baseOffset;
    const payloadStart = this.start + RECORDS;
    const payloadEnd = this.start + this.sizeBytes;
    // The compactor keeps emptied batches as a bare header (Kafka writes no compressed stream for them).
    if (this.recordsCount === 0 && payloadEnd === payloadStart) return null;
    if (this.compression === 'none') {
      cursor.reset(this.source, payloadStart, payloadEnd, this.positionBytes - this.start);
    } else {
      const plain = decompress(this.compression, this.source.subarray(payloadStart, payloadEnd), place);
      // Positions inside decompressed bytes have no file meaning: errors report the batch position.
      cursor.reset(plain, 0, plain.length, this.positionBytes);
      cursor.decompressed = true;
    }
    return cursor;
  }

  /**
   * The record at `offset` alone (a point read): the records before it are stepped over by their
   * length and offset delta, with no allocation, and only the one asked for is decoded (its key and
   * value are views into the batch bytes). null when the batch does not hold that offset (compacted
   * away, or outside the batch).
   */
  recordAt(offset: number): LogRecord | null {
    if (this.magic !== CURRENT_MAGIC) {
      const record = this.legacyRecord();
      return record.offset === offset ? record : null;
    }
    if (offset < this.baseOffset || offset > this.lastOffset) return null;
    const cursor = this.recordCursor();
    if (cursor === null) return null;
    const wantedDelta = offset - this.baseOffset;
    const lead = LEAD;
    for (let i = 0; i < this.recordsCount; i++) {
      const start = cursor.position;
      readRecordLead(cursor, cursor.end, lead);
      if (lead.offsetDelta === wantedDelta) {
        cursor.position = start;
        return readRecord(cursor, recordContextOf(this));
      }
      if (lead.offsetDelta > wantedDelta) return null;
      cursor.position = lead.bodyStart + lead.lengthBytes;
    }
    return null;
  }

  /** Lazily decoded records; each record's offset is baseOffset + its stored offset delta. */
  *records(): Generator<LogRecord, void, undefined> {
    if (this.magic !== CURRENT_MAGIC) {
      yield this.legacyRecord();
      return;
    }
    const place = { path: this.path, positionBytes: this.positionBytes, offset: this.baseOffset };
    const cursor = this.recordCursor();
    if (cursor === null) return;
    const context = recordContextOf(this);
    for (let i = 0; i < this.recordsCount; i++) yield readRecord(cursor, context);
    if (cursor.position !== cursor.end) {
      const left = cursor.end - cursor.position;
      throw new CorruptRecordError(`incorrect declared batch size: ${left} bytes left after ${this.recordsCount} records`, place);
    }
  }

  /** Every record, collected (tests, small batches). */
  recordArray(): LogRecord[] {
    return Array.from(this.records());
  }

  private legacyRecord(): LogRecord {
    const message = readLegacyMessage(this.source, this.start, this.sizeBytes, { path: this.path, positionBytes: this.positionBytes });
    if ((message.attributes & 0x07) !== 0) {
      throw new CorruptRecordError(`compressed legacy (magic ${this.magic}) message sets are not expanded`, { path: this.path,
          positionBytes: this.positionBytes, offset: this.baseOffset });
    }
    return {
      offset: message.offset,
      offsetDelta: 0,
      timestampMs: message.timestampMs,
      key: message.key,
      value: message.value,
      headers: [],
      sequence: -1,
      keySizeBytes: message.key === null ? -1 : message.key.length,
      valueSizeBytes: message.value === null ? -1 : message.value.length,
      sizeBytes: this.sizeBytes,
    };
  }

  /** The control record of a control batch (null for data batches and empty control batches). */
  controlRecord(): ControlRecordInfo | null {
    if (!this.isControl) return null;
    for (const record of this.records()) return parseControlRecord(record.key, record.value);
    return null;
  }
}

/** Iterates the batches in `bytes`; after iteration, `validBytes`/`trailingBytes` say how far it got. */
export class BatchIterator implements IterableIterator<RecordBatch> {
  private readonly bytes: Uint8Array;
  private readonly basePositionBytes: number;
  private readonly path: string | undefined;
  private readonly verifyCrc: boolean;
  private readonly allowTruncatedTail: boolean;
  private position = 0;
  /** Bytes of whole batches seen so far. */
  validBytes = 0;
  /** Bytes left after the last whole batch (set once iteration ends). */
  trailingBytes = 0;

  constructor(bytes: Uint8Array, options: DecodeOptions = {}) {
    this.bytes = bytes;
    this.basePositionBytes = options.basePositionBytes ?? 0;
    this.path = options.path;
    this.verifyCrc = options.verifyCrc ?? false;
    this.allowTruncatedTail = options.allowTruncatedTail ?? true;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<RecordBatch, undefined> {
    const bytes = this.bytes;
    const position = this.position;
    const remaining = bytes.length - position;
    const positionBytes = this.basePositionBytes + position;
    if (remaining === 0) return this.finish();
    const sizeBytes = frameBatch(bytes, position, remaining);
    if (sizeBytes === FRAME_TORN) return this.truncated(framingProblem(sizeBytes, bytes, position, remaining));
    if (sizeBytes <= 0) {
      throw new CorruptRecordError(framingProblem(sizeBytes, bytes, position, remaining), { path: this.path, positionBytes,
        offset: frameBaseOffset(bytes, position) });
    }
    const batch = new RecordBatch(bytes, position, this.basePositionBytes, this.path);
    if (batch.sizeBytes !== sizeBytes) throw new CorruptRecordError('batch length changed while reading', { path: this.path,
        positionBytes });
    if (this.verifyCrc) batch.ensureValid();
    this.position = position + sizeBytes;
    this.validBytes = this.position;
    return { value: batch, done: false };
  }

  private truncated(what: string): IteratorResult<RecordBatch, undefined> {
    if (!this.allowTruncatedTail) {
      throw new CorruptRecordError(`truncated batch: ${what}`, { path: this.path, positionBytes: this.basePositionBytes + this.position });
    }
    return this.finish();
  }

  private finish(): IteratorResult<RecordBatch, undefined> {
    this.trailingBytes = this.bytes.length - this.position;
    return { value: undefined, done: true };
  }
}

/** The batches in `bytes` (a segment's contents, a fetch payload, one producer batch). */
export function decodeBatches(bytes: Uint8Array, options?: DecodeOptions): BatchIterator {
  return new BatchIterator(bytes, options);
}
