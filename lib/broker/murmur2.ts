/**
 * Kafka's default partitioner hash: 32-bit MurmurHash2 with Kafka's seed, so a keyed record lands on
 * the partition a Java (or kafkajs) client would choose: `toPositive(murmur2(key)) % partitions`.
 * Little-endian 4-byte blocks, tail bytes folded in reverse, then the final avalanche. Math.imul keeps
 * the 32-bit wrapping multiply Java does natively.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** murmur2 of `bytes` as a signed int32, exactly Java's `Utils.murmur2`. */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const blocksEnd = length & ~3;
  for (let i = 0; i < blocksEnd; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= (bytes[blocksEnd + 2] as number) << 16;
  if (tail >= 2) h ^= (bytes[blocksEnd + 1] as number) << 8;
  if (tail >= 1) {
    h ^= bytes[blocksEnd] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs, which fails on MIN_VALUE). */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}
