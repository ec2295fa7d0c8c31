/**
 * Zigzag varints (int32) and varlongs (int64 as safe JS numbers) at their edges: sizes, round trips,
 * byte forms from the reference, too-long encodings and values past 2^53 as typed errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CorruptRecordError, UnsafeIntegerError } from '../../lib/errors.js';
import { RecordCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../lib/record/index.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const SAFE = Number.MAX_SAFE_INTEGER;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** An independent zigzag varlong encoder in BigInt (reference §1.1). */
function bigVarlong(value: bigint): string {
  let zz = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (zz >= 0x80n) {
    out.push(Number(zz & 0x7fn) | 0x80);
    zz >>= 7n;
  }
  out.push(Number(zz));
  return hex(Uint8Array.from(out));
}

test('varint: edge values round trip with minimal sizes', () => {
  const cases: Array<[number, number]> = [[0, 1], [-1, 1], [63, 1], [-64, 1], [64, 2], [-65, 2], [8191, 2], [8192, 3],
    [INT32_MAX, 5], [INT32_MIN, 5]];
  const out = new Uint8Array(8);
  for (const [value, size] of cases) {
    const end = writeVarint(out, 0, value);
    assert.is(end, size, `size of ${value}`);
    assert.is(sizeOfVarint(value), size);
    assert.is(hex(out.subarray(0, end)), bigVarlong(BigInt(value)), `bytes of ${value}`);
    assert.is(new RecordCursor().reset(out, 0, end, 0).readVarint(), value);
  }
});

test('varlong: edge values and ±(2^53 − 1) match a BigInt encoder and round trip', () => {
  const values = [0, -1, 63, 64, -64, -65, INT32_MAX, INT32_MIN, INT32_MAX + 1, INT32_MIN - 1, 2 ** 30, -(2 ** 30), 2 ** 52, -(2 ** 52),
    2 ** 52 + 1, SAFE, -SAFE, SAFE - 1, 1_700_000_000_000, -1_700_000_000_000];
  const out = new Uint8Array(16);
  for (const value of values) {
    const end = writeVarlong(out, 0, value);
    assert.is(hex(out.subarray(0, end)), bigVarlong(BigInt(value)), `bytes of ${value}`);
    assert.is(sizeOfVarlong(value), end, `size of ${value}`);
    assert.is(new RecordCursor().reset(out, 0, end, 0).readVarlong(), value, `read ${value}`);
  }
});

test('varlong: seeded random safe integers round trip', () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const out = new Uint8Array(16);
  for (let i = 0; i < 20_000; i++) {
    const magnitude = Math.floor(random() * 2 ** Math.floor(random() * 54));
    const value = Math.min(SAFE, magnitude) * (random() < 0.5 ? -1 : 1);
    const end = writeVarlong(out, 0, value);
    assert.is(hex(out.subarray(0, end)), bigVarlong(BigInt(value)), `seed ${seed}: ${value}`);
    assert.is(new RecordCursor().reset(out, 0, end, 0).readVarlong(), value, `seed ${seed}: ${value}`);
  }
});

test('too long: a 6-byte varint and an 11-byte varlong are CorruptRecordError with a position', () => {
  const varint = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
  const cursor = new RecordCursor().reset(varint, 0, varint.length, 500);
  assert.throws(() => cursor.readVarint(), (e: unknown) => e instanceof CorruptRecordError && e.positionBytes !== undefined
      && e.positionBytes >= 500);
  const varlong = new Uint8Array([...Array(10).fill(0x80), 0x01]);
  const cursor11 = new RecordCursor().reset(varlong, 0, varlong.length, 0);
  assert.throws(() => cursor11.readVarlong(), (e: unknown) => e instanceof CorruptRecordError);
  const cut = new Uint8Array([0x80, 0x80]);
  assert.throws(() => new RecordCursor().reset(cut, 0, 2, 0).readVarint(), (e: unknown) => e instanceof CorruptRecordError);
  assert.throws(() => new RecordCursor().reset(cut, 0, 2, 0).readVarlong(), (e: unknown) => e instanceof CorruptRecordError);
});

test('outside the safe range: varlongs of ±2^53 and int64 extremes are UnsafeIntegerError; writing one too', () => {
  for (const value of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
    const bytes = Buffer.from(bigVarlong(value), 'hex');
    assert.throws(() => new RecordCursor().reset(bytes, 0, bytes.length, 0).readVarlong(), (e: unknown) => e instanceof UnsafeIntegerError,
        String(value));
  }
  assert.throws(() => writeVarlong(new Uint8Array(16), 0, 2 ** 53), (e: unknown) => e instanceof UnsafeIntegerError);
});

test.run();
