/**
 * The index file lifecycle shared by both indexes (index-file.ts): reopening trimmed and untrimmed
 * (preallocated by an older version or Kafka, crashed) files, stale tails, trim → resize back into activity, rename while open, lazy sealed
 * mapping with release()/reopen and no fds held, a real killed writer process, deleteIfExists, and
 * corrupt files reported by sanityCheck without breaking open.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearFaults, injectWriteFault } from '../../lib/platform/faults.js';
import { OffsetIndex } from '../../lib/segment/offset-index.js';
import { TimeIndex } from '../../lib/segment/time-index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(() => {
  clearFaults();
  removeTempDirs();
});

const DEFAULT_INDEX_BYTES = 10 * 1024 * 1024;

function offsetEntries(pairs: ReadonlyArray<readonly [number, number]>, extraBytes = 0): Buffer {
  const bytes = Buffer.alloc(pairs.length * 8 + extraBytes);
  pairs.forEach(([relative, positionBytes], i) => {
    bytes.writeInt32BE(relative, i * 8);
    bytes.writeInt32BE(positionBytes, i * 8 + 4);
  });
  return bytes;
}

function timeEntries(pairs: ReadonlyArray<readonly [number, number]>, extraBytes = 0): Buffer {
  const bytes = Buffer.alloc(pairs.length * 12 + extraBytes);
  pairs.forEach(([timestampMs, relative], i) => {
    bytes.writeBigInt64BE(BigInt(timestampMs), i * 12);
    bytes.writeInt32BE(relative, i * 12 + 8);
  });
  return bytes;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

test('reopening: a trimmed file, an untrimmed (preallocated) one, and one whose entry 0 is (0, 0)', () => {
  const dir = tempDir();
  const path = join(dir, 'a.index');
  const first = new OffsetIndex(path, 0, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
  first.append(0, 0); // (0, 0) is a real entry, not an empty slot
  for (let i = 1; i <= 99; i++) first.append(i * 7, i * 4100);
  first.flush(); // never closed, as after a crash: the file holds exactly the entries flushed
  assert.is(statSync(path).size, 800, 'an active index is never preallocated');
  // A file an older version or Kafka left after a crash: preallocated, a zero tail after the entries.
  truncateSync(path, DEFAULT_INDEX_BYTES);
  const active = new OffsetIndex(path, 0, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
  assert.is(active.entries, 100, 'the zero tail is not entries; entry 0 (0, 0) is');
  assert.equal(active.lookup(3), { offset: 0, positionBytes: 0 });
  assert.equal(active.lookup(700), { offset: 693, positionBytes: 99 * 4100 });
  assert.is(statSync(path).size, 800, 'opening active cuts the zero tail');
  active.close();
  assert.is(statSync(path).size, 800, 'close trims');
  const sealed = new OffsetIndex(path, 0, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  assert.is(sealed.entries, 100, 'a trimmed file reopens with the same entries');
  assert.equal(sealed.sanityCheck(), []);
  sealed.close();
  first.close();

  const untrimmed = join(dir, 'b.index');
  writeFileSync(untrimmed, Buffer.concat([offsetEntries([[1, 10], [2, 20]]), Buffer.alloc(4096)]));
  const fromCrash = new OffsetIndex(untrimmed, 0, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  assert.is(fromCrash.entries, 2, 'a sealed untrimmed file gives its true entries');
  assert.ok(fromCrash.sanityCheck().some((p) => p.includes('not trimmed')), fromCrash.sanityCheck().join('; '));
  fromCrash.close();
});

test('active open zeroes an untrusted tail so later appends cannot resurrect stale entries', () => {
  const dir = tempDir();
  const path = join(dir, 'stale.index');
  // 3 good entries, one going backwards, then two more that would look valid after a new append.
  writeFileSync(path, offsetEntries([[1, 0], [2, 100], [3, 200], [1, 300], [50, 400], [60, 500]]));
  const index = new OffsetIndex(path, 0, { maxIndexBytes: 4096, mode: 'active' });
  assert.is(index.entries, 3);
  index.append(4, 250);
  index.flush();
  const again = new OffsetIndex(path, 0, { maxIndexBytes: 4096, mode: 'active' });
  assert.is(again.entries, 4, 'entries (50, 400) and (60, 500) are gone for good');
  assert.equal(again.lookup(1000), { offset: 4, positionBytes: 250 });
  again.close();
  index.close();
});

test('trimToValidSize seals; resize makes it active again with its entries; reset reactivates', () => {
  const dir = tempDir();
  const path = join(dir, 'r.timeindex');
  const index = new TimeIndex(path, 10, { maxIndexBytes: 1200, mode: 'active' });
  for (let i = 0; i < 5; i++) index.maybeAppend(1000 + i, 10 + i);
  index.trimToValidSize();
  assert.is(statSync(path).size, 60);
  assert.not.ok(index.isActive);
  assert.not.ok(index.isOpen, 'trim releases mapping and fd');
  assert.ok(index.isFull, 'a sealed index takes no more entries');
  index.trimToValidSize(); // twice is harmless
  assert.equal(index.lookup(1003), { timestampMs: 1003, offset: 13 }, 'a trimmed index still answers');
  index.resize(1200);
  assert.ok(index.isActive);
  assert.is(statSync(path).size, 60, 'active again, not preallocated');
  assert.is(index.entries, 5);
  assert.is(index.maxEntries, 100);
  index.maybeAppend(2000, 20);
  assert.is(index.entries, 6);
  const invalidArgument = (e: Error & { code?: string }): boolean => e.code === 'SEGLOG_INVALID_ARGUMENT';
  assert.throws(() => index.resize(60), invalidArgument, 'cannot shrink below entries');
  index.resize(2400);
  assert.is(index.maxEntries, 200, 'an active index can grow');
  assert.is(index.entries, 6);
  index.flush();
  assert.is(statSync(path).size, 72, 'flush writes the pending entry');
  index.close();
  assert.is(statSync(path).size, 72);
  index.reset();
  assert.ok(index.isActive, 'reset reactivates (recovery rebuilds into it)');
  assert.is(index.entries, 0);
  index.maybeAppend(5, 10);
  index.close();
  assert.is(statSync(path).size, 12);
});

test('rename while open: active and sealed indexes keep working under the new name', () => {
  const dir = tempDir();
  const index = new OffsetIndex(join(dir, '00000000000000000000.index'), 0, { maxIndexBytes: 800, mode: 'active' });
  index.append(5, 100);
  index.renameTo(join(dir, '00000000000000000000.index.swap'));
  index.append(9, 200);
  assert.equal(index.lookup(9), { offset: 9, positionBytes: 200 });
  index.close();
  assert.is(statSync(join(dir, '00000000000000000000.index.swap')).size, 16);
  assert.not.ok(existsSync(join(dir, '00000000000000000000.index')));
  index.renameTo(join(dir, '00000000000000000000.index.deleted'));
  assert.equal(index.lookup(6), { offset: 5, positionBytes: 100 }, 'sealed and renamed: maps the new path');
  index.release();
  index.renameTo(join(dir, '00000000000000000000.index'));
  assert.equal(index.lookup(100), { offset: 9, positionBytes: 200 });
  assert.ok(index.deleteIfExists());
  assert.not.ok(index.deleteIfExists(), 'second delete finds nothing');
  assert.is(index.entries, 0);
  assert.equal(index.lookup(9), { offset: 0, positionBytes: 0 }, 'a deleted index reads as empty');
});

test('sealed: nothing opened until a lookup, no fd kept, release() drops the mapping, lookups remap', () => {
  const dir = tempDir();
  const count = 300;
  for (let s = 0; s < count; s++) writeFileSync(join(dir, `${s}.index`), offsetEntries([[1, 0], [5, 4200], [9, 8400]]));
  const before = openFds();
  const indexes = Array.from({ length: count }, (_, s) => new OffsetIndex(join(dir, `${s}.index`), s * 100, {
    maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' }));
  assert.ok(indexes.every((index) => !index.isOpen), 'construction opens nothing');
  for (const [s, index] of indexes.entries()) assert.equal(index.lookup(s * 100 + 6), { offset: s * 100 + 5, positionBytes: 4200 });
  assert.ok(indexes.every((index) => index.isOpen), 'a lookup maps');
  assert.ok(openFds() - before < 5, `sealed mappings hold no fds (${openFds() - before} more)`);
  for (const index of indexes) index.release();
  assert.ok(indexes.every((index) => !index.isOpen), 'release() unmaps');
  for (const [s, index] of indexes.entries()) assert.equal(index.lookup(s * 100 + 9), { offset: s * 100 + 9, positionBytes: 8400 });
  for (const index of indexes) index.close();
  const missing = new TimeIndex(join(dir, 'none.timeindex'), 7, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  assert.equal(missing.lookup(123), { timestampMs: -1, offset: 7 }, 'a missing sealed index is empty');
  assert.not.ok(existsSync(join(dir, 'none.timeindex')), 'and is not created');
});

test('a writer killed mid-life: its flushed entries are in the file, exactly, and nothing else', () => {
  const dir = tempDir();
  const path = join(dir, 'killed.index');
  const moduleUrl = new URL('../../lib/segment/offset-index.js', import.meta.url).href;
  const script = `
    import { OffsetIndex } from ${JSON.stringify(moduleUrl)};
    const index = new OffsetIndex(${JSON.stringify(path)}, 1000, { maxIndexBytes: ${DEFAULT_INDEX_BYTES}, mode: 'active' });
    for (let i = 0; i < 5000; i++) index.append(1000 + i * 3, i * 4097);
    index.flush();
    for (let i = 5000; i < 6000; i++) index.append(1000 + i * 3, i * 4097); // pending: lost with the process
    process.kill(process.pid, 'SIGKILL');`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: process.env, encoding: 'utf8' });
  assert.is(child.signal, 'SIGKILL', `child died by SIGKILL (stderr: ${child.stderr})`);
  assert.is(statSync(path).size, 5000 * 8, 'the flushed entries, no preallocation');
  const index = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
  assert.is(index.entries, 5000);
  assert.equal(index.lookup(1000 + 5999 * 3 + 1), { offset: 1000 + 4999 * 3, positionBytes: 4999 * 4097 });
  index.close();
});

test('a failed write counts nothing: the next write overwrites its torn bytes, a failed trim leaves the index active', () => {
  const path = join(tempDir(), 'w.index');
  const index = new OffsetIndex(path, 0, { maxIndexBytes: 8 * 1000, mode: 'active' });
  for (let i = 0; i < 10; i++) index.append(i, i * 100);
  index.flush();
  assert.is(statSync(path).size, 80);
  for (let i = 10; i < 20; i++) index.append(i, i * 100);
  assert.is(index.pendingBytes, 80);
  injectWriteFault({ pathEndsWith: 'w.index', skipWrites: 0, code: 'ENOSPC', landedBytes: 13 });
  assert.throws(() => index.writePending(), (e: Error & { code?: string }) => e.code === 'SEGLOG_NO_SPACE');
  assert.is(statSync(path).size, 93, 'the failed write landed 13 bytes past the written entries');
  assert.is(index.pendingBytes, 80, 'nothing counts as written');
  assert.is(index.entries, 20, 'the entries are still there for lookups');
  assert.equal(index.lookup(15), { offset: 15, positionBytes: 1500 });
  index.writePending();
  assert.is(statSync(path).size, 160, 'the next write overwrote the torn bytes');
  for (let i = 20; i < 25; i++) index.append(i, i * 100);
  injectWriteFault({ pathEndsWith: 'w.index', skipWrites: 0, code: 'ENOSPC', landedBytes: 3 });
  assert.throws(() => index.trimToValidSize(), (e: Error & { code?: string }) => e.code === 'SEGLOG_NO_SPACE');
  assert.ok(index.isActive, 'a trim that could not write leaves the index active');
  assert.is(clearFaults(), 2);
  index.trimToValidSize();
  assert.not.ok(index.isActive);
  assert.is(statSync(path).size, 200, 'exactly the entries');
  const sealed = new OffsetIndex(path, 0, { maxIndexBytes: 8 * 1000, mode: 'sealed' });
  assert.is(sealed.entries, 25);
  assert.equal(sealed.sanityCheck(), []);
  sealed.close();
});

test('corrupt files: sanityCheck lists the problems, opening keeps the trustworthy prefix', () => {
  const dir = tempDir();
  const torn = join(dir, 'torn.index');
  writeFileSync(torn, offsetEntries([[1, 0], [2, 10], [3, 20]], 5));
  const tornIndex = new OffsetIndex(torn, 0, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  assert.is(tornIndex.entries, 3);
  assert.ok(tornIndex.sanityCheck().some((p) => p.includes('not a multiple of 8')), tornIndex.sanityCheck().join('; '));
  const tornActive = new OffsetIndex(torn, 0, { maxIndexBytes: 800, mode: 'active' });
  assert.is(tornActive.entries, 3, 'active open cuts the torn entry');
  tornActive.close();
  assert.is(statSync(torn).size, 24);
  tornIndex.close();

  const cases: Array<{ name: string; bytes: Buffer; entries: number; problem: RegExp; time?: boolean }> = [
    { name: 'decreasing.index', bytes: offsetEntries([[5, 0], [9, 100], [7, 200], [12, 300]]), entries: 2, problem: /entry 2: offset 7/ },
    { name: 'hole.index', bytes: offsetEntries([[5, 0], [0, 0], [7, 200]]), entries: 1, problem: /entry 1 is empty/ },
    { name: 'negative.index', bytes: offsetEntries([[-3, 0], [1, 10]]), entries: 0, problem: /entry 0 has a negative relative offset -3/ },
    { name: 'negative-last.index', bytes: offsetEntries([[1, 0], [-3, 10]]), entries: 1,
      problem: /last offset -3 is below the base offset 0/ },
    { name: 'backwards-position.index', bytes: offsetEntries([[1, 500], [2, 100]]), entries: 1, problem: /position 100/ },
    { name: 'time-backwards.timeindex', bytes: timeEntries([[500, 1], [900, 2], [100, 3]]), entries: 2,
      problem: /last timestamp 100 is below/, time: true },
    { name: 'time-offset.timeindex', bytes: timeEntries([[500, 4], [900, 2]]), entries: 1, problem: /offset 2 is below/, time: true },
    { name: 'time-negative.timeindex', bytes: timeEntries([[-7, 1]]), entries: 0, problem: /invalid timestamp -7/, time: true },
  ];
  for (const c of cases) {
    const path = join(dir, c.name);
    writeFileSync(path, c.bytes);
    const open = (mode: 'active' | 'sealed') => c.time === true
      ? new TimeIndex(path, 0, { maxIndexBytes: 1200, mode })
      : new OffsetIndex(path, 0, { maxIndexBytes: 1200, mode });
    const sealed = open('sealed');
    assert.is(sealed.entries, c.entries, `${c.name}: trusted prefix`);
    const problems = sealed.sanityCheck();
    assert.ok(problems.some((p) => c.problem.test(p) && p.includes(path)), `${c.name}: ${problems.join('; ')}`);
    sealed.close();
    assert.ok(readFileSync(path).equals(c.bytes), `${c.name}: a sealed open changes nothing on disk`);
    const active = open('active');
    assert.is(active.entries, c.entries, `${c.name}: active open keeps the same prefix`);
    active.close();
    assert.is(statSync(path).size, c.entries * (c.time === true ? 12 : 8), `${c.name}: trimmed to the trusted entries`);
  }
  const missing = new OffsetIndex(join(dir, 'missing.index'), 0, { maxIndexBytes: 800, mode: 'sealed' });
  assert.ok(missing.sanityCheck().some((p) => p.includes('does not exist')));
});

test('a rebuild keeps the entries it confirms in place: none rewritten when equal, the rest written and the stale tail cut', () => {
  const dir = tempDir();
  const path = join(dir, 'r.index');
  const pairs = Array.from({ length: 600 }, (_, i) => [i * 3, i * 4096] as const);
  const write = (entries: ReadonlyArray<readonly [number, number]>): OffsetIndex => {
    const index = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'active' });
    for (const [relative, positionBytes] of entries) index.append(1000 + relative, positionBytes);
    return index;
  };
  write(pairs).close();
  const original = readFileSync(path);
  assert.equal(original, offsetEntries(pairs));
  // The same entries again: no write and no cut reach the file (any write would fail here).
  injectWriteFault({ pathEndsWith: 'r.index', skipWrites: 0, code: 'EIO', failingWrites: 1000 });
  const same = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  same.beginRebuild();
  assert.is(same.entries, 0);
  for (const [relative, positionBytes] of pairs) same.append(1000 + relative, positionBytes);
  same.finishRebuild();
  same.flush();
  same.close();
  assert.is(clearFaults(), 0, 'nothing was written');
  assert.equal(readFileSync(path), original);
  // Diverging at entry 250, and shorter: the first 250 stay, the new ones follow, the old tail goes.
  const diverging = [...pairs.slice(0, 250), ...Array.from({ length: 100 }, (_, i) => [751 + i * 5, 250 * 4096 + i * 100] as const)];
  const again = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  again.beginRebuild();
  for (const [relative, positionBytes] of diverging) again.append(1000 + relative, positionBytes);
  again.finishRebuild();
  assert.is(statSync(path).size, 350 * 8, 'the confirmed entries stay, the new ones are written after them, the old tail is gone');
  assert.is(again.entries, 350);
  assert.equal(again.lookup(1000 + 763), { offset: 1000 + 761, positionBytes: 250 * 4096 + 200 });
  again.close();
  assert.equal(readFileSync(path), offsetEntries(diverging));
  // Longer than before: every old entry confirmed, the extra ones appended.
  const longer = [...diverging, [2000, 10_000_000] as const];
  const grown = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  grown.beginRebuild();
  for (const [relative, positionBytes] of longer) grown.append(1000 + relative, positionBytes);
  grown.finishRebuild();
  grown.close();
  assert.equal(readFileSync(path), offsetEntries(longer));
  // Shorter with every entry equal: only the cut.
  const shorter = longer.slice(0, 100);
  const cut = new OffsetIndex(path, 1000, { maxIndexBytes: DEFAULT_INDEX_BYTES, mode: 'sealed' });
  cut.beginRebuild();
  for (const [relative, positionBytes] of shorter) cut.append(1000 + relative, positionBytes);
  cut.finishRebuild();
  assert.is(statSync(path).size, 100 * 8);
  assert.is(cut.entries, 100);
  cut.close();
  assert.equal(readFileSync(path), offsetEntries(shorter));
});

test.run();
