/**
 * lockDirectory contract: in-process and cross-process exclusion, release, takeover after the
 * holder is SIGKILLed or of a file naming a live pid that holds nothing, takeover claims, and
 * native (flock) / fallback (lock file) interop, with real `node` children; then contention: several
 * children per side (and mixed, and with SIGKILLs) locking in a loop, checked for any overlap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogLockedError, SeglogError } from '../../lib/errors.js';
import { FALLBACK_MARK } from '../../native-free-fallback/directory-lock.js';
import type { LockDirectory } from '../../lib/platform/contract.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { lockBySide, lockSides, nativeReasons } from './sides.js';

const CHILD = fileURLToPath(new URL('./lock-child.js', import.meta.url));
const children = new Set<ChildProcess>();
type SideName = 'native' | 'fallback';
const childSides: SideName[] = ['native', 'fallback'];

test('the native lock (fs-ext) loads on this machine, so both sides are tested', () => {
  assert.ok(lockBySide('native') !== undefined, `native lock missing: ${nativeReasons['lockDirectory']}`);
});

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
    assert.is(ownerLine(dir), String(process.pid));
    if (name !== 'chosen') assert.is(readFileSync(join(dir, '.lock'), 'latin1'), lockText(name, process.pid));
    assert.equal(readdirSync(dir), ['.lock'], 'no tmp file left while held');
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
    const stale = [`${deadPid}\n`, `${deadPid}\n${FALLBACK_MARK}\n`, '', 'not a pid\n', '0\n', `${process.pid}\n`, 'x'.repeat(100)];
    for (const content of stale) {
      writeFileSync(join(dir, '.lock'), content);
      await assertTakenOver(lockDirectory, dir, JSON.stringify(content), content === stale[0]);
    }
  });

  test(`${name}: a lock file naming a live pid that does not hold it is taken over (pid 1, a sleeping process)`, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.lock'), '1\n');
    await assertTakenOver(lockDirectory, dir, 'pid 1');
    const bystander = await startBystander();
    for (const content of [`${bystander.pid}\n`, `${bystander.pid}\n${FALLBACK_MARK}\n`]) {
      writeFileSync(join(dir, '.lock'), content);
      await assertTakenOver(lockDirectory, dir, JSON.stringify(content), false);
    }
  });

  test(`${name}: takeover claims: a dead claimer's claim is passed over, a live one's refuses`, async () => {
    const dir = tempDir();
    const lockPath = join(dir, '.lock');
    writeFileSync(lockPath, '1\n');
    const stat = statSync(lockPath);
    const claimPrefix = `${lockPath}.takeover.${stat.ino}`;
    writeFileSync(`${claimPrefix}.0`, `${await deadProcessPid()}\n`);
    const claimer = await startBystander(`${claimPrefix}.1`);
    assert.throws(() => lockDirectory(dir), lockedBy(dir, claimer.pid));
    assert.is(readFileSync(lockPath, 'latin1'), '1\n', 'the stale file stays while a live claimer works');
    await killAndWait(claimer);
    await assertTakenOver(lockDirectory, dir, 'after the claimer died', false);
  });

  for (const childSide of childSides) {
    test(`${name}: refused while a ${childSide} child holds it; free once the child is SIGKILLed`, async () => {
      const dir = tempDir();
      const held = await holdInChild(childSide, dir);
      assert.throws(() => lockDirectory(dir), lockedBy(dir, held.pid));
      await killAndWait(held);
      await assertTakenOver(lockDirectory, dir, `from a SIGKILLed ${childSide} child`);
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
  assert.ok(native !== undefined, `native lock missing: ${nativeReasons['lockDirectory']}`);
  const pairs: Array<[LockDirectory, LockDirectory]> = [[native, fallback], [fallback, native]];
  for (const [first, second] of pairs) {
    const dir = tempDir();
    const lock = first(dir);
    assert.throws(() => second(dir), lockedBy(dir, process.pid));
    lock.release();
    second(dir).release();
  }
});

/** How long each contention group runs; SEGLOG_LOCK_CONTENTION_MS lengthens it (soak runs). */
const CONTENTION_MS = Number(process.env['SEGLOG_LOCK_CONTENTION_MS'] ?? 2000);
/** In the SIGKILL groups, one contender is killed (and replaced) this often: each lives ~0.5 s. */
const KILL_EVERY_MS = 100;
/** Shortest run of a replacement contender. */
const REPLACEMENT_MS = 500;

