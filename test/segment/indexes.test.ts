/**
 * The offset and time indexes against a sorted-array oracle (Kafka's randomLookupTest), their file
 * layout (entries only — never preallocated —, trimmed, big-endian), reopen of trimmed and untrimmed files, the
 * full rules, truncation, reactivation, rename and corrupt files.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OffsetIndex } from '../../lib/segment/offset-index.js';
import { TimeIndex } from '../../lib/segment/time-index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const MAX = 10 * 1024 * 1024;
const seed = seedFromEnv();

function oracleFloor(keys: number[], target: number): number {
  let found = -1;
  for (let i = 0; i < keys.length && keys[i]! <= target; i++) found = i;
  return found;
}

test('offset index: random appends and lookups match the oracle (warm and cold sections)', () => {
  const random = seededRandom(seed);
  const dir = tempDir();
  const base = 1_000_000;
  const index = new OffsetIndex(join(dir, 'a.index'), base, { maxIndexBytes: MAX, mode: 'active' });
  const offsets: number[] = [];
  const positions: number[] = [];
  let offset = base;
  for (let i = 0; i < 3000; i++) {
    offset += 1 + Math.floor(random() * 50);
    offsets.push(offset);
    positions.push(i * 4100);
    index.append(offset, i * 4100);
  }
  for (let q = 0; q < 5000; q++) {
    const target = base + Math.floor(random() * (offset - base + 200)) - 100;
    const slot = oracleFloor(offsets, target);
    const hit = index.lookup(target);
    const want = slot < 0 ? { offset: base, positionBytes: 0 } : { offset: offsets[slot]!, positionBytes: positions[slot]! };
    assert.equal(hit, want, `seed ${seed}: lookup(${target})`);
  }
  for (const i of [0, 1, 1500, 2998, 2999]) assert.equal(index.lookup(offsets[i]!), { offset: offsets[i]!, positionBytes: positions[i]! },
      'exact hit');
  assert.is(statSync(join(dir, 'a.index')).size, 0, 'entries stay in memory until a flush, roll or close');
  index.flush();
  assert.is(statSync(join(dir, 'a.index')).size, 3000 * 8, 'an active index is its entries, never preallocated');
  index.close();
  const bytes = readFileSync(join(dir, 'a.index'));
  assert.is(bytes.length, 3000 * 8, 'trimmed to its entries on close');
  assert.is(bytes.readInt32BE(8), offsets[1]! - base, 'big-endian relative offset');
  assert.is(bytes.readInt32BE(12), positions[1]!, 'big-endian position');
  const reopened = new OffsetIndex(join(dir, 'a.index'), base, { maxIndexBytes: MAX, mode: 'sealed' });
  assert.is(reopened.entries, 3000);
  // One past entry 2000 can be entry 2001 itself (the random step may be 1): the oracle decides.
  const floor = oracleFloor(offsets, offsets[2000]! + 1);
  assert.equal(reopened.lookup(offsets[2000]! + 1), { offset: offsets[floor]!, positionBytes: positions[floor]! }, `seed ${seed}`);
  reopened.release();
  assert.equal(reopened.lookup(offsets[10]!), { offset: offsets[10]!, positionBytes: positions[10]! }, 'lookups reopen after release()');
  reopened.close();
});

test('time index: only growing timestamps are written; lookups match the oracle; last slot reserved', () => {
  const random = seededRandom(seed + 1);
  const dir = tempDir();
  const index = new TimeIndex(join(dir, 'a.timeindex'), 500, { maxIndexBytes: MAX, mode: 'active' });
  assert.is(statSync(join(dir, 'a.timeindex')).size, 0, 'not preallocated');
  assert.is(index.maxEntries, 873813, 'room for whole 12-byte entries');
  const timestamps: number[] = [];
  const offsets: number[] = [];
  let ts = 1_700_000_000_000;
  for (let i = 0; i < 2000; i++) {
    const grow = i === 0 || random() < 0.8;
    if (grow) ts += 1 + Math.floor(random() * 1000);
    const before = index.entries;
    index.maybeAppend(ts, 500 + i);
    if (grow) {
      timestamps.push(ts);
      offsets.push(500 + i);
    }
    assert.is(index.entries, grow ? before + 1 : before, 'equal timestamps are ignored');
  }
  for (let q = 0; q < 3000; q++) {
    const target = 1_700_000_000_000 + Math.floor(random() * (ts - 1_700_000_000_000 + 2000)) - 1000;
    const slot = oracleFloor(timestamps, target);
    assert.equal(index.lookup(target), slot < 0 ? { timestampMs: -1, offset: 500 } : { timestampMs: timestamps[slot]!,
        offset: offsets[slot]! }, `seed ${seed}`);
  }
  index.close();
  assert.is(statSync(join(dir, 'a.timeindex')).size, timestamps.length * 12);
  const small = new TimeIndex(join(dir, 'b.timeindex'), 0, { maxIndexBytes: 36, mode: 'active' });
  small.maybeAppend(1, 0);
  small.maybeAppend(2, 1);
  assert.ok(small.isFull, 'full one slot early: the last slot is kept for the roll');
  small.maybeAppend(3, 2);
  assert.is(small.entries, 2);
  small.maybeAppend(4, 3, true);
  assert.is(small.entries, 3, 'skipFullCheck uses the reserved slot');
  small.close();
});

test('reopening an untrimmed (crashed) index ignores its zero tail; truncateTo, reset, resize', () => {
  const dir = tempDir();
  const path = join(dir, 'c.index');
  const index = new OffsetIndex(path, 100, { maxIndexBytes: 4096, mode: 'active' });
  for (let i = 1; i <= 10; i++) index.append(100 + i * 10, i * 1000);
  index.flush();
  truncateSync(path, 4096); // no close, of a version that preallocated: a zero tail, as after a crash
  assert.is(statSync(path).size, 4096);
  const again = new OffsetIndex(path, 100, { maxIndexBytes: 4096, mode: 'active' });
  assert.is(again.entries, 10, 'zero slots are not entries');
  assert.ok(!again.isFull);
  assert.is(again.maxEntries, 512);
  again.truncateTo(155);
  assert.is(again.entries, 5);
  assert.is(again.lastOffset, 150);
  again.trimToValidSize();
  assert.is(statSync(path).size, 40);
  again.resize(4096);
  assert.is(again.maxEntries, 512, 'reactivated with its slots again');
  assert.is(statSync(path).size, 40);
  assert.is(again.entries, 5);
  again.append(300, 99_000);
  again.reset();
  assert.is(again.entries, 0);
  again.close();
  index.release();
  assert.is(statSync(path).size, 0);
});

test('a full index refuses appends; rename keeps it working; corrupt files are reported, not fatal', () => {
  const dir = tempDir();
  const index = new OffsetIndex(join(dir, 'd.index'), 0, { maxIndexBytes: 24, mode: 'active' });
  index.append(1, 0);
  index.append(2, 10);
  index.append(3, 20);
  assert.ok(index.isFull);
  assert.throws(() => index.append(4, 30));
  index.renameTo(join(dir, 'd.index.deleted'));
  assert.equal(index.lookup(2), { offset: 2, positionBytes: 10 });
  index.close();
  assert.is(statSync(join(dir, 'd.index.deleted')).size, 24);
  assert.throws(() => new OffsetIndex(join(dir, 'e.index'), 10, { maxIndexBytes: 80, mode: 'active' }).append(5, 0), /cannot follow/);

  const bad = join(dir, 'f.index');
  const bytes = Buffer.alloc(8 * 4 + 3);
  [[5, 0], [9, 100], [7, 200], [12, 300]].forEach(([o, p], i) => { bytes.writeInt32BE(o!, i * 8); bytes.writeInt32BE(p!, i * 8 + 4); });
  writeFileSync(bad, bytes);
  const sealed = new OffsetIndex(bad, 0, { maxIndexBytes: MAX, mode: 'sealed' });
  assert.is(sealed.entries, 2, 'a decreasing tail is not trusted');
  const problems = sealed.sanityCheck();
  assert.ok(problems.some((p) => p.includes('not a multiple')), problems.join('; '));
  assert.ok(problems.some((p) => p.includes('only 2 of 4')), problems.join('; '));
  sealed.close();
});

test.run();
