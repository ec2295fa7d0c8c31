/**
 * The encoder writes the common record (byte key or none, byte value or null, no headers, a small
 * timestamp delta) on a path of its own. The same records given as ASCII strings, or with an empty
 * header list written out, take the general path: both must produce the same bytes, and those bytes
 * must decode to the records given, across every field size where a varint grows a byte.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchEncoder, decodeBatches, type RecordInput } from '../../lib/record/index.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';

const seed = seedFromEnv();
const TS = 1_700_000_000_000;
/** Sizes on each side of a varint's growth (zigzag: 63/64, 8191/8192). */
const SIZES = [0, 1, 63, 64, 65, 127, 128, 8191, 8192, 8193];

function ascii(random: () => number, lengthBytes: number): string {
  let text = '';
  for (let i = 0; i < lengthBytes; i++) text += String.fromCharCode(32 + Math.floor(random() * 95));
  return text;
}

/** The same records twice: as bytes (the fast path) and as strings with `headers: []` (the general path). */
function twins(random: () => number, count: number): { fast: RecordInput[]; general: RecordInput[] } {
  const fast: RecordInput[] = [];
  const general: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const pick = (n: number) => Math.floor(random() * n);
    const key = random() < 0.3 ? null : ascii(random, SIZES[pick(SIZES.length)]!);
    const value = random() < 0.1 ? null : ascii(random, SIZES[pick(SIZES.length)]!);
    // Deltas from the first record's timestamp, both ways across one and two varint bytes.
    const timestampMs = TS + (i === 0 ? 0 : [0, 1, -1, 63, -64, 64, -65, 8191, -8193, 5_000_000][pick(10)]!);
    fast.push({ key: key === null ? (random() < 0.5 ? null : undefined) : Buffer.from(key, 'latin1'),
      value: value === null ? null : Buffer.from(value, 'latin1'), timestampMs });
    general.push({ key, value, timestampMs, headers: [] });
  }
  return { fast, general };
}

test(`byte records and their string twins encode to the same bytes, which decode back (seed ${seed})`, () => {
  const random = seededRandom(seed);
  const encoder = new BatchEncoder(64);
  for (let c = 0; c < 300; c++) {
    const { fast, general } = twins(random, 1 + Math.floor(random() * 70));
    const options = { baseOffset: 1000, nowMs: TS };
    const fastBytes = Buffer.from(encoder.encode(fast, options));
    const generalBytes = Buffer.from(encoder.encode(general, options));
    assert.ok(fastBytes.equals(generalBytes), `seed ${seed} case ${c}`);
    const [batch] = [...decodeBatches(fastBytes)];
    const decoded = [...batch!.records()];
    assert.is(decoded.length, fast.length);
    for (let i = 0; i < fast.length; i++) {
      const want = fast[i]!;
      const got = decoded[i]!;
      assert.is(got.offset, 1000 + i);
      assert.is(got.timestampMs, want.timestampMs);
      assert.equal(got.key === null ? null : Buffer.from(got.key), want.key == null ? null : Buffer.from(want.key as Uint8Array));
      assert.equal(got.value === null ? null : Buffer.from(got.value), want.value === null ? null : Buffer.from(want.value as Uint8Array));
      assert.equal(got.headers, []);
    }
  }
});

test('a record that does not fit the common shape falls to the general path in the same batch', () => {
  const encoder = new BatchEncoder();
  const records: RecordInput[] = [
    { value: Buffer.from('a'), timestampMs: TS },
    { key: 'k', value: 'string value', timestampMs: TS + 1 },
    { value: Buffer.from('b'), headers: [{ key: 'h', value: null }], timestampMs: TS + 2 },
    { value: Buffer.from('c'), timestampMs: TS + 2 ** 31 }, // a delta past int32: the wide varlong
    { value: null, timestampMs: TS - 5 },
  ];
  const [batch] = [...decodeBatches(Buffer.from(encoder.encode(records, { baseOffset: 0 })))];
  const decoded = [...batch!.records()];
  assert.equal(decoded.map((r) => r.timestampMs), [TS, TS + 1, TS + 2, TS + 2 ** 31, TS - 5]);
  assert.equal(decoded.map((r) => (r.value === null ? null : Buffer.from(r.value).toString())), ['a', 'string value', 'b', 'c', null]);
  assert.equal(decoded[2]!.headers, [{ key: 'h', value: null }]);
  assert.is(batch!.maxTimestampMs, TS + 2 ** 31);
});

test('a bad record is refused by name wherever it sits, after records that took the fast path', () => {
  const encoder = new BatchEncoder();
  const good = { value: Buffer.from('v'), timestampMs: TS };
  const cases: Array<[unknown, RegExp]> = [
    [null, /record 2 must be an object/],
    [{ value: Buffer.from('v'), timestampMs: '1700000000000' }, /record 2 timestampMs must be a safe integer/],
    [{ value: Buffer.from('v'), timestampMs: 1.5 }, /record 2 timestampMs must be a safe integer/],
    [{ value: Buffer.from('v') }, /record 2 has no timestampMs and no nowMs was given/],
    [{ value: 42, timestampMs: TS }, /record 2 value must be a Uint8Array, a string or null, got a number/],
    [{ key: 7, value: Buffer.from('v'), timestampMs: TS }, /record 2 key must be a Uint8Array, a string or null/],
    [{ timestampMs: TS }, /record 2 value is missing/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => encoder.encode([good, good, bad as RecordInput]), message, String(message));
  }
});

test.run();