interface Contender {
  child: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startContender(side: SideName, dir: string, witness: string, durationMs: number): Contender {
  const child = spawn(process.execPath, [CHILD, side, dir, 'contend', String(durationMs), witness], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, exited };
}

/**
 * Runs contenders of the given sides against one directory for CONTENTION_MS; with `killing`, one
 * of them is SIGKILLed every KILL_EVERY_MS (often while holding the lock) and a new one of the same
 * side takes its place. Returns how many times a lock was held by contenders that ran to the end.
 */
async function contend(sides: SideName[], killing: boolean): Promise<number> {
  const dir = tempDir();
  const witness = join(tempDir(), 'witness');
  writeFileSync(witness, '0'.repeat(16));
  const until = performance.now() + CONTENTION_MS;
  const all: Contender[] = [];
  const running = sides.map((side) => {
    const contender = startContender(side, dir, witness, CONTENTION_MS);
    all.push(contender);
    return { side, contender };
  });
  let killed = 0;
  while (killing && performance.now() < until - KILL_EVERY_MS) {
    await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
    const slot = running[killed % running.length];
    assert.ok(slot !== undefined);
    slot.contender.child.kill('SIGKILL');
    await slot.contender.exited;
    // At least REPLACEMENT_MS, so the last replacements (which decide heldTotal) get to lock.
    slot.contender = startContender(slot.side, dir, witness, Math.max(REPLACEMENT_MS, until - performance.now()));
    all.push(slot.contender);
    killed++;
  }
  let heldTotal = 0;
  for (const contender of all) {
    const { code, signal } = await contender.exited;
    const out = contender.out();
    assert.not.match(out, 'overlap', `${sides.join('+')}${killing ? ' with SIGKILLs' : ''}: ${out}`);
    if (signal === 'SIGKILL') continue;
    assert.is(code, 0, out);
    heldTotal += Number(/held (\d+)/.exec(out)?.[1] ?? 0);
  }
  assert.ok(heldTotal > 0, 'no contender ever got the lock');
  // Whatever the killed holders left behind, the directory can be locked again.
  if (killing) assert.ok(killed > 0, 'no contender was killed');
  const fallback = lockBySide('fallback');
  assert.ok(fallback !== undefined);
  fallback(dir).release();
  assert.not.ok(existsSync(join(dir, '.lock')), 'released');
  return heldTotal;
}

// Enough contenders that, on 2 busy cores, lockers are often preempted inside the protocol: the
// race this guards against (a native release seen half-done by a fallback locker) showed up within
// a few seconds this way, and not with fewer.
const MIXED: SideName[] = ['native', 'fallback', 'native', 'fallback', 'native', 'fallback', 'native', 'fallback'];
const contentionGroups: Array<[string, SideName[], boolean]> = [
  ['native only', ['native', 'native', 'native'], false],
  ['fallback only', ['fallback', 'fallback', 'fallback', 'fallback', 'fallback', 'fallback'], false],
  ['native and fallback', MIXED, false],
  ['native and fallback with SIGKILLs', MIXED.slice(0, 6), true],
];
for (const [label, sides, killing] of contentionGroups) {
  test(`contention, ${label}: no two processes ever hold the lock at once`, async () => {
    await contend(sides, killing);
  });
}

/** The first line of `<dir>/.lock`. */
function ownerLine(dir: string): string | undefined {
  return readFileSync(join(dir, '.lock'), 'latin1').split('\n')[0];
}

/** What each side writes into the lock file it makes. */
function lockText(side: SideName | 'chosen', pid: number): string {
  return side === 'fallback' ? `${pid}\n${FALLBACK_MARK}\n` : `${pid}\n`;
}

/**
 * Locks `dir`, whose `.lock` is stale, and checks the takeover really happened: `.lock` is a new
 * file naming us, children of both sides are refused while we hold it (unless `probeChildren` is
 * false, to spare process starts), nothing is left behind (temp files, claims), and release removes it.
 */
async function assertTakenOver(lockDirectory: LockDirectory, dir: string, what: string, probeChildren = true): Promise<void> {
  const lockPath = join(dir, '.lock');
  const before = existsSync(lockPath) ? statSync(lockPath).ino : undefined;
  const lock = lockDirectory(dir);
  try {
    assert.is(ownerLine(dir), String(process.pid), what);
    assert.is.not(statSync(lockPath).ino, before, `${what}: .lock is a fresh file, not the stale one rewritten`);
    assert.equal(readdirSync(dir), ['.lock'], `${what}: nothing left beside the lock`);
    const results = probeChildren ? await Promise.all(childSides.map((side) => tryInChild(side, dir))) : [];
    results.forEach((result, i) => {
      assert.is(result.code, 3, `${what}: ${childSides[i]} child: ${result.out}`);
      assert.match(result.out, `locked by pid ${process.pid}`);
    });
  } finally {
    lock.release();
  }
  assert.equal(readdirSync(dir), [], `${what}: released`);
}

/**
 * A live process that holds no lock (it sleeps; with `openPath` it writes its pid there and keeps
 * the file open, like a takeover claimer at work). Resolves once it is ready.
 */
function startBystander(openPath?: string): Promise<Held> {
  const script = openPath === undefined
    ? 'process.stdout.write("ready\\n"); setInterval(() => {}, 1000);'
    : `const fs = require('node:fs'); const fd = fs.openSync(${JSON.stringify(openPath)}, 'wx');
       fs.writeSync(fd, process.pid + '\\n'); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', () => {
      if (child.pid !== undefined) resolve({ child, pid: child.pid, exited });
    });
    void exited.then((code) => reject(new Error(`bystander exited ${code} before it was ready`)));
  });
}

/** The pid of a process that has exited (and been reaped). */
async function deadProcessPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(pid !== undefined);
  return pid;
}

test.run();
