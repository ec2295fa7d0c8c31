/** Bit-at-a-time CRC-32C: slow, obviously right, the oracle every CRC side is held to. */
export function referenceCrc32c(bytes: Uint8Array, start: number, end: number, initial: number): number {
  let crc = ~initial >>> 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i] as number;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}
