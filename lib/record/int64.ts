/**
 * Big-endian int32/int64 access on plain Uint8Arrays without allocation. int64 fields (offsets,
 * timestamps, producer ids) become JS numbers: a value outside the safe-integer range is an
 * UnsafeIntegerError rather than a silently rounded offset.
 *
 * Exactness: hi * 2^32 is exact for any int32 hi, and adding the unsigned low word rounds only when
 * the true value's magnitude exceeds 2^53, in which case the rounded result is not a safe integer
 * either — so Number.isSafeInteger on the result is a correct range check.
 */
import { UnsafeIntegerError, type ErrorPlace } from '../errors.js';

const TWO_POW_32 = 4294967296;

export function readInt32(bytes: Uint8Array, position: number): number {
  return (bytes[position]! << 24) | (bytes[position + 1]! << 16) | (bytes[position + 2]! << 8) | bytes[position + 3]!;
}

export function readUint32(bytes: Uint8Array, position: number): number {
  return readInt32(bytes, position) >>> 0;
}

export function readInt16(bytes: Uint8Array, position: number): number {
  return ((bytes[position]! << 24) | (bytes[position + 1]! << 16)) >> 16;
}

/**
 * The int64 at `position` as a double, unchecked: exact when the value is a safe integer, otherwise
 * not a safe integer either (see above). For hot paths that check several fields at once.
 */
export function readInt64Unchecked(bytes: Uint8Array, position: number): number {
  return readInt32(bytes, position) * TWO_POW_32 + readUint32(bytes, position + 4);
}

export function readInt64(bytes: Uint8Array, position: number, place?: ErrorPlace): number {
  const value = readInt32(bytes, position) * TWO_POW_32 + readUint32(bytes, position + 4);
  if (!Number.isSafeInteger(value)) {
    throw new UnsafeIntegerError(`int64 at byte ${position} is outside the safe integer range`, place);
  }
  return value;
}

export function writeInt32(bytes: Uint8Array, position: number, value: number): void {
  bytes[position] = value >>> 24;
  bytes[position + 1] = value >>> 16;
  bytes[position + 2] = value >>> 8;
  bytes[position + 3] = value;
}

export function writeInt16(bytes: Uint8Array, position: number, value: number): void {
  bytes[position] = value >>> 8;
  bytes[position + 1] = value;
}

export function writeInt64(bytes: Uint8Array, position: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new UnsafeIntegerError(`${value} is not a safe integer for an int64 field`);
  const hi = Math.floor(value / TWO_POW_32);
  writeInt32(bytes, position, hi | 0);
  writeInt32(bytes, position + 4, (value - hi * TWO_POW_32) >>> 0);
}
