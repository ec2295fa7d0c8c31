/**
 * Small measuring tools shared by the cases: a monotonic clock in nanoseconds, percentiles over a
 * preallocated sample array, a seeded PRNG, and deterministic payload bytes. No allocation inside
 * the timed loops: samples go into a Float64Array sized before the loop starts.
 */

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** The q-quantile (0..1) of the first `count` samples; sorts that prefix in place. */
export function quantile(samples: Float64Array, count: number, q: number): number {
  const view = samples.subarray(0, count);
  view.sort();
  if (count === 0) return Number.NaN;
  const index = Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
  return view[index]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** xorshift32: fast, seedable, good enough to spread lookups. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  nextU32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** An integer in [0, bound). */
  below(bound: number): number {
    return Math.floor((this.nextU32() / 0x1_0000_0000) * bound);
  }
}

/** Incompressible-looking bytes from a seed, so codecs and CRCs cannot shortcut. */
export function payload(sizeBytes: number, seed: number): Buffer {
  const rng = new Rng(seed);
  const bytes = Buffer.allocUnsafe(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) bytes[i] = rng.nextU32() & 0xff;
  return bytes;
}

export const MIB = 1024 * 1024;
export const KIB = 1024;

export function mbPerSec(bytes: number, ns: number): number {
  return bytes / MIB / (ns / 1e9);
}

export function perSec(count: number, ns: number): number {
  return count / (ns / 1e9);
}

/** Folds a number into a 32-bit checksum (results of timed work go through here). */
export function fold(checksum: number, value: number): number {
  return (Math.imul(checksum ^ (value | 0), 0x01000193) ^ Math.floor(value / 0x1_0000_0000)) >>> 0;
}
