/**
 * TimeIndex against a sorted-array oracle: maybeAppend writes only growing timestamps, lookups give
 * the largest entry at or below the target, the last slot is reserved for the roll, int64 timestamps
 * are big-endian on disk. Seeded: SEGLOG_SEED reproduces a run; the seed is in every failure message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TimeIndex, type TimestampOffset } from '../../lib/segment/time-index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const DEFAULT_INDEX_BYTES = 10 * 1024 * 1024;
const seed = seedFromEnv();
const LOOKUPS = Number(process.env['SEGLOG_INDEX_LOOKUPS'] ?? 20_000);

function oracleFloor(keys: readonly number[], target: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

interface Model {
  index: TimeIndex;
  timestamps: number[];
  offsets: number[];
}

/** Feeds `calls` running maxima (as a segment does): about a fifth repeat the previous maximum. */
function fill(index: TimeIndex, calls: number, random: () => number, startMs = 1_700_000_000_000): Model {
  const timestamps: number[] = [];
  const offsets: number[] = [];
  let maxMs = startMs;
  let offset = index.baseOffset;
  for (let i = 0; i < calls; i++) {
    const grows = i === 0 || random() < 0.8;
    if (grows) maxMs += 1 + Math.floor(random() * 5000);
    offset += Math.floor(random() * 20);
    const before = index.entries;
    index.maybeAppend(maxMs, offset);
    if (grows) {
      timestamps.push(maxMs);
      offsets.push(offset);
    }
    assert.is(index.entries, before + (grows ? 1 : 0), `seed ${seed}: an equal timestamp is ignored`);
  }
  return { index, timestamps, offsets };
}

function expected(model: Model, target: number): TimestampOffset {
  const slot = oracleFloor(model.timestamps, target);
  if (slot < 0) return { timestampMs: -1, offset: model.index.baseOffset };
  return { timestampMs: model.timestamps[slot]!, offset: model.offsets[slot]! };
}

function checkRandomLookups(model: Model, random: () => number, label: string): void {
  const first = model.timestamps[0] ?? 0;
  const last = model.timestamps[model.timestamps.length - 1] ?? 0;
  for (let q = 0; q < LOOKUPS; q++) {
    const target = random() < 0.33 && model.timestamps.length > 0
      ? model.timestamps[Math.floor(random() * model.timestamps.length)]!
      : first - 10_000 + Math.floor(random() * (last - first + 20_000));
    assert.equal(model.index.lookup(target), expected(model, target), `seed ${seed} ${label}: lookup(${target})`);
  }
}

