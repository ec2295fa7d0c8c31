/**
 * writeAt and the write-fault switch (lib/platform/faults.ts): whole writes land; an armed fault
 * fails exactly the nth matching write with its errno after landing exactly `landedBytes`; other
 * files are untouched; `failingWrites` fails that many in a row; clearFaults disarms and counts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearFaults, injectWriteFault } from '../../lib/platform/faults.js';
import { writeAt } from '../../lib/platform/positioned-write.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const fds: number[] = [];
test.after.each(() => {
  clearFaults();
  for (const fd of fds.splice(0)) closeSync(fd);
  removeTempDirs();
});

function open(path: string): number {
  const fd = openSync(path, 'w+');
  fds.push(fd);
  return fd;
}

const bytes = Buffer.from('0123456789abcdef');
const isNoSpace = (e: Error & { code?: string }): boolean => e.code === 'ENOSPC';

test('the nth matching write fails after landing exactly landedBytes; other files are untouched', () => {
  const dir = tempDir();
  const index = join(dir, '00000000000000000000.index');
  const log = join(dir, '00000000000000000000.log');
  const indexFd = open(index);
  const logFd = open(log);
  injectWriteFault({ pathEndsWith: '.index', skipWrites: 2, code: 'ENOSPC', landedBytes: 5 });
  writeAt(indexFd, index, bytes, 0, 4, 0);
  writeAt(logFd, log, bytes, 0, 16, 0); // another file: neither counted nor failed
  writeAt(indexFd, index, bytes, 4, 8, 4);
  assert.throws(() => writeAt(indexFd, index, bytes, 8, 16, 8), isNoSpace);
  assert.is(readFileSync(index).toString(), '0123456789abc', 'the first 5 of the failing 8 bytes landed');
  writeAt(indexFd, index, bytes, 8, 16, 8);
  assert.is(readFileSync(index).toString(), '0123456789abcdef', 'fired once, then disarmed');
  assert.is(readFileSync(log).toString(), '0123456789abcdef');
  assert.is(clearFaults(), 1);
});

test('failingWrites fails several writes in a row; clearFaults disarms', () => {
  const path = join(tempDir(), 'x.timeindex');
  const fd = open(path);
  injectWriteFault({ pathEndsWith: '.timeindex', skipWrites: 0, code: 'EIO', failingWrites: 2 });
  const isIo = (e: Error & { code?: string }): boolean => e.code === 'EIO';
  assert.throws(() => writeAt(fd, path, bytes, 0, 16, 0), isIo);
  assert.throws(() => writeAt(fd, path, bytes, 0, 16, 0), isIo);
  writeAt(fd, path, bytes, 0, 16, 0);
  injectWriteFault({ pathEndsWith: '.timeindex', skipWrites: 0, code: 'ENOSPC' });
  assert.is(clearFaults(), 2);
  writeAt(fd, path, bytes, 0, 16, 16);
  assert.is(readFileSync(path).length, 32);
});

test.run();
