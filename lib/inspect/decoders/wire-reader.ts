/**
 * A cursor over the bytes of one Kafka protocol message (the key or value of an internal-topic
 * record): big-endian fixed-width integers, unsigned varints, UUIDs, and the two encodings of
 * strings, byte arrays and array lengths — classic (int16 / int32 length, -1 for null) and
 * flexible ("compact": unsigned varint of length + 1, 0 for null).
 *
 * Every read checks its bounds against `endBytes`; running past it is a CorruptRecordError naming
 * the message and the byte position inside it. A tagged field is read by narrowing `endBytes` to
 * the field's declared size (`narrow`) and restoring it afterwards, so a field shorter than its size
 * is caught and a longer one never reads into the next field.
 */
import { CorruptRecordError } from '../../errors.js';
import { readInt16, readInt32, readUint32 } from '../../record/int64.js';

/** An unsigned varint as Kafka writes lengths and tags: at most 5 bytes (32 bits). */
const UNSIGNED_VARINT_BYTES_MAX = 5;
const UUID_BYTES = 16;
const TWO_POW_32 = 4294967296;

/**
 * Reused for every record a decoder reads (`reset`): decoding a 1 GiB `__consumer_offsets` segment
 * should allocate the decoded objects and nothing per field or per record besides.
 */
export class WireReader {
  private bytes: Uint8Array;
  positionBytes: number;
  endBytes: number;
  /** What is being read and its schema version (-1: not known yet), for error messages ("OffsetCommitValue v3"). */
  what: string;
  version: number;

  constructor(bytes: Uint8Array, what: string) {
    this.bytes = bytes;
    this.positionBytes = 0;
    this.endBytes = bytes.byteLength;
    this.what = what;
    this.version = -1;
  }

  reset(bytes: Uint8Array, what: string, version = -1): this {
    this.bytes = bytes;
    this.positionBytes = 0;
    this.endBytes = bytes.byteLength;
    this.what = what;
    this.version = version;
    return this;
  }

  get remainingBytes(): number {
    return this.endBytes - this.positionBytes;
  }

  fail(message: string): never {
    const what = this.version === -1 ? this.what : `${this.what} v${this.version}`;
    throw new CorruptRecordError(`${what}: ${message} at byte ${this.positionBytes}`);
  }

  private need(sizeBytes: number, field: string): number {
    const at = this.positionBytes;
    if (sizeBytes > this.endBytes - at) this.fail(`${field} needs ${sizeBytes} bytes, ${this.endBytes - at} left`);
    this.positionBytes = at + sizeBytes;
    return at;
  }

  int8(): number {
    return (this.bytes[this.need(1, 'int8')]! << 24) >> 24;
  }

  bool(): boolean {
    return this.bytes[this.need(1, 'bool')]! !== 0;
  }

  int16(): number {
    return readInt16(this.bytes, this.need(2, 'int16'));
  }

  uint16(): number {
    const at = this.need(2, 'uint16');
    return (this.bytes[at]! << 8) | this.bytes[at + 1]!;
  }

  int32(): number {
    return readInt32(this.bytes, this.need(4, 'int32'));
  }

  /** A safe integer as a number; outside the safe range, the exact decimal as a string (never rounded). */
  int64(): number | string {
    const at = this.need(8, 'int64');
    const value = readInt32(this.bytes, at) * TWO_POW_32 + readUint32(this.bytes, at + 4);
    if (Number.isSafeInteger(value)) return value;
    return new DataView(this.bytes.buffer, this.bytes.byteOffset).getBigInt64(at).toString();
  }

  float64(): number {
    const at = this.need(8, 'float64');
    return new DataView(this.bytes.buffer, this.bytes.byteOffset).getFloat64(at);
  }

  /** Kafka prints a UUID as URL-safe base64 without padding (Uuid.toString). */
  uuid(): string {
    const at = this.need(UUID_BYTES, 'uuid');
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, UUID_BYTES).toString('base64url');
  }

  unsignedVarint(): number {
    let value = 0;
    for (let i = 0; i < UNSIGNED_VARINT_BYTES_MAX; i++) {
      const byte = this.bytes[this.need(1, 'varint')]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    return this.fail('unsigned varint longer than 5 bytes');
  }

  /** A length prefix: -1 for null; never more than the bytes left (each element takes at least `elementBytesMin`). */
  length(flexible: boolean, wide: boolean, elementBytesMin: number, field: string): number {
    const length = flexible ? this.unsignedVarint() - 1 : wide ? this.int32() : this.int16();
    if (length < -1) this.fail(`${field} has negative length ${length}`);
    if (length * elementBytesMin > this.remainingBytes) this.fail(`${field} of length ${length} runs past the end`);
    return length;
  }

  /** The next `sizeBytes` as a view (no copy). */
  slice(sizeBytes: number): Uint8Array {
    const at = this.need(sizeBytes, 'bytes');
    return this.bytes.subarray(at, at + sizeBytes);
  }

  utf8(sizeBytes: number): string {
    const at = this.need(sizeBytes, 'string');
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, sizeBytes).toString('utf8');
  }

  skip(sizeBytes: number): void {
    this.need(sizeBytes, 'tagged field');
  }

  /** Limits reads to the next `sizeBytes`; returns the end to restore with `widen`. */
  narrow(sizeBytes: number): number {
    const outerEnd = this.endBytes;
    if (sizeBytes > outerEnd - this.positionBytes) this.fail(`tagged field of ${sizeBytes} bytes runs past the end`);
    this.endBytes = this.positionBytes + sizeBytes;
    return outerEnd;
  }

  widen(outerEnd: number): void {
    if (this.positionBytes !== this.endBytes) this.fail(`tagged field has ${this.endBytes - this.positionBytes} unread bytes`);
    this.endBytes = outerEnd;
  }
}

/**
 * Positions `reader` after the int16 schema version that prefixes coordinator keys and values and
 * returns that version. Error messages name the message and version ("OffsetCommitValue v3").
 */
export function readVersion(reader: WireReader, bytes: Uint8Array, what: string): number {
  const version = reader.reset(bytes, what).int16();
  reader.version = version;
  return version;
}

/** Decoded messages must use every byte they were given; leftovers mean the schema guess was wrong. */
export function expectEnd(reader: WireReader): void {
  if (reader.remainingBytes !== 0) reader.fail(`${reader.remainingBytes} byte(s) left over`);
}
