/**
 * Kafka protocol primitives: a cursor reader over one request frame and a grow-only writer for
 * responses. Everything big-endian. Classic types: int8/16/32/64, STRING (int16 length, -1 = null),
 * BYTES (int32 length, -1 = null), ARRAY (int32 count, -1 = null). Flexible ("compact") types used
 * by flexible versions: unsigned-varint length + 1 (0 = null) and a tagged-field section (an unsigned
 * varint count of {tag, size, bytes}) after every struct.
 *
 * Invariants: the reader never reads past its frame — any overrun throws ProtocolError, which the
 * server answers by closing the connection (Kafka does the same with an unparsable request). int64
 * fields are returned as numbers and must be safe integers (offsets, timestamps, producer ids are).
 *
 * The writer can carry file regions: `region()` ends the current byte chunk and queues the region so
 * the server sends it straight from the page cache (Fetch). The frame size prefix counts both.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { FileRegion } from '../../index.js';
import { RESPONSE_WRITER_INITIAL_BYTES } from '../../limits.js';

/** A request we cannot parse: the connection is closed, as Kafka does. */
export class ProtocolError extends InvalidArgumentError {}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export class Reader {
  bytes: Buffer;
  position: number;
  end: number;

  constructor(bytes: Buffer, position = 0, end = bytes.length) {
    this.bytes = bytes;
    this.position = position;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  private need(sizeBytes: number): number {
    const at = this.position;
    if (sizeBytes < 0 || at + sizeBytes > this.end) {
      throw new ProtocolError(`request truncated: need ${sizeBytes} bytes at position ${at}, frame ends at ${this.end}`,
          { positionBytes: at });
    }
    this.position = at + sizeBytes;
    return at;
  }

  int8(): number {
    return this.bytes.readInt8(this.need(1));
  }
  int16(): number {
    return this.bytes.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.bytes.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.bytes.readUInt32BE(this.need(4));
  }
  int64(): number {
    const at = this.need(8);
    const high = this.bytes.readInt32BE(at);
    const low = this.bytes.readUInt32BE(at + 4);
    const value = high * 4294967296 + low;
    if (!Number.isSafeInteger(value)) throw new ProtocolError(`int64 at position ${at} is outside the safe integer range`,
        { positionBytes: at });
    return value;
  }
  boolean(): boolean {
    return this.int8() !== 0;
  }

  unsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.bytes[this.need(1)] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
    throw new ProtocolError(`unsigned varint longer than 5 bytes at position ${this.position}`, { positionBytes: this.position });
  }

  private text(length: number): string {
    const at = this.need(length);
    return utf8Decoder.decode(this.bytes.subarray(at, at + length));
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.text(length);
  }
  string(): string {
    const value = this.nullableString();
    if (value === null) throw new ProtocolError(`null where a string is required at position ${this.position}`,
        { positionBytes: this.position });
    return value;
  }
  compactNullableString(): string | null {
    const lengthPlusOne = this.unsignedVarint();
    if (lengthPlusOne === 0) return null;
    return this.text(lengthPlusOne - 1);
  }
  compactString(): string {
    const value = this.compactNullableString();
    if (value === null) throw new ProtocolError(`null where a compact string is required at position ${this.position}`,
        { positionBytes: this.position });
    return value;
  }

  /** A view into the frame (no copy): callers that keep it past the request must copy. */
  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    const at = this.need(length);
    return this.bytes.subarray(at, at + length);
  }
  bytesField(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  /** Array count; -1 (null) comes back as -1. Bounded by the bytes left so a hostile count cannot allocate. */
  arrayLength(minElementBytes = 1): number {
    const count = this.int32();
    if (count < -1) throw new ProtocolError(`negative array length ${count} at position ${this.position - 4}`,
        { positionBytes: this.position - 4 });
    if (count > 0 && count * minElementBytes > this.remaining) {
      throw new ProtocolError(`array of ${count} elements cannot fit in ${this.remaining} remaining bytes`,
          { positionBytes: this.position - 4 });
    }
    return count;
  }
  compactArrayLength(minElementBytes = 1): number {
    const count = this.unsignedVarint() - 1;
    if (count > 0 && count * minElementBytes > this.remaining) {
      throw new ProtocolError(`compact array of ${count} elements cannot fit in ${this.remaining} remaining bytes`,
          { positionBytes: this.position });
    }
    return count;
  }

  array<T>(readElement: (reader: Reader) => T, minElementBytes = 1): T[] {
    const count = this.arrayLength(minElementBytes);
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(readElement(this));
    return out;
  }

  /** Skips a tagged-field section; seglog understands no tags in requests. */
  skipTaggedFields(): void {
    const count = this.unsignedVarint();
    for (let i = 0; i < count; i++) {
      this.unsignedVarint();
      const sizeBytes = this.unsignedVarint();
      this.need(sizeBytes);
    }
  }
}


export type ResponseChunk = Buffer | FileRegion;

