/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) in pure TypeScript, slice-by-8: eight
 * 256-entry tables let the loop consume 8 bytes per step. Measured here at ~1–1.3 GB/s (about the
 * speed of a C table implementation); the native side (sse4_crc32, SSE4.2 instruction) is 5–10×.
 */
const POLY = 0x82f63b78;
const TABLES = new Int32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLES[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLES[n] as number;
  for (let k = 1; k < 8; k++) {
    c = (TABLES[c & 0xff] as number) ^ (c >>> 8);
    TABLES[k * 256 + n] = c;
  }
}

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  const t = TABLES;
  let crc = ~initial;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    crc ^= (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    crc = (t[1792 + (crc & 0xff)] as number) ^ (t[1536 + ((crc >>> 8) & 0xff)] as number)
      ^ (t[1280 + ((crc >>> 16) & 0xff)] as number) ^ (t[1024 + (crc >>> 24)] as number)
      ^ (t[768 + (bytes[i + 4] as number)] as number) ^ (t[512 + (bytes[i + 5] as number)] as number)
      ^ (t[256 + (bytes[i + 6] as number)] as number) ^ (t[bytes[i + 7] as number] as number);
  }
  for (; i < end; i++) crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}
