/** crc32c contract: the same cases against the native side, the fallback and the chosen side. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';
import { crc32cSides } from './sides.js';
import { referenceCrc32c } from './crc32c-reference.js';

const seed = seedFromEnv();
const CASES = Number(process.env['SEGLOG_FUZZ_CASES'] ?? 200);

function randomBytes(random: () => number, lengthBytes: number): Buffer {
  const bytes = Buffer.alloc(lengthBytes);
  for (let i = 0; i < lengthBytes; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

for (const { name, impl: crc32c } of crc32cSides) {
  test(`${name}: check value CRC-32C("123456789") = 0xE3069283`, () => {
    assert.is(crc32c(Buffer.from('123456789', 'latin1')), 0xe3069283);
    assert.is(crc32c(new Uint8Array(Buffer.from('123456789', 'latin1'))), 0xe3069283);
  });

  test(`${name}: empty input and empty range give the initial value back`, () => {
    assert.is(crc32c(Buffer.alloc(0)), 0);
    assert.is(crc32c(Buffer.from('abc'), 2, 2, 0x12345678), 0x12345678);
  });

  test(`${name}: known vectors (RFC 3720 B.4)`, () => {
    assert.is(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
    assert.is(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    const ascending = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) ascending[i] = i;
    assert.is(crc32c(ascending), 0x46dd794e);
  });

  test(`${name}: random buffers match the bit-at-a-time reference (seed ${seed})`, () => {
    const random = seededRandom(seed);
    for (let c = 0; c < CASES; c++) {
      const bytes = randomBytes(random, Math.floor(random() * 3000));
      const expected = referenceCrc32c(bytes, 0, bytes.length, 0);
      assert.is(crc32c(bytes), expected, `seed ${seed} case ${c} length ${bytes.length}`);
    }
  });

  test(`${name}: start/end ranges match the reference (seed ${seed})`, () => {
    const random = seededRandom(seed ^ 0x5eed);
    for (let c = 0; c < CASES; c++) {
      const bytes = randomBytes(random, 1 + Math.floor(random() * 2000));
      const start = Math.floor(random() * bytes.length);
      const end = start + Math.floor(random() * (bytes.length - start + 1));
      const expected = referenceCrc32c(bytes, start, end, 0);
      assert.is(crc32c(bytes, start, end), expected, `seed ${seed} case ${c} [${start}, ${end})`);
      assert.is(crc32c(bytes.subarray(start, end)), expected, `seed ${seed} case ${c} subarray`);
    }
  });

  test(`${name}: incremental crc (initial) equals the one-shot crc (seed ${seed})`, () => {
    const random = seededRandom(seed ^ 0xc0ffee);
    for (let c = 0; c < CASES; c++) {
      const bytes = randomBytes(random, Math.floor(random() * 2000));
      const cut = Math.floor(random() * (bytes.length + 1));
      const first = crc32c(bytes, 0, cut);
      assert.is(crc32c(bytes, cut, bytes.length, first), crc32c(bytes), `seed ${seed} case ${c} cut ${cut}`);
      assert.is(crc32c(bytes.subarray(cut), 0, bytes.length - cut, first), referenceCrc32c(bytes, 0, bytes.length, 0));
    }
  });

  test(`${name}: result is an unsigned 32-bit integer`, () => {
    const random = seededRandom(seed ^ 0xabc);
    for (let c = 0; c < 50; c++) {
      const value = crc32c(randomBytes(random, 1 + Math.floor(random() * 64)));
      assert.ok(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, `seed ${seed}: ${value}`);
    }
  });
}

// seglog-crc32c folds 256-byte steps where the CPU has the vector instructions, and otherwise runs
// three streams over blocks of 3 x 8192 and 3 x 256 bytes after aligning to 8: lengths just around
// those steps and blocks, from every alignment, are where a fold, a join or a tail would break.
test('every side matches the reference around the fold steps and three-stream blocks, from every alignment', () => {
  const bytes = randomBytes(seededRandom(seed ^ 0xb10c), 3 * 3 * 8192 + 64);
  const lengths = [0, 1, 7, 8, 9, 255, 256, 257, 511, 512, 513, 767, 768, 769, 775, 776, 1535, 1536, 24575, 24576, 24577, 24583, 24584,
    25343, 25344, 25352,
    49151, 49152, 49153, 73727, 73728, 73729];
  for (const lengthBytes of lengths) {
    for (let start = 0; start < 9; start++) {
      const expected = referenceCrc32c(bytes, start, start + lengthBytes, 0x1234567);
      for (const { name, impl } of crc32cSides) {
        assert.is(impl(bytes, start, start + lengthBytes, 0x1234567), expected, `${name} length ${lengthBytes} start ${start}`);
      }
    }
  }
});

test('every side agrees on a 1 MiB buffer', () => {
  const bytes = randomBytes(seededRandom(seed ^ 0x1234), 1024 * 1024);
  const expected = referenceCrc32c(bytes, 0, bytes.length, 0);
  for (const { name, impl } of crc32cSides) assert.is(impl(bytes), expected, `${name} seed ${seed}`);
});

test.run();
