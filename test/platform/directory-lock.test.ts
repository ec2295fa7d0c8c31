/**
 * lockDirectory contract: in-process and cross-process exclusion, release, takeover after the
 * holder is SIGKILLed, and native (flock) / fallback (lock file) interop, with real `node` children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogLockedError, SeglogError } from '../../lib/errors.js';
import type { LockDirectory } from '../../lib/platform/contract.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { lockBySide, lockSides } from './sides.js';

const CHILD = fileURLToPath(new URL('./lock-child.js', import.meta.url));
const children = new Set<ChildProcess>();
type SideName = 'native' | 'fallback';
const childSides: SideName[] = lockBySide('native') === undefined ? ['fallback'] : ['native', 'fallback'];

test.after.each(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  removeTempDirs();
});

function lockedBy(dir: string, pid?: number) {
  return (error: unknown): boolean =>
    error instanceof LogLockedError && error.code === 'SEGLOG_LOG_LOCKED' && error.path === dir
    && (pid === undefined || error.message.includes(`pid ${pid}`));
}

interface Held {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
}

/** Starts a child that holds the lock on `dir`; resolves once it printed "locked". */
function holdInChild(side: SideName, dir: string): Promise<Held> {
  const child = spawn(process.execPath, [CHILD, side, dir, 'hold'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /locked (\d+)/.exec(out);
      if (match !== null) resolve({ child, pid: Number(match[1]), exited });
    });
    void exited.then((code) => reject(new Error(`holder exited ${code} before locking: ${out}${err}`)));
  });
}

/** Runs a child that tries the lock once; resolves with its exit code and output. */
function tryInChild(side: SideName, dir: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CHILD, side, dir, 'try'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

async function killAndWait(held: Held): Promise<void> {
  held.child.kill('SIGKILL');
  await held.exited;
}

for (const { name, impl: lockDirectory } of lockSides) {
  test(`${name}: a second lock in the same process fails; release frees it`, () => {
    const dir = tempDir();
    const lock = lockDirectory(dir);
    assert.is(lock.path, dir);
    assert.throws(() => lockDirectory(dir), lockedBy(dir, process.pid));
    lock.release();
    lock.release();
    const again = lockDirectory(dir);
    again.release();
  });

  test(`${name}: another spelling of the same directory is the same lock`, () => {
    const dir = tempDir();
    const link = join(tempDir(), 'link');
    symlinkSync(dir, link);
    const lock = lockDirectory(dir);
    assert.throws(() => lockDirectory(link), lockedBy(link));
    assert.throws(() => lockDirectory(relative(process.cwd(), dir)), (e: unknown) => e instanceof LogLockedError);
    lock.release();
  });

  test(`${name}: different directories lock independently`, () => {
    const a = tempDir();
    const b = tempDir();
    const lockA = lockDirectory(a);
    const lockB = lockDirectory(b);
    lockA.release();
    lockB.release();
  });

  test(`${name}: the lock file names the holder's pid and is gone after release`, () => {
    const dir = tempDir();
    const lock = lockDirectory(dir);
    assert.is(readFileSync(join(dir, '.lock'), 'latin1'), `${process.pid}\n`);
    lock.release();
    assert.not.ok(existsSync(join(dir, '.lock')));
    assert.equal(readdirSync(dir), [], 'no tmp or stale files left behind');
  });

  test(`${name}: a missing directory is an I/O error, not a lock error`, () => {
    const dir = join(tempDir(), 'missing');
    assert.throws(() => lockDirectory(dir), (e: unknown) => e instanceof SeglogError && e.code === 'SEGLOG_IO' && e.path === dir);
  });

  test(`${name}: a stale lock file (dead pid, empty, garbage) is taken over`, async () => {
    const dir = tempDir();
    const deadPid = await deadProcessPid();
    for (const content of [`${deadPid}\n`, '', 'not a pid\n', '0\n']) {
      writeFileSync(join(dir, '.lock'), content);
      const lock = lockDirectory(dir);
      assert.is(readFileSync(join(dir, '.lock'), 'latin1'), `${process.pid}\n`, JSON.stringify(content));
      lock.release();
    }
  });

  test(`${name}: a lock file naming our own pid but not held here is stale`, () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.lock'), `${process.pid}\n`);
    const lock = lockDirectory(dir);
    lock.release();
  });

  for (const childSide of childSides) {
    test(`${name}: refused while a ${childSide} child holds it; free once the child is SIGKILLed`, async () => {
      const dir = tempDir();
      const held = await holdInChild(childSide, dir);
      assert.throws(() => lockDirectory(dir), lockedBy(dir, held.pid));
      await killAndWait(held);
      const lock = lockDirectory(dir);
      assert.is(readFileSync(join(dir, '.lock'), 'latin1'), `${process.pid}\n`);
      lock.release();
    });

    test(`${name}: a ${childSide} child is refused while this process holds it`, async () => {
      const dir = tempDir();
      const lock = lockDirectory(dir);
      const result = await tryInChild(childSide, dir);
      assert.is(result.code, 3, result.out);
      assert.match(result.out, `refused SEGLOG_LOG_LOCKED directory is locked by pid ${process.pid}`);
      lock.release();
      const after = await tryInChild(childSide, dir);
      assert.is(after.code, 0, after.out);
    });

    test(`${name}: free after a ${childSide} child releases it`, async () => {
      const dir = tempDir();
      const held = await holdInChild(childSide, dir);
      held.child.stdin?.write('release\n');
      assert.is(await held.exited, 0);
      lockDirectory(dir).release();
    });
  }
}

test('native and fallback exclude each other inside one process', () => {
  const native = lockBySide('native');
  const fallback = lockBySide('fallback');
  assert.ok(fallback !== undefined);
  const pairs: Array<[LockDirectory, LockDirectory]> = native === undefined ? [] : [[native, fallback], [fallback, native]];
  for (const [first, second] of pairs) {
    const dir = tempDir();
    const lock = first(dir);
    assert.throws(() => second(dir), lockedBy(dir, process.pid));
    lock.release();
    second(dir).release();
  }
});

test('mixed native and fallback children never hold the lock at the same time', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'markers'));
  const marker = join(dir, 'markers', 'holder');
  const runs = [];
  for (let i = 0; i < 6; i++) {
    const side = childSides[i % childSides.length] as SideName;
    const child = spawn(process.execPath, [CHILD, side, dir, 'contend', '150', marker], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    runs.push(new Promise<{ code: number | null; out: string }>((resolve) => child.on('exit', (code) => resolve({ code, out }))));
  }
  let total = 0;
  for (const { code, out } of await Promise.all(runs)) {
    assert.is(code, 0, out);
    total += Number(/held (\d+)/.exec(out)?.[1] ?? 0);
  }
  assert.ok(total > 0, 'no child ever got the lock');
  lockBySide('fallback')?.(dir).release();
});

/** The pid of a process that has exited (and been reaped). */
async function deadProcessPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(pid !== undefined);
  return pid;
}

test.run();
