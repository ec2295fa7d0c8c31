/**
 * Legacy message formats v0/v1 (reference §2.9), read-only: recognised so that old segments and
 * inspector runs on them do not crash, never written.
 *
 *   offset int64 | messageSize int32 | crc uint32 (CRC-32 IEEE of magic..end) | magic int8 |
 *   attributes int8 | [timestamp int64, v1 only] | keyLength int32 (-1 null) | key | valueLength int32 | value
 *
 * A compressed wrapper's value nests a whole message set and its framing offset is the last inner
 * offset; seglog reports such wrappers but does not expand them.
 */
import { CorruptRecordError } from '../errors.js';
import { readInt32, readInt64, readUint32 } from './int64.js';

const LEGACY_CRC = 12;
export const LEGACY_MAGIC = LEGACY_CRC + 4;
export const LEGACY_ATTRIBUTES = LEGACY_MAGIC + 1;
export const LEGACY_V1_TIMESTAMP = LEGACY_ATTRIBUTES + 1;

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, zlib's) — legacy messages only. */
export function crc32Ieee(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC32_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

interface LegacyMessage {
  offset: number;
  magic: number;
  attributes: number;
  crc: number;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  crcValid: boolean;
}

/** Parses the legacy message at `position` of `sizeBytes` (framing included). */
export function readLegacyMessage(bytes: Uint8Array, position: number, sizeBytes: number,
    place: { path?: string | undefined; positionBytes: number }): LegacyMessage {
  const end = position + sizeBytes;
  const magic = bytes[position + LEGACY_MAGIC]!;
  const fail = (why: string): never => {
    throw new CorruptRecordError(`legacy message v${magic}: ${why}`, place);
  };
  let at = position + LEGACY_V1_TIMESTAMP;
  let timestampMs = -1;
  if (magic === 1) {
    if (end - at < 8) fail('cut off in its timestamp');
    timestampMs = readInt64(bytes, at, place);
    at += 8;
  }
  const field = (): Uint8Array | null => {
    if (end - at < 4) fail('cut off in a length');
    const length = readInt32(bytes, at);
    at += 4;
    if (length === -1) return null;
    if (length < 0 || length > end - at) fail(`length ${length} runs past the message`);
    const view = bytes.subarray(at, at + length);
    at += length;
    return view;
  };
  const key = field();
  const value = field();
  const crc = readUint32(bytes, position + LEGACY_CRC);
  return {
    offset: readInt64(bytes, position, place),
    magic,
    attributes: bytes[position + LEGACY_ATTRIBUTES]!,
    crc,
    timestampMs,
    key,
    value,
    crcValid: crc32Ieee(bytes, position + LEGACY_MAGIC, end) === crc,
  };
}