/** Grow-only response writer. One per connection; reset() between responses reuses its buffer. */
export class Writer {
  private buffer: Buffer;
  private position: number;
  private chunkStart: number;
  private chunks: ResponseChunk[];
  private regionBytes: number;

  constructor(initialBytes = RESPONSE_WRITER_INITIAL_BYTES) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
    this.position = 0;
    this.chunkStart = 0;
    this.chunks = [];
    this.regionBytes = 0;
  }

  reset(): this {
    this.position = 0;
    this.chunkStart = 0;
    this.chunks = [];
    this.regionBytes = 0;
    return this;
  }

  get sizeBytes(): number {
    return this.position + this.regionBytes;
  }

  /** Reserves bytes and returns their position. Call it before touching this.buffer: it may replace it. */
  private ensure(sizeBytes: number): number {
    const at = this.position;
    if (at + sizeBytes > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, at + sizeBytes));
      this.buffer.copy(grown, 0, 0, at);
      // Chunks already cut are copies, so growing never invalidates them.
      this.buffer = grown;
    }
    this.position = at + sizeBytes;
    return at;
  }

  int8(value: number): this {
    const at = this.ensure(1);
    this.buffer.writeInt8(value, at);
    return this;
  }
  int16(value: number): this {
    const at = this.ensure(2);
    this.buffer.writeInt16BE(value, at);
    return this;
  }
  int32(value: number): this {
    const at = this.ensure(4);
    this.buffer.writeInt32BE(value, at);
    return this;
  }
  /** Writes int32 at an earlier position (size prefixes). */
  int32At(positionBytes: number, value: number): this {
    this.buffer.writeInt32BE(value, positionBytes);
    return this;
  }
  int64(value: number): this {
    const at = this.ensure(8);
    this.buffer.writeBigInt64BE(BigInt(value), at);
    return this;
  }
  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }
  unsignedVarint(value: number): this {
    let rest = value;
    while (rest >= 0x80) {
      const at = this.ensure(1);
      this.buffer[at] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    const last = this.ensure(1);
    this.buffer[last] = rest;
    return this;
  }

  nullableString(value: string | null): this {
    if (value === null) return this.int16(-1);
    const length = Buffer.byteLength(value, 'utf8');
    this.int16(length);
    const at = this.ensure(length);
    this.buffer.write(value, at, length, 'utf8');
    return this;
  }
  string(value: string): this {
    return this.nullableString(value);
  }
  compactNullableString(value: string | null): this {
    if (value === null) return this.unsignedVarint(0);
    const length = Buffer.byteLength(value, 'utf8');
    this.unsignedVarint(length + 1);
    const at = this.ensure(length);
    this.buffer.write(value, at, length, 'utf8');
    return this;
  }
  compactString(value: string): this {
    return this.compactNullableString(value);
  }
  nullableBytes(value: Uint8Array | null): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    const at = this.ensure(value.length);
    this.buffer.set(value, at);
    return this;
  }
  bytesField(value: Uint8Array): this {
    return this.nullableBytes(value);
  }
  raw(value: Uint8Array): this {
    const at = this.ensure(value.length);
    this.buffer.set(value, at);
    return this;
  }
  emptyTaggedFields(): this {
    return this.unsignedVarint(0);
  }

  array<T>(items: readonly T[] | null, writeElement: (writer: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) writeElement(this, item);
    return this;
  }
  compactArray<T>(items: readonly T[] | null, writeElement: (writer: Writer, item: T) => void): this {
    if (items === null) return this.unsignedVarint(0);
    this.unsignedVarint(items.length + 1);
    for (const item of items) writeElement(this, item);
    return this;
  }

  /** Queues a file region after the bytes written so far; its bytes never enter user space. */
  region(region: FileRegion): this {
    if (region.sizeBytes === 0) return this;
    this.cutChunk();
    this.chunks.push(region);
    this.regionBytes += region.sizeBytes;
    return this;
  }

  private cutChunk(): void {
    if (this.position > this.chunkStart) this.chunks.push(Buffer.from(this.buffer.subarray(this.chunkStart, this.position)));
    this.chunkStart = this.position;
  }

  /**
   * The finished frame: patches the int32 size prefix the caller wrote at position 0 (the frame size
   * excludes the prefix itself) and returns the chunks to send in order. Byte chunks are copies (the
   * socket may still hold them after this writer is reset); region bytes are never copied.
   */
  finishFrame(): ResponseChunk[] {
    this.int32At(0, this.position + this.regionBytes - 4);
    if (this.chunks.length === 0) return [Buffer.from(this.buffer.subarray(0, this.position))];
    // The size prefix sits in the first chunk, already copied: rewrite it there.
    const first = this.chunks[0];
    if (first instanceof Buffer && this.chunkStart > 0) first.writeInt32BE(this.position + this.regionBytes - 4, 0);
    this.cutChunk();
    return this.chunks;
  }

  /** The bytes written so far (tests, non-region encoders). */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.position));
  }
}
