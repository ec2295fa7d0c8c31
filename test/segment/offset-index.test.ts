/**
 * OffsetIndex against a sorted-array oracle (Kafka's randomLookupTest), its bytes on disk
 * (never preallocated, trimmed, big-endian), the full rule, truncation and append validation.
 * Seeded: SEGLOG_SEED reproduces a run; the seed is in every failure message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OffsetIndex, type OffsetPosition } from '../../lib/segment/offset-index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const DEFAULT_INDEX_BYTES = 10 * 1024 * 1024;
const seed = seedFromEnv();
const LOOKUPS = Number(process.env['SEGLOG_INDEX_LOOKUPS'] ?? 20_000);

/** Largest i with keys[i] ≤ target, -1 if none (binary search over a plain sorted array). */
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
  index: OffsetIndex;
  offsets: number[];
  positions: number[];
}

function fill(index: OffsetIndex, count: number, random: () => number): Model {
  const offsets: number[] = [];
  const positions: number[] = [];
  let offset = index.baseOffset + Math.floor(random() * 3);
  let positionBytes = 0;
  for (let i = 0; i < count; i++) {
    offsets.push(offset);
    positions.push(positionBytes);
    index.append(offset, positionBytes);
    offset += 1 + Math.floor(random() * 40);
    positionBytes += 4097 + Math.floor(random() * 5000);
  }
  return { index, offsets, positions };
}

function expected(model: Model, target: number): OffsetPosition {
  const slot = oracleFloor(model.offsets, target);
  if (slot < 0) return { offset: model.index.baseOffset, positionBytes: 0 };
  return { offset: model.offsets[slot]!, positionBytes: model.positions[slot]! };
}

function checkRandomLookups(model: Model, random: () => number, label: string): void {
  const first = model.offsets[0] ?? model.index.baseOffset;
  const last = model.offsets[model.offsets.length - 1] ?? model.index.baseOffset;
  const span = last - first + 1;
  for (let q = 0; q < LOOKUPS; q++) {
    const pick = random();
    // A third exact hits, the rest anywhere from below the base to beyond the last entry.
    const target = pick < 0.33 && model.offsets.length > 0
      ? model.offsets[Math.floor(random() * model.offsets.length)]!
      : first - 50 + Math.floor(random() * (span + 100));
    assert.equal(model.index.lookup(target), expected(model, target), `seed ${seed} ${label}: lookup(${target})`);
  }
}

