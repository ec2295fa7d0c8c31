/**
 * The producer-batch walk's fast loop (walkPlainRecords: the addon's C and the TypeScript fallback)
 * against the general one (skipRecord over a cursor): on every input the fast loop accepts, the
 * general walk accepts too and finds the same largest timestamp delta; on every input the general
 * walk refuses, the fast loop refuses; and the C and TypeScript loops give the same answer on every
 * input. Inputs: seglog's own batches of varied shape, then the same bytes mutated (bit flips,
 * varint edits, cuts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeglogError } from '../../lib/errors.js';
import { readInt64 } from '../../lib/record/int64.js';
import { BASE_TIMESTAMP, RECORDS } from '../../lib/record/layout.js';
import { skipRecord } from '../../lib/record/record.js';
import { RecordCursor } from '../../lib/record/varint.js';
import { encodeBatch, validateBatchRecords, type RecordInput } from '../../lib/record/index.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';
import { walkSides } from '../platform/sides.js';

const seed = seedFromEnv();
const CASES = Number(process.env['SEGLOG_FUZZ_CASES'] ?? 3000);
const TS = 1_700_000_000_000;

/** The general walk: the largest timestamp delta, or the error it throws. */
function generalWalk(bytes: Uint8Array, count: number): number | Error {
  const cursor = new RecordCursor().reset(bytes, RECORDS, bytes.length, 0);
  let max = -Infinity;
  try {
    for (let i = 0; i < count; i++) max = Math.max(max, skipRecord(cursor, i));
    if (cursor.position !== cursor.end) throw new SeglogError('ERR_TEST', 'bytes left over', {});
    return max;
  } catch (error) {
    return error as Error;
  }
}

function randomBatch(random: () => number): { bytes: Uint8Array; count: number } {
  const pick = (n: number) => Math.floor(random() * n);
  const count = 1 + pick(40);
  const wide = random() < 0.2; // timestamp deltas past four varlong bytes: the fast loop's bail-out
  const records: RecordInput[] = Array.from({ length: count }, (_, i) => ({
    key: random() < 0.3 ? null : Buffer.alloc(pick(200), i),
    value: random() < 0.1 ? null : Buffer.alloc(pick(random() < 0.1 ? 20_000 : 300), i + 1),
    headers: Array.from({ length: random() < 0.7 ? 0 : pick(4) }, (_, h) => ({ key: `h${h}`.repeat(pick(5)),
      value: random() < 0.3 ? null : Buffer.alloc(pick(100), h) })),
    timestampMs: TS + (wide ? pick(2) * 3_000_000_000 : 0) + pick(2_000) - 1_000,
  }));
  return { bytes: encodeBatch(records, { baseOffset: 0, nowMs: TS }), count };
}

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const bytes = Buffer.from(input);
  const recordsBytes = bytes.length - RECORDS;
  switch (pick(4)) {
    case 0:
      for (let i = 0, n = 1 + pick(3); i < n; i++) bytes[RECORDS + pick(recordsBytes)]! ^= 1 << pick(8);
      return bytes;
    case 1:
      for (let i = 0, n = 1 + pick(3); i < n; i++) bytes[RECORDS + pick(recordsBytes)] = [0xff, 0x80, 0x00, 0x7f, 0x01, 0x02][pick(6)]!;
      return bytes;
    case 2:
      return bytes.subarray(0, RECORDS + pick(recordsBytes));
    default:
      return Buffer.concat([bytes, Buffer.alloc(1 + pick(3))]);
  }
}

/** Every side's answer for the same input: all equal (NaN counts as equal to NaN), returned once. */
function walkAllSides(bytes: Uint8Array, count: number, what: string): number {
  const answers = walkSides.map(({ impl }) => impl(bytes, RECORDS, bytes.length, count));
  for (let i = 1; i < answers.length; i++) {
    assert.ok(Object.is(answers[i], answers[0]), `${what}: ${walkSides[i]!.name} says ${answers[i]}, ${walkSides[0]!.name} ${answers[0]}`);
  }
  return answers[0]!;
}

test(`valid batches: every side of the fast loop and the general walk accept, with the same largest timestamp delta (seed ${seed})`,
  () => {
    const random = seededRandom(seed);
    let fast = 0;
    for (let c = 0; c < CASES / 10; c++) {
      const { bytes, count } = randomBatch(random);
      const general = generalWalk(bytes, count);
      assert.type(general, 'number', `seed ${seed} case ${c}`);
      const delta = walkAllSides(bytes, count, `seed ${seed} case ${c}`);
      if (!Number.isNaN(delta)) {
        fast++;
        assert.is(delta, general, `seed ${seed} case ${c}`);
      }
      const baseTimestampMs = readInt64(bytes, BASE_TIMESTAMP);
      const expected = Math.max(-1, baseTimestampMs + (general as number));
      assert.is(validateBatchRecords(bytes, 0).maxTimestampMs, expected, `seed ${seed} case ${c}`);
    }
    assert.ok(fast > CASES / 20, `the fast loop took ${fast} of ${CASES / 10} valid batches`);
  });

test(`mutated batches: no side of the fast loop accepts what the general walk refuses, and the sides agree (seed ${seed})`, () => {
  const random = seededRandom(seed ^ 0x3a1c);
  let refused = 0;
  for (let c = 0; c < CASES; c++) {
    const { bytes: valid, count } = randomBatch(random);
    const bytes = mutate(valid, random);
    const general = generalWalk(bytes, count);
    const delta = walkAllSides(bytes, count, `seed ${seed} case ${c}`);
    if (general instanceof Error) {
      refused++;
      assert.ok(general instanceof SeglogError, `seed ${seed} case ${c}: ${general}`);
      assert.ok(Number.isNaN(delta), `seed ${seed} case ${c}: fast accepted what the general walk refused (${general.message})`);
    } else if (!Number.isNaN(delta)) {
      assert.is(delta, general, `seed ${seed} case ${c}`);
    }
  }
  assert.ok(refused > CASES / 4, `only ${refused} of ${CASES} mutations were refused: the mutator is too gentle`);
});

test('a record whose timestamp delta needs five varlong bytes is left to the general walk, which accepts it', () => {
  const bytes = encodeBatch([{ value: 'a', timestampMs: TS }, { value: 'b', timestampMs: TS + 2 ** 30 }], { baseOffset: 0, nowMs: TS });
  assert.ok(Number.isNaN(walkAllSides(bytes, 2, 'five-byte delta')));
  assert.is(validateBatchRecords(bytes, 0).maxTimestampMs, TS + 2 ** 30);
});

test('no records: -Infinity on every side when the bytes end there, NaN when bytes are left over', () => {
  const bytes = encodeBatch([{ value: 'a', timestampMs: TS }], { baseOffset: 0, nowMs: TS });
  assert.is(walkAllSides(bytes.subarray(0, RECORDS), 0, 'empty'), Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(walkAllSides(bytes, 0, 'left over')));
});

test('the walk reads nothing past `end`: a record that would run past it is refused, even with bytes there', () => {
  const bytes = encodeBatch(Array.from({ length: 8 }, (_, i) => ({ value: Buffer.alloc(50, i), timestampMs: TS + i })),
    { baseOffset: 0, nowMs: TS });
  for (let cut = RECORDS; cut < bytes.length; cut += 7) {
    for (const { name, impl } of walkSides) assert.ok(Number.isNaN(impl(bytes, RECORDS, cut, 8)), `${name} cut at ${cut}`);
  }
});

test.run();
