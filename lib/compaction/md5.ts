/**
 * MD5 (RFC 1321) of a byte range, written into a caller's buffer without allocating: the offset
 * map hashes every keyed record of the dirty range, and node:crypto's createHash allocates a Hash
 * object and a digest Buffer per call (measured in bench/compaction: several times slower per key).
 * MD5 is the hash Kafka's SkimpyOffsetMap uses; its 32-bit add/rotate/xor rounds map directly onto
 * JavaScript's int32 arithmetic. Not used for security — only as a 128-bit key fingerprint.
 *
 * Layout written at `out[outPosition .. +16)`: the four state words A, B, C, D, little-endian
 * (the standard digest byte order, so results equal `createHash('md5').digest()`).
 */

const DIGEST_BYTES = 16;
const BLOCK_BYTES = 64;
/** Padding leaves 8 bytes at the end of the last block for the bit length. */
const LENGTH_FIELD_POSITION = BLOCK_BYTES - 8;

/** Per-round left-rotation amounts. */
const SHIFTS = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);

/** K[i] = floor(|sin(i + 1)| · 2^32), as int32. */
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

/** Message-word index used by round i. */
const WORD_INDEX = new Uint8Array(64);
for (let i = 0; i < 64; i++) {
  WORD_INDEX[i] = i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;
}

const words = new Int32Array(16);
const tail = new Uint8Array(BLOCK_BYTES * 2);
const state = new Int32Array(4);

function loadWords(bytes: Uint8Array, position: number): void {
  for (let w = 0; w < 16; w++) {
    const p = position + w * 4;
    words[w] = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
  }
}

function compressBlock(): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  for (let i = 0; i < 64; i++) {
    let f: number;
    if (i < 16) f = (b & c) | (~b & d);
    else if (i < 32) f = (d & b) | (~d & c);
    else if (i < 48) f = b ^ c ^ d;
    else f = c ^ (b | ~d);
    f = (f + a + K[i]! + words[WORD_INDEX[i]!]!) | 0;
    a = d;
    d = c;
    c = b;
    const s = SHIFTS[i]!;
    b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}

/** Writes MD5(bytes[start .. start+length)) to out[outPosition .. +16). */
export function md5Into(bytes: Uint8Array, start: number, length: number, out: Uint8Array, outPosition: number): void {
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
  const end = start + length;
  let position = start;
  for (; position + BLOCK_BYTES <= end; position += BLOCK_BYTES) {
    loadWords(bytes, position);
    compressBlock();
  }
  const remaining = end - position;
  tail.fill(0);
  for (let i = 0; i < remaining; i++) tail[i] = bytes[position + i]!;
  tail[remaining] = 0x80;
  const tailBytes = remaining < LENGTH_FIELD_POSITION ? BLOCK_BYTES : BLOCK_BYTES * 2;
  // Bit length, little-endian int64; keys are < 2^29 bytes so the high word is length >>> 29.
  const lengthAt = tailBytes - 8;
  const bitsLow = (length << 3) >>> 0;
  tail[lengthAt] = bitsLow & 0xff;
  tail[lengthAt + 1] = (bitsLow >>> 8) & 0xff;
  tail[lengthAt + 2] = (bitsLow >>> 16) & 0xff;
  tail[lengthAt + 3] = (bitsLow >>> 24) & 0xff;
  const bitsHigh = Math.floor(length / 2 ** 29);
  tail[lengthAt + 4] = bitsHigh & 0xff;
  tail[lengthAt + 5] = (bitsHigh >>> 8) & 0xff;
  tail[lengthAt + 6] = (bitsHigh >>> 16) & 0xff;
  tail[lengthAt + 7] = (bitsHigh >>> 24) & 0xff;
  for (let p = 0; p < tailBytes; p += BLOCK_BYTES) {
    loadWords(tail, p);
    compressBlock();
  }
  for (let w = 0; w < 4; w++) {
    const v = state[w]!;
    const p = outPosition + w * 4;
    out[p] = v & 0xff;
    out[p + 1] = (v >>> 8) & 0xff;
    out[p + 2] = (v >>> 16) & 0xff;
    out[p + 3] = (v >>> 24) & 0xff;
  }
}

export const MD5_DIGEST_BYTES = DIGEST_BYTES;
