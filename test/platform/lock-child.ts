/**
 * Child process for the directory-lock tests: `node lock-child.js <native|fallback> <dir> <action>`.
 *   hold     lock, print "locked <pid>", then wait; "release\n" on stdin releases and exits 0.
 *   try      lock once: print "ok" and exit 0, or "refused <code> <message>" and exit 3.
 *   contend <rounds> <marker>  lock repeatedly; while holding, create <marker> exclusively (two
 *            holders at once would collide there) and remove it; print "held <count>"; exit 5 on a
 *            collision.
 */
import { openSync, closeSync, unlinkSync } from 'node:fs';
import { SeglogError } from '../../lib/errors.js';
import { lockBySide } from './sides.js';

const [side, dir, action, roundsText, marker] = process.argv.slice(2);
if ((side !== 'native' && side !== 'fallback') || dir === undefined) {
  process.stderr.write('usage: lock-child <native|fallback> <dir> <hold|try|contend> [rounds marker]\n');
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
} else if (action === 'contend' && roundsText !== undefined && marker !== undefined) {
  let heldCount = 0;
  for (let round = 0; round < Number(roundsText); round++) {
    let lock;
    try {
      lock = lockDirectory(dir);
    } catch (error) {
      if (error instanceof SeglogError && error.code === 'SEGLOG_LOG_LOCKED') continue;
      throw error;
    }
    try {
      closeSync(openSync(marker, 'wx'));
    } catch {
      process.stdout.write(`collision in round ${round}\n`);
      process.exit(5);
    }
    spinMs(0.2);
    unlinkSync(marker);
    lock.release();
    heldCount++;
  }
  process.stdout.write(`held ${heldCount}\n`);
  process.exit(0);
} else {
  process.stderr.write(`unknown action ${action}\n`);
  process.exit(2);
}
