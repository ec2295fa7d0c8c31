/**
 * Child process for the directory-lock tests: `node lock-child.js <native|fallback> <dir> <action>`.
 *   hold     lock, print "locked <pid>", then wait; "release\n" on stdin releases and exits 0.
 *   try      lock once: print "ok" and exit 0, or "refused <code> <message>" and exit 3.
 *   contend <durationMs> <witness>  for that long, lock and release as fast as it can; while holding,
 *            check the witness file names no live, non-exiting process (else another holder is inside: print
 *            "overlap" and exit 5), write our pid into it, spin, check it still names us, clear it.
 *            Print "held <count>" and exit 0. A holder SIGKILLed inside leaves its dead pid there.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { SeglogError } from '../../lib/errors.js';
import type { LockDirectory } from '../../lib/platform/contract.js';
import { isProcessAlive } from '../../native-free-fallback/directory-lock.js';
import { lockBySide } from './sides.js';

const [side, dir, action, durationText, witness] = process.argv.slice(2);
/** The witness holds one pid as fixed-width decimal text (zeros when nobody is inside). */
const WITNESS_BYTES = 16;
if ((side !== 'native' && side !== 'fallback') || dir === undefined) {
  process.stderr.write('usage: lock-child <native|fallback> <dir> <hold|try|contend> [durationMs witness]\n');
  process.exit(2);
}
const lockDirectory = lockBySide(side);
if (lockDirectory === undefined) {
  process.stderr.write(`no ${side} lock on this platform\n`);
  process.exit(4);
}

function spinMs(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy-wait: hold the lock for a moment without yielding to the event loop.
  }
}

function witnessPid(fd: number, scratch: Buffer): number {
  readSync(fd, scratch, 0, WITNESS_BYTES, 0);
  return Number(scratch.toString('latin1').trim());
}

/** PF_EXITING in /proc/<pid>/stat's flags: the process is dying and runs no more of its own code. */
const PF_EXITING = 0x4;

/**
 * Whether `pid` can still be inside the lock: alive and not exiting. A SIGKILLed holder's files
 * (and with them its lock) are closed inside the kernel's exit path, while /proc still shows it
 * running; from then on it cannot touch the witness again, so it is not "inside".
 */
function canBeInside(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const flags = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[6]);
    return (flags & PF_EXITING) === 0;
  } catch {
    return false;
  }
}

function overlap(what: string): never {
  process.stdout.write(`overlap: ${what}\n`);
  process.exit(5);
}

function contend(lock: LockDirectory, lockedDir: string, durationMs: number, witnessPath: string): void {
  const fd = openSync(witnessPath, 'r+');
  const scratch = Buffer.alloc(WITNESS_BYTES);
  const mine = Buffer.from(String(process.pid).padStart(WITNESS_BYTES, '0'), 'latin1');
  const nobody = Buffer.from('0'.repeat(WITNESS_BYTES), 'latin1');
  const until = performance.now() + durationMs;
  let heldCount = 0;
  while (performance.now() < until) {
    let held;
    try {
      held = lock(lockedDir);
    } catch (error) {
      if (error instanceof SeglogError && error.code === 'SEGLOG_LOG_LOCKED') continue;
      throw error;
    }
    const before = witnessPid(fd, scratch);
    if (before !== 0 && canBeInside(before)) overlap(`pid ${before} was inside when pid ${process.pid} got the lock`);
    writeSync(fd, mine, 0, WITNESS_BYTES, 0);
    spinMs(0.05);
    const after = witnessPid(fd, scratch);
    if (after !== process.pid) overlap(`pid ${after} came in while pid ${process.pid} held the lock`);
    writeSync(fd, nobody, 0, WITNESS_BYTES, 0);
    held.release();
    heldCount++;
  }
  closeSync(fd);
  process.stdout.write(`held ${heldCount}\n`);
  process.exit(0);
}

if (action === 'hold') {
  const lock = lockDirectory(dir);
  process.stdout.write(`locked ${process.pid}\n`);
  process.stdin.on('data', (chunk) => {
    if (chunk.toString().includes('release')) {
      lock.release();
      process.stdout.write('released\n');
      process.exit(0);
    }
  });
} else if (action === 'try') {
  try {
    const lock = lockDirectory(dir);
    process.stdout.write('ok\n');
    lock.release();
    process.exit(0);
  } catch (error) {
    if (!(error instanceof SeglogError)) throw error;
    process.stdout.write(`refused ${error.code} ${error.message}\n`);
    process.exit(3);
  }
} else if (action === 'contend' && durationText !== undefined && witness !== undefined) {
  contend(lockDirectory, dir, Number(durationText), witness);
} else {
  process.stderr.write(`unknown action ${action}\n`);
  process.exit(2);
}
