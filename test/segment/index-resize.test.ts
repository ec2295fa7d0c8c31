/**
 * An active index never takes more entries than it is configured for unless it already holds them:
 * a resize down, a reopen with a smaller segmentIndexBytes, and a crashed (untrimmed, preallocated)
 * file of an earlier, larger config all bound it to max(configured slots, trusted entries), so
 * isFull — and with it the segment roll — follows the configuration (Kafka's AbstractIndex.resize).
 * The file itself always holds just the entries (never preallocated slots).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OffsetIndex } from '../../lib/segment/offset-index.js';
import { TimeIndex } from '../../lib/segment/time-index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

test('resize down of an active index lowers its bound, keeping entries', () => {
  const path = join(tempDir(), '00000000000000000000.index');
  const index = new OffsetIndex(path, 0, { maxIndexBytes: 8 * 100, mode: 'active' });
  for (let i = 0; i < 10; i++) index.append(i * 10, i * 100);
  index.flush();
  assert.is(statSync(path).size, 80, 'the entries, nothing preallocated');
  index.resize(8 * 20);
  assert.is(statSync(path).size, 80);
  assert.is(index.maxEntries, 20);
  assert.is(index.entries, 10);
  assert.equal(index.lookup(55), { offset: 50, positionBytes: 500 });
  for (let i = 10; i < 20; i++) index.append(i * 10, i * 100);
  assert.ok(index.isFull, 'full at the new bound, not the old one');
  index.close();
  assert.is(statSync(path).size, 160);
});

test('a crashed file of a larger config reopened active with a smaller one: trusted entries kept, tail cut', () => {
  const dir = tempDir();
  const path = join(dir, '00000000000000000100.index');
  const crashed = new OffsetIndex(path, 100, { maxIndexBytes: 8 * 1000, mode: 'active' });
  for (let i = 0; i < 30; i++) crashed.append(100 + i * 3, i * 64);
  crashed.flush();
  // No close(), as after a kill -9, of a version that preallocated: a zero tail after the entries.
  truncateSync(path, 8000);
  const small = new OffsetIndex(path, 100, { maxIndexBytes: 8 * 10, mode: 'active' });
  assert.is(small.entries, 30, 'entries beyond the new bound are kept');
  assert.is(statSync(path).size, 30 * 8, 'but not the empty preallocated slots');
  assert.ok(small.isFull);
  assert.equal(small.lookup(100 + 29 * 3 + 1), { offset: 100 + 29 * 3, positionBytes: 29 * 64 });
  small.close();

  const timePath = join(dir, '00000000000000000100.timeindex');
  const crashedTime = new TimeIndex(timePath, 100, { maxIndexBytes: 12 * 1000, mode: 'active' });
  for (let i = 0; i < 3; i++) crashedTime.maybeAppend(1_700_000_000_000 + i, 100 + i);
  crashedTime.flush();
  truncateSync(timePath, 12 * 1000);
  const smallTime = new TimeIndex(timePath, 100, { maxIndexBytes: 12 * 10, mode: 'active' });
  assert.is(smallTime.entries, 3);
  assert.is(smallTime.maxEntries, 10, 'room left for the configured 10 slots');
  assert.is(statSync(timePath).size, 36, 'the zero tail is cut');
  assert.equal(smallTime.lastEntry(), { timestampMs: 1_700_000_000_002, offset: 102 });
  smallTime.close();
  assert.is(statSync(timePath).size, 36);
  crashed.close();
  crashedTime.close();
});

test('stale non-zero bytes past the trusted prefix in an oversized file are cut, never resurrected', () => {
  const path = join(tempDir(), '00000000000000000000.index');
  const bytes = Buffer.alloc(8 * 50);
  const entries: Array<[number, number]> = [[1, 0], [2, 10], [3, 20], [1, 30], [9, 40]]; // entry 3 breaks the order
  entries.forEach(([relative, position], i) => {
    bytes.writeInt32BE(relative, i * 8);
    bytes.writeInt32BE(position, i * 8 + 4);
  });
  writeFileSync(path, bytes);
  const index = new OffsetIndex(path, 0, { maxIndexBytes: 8 * 4, mode: 'active' });
  assert.is(index.entries, 3);
  assert.is(index.maxEntries, 4);
  const onDisk = readFileSync(path);
  assert.is(onDisk.length, 24, 'the stale entry 3 and everything after it are cut');
  index.append(4, 50);
  index.close();
  const reopened = new OffsetIndex(path, 0, { maxIndexBytes: 8 * 4, mode: 'sealed' });
  assert.is(reopened.entries, 4);
  assert.equal(reopened.entryAt(3), { offset: 4, positionBytes: 50 });
  assert.equal(reopened.sanityCheck(), []);
  reopened.close();
});

test.run();
