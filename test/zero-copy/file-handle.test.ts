/**
 * FileHandle and FilePool on real files: reference counting keeps an fd open exactly while it is
 * used, the pool bounds idle fds (LRU), renames keep the fd valid, retire refuses new readers but
 * lets in-flight ones finish, and the read-only mapping exists only for sealed files on the native
 * side and is dropped by eviction, retire and beforeTruncate. Descriptors counted in /proc/self/fd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ftruncateSync, openSync, closeSync, readSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileHandle, FilePool } from '../../lib/segment/file-handle.js';
import { TransferAbortedError, platformReport } from '../../lib/index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { openFds, writeRandomFile } from './helpers.js';

test.after.each(removeTempDirs);

const nativeMapping = platformReport().mapFile === 'native:mmap-io';
const seed = seedFromEnv();

function files(count: number, sizeBytes = 4096): string[] {
  const dir = tempDir();
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const path = join(dir, `${String(i).padStart(20, '0')}.log`);
    writeRandomFile(path, sizeBytes, random);
    return path;
  });
}

test('acquire opens lazily, release keeps the fd for reuse, the pool closes idle fds beyond its bound (LRU)', () => {
  const paths = files(6);
  const before = openFds();
  const pool = new FilePool(3);
  const handles = paths.map((p) => new FileHandle(p, pool));
  assert.is(openFds(), before, 'nothing opens at construction');
  for (const handle of handles) {
    handle.acquire();
    handle.release();
  }
  assert.is(pool.openCount(), 3, 'bounded by maxOpenFiles');
  assert.is(openFds(), before + 3);
  const fd = handles[5]!.acquire();
  assert.is(handles[5]!.acquire(), fd, 'the same fd while open');
  handles[5]!.release();
  handles[5]!.release();
  pool.closeAll();
  assert.is(pool.openCount(), 0);
  assert.is(openFds(), before, 'closeAll closes every idle fd');
});

test('an fd in use is never closed by eviction: the pool goes over its bound until release', () => {
  const paths = files(4);
  const before = openFds();
  const pool = new FilePool(1);
  const handles = paths.map((p) => new FileHandle(p, pool));
  const fds = handles.map((h) => h.acquire());
  assert.is(new Set(fds).size, 4, 'four distinct fds held at once');
  const byte = Buffer.alloc(1);
  for (const fd of fds) assert.is(readSync(fd, byte, 0, 1, 0), 1, 'every held fd still reads');
  for (const handle of handles) handle.release();
  handles[0]!.acquire(); // the next touch evicts the idle ones
  handles[0]!.release();
  assert.ok(pool.openCount() <= 1, `back within the bound (${pool.openCount()})`);
  pool.closeAll();
  assert.is(openFds(), before);
});

test('renameTo keeps the open fd valid and updates the path; retire refuses new readers, closes at the last release', () => {
  const [path] = files(1);
  const before = openFds();
  const pool = new FilePool();
  const handle = new FileHandle(path!, pool);
  const fd = handle.acquire();
  handle.renameTo(`${path}.deleted`);
  assert.is(handle.path, `${path}.deleted`);
  assert.not.ok(existsSync(path!));
  const byte = Buffer.alloc(1);
  assert.is(readSync(fd, byte, 0, 1, 10), 1, 'the fd reads the renamed file');
  handle.retire();
  assert.is(handle.acquire(), fd, 'an in-flight reader\'s fd is shared after retire');
  handle.release();
  handle.release();
  assert.is(openFds(), before, 'closed when the last reference went');
  assert.throws(() => handle.acquire(), (e: unknown) => e instanceof TransferAbortedError, 'no reopen by path after retire');
  assert.throws(() => handle.release(), /released more often/);
});

test('mapping: only sealed files, only with mmap-io; dropped by eviction, retire and beforeTruncate', () => {
  const paths = files(3, 256 * 1024);
  const pool = new FilePool(2);
  const handles = paths.map((p) => new FileHandle(p, pool));
  const [a, b, c] = handles as [FileHandle, FileHandle, FileHandle];
  a.acquire();
  assert.is(a.mappedBytes(), null, 'an active file is never mapped');
  a.markSealed(256 * 1024);
  const bytes = a.mappedBytes();
  assert.is(bytes !== null, nativeMapping, `mapped iff mmap-io is active (${platformReport().mapFile})`);
  if (bytes !== null) assert.is(bytes.length, 256 * 1024);
  a.release();
  // Eviction closes a's fd and drops its mapping.
  for (const handle of [b, c]) {
    handle.acquire();
    handle.release();
  }
  assert.not.ok(a.mapped, 'evicted: no mapping');
  b.acquire();
  b.markSealed(256 * 1024);
  b.mappedBytes();
  b.beforeTruncate(1000);
  assert.not.ok(b.mapped, 'beforeTruncate drops the mapping');
  assert.not.ok(b.sealed, 'a cut file is not sealed any more');
  assert.is(b.mappedBytes(), null, 'and is not mapped again');
  b.release();
  c.acquire();
  c.markSealed(256 * 1024);
  c.mappedBytes();
  c.retire();
  assert.is(c.mappedBytes(), null, 'retired: no new mapping');
  c.release();
  assert.not.ok(c.mapped, 'retired and released: mapping dropped');
  pool.closeAll();
});

test('a sealed size larger than the file (cut by someone else): no mapping, no crash', () => {
  const [path] = files(1, 64 * 1024);
  const fd = openSync(path!, 'r+');
  ftruncateSync(fd, 4096);
  closeSync(fd);
  const handle = new FileHandle(path!, new FilePool());
  handle.acquire();
  handle.markSealed(64 * 1024);
  assert.is(handle.mappedBytes(), null);
  handle.release();
});

test.run();
