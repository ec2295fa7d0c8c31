/**
 * The cleaner's key → latest offset map: Kafka's SkimpyOffsetMap, an open-addressing hash table in
 * ONE preallocated buffer, so mapping millions of keys allocates nothing.
 *
 * Slot layout (OFFSET_MAP_SLOT_BYTES = 24):
 *   HASH = 0            16 bytes, MD5 of the key bytes (md5.ts, allocation-free)
 *   OFFSET = HASH + 16  int64 offset, stored as two uint32 words (high, low) in platform order —
 *                       the table lives only in memory, never on disk.
 * An empty slot is 24 zero bytes (an MD5 of all zeros is not a concern at 2^-128).
 *
 * Probing (Kafka's): attempt n reads an int32 big-endian from the hash at byte min(n, 12), adds
 * max(0, n − 12) (degrading to linear probing), |·| mod slots. No deletes; `put` overwrites.
 *
 * Capacity: slots = floor(memoryBytes / 24); entries are accepted up to slots × 0.9
 * (OFFSET_MAP_LOAD_FACTOR). Default memory 128 MiB → 5,592,405 slots → 5,033,164 keys; that is
 * 24 / 0.9 ≈ 26.7 bytes (25.4 MiB) per million keys at the fill limit. When the map is full the
 * cleaner stops mapping at the last fully mapped offset (`latestOffset`); the round cleans up to
 * there and the next round continues from it.
 *
 * Collisions: two different keys with the same 128-bit hash would make the older key's records look
 * superseded. With n keys the chance of any such pair is about n² / 2^129: 5 million keys → ~4·10^-26.
 */
import { assert } from '../assert.js';
import { InvalidArgumentError } from '../errors.js';
import { OFFSET_MAP_BYTES_DEFAULT, OFFSET_MAP_LOAD_FACTOR, OFFSET_MAP_SLOT_BYTES } from '../limits.js';
import { md5Into, MD5_DIGEST_BYTES } from './md5.js';

const HASH = 0;
const OFFSET = HASH + MD5_DIGEST_BYTES;
const SLOT_BYTES = OFFSET + 8;
const SLOT_WORDS = SLOT_BYTES / 4;
const OFFSET_HIGH_WORD = OFFSET / 4;
const OFFSET_LOW_WORD = OFFSET_HIGH_WORD + 1;
/** Kafka caps a cleaner thread's dedupe buffer at 2 GiB; so do we (Buffer and int32 slot math). */
const OFFSET_MAP_BYTES_MAX = 2 ** 31 - 1;
const TWO_POW_32 = 2 ** 32;

assert(SLOT_BYTES === OFFSET_MAP_SLOT_BYTES, 'offset map slot layout disagrees with limits.ts');

function isEmptySlot(words: Uint32Array, base: number): boolean {
  return words[base] === 0 && words[base + 1] === 0 && words[base + 2] === 0 && words[base + 3] === 0
    && words[base + OFFSET_HIGH_WORD] === 0 && words[base + OFFSET_LOW_WORD] === 0;
}

export class OffsetMap {
  readonly memoryBytes: number;
  readonly slots: number;
  /** Most entries accepted before `isFull` (slots × load factor). */
  readonly entriesMax: number;
  /** Distinct keys mapped. */
  size = 0;
  /** Highest offset put since the last clear, -1 if none. */
  latestOffset = -1;
  /** Probes beyond the first, for the collision-rate figure. */
  extraProbes = 0;
  private readonly words: Uint32Array;
  private readonly hashBytes = new Uint8Array(MD5_DIGEST_BYTES);
  private readonly hashWords = new Uint32Array(this.hashBytes.buffer);
  /** Slots written since the last clear: clearing only them keeps small rounds cheap on big maps. */
  private dirtyLowSlot: number;
  private dirtyHighSlot: number;