test('random appends and lookups agree with the oracle (below, inside, above, exact)', () => {
  const random = seededRandom(seed);
  const dir = tempDir();
  for (const count of [0, 1, 2, 7, 500, 3000]) {
    const base = Math.floor(random() * 1e9);
    const index = new OffsetIndex(join(dir, `${count}.index`), base, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
    const model = fill(index, count, random);
    assert.is(index.entries, count);
    checkRandomLookups(model, random, `active ${count}`);
    index.close();
    const sealed = new OffsetIndex(join(dir, `${count}.index`), base, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
    checkRandomLookups({ ...model, index: sealed }, random, `sealed ${count}`);
    sealed.close();
  }
});

test('warm section: > 1024 entries, lookups near the tail and far from it match the oracle', () => {
  const random = seededRandom(seed + 1);
  const dir = tempDir();
  const index = new OffsetIndex(join(dir, 'warm.index'), 0, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
  const model = fill(index, 5000, random);
  const n = model.offsets.length;
  // Around the boundary of the warm section: firstHot = entries − 1 − 1024.
  const firstHot = n - 1 - 1024;
  for (let slot = firstHot - 3; slot <= firstHot + 3; slot++) {
    for (const delta of [-1, 0, 1]) {
      const target = model.offsets[slot]! + delta;
      assert.equal(index.lookup(target), expected(model, target), `seed ${seed}: near firstHot, lookup(${target})`);
    }
  }
  for (let q = 0; q < 2000; q++) {
    const tail = model.offsets[n - 1 - Math.floor(random() * 1024)]! + Math.floor(random() * 3) - 1;
    assert.equal(index.lookup(tail), expected(model, tail), `seed ${seed}: tail lookup(${tail})`);
    const cold = model.offsets[Math.floor(random() * firstHot)]! + Math.floor(random() * 3) - 1;
    assert.equal(index.lookup(cold), expected(model, cold), `seed ${seed}: cold lookup(${cold})`);
  }
  assert.equal(index.lookup(model.offsets[n - 1]! + 1e6), { offset: model.offsets[n - 1]!, positionBytes: model.positions[n - 1]! });
  assert.equal(index.lookup(-1), { offset: 0, positionBytes: 0 });
  assert.is(index.lookupSlot(model.offsets[4321]!), 4321);
  assert.is(index.lookupSlot(model.offsets[0]! - 1), -1);
  index.close();
});

test('bounded by segment.index.bytes, never preallocated, trimmed to entries × 8, big-endian on disk', () => {
  const dir = tempDir();
  const path = join(dir, '00000000000000001000.index');
  const index = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
  assert.is(statSync(path).size, 0, 'an active file is not preallocated (a sparse file under a mapping is SIGBUS when full)');
  assert.is(index.maxEntries, 1310720);
  assert.is(index.sizeBytes, 0);
  const entries: Array<[number, number]> = [[1000, 0], [1017, 4200], [1018, 8400], [1000 + 2 ** 31 - 1, 2 ** 31 - 1]];
  for (const [offset, positionBytes] of entries) index.append(offset, positionBytes);
  assert.is(index.sizeBytes, 32);
  assert.is(index.lastOffset, 1000 + 2 ** 31 - 1);
  index.flush();
  assert.is(readFileSync(path).length, 32, 'flush writes the entries, nothing after them');
  index.trimToValidSize();
  assert.not.ok(index.isActive);
  const bytes = readFileSync(path);
  assert.is(bytes.length, 32, 'trimmed to entries × 8');
  const want = Buffer.from([
    0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 17, 0, 0, 0x10, 0x68,
    0, 0, 0, 18, 0, 0, 0x20, 0xd0,
    0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff,
  ]);
  assert.ok(bytes.equals(want), `bytes on disk: ${bytes.toString('hex')}`);
  assert.equal(index.entryAt(1), { offset: 1017, positionBytes: 4200 });
  assert.throws(() => index.entryAt(4), /outside/);
  index.close();
  const reopened = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  assert.is(reopened.entries, 4, 'reopening a trimmed file gives the same entries');
  assert.equal(reopened.lookup(1017), { offset: 1017, positionBytes: 4200 });
  assert.equal(reopened.sanityCheck(), []);
  reopened.close();
});

test('append validation: not increasing, below the base, beyond int32, bad positions', () => {
  const dir = tempDir();
  const path = join(dir, 'v.index');
  const index = new OffsetIndex(path, 100, { maxIndexBytes: 800, mode: 'active' });
  index.append(105, 0);
  const code = (fn: () => void): string => {
    try {
      fn();
    } catch (error) {
      const e = error as { code?: string; path?: string };
      assert.is(e.path, path, 'the error names the file');
      return e.code ?? 'none';
    }
    return 'no error';
  };
  assert.is(code(() => index.append(105, 10)), 'SEGLOG_CORRUPT_INDEX', 'equal offset');
  assert.is(code(() => index.append(104, 10)), 'SEGLOG_CORRUPT_INDEX', 'smaller offset');
  assert.is(code(() => index.append(99, 10)), 'SEGLOG_INVALID_ARGUMENT', 'below the base');
  assert.is(code(() => index.append(100 + 2 ** 31, 10)), 'SEGLOG_INVALID_ARGUMENT', 'relative offset beyond int32');
  assert.is(code(() => index.append(106, -1)), 'SEGLOG_INVALID_ARGUMENT', 'negative position');
  assert.is(code(() => index.append(106, 2 ** 31)), 'SEGLOG_INVALID_ARGUMENT', 'position beyond int32');
  assert.is(code(() => index.append(106.5, 10)), 'SEGLOG_INVALID_ARGUMENT', 'not an integer');
  assert.is(index.entries, 1, 'failed appends leave nothing behind');
  index.close();
});

test('full: isFull exactly at maxEntries; appending to a full index is a bug (assertion)', () => {
  const dir = tempDir();
  const path = join(dir, 'full.index');
  const index = new OffsetIndex(path, 0, { maxIndexBytes: 30, mode: 'active' }); // 3 slots, 6 bytes left over
  assert.is(index.maxEntries, 3, 'rounded down to whole entries');
  for (let i = 0; i < 3; i++) {
    assert.not.ok(index.isFull, `not full at ${i}`);
    index.append(i * 10, i * 100);
  }
  assert.ok(index.isFull);
  assert.throws(() => index.append(40, 400), (e: Error & { code?: string }) => e.code === 'SEGLOG_ASSERTION');
  const empty = new OffsetIndex(join(dir, 'zero.index'), 0, { maxIndexBytes: 0, mode: 'active' });
  assert.ok(empty.isFull, 'zero capacity is full at once');
  empty.close();
  index.close();
  assert.ok(index.isFull, 'a sealed index takes no more entries');
});

test('truncateTo keeps entries below the offset; reset empties; freed slots are zeroed', () => {
  const random = seededRandom(seed + 2);
  const dir = tempDir();
  const path = join(dir, 't.index');
  const index = new OffsetIndex(path, 50, { maxIndexBytes: 8000, mode: 'active' });
  const model = fill(index, 300, random);
  const cut = model.offsets[200]!;
  index.truncateTo(cut + 1);
  assert.is(index.entries, 201, 'the entry at the cut offset minus one stays');
  index.truncateTo(cut);
  assert.is(index.entries, 200, 'an entry equal to the offset goes');
  assert.is(index.lastOffset, model.offsets[199]!);
  index.truncateTo(1e12);
  assert.is(index.entries, 200, 'truncating beyond the end changes nothing');
  index.flush();
  assert.ok(readFileSync(path).subarray(200 * 8).every((b) => b === 0), 'slots after the entries are zero again');
  index.append(model.offsets[199]! + 1, model.positions[199]! + 1);
  assert.is(index.entries, 201, 'appends continue after the cut');
  index.truncateTo(0);
  assert.is(index.entries, 0, 'an offset below the base drops everything');
  assert.equal(index.lookup(1000), { offset: 50, positionBytes: 0 });
  fill(index, 10, random);
  index.reset();
  assert.is(index.entries, 0);
  assert.is(index.lastOffset, 50);
  assert.ok(index.isActive);
  index.close();
  assert.is(statSync(path).size, 0);
});

test.run();