test('random maybeAppend and lookups agree with the oracle, active and sealed', () => {
  const random = seededRandom(seed);
  const dir = tempDir();
  for (const calls of [0, 1, 5, 900, 4000]) {
    const base = Math.floor(random() * 1e9);
    const path = join(dir, `${calls}.timeindex`);
    const index = new TimeIndex(path, base, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
    const model = fill(index, calls, random);
    checkRandomLookups(model, random, `active ${calls}`);
    if (calls > 0) assert.equal(index.lastEntry(), expected(model, Number.MAX_SAFE_INTEGER));
    index.close();
    assert.is(statSync(path).size, model.timestamps.length * 12, 'trimmed on close');
    const sealed = new TimeIndex(path, base, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
    checkRandomLookups({ ...model, index: sealed }, random, `sealed ${calls}`);
    sealed.close();
  }
});

test('warm section (682 entries): lookups around firstHot, in the tail and far from it', () => {
  const random = seededRandom(seed + 1);
  const dir = tempDir();
  const index = new TimeIndex(join(dir, 'warm.timeindex'), 0, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
  const model = fill(index, 3000, random);
  const n = model.timestamps.length;
  assert.ok(n > 1024, `seed ${seed}: enough entries (${n})`);
  const firstHot = n - 1 - 682;
  for (let slot = firstHot - 3; slot <= firstHot + 3; slot++) {
    for (const delta of [-1, 0, 1]) {
      const target = model.timestamps[slot]! + delta;
      assert.equal(index.lookup(target), expected(model, target), `seed ${seed}: near firstHot, lookup(${target})`);
    }
  }
  for (let q = 0; q < 2000; q++) {
    const tail = model.timestamps[n - 1 - Math.floor(random() * 682)]! + Math.floor(random() * 3) - 1;
    assert.equal(index.lookup(tail), expected(model, tail), `seed ${seed}: tail lookup(${tail})`);
    const cold = model.timestamps[Math.floor(random() * firstHot)]! + Math.floor(random() * 3) - 1;
    assert.equal(index.lookup(cold), expected(model, cold), `seed ${seed}: cold lookup(${cold})`);
  }
  index.close();
});

test('bounded by 873813 entries, int64 timestamps big-endian on disk, lastEntry', () => {
  const dir = tempDir();
  const path = join(dir, '00000000000000000500.timeindex');
  const index = new TimeIndex(path, 500, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
  assert.is(statSync(path).size, 0, 'not preallocated');
  assert.is(index.maxEntries, 873813, 'rounded down to whole 12-byte entries');
  assert.equal(index.lastEntry(), { timestampMs: -1, offset: 500 }, 'empty: (-1, base)');
  index.maybeAppend(-1, 500);
  assert.is(index.entries, 0, 'no timestamp (-1) is never written');
  index.maybeAppend(0x0102030405, 501);
  index.maybeAppend(Number.MAX_SAFE_INTEGER, 502);
  assert.equal(index.lastEntry(), { timestampMs: Number.MAX_SAFE_INTEGER, offset: 502 });
  index.trimToValidSize();
  const bytes = readFileSync(path);
  const want = Buffer.from([
    0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0, 0, 0, 1,
    0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2,
  ]);
  assert.ok(bytes.equals(want), `bytes on disk: ${bytes.toString('hex')}`);
  assert.equal(index.lookup(0x0102030405 + 1), { timestampMs: 0x0102030405, offset: 501 });
  assert.equal(index.lookup(0x0102030404), { timestampMs: -1, offset: 500 });
  index.close();
});

test('maybeAppend: equal ignored, smaller offset or timestamp refused with the file named', () => {
  const dir = tempDir();
  const path = join(dir, 'm.timeindex');
  const index = new TimeIndex(path, 10, { maxIndexBytes: 1200, mode: 'active' });
  index.maybeAppend(1000, 20);
  index.maybeAppend(1000, 25);
  assert.is(index.entries, 1, 'equal timestamp ignored');
  const fails = (fn: () => void, code: string, why: string): void => {
    try {
      fn();
    } catch (error) {
      const e = error as { code?: string; path?: string };
      assert.is(e.code, code, why);
      assert.is(e.path, path, why);
      return;
    }
    assert.unreachable(why);
  };
  fails(() => index.maybeAppend(2000, 19), 'SEGLOG_CORRUPT_INDEX', 'offset below the last entry');
  fails(() => index.maybeAppend(999, 30), 'SEGLOG_CORRUPT_INDEX', 'timestamp below the last entry');
  fails(() => index.maybeAppend(2 ** 60, 30), 'SEGLOG_INVALID_ARGUMENT', 'unsafe timestamp');
  fails(() => index.maybeAppend(3000, 10 + 2 ** 31), 'SEGLOG_INVALID_ARGUMENT', 'relative offset beyond int32');
  index.maybeAppend(2000, 20);
  assert.equal(index.lastEntry(), { timestampMs: 2000, offset: 20 }, 'an equal offset with a larger timestamp is fine');
  index.close();
});

test('full one slot early; skipFullCheck fills the reserved slot and nothing more', () => {
  const dir = tempDir();
  const index = new TimeIndex(join(dir, 'f.timeindex'), 0, { maxIndexBytes: 12 * 4 + 5, mode: 'active' });
  assert.is(index.maxEntries, 4);
  for (let i = 0; i < 3; i++) {
    assert.not.ok(index.isFull, `not full at ${i}`);
    index.maybeAppend(100 + i, i);
  }
  assert.ok(index.isFull, 'full at maxEntries − 1');
  index.maybeAppend(200, 10);
  assert.is(index.entries, 3, 'without skipFullCheck a full index takes nothing');
  index.maybeAppend(300, 11, true);
  assert.is(index.entries, 4, 'the roll entry uses the reserved slot');
  index.maybeAppend(400, 12, true);
  assert.is(index.entries, 4, 'no slot beyond the reserved one');
  assert.equal(index.lastEntry(), { timestampMs: 300, offset: 11 });
  index.close();
});

test('truncateTo drops entries whose offset is ≥ the cut, keeping equal offsets below it', () => {
  const dir = tempDir();
  const path = join(dir, 't.timeindex');
  const index = new TimeIndex(path, 100, { maxIndexBytes: 1200, mode: 'active' });
  const pairs: Array<[number, number]> = [[10, 100], [20, 105], [30, 105], [40, 110], [50, 120]];
  for (const [ms, offset] of pairs) index.maybeAppend(ms, offset);
  index.truncateTo(111);
  assert.is(index.entries, 4);
  index.truncateTo(110);
  assert.is(index.entries, 3);
  index.truncateTo(106);
  assert.is(index.entries, 3, 'both entries at offset 105 stay');
  index.truncateTo(105);
  assert.is(index.entries, 1);
  index.maybeAppend(15, 101);
  assert.equal(index.lastEntry(), { timestampMs: 15, offset: 101 }, 'appends continue after the cut');
  index.reset();
  assert.equal(index.lastEntry(), { timestampMs: -1, offset: 100 });
  index.close();
  assert.is(statSync(path).size, 0);
});

test.run();
