/**
 * Zigzag varints and varlongs (protobuf base-128, least-significant group first) — every varint
 * inside a v2 record is the signed zigzag flavour, lengths and counts included (reference §1.1).
 *
 * Reading goes through a RecordCursor: one reused object holding the bytes and the position, so a
 * record walk allocates nothing. A varint longer than 5 bytes (varlong: 10), or one that runs past
 * the end, is a CorruptRecordError carrying the byte position the caller supplies.
 */
import { CorruptRecordError, UnsafeIntegerError } from '../errors.js';
import { VARINT_BYTES_MAX, VARLONG_BYTES_MAX } from '../limits.js';

export class RecordCursor {
  bytes: Uint8Array = new Uint8Array(0);
  position = 0;
  end = 0;
  /** Added to `position` in error messages: where these bytes sit in the file. */
  basePositionBytes = 0;
  path: string | undefined = undefined;
  offset: number | undefined = undefined;
  /**
   * True when `bytes` are a decompressed payload: a position in them has no file meaning, so errors
   * report `basePositionBytes` (the batch) and name the position inside the payload in the message.
   */
  decompressed = false;

  reset(bytes: Uint8Array, position: number, end: number, basePositionBytes: number): this {
    this.bytes = bytes;
    this.position = position;
    this.end = end;
    this.basePositionBytes = basePositionBytes;
    this.decompressed = false;
    return this;
  }

  fail(message: string): never {
    if (this.decompressed) {
      throw new CorruptRecordError(`${message} (byte ${this.position} of the decompressed records)`, { path: this.path,
          positionBytes: this.basePositionBytes, offset: this.offset });
    }
    throw new CorruptRecordError(message, { path: this.path, positionBytes: this.basePositionBytes + this.position, offset: this.offset });
  }

  /** An int64 derived from the record (offset, timestamp) left the safe integer range. */
  failUnsafe(message: string): never {
    const positionBytes = this.basePositionBytes + (this.decompressed ? 0 : this.position);
    throw new UnsafeIntegerError(message, { path: this.path, positionBytes, offset: this.offset });
  }

  readInt8(): number {
    if (this.position >= this.end) this.fail('record ends inside a field');
    return (this.bytes[this.position++]! << 24) >> 24;
  }

  readVarint(): number {
    const bytes = this.bytes;
    let position = this.position;
    let raw = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (i === VARINT_BYTES_MAX) this.fail('varint is too long');
      if (position >= this.end) this.fail('record ends inside a varint');
      const b = bytes[position++]!;
      raw |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    this.position = position;
    return (raw >>> 1) ^ -(raw & 1);
  }

  readVarlong(): number {
    const bytes = this.bytes;
    let position = this.position;
    let raw = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i === VARLONG_BYTES_MAX) this.fail('varlong is too long');
      if (position >= this.end) this.fail('record ends inside a varlong');
      const b = bytes[position++]!;
      raw += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
    }
    const start = this.position;
    this.position = position;
    // Up to 2^53 the double is exact; past it (only |value| near 2^52..2^53) redo the sum in BigInt.
    const value = raw <= Number.MAX_SAFE_INTEGER ? (raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2) : this.bigVarlong(start, position);
    if (!Number.isSafeInteger(value)) {
      throw new UnsafeIntegerError('varlong is outside the safe integer range', {
        path: this.path, positionBytes: this.basePositionBytes + (this.decompressed ? 0 : position), offset: this.offset,
      });
    }
    return value;
  }

  private bigVarlong(start: number, end: number): number {
    let raw = 0n;
    for (let i = end - 1; i >= start; i--) raw = (raw << 7n) | BigInt(this.bytes[i]! & 0x7f);
    const value = (raw >> 1n) ^ -(raw & 1n);
    return value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(value);
  }

  /** A length-prefixed byte field: -1 → null, else a view (no copy). */
  readBytes(length: number): Uint8Array | null {
    if (length === -1) return null;
    if (length < -1) this.fail(`negative length ${length}`);
    if (length > this.end - this.position) this.fail(`length ${length} runs past the end of the record`);
    const view = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  skip(length: number): void {
    if (length < -1) this.fail(`negative length ${length}`);
    if (length === -1) return;
    if (length > this.end - this.position) this.fail(`length ${length} runs past the end of the record`);
    this.position += length;
  }
}

export function sizeOfVarint(value: number): number {
  const v = ((value << 1) ^ (value >> 31)) >>> 0;
  // Compares, not a loop: the encoder sizes four or five varints per record.
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

export function sizeOfVarlong(value: number): number {
  // Timestamp deltas are small: the int32 arithmetic covers them (zigzag of |value| < 2^30 fits 31 bits).
  if (value >= -0x40000000 && value < 0x40000000 && (value | 0) === value) return sizeOfVarint(value);
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

/** Writes a zigzag varint at `position`; returns the position after it. */
export function writeVarint(bytes: Uint8Array, position: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    bytes[position++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  bytes[position++] = v;
  return position;
}

export function writeVarlong(bytes: Uint8Array, position: number, value: number): number {
  // Small enough for writeVarint (the common case: a timestamp delta), decided with int32 compares;
  // everything else, and anything that is not a safe integer, takes the wide path.
  if (value >= -0x40000000 && value < 0x40000000 && (value | 0) === value) return writeVarint(bytes, position, value);
  return writeWideVarlong(bytes, position, value);
}

function writeWideVarlong(bytes: Uint8Array, position: number, value: number): number {
  if (!Number.isSafeInteger(value)) throw new UnsafeIntegerError(`${value} is not a safe integer for a varlong`);
  if (Math.abs(value) > 2 ** 52) {
    // zigzag doubles the magnitude past 2^53, where doubles lose odd integers: BigInt for these.
    let big = value >= 0 ? BigInt(value) * 2n : -BigInt(value) * 2n - 1n;
    while (big >= 128n) {
      bytes[position++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    bytes[position++] = Number(big);
    return position;
  }
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 128) {
    bytes[position++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  bytes[position++] = v;
  return position;
}