  constructor(memoryBytes: number = OFFSET_MAP_BYTES_DEFAULT) {
    if (!Number.isSafeInteger(memoryBytes) || memoryBytes < SLOT_BYTES * 2 || memoryBytes > OFFSET_MAP_BYTES_MAX) {
      const range = `[${SLOT_BYTES * 2}, ${OFFSET_MAP_BYTES_MAX}]`;
      throw new InvalidArgumentError(`offsetMapBytes must be an integer in ${range}, got ${memoryBytes}`);
    }
    this.slots = Math.floor(memoryBytes / SLOT_BYTES);
    this.memoryBytes = this.slots * SLOT_BYTES;
    this.entriesMax = Math.max(1, Math.floor(this.slots * OFFSET_MAP_LOAD_FACTOR));
    this.words = new Uint32Array(this.slots * SLOT_WORDS);
    this.dirtyLowSlot = this.slots;
    this.dirtyHighSlot = -1;
  }

  get isFull(): boolean {
    return this.size >= this.entriesMax;
  }

  /** Fraction of the usable capacity in use. */
  get utilization(): number {
    return this.size / this.entriesMax;
  }

  clear(): void {
    if (this.dirtyHighSlot >= this.dirtyLowSlot) {
      this.words.fill(0, this.dirtyLowSlot * SLOT_WORDS, (this.dirtyHighSlot + 1) * SLOT_WORDS);
    }
    this.dirtyLowSlot = this.slots;
    this.dirtyHighSlot = -1;
    this.size = 0;
    this.latestOffset = -1;
    this.extraProbes = 0;
  }

  /** Maps key bytes[start .. start+length) to `offset` (later puts win). The map must not be full. */
  put(key: Uint8Array, start: number, length: number, offset: number): void {
    assert(offset >= 0 && Number.isSafeInteger(offset), 'offset map: bad offset');
    md5Into(key, start, length, this.hashBytes, 0);
    const slot = this.findSlot();
    const words = this.words;
    const base = slot * SLOT_WORDS;
    if (isEmptySlot(words, base)) {
      assert(this.size < this.entriesMax, 'offset map: put into a full map');
      const h = this.hashWords;
      words[base] = h[0]!;
      words[base + 1] = h[1]!;
      words[base + 2] = h[2]!;
      words[base + 3] = h[3]!;
      this.size++;
      if (slot < this.dirtyLowSlot) this.dirtyLowSlot = slot;
      if (slot > this.dirtyHighSlot) this.dirtyHighSlot = slot;
    }
    words[base + OFFSET_HIGH_WORD] = Math.floor(offset / TWO_POW_32);
    words[base + OFFSET_LOW_WORD] = offset >>> 0;
    if (offset > this.latestOffset) this.latestOffset = offset;
  }

  /** The offset mapped for the key, or -1. */
  get(key: Uint8Array, start: number, length: number): number {
    md5Into(key, start, length, this.hashBytes, 0);
    const base = this.findSlot() * SLOT_WORDS;
    const words = this.words;
    if (isEmptySlot(words, base)) return -1;
    return words[base + OFFSET_HIGH_WORD]! * TWO_POW_32 + words[base + OFFSET_LOW_WORD]!;
  }

  /** The slot holding the current hash, or the empty slot where it would go. */
  private findSlot(): number {
    const words = this.words;
    const h = this.hashWords;
    const bytes = this.hashBytes;
    const h0 = h[0]!;
    const h1 = h[1]!;
    const h2 = h[2]!;
    const h3 = h[3]!;
    const slots = this.slots;
    for (let attempt = 0; ; attempt++) {
      const at = attempt < 12 ? attempt : 12;
      const hashInt = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
      const probe = hashInt + (attempt > 12 ? attempt - 12 : 0);
      const slot = Math.abs(probe) % slots;
      const base = slot * SLOT_WORDS;
      const w0 = words[base]!;
      if (w0 === h0 && words[base + 1] === h1 && words[base + 2] === h2 && words[base + 3] === h3) return slot;
      if (w0 === 0 && isEmptySlot(words, base)) return slot;
      this.extraProbes++;
      assert(attempt < slots + 12, 'offset map: no free slot (load factor violated)');
    }
  }
}
