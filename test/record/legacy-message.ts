/**
 * Test support: legacy (magic 0/1) messages built by hand from reference §2.9, with the CRC from
 * node:zlib's CRC-32 (IEEE) — an implementation independent of seglog's.
 *   offset int64 | size int32 | crc uint32 | magic int8 | attributes int8 | [timestamp int64, v1] |
 *   keyLength int32 (-1 null) | key | valueLength int32 (-1 null) | value
 */
import { crc32 } from 'node:zlib';

export function legacyMessage(magic: 0 | 1, offset: number, key: Buffer | null, value: Buffer | null, timestampMs = -1,
    attributes = 0): Buffer {
  const body = Buffer.concat([
    Buffer.from([magic, attributes]),
    magic === 1 ? int64(timestampMs) : Buffer.alloc(0),
    int32(key === null ? -1 : key.length), key ?? Buffer.alloc(0),
    int32(value === null ? -1 : value.length), value ?? Buffer.alloc(0),
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([int64(offset), int32(4 + body.length), crc, body]);
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value, 0);
  return b;
}

function int64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(value), 0);
  return b;
}
