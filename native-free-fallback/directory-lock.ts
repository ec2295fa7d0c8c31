/**
 * Directory lock without native code: `<dir>/.lock` holds the owner's pid as decimal text and a
 * newline. Node has no flock(), so the file's contents are the lock, and the native side
 * (lib/platform/native.ts, flock + the same pid text) follows the same rules so the two interoperate:
 *
 *   - `.lock` missing, empty, unparsable, or naming a dead pid  → free.
 *   - `.lock` naming a live pid other than ours                  → held by that pid.
 *   - a path in this process's held set (shared by both sides via a global symbol) → held by us.
 *
 * Acquire: write our pid to `.lock.<pid>.tmp`, then link() it to `.lock`. link() fails with EEXIST
 * atomically and the file appears with its pid already in it, so no reader ever sees a half-made
 * lock (the native side creates `.lock` the same way). Release unlinks `.lock` (both sides) while
 * it still names a live pid, so no one mistakes a lock being released for a stale one. A stale
 * `.lock` is renamed away to `.lock.<pid>.stale` (rename moves one inode, so of two racing takers
 * only one moves it) and read again: if it now names a live pid, someone claimed it between our
 * two reads and we link it back and give up.
 *
 * Crash behaviour: a holder killed with SIGKILL leaves `.lock` naming a dead pid — stale, taken over
 * by the next locker. A leftover `.lock.<pid>.tmp` or `.stale` is harmless. Pid reuse after a crash
 * can make a stale lock look live until that unrelated process exits; worker threads share a pid
 * and are not told apart. Known window: taking over a stale lock moves it aside and, if a native
 * locker claimed it in the microseconds between our two reads, links it back; a third locker that
 * creates `.lock` inside that window would hold it too. This needs a crashed holder and three
 * lockers racing; the lock guards against operator mistakes, it is not a consensus protocol.
 *
 * Imports: Node built-ins and contract types only.
 */
import { linkSync, readFileSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DirectoryLock, LockDirectory, PlatformFaults } from '../lib/platform/contract.js';

export const LOCK_FILE_NAME = '.lock';
/** Attempts before giving up when other lockers keep changing `.lock` under us. */
const ACQUIRE_ATTEMPTS_MAX = 16;
/** A pid line is at most this long ("4194304\n" on Linux); more is garbage, so the lock is stale. */
const PID_TEXT_BYTES_MAX = 32;
const HELD_PATHS_KEY = Symbol.for('seglog.platform.heldLockPaths');

/**
 * Lock-file paths held by this process, shared by the native and fallback sides (and by duplicate
 * copies of this module) through one global: a second lock of the same directory in-process fails.
 */
export function heldLockPaths(): Set<string> {
  const slots = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  let held = slots[HELD_PATHS_KEY];
  if (held === undefined) {
    held = new Set<string>();
    slots[HELD_PATHS_KEY] = held;
  }
  return held;
}

/** `<realpath(dir)>/.lock`, so two spellings of one directory are one lock. */
export function lockFilePath(dir: string, faults: PlatformFaults): string {
  try {
    return join(realpathSync(dir), LOCK_FILE_NAME);
  } catch (error) {
    throw faults.io(error, 'resolve directory to lock', dir);
  }
}

/** The pid on the first line of lock-file text, or undefined if there is none. */
export function parseOwnerPid(text: string): number | undefined {
  const newline = text.indexOf('\n');
  const line = (newline === -1 ? text : text.slice(0, newline)).trim();
  if (!/^[0-9]{1,10}$/.test(line)) return undefined;
  const pid = Number(line);
  return pid > 0 ? pid : undefined;
}

/** The pid named by the lock file at `path`; undefined if missing, empty or garbage. */
export function readOwnerPid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
  return text.length > PID_TEXT_BYTES_MAX ? undefined : parseOwnerPid(text);
}

/** The pid named by the open lock file `fd` (read from position 0). */
export function readOwnerPidFromFd(fd: number): number | undefined {
  const scratch = Buffer.alloc(PID_TEXT_BYTES_MAX + 1);
  const readBytes = readSync(fd, scratch, 0, scratch.length, 0);
  return readBytes > PID_TEXT_BYTES_MAX ? undefined : parseOwnerPid(scratch.toString('latin1', 0, readBytes));
}

/**
 * Whether `pid` names a running process. kill(pid, 0) probes without signalling; EPERM means it
 * exists under another user. A zombie (dead, not yet reaped) still answers kill(), so on Linux its
 * state in /proc is checked too.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // "pid (comm) S ...": comm may hold spaces and parentheses, so find the last ')'.
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** True when `pid` is a live process other than this one: the lock it names is really held. */
export function isOtherLiveOwner(pid: number | undefined): pid is number {
  return pid !== undefined && pid !== process.pid && isProcessAlive(pid);
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

class LockFileLock implements DirectoryLock {
  readonly path: string;
  private readonly lockPath: string;
  private readonly inode: number;
  private held: boolean;

  constructor(dir: string, lockPath: string, inode: number) {
    this.path = dir;
    this.lockPath = lockPath;
    this.inode = inode;
    this.held = true;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    heldLockPaths().delete(this.lockPath);
    // Only remove the file if it is still the one we made: never delete a lock someone else took.
    try {
      if (statSync(this.lockPath).ino === this.inode && readOwnerPid(this.lockPath) === process.pid) unlinkSync(this.lockPath);
    } catch {
      // Already gone: nothing to release on disk.
    }
  }
}

/** Moves a stale `.lock` aside and deletes it; throws if it turned out to be freshly claimed. */
function removeStaleLock(dir: string, lockPath: string, faults: PlatformFaults): void {
  const stalePath = `${lockPath}.${process.pid}.stale`;
  try {
    renameSync(lockPath, stalePath);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw faults.io(error, 'move stale lock file aside', lockPath);
  }
  const ownerPid = readOwnerPid(stalePath);
  if (isOtherLiveOwner(ownerPid)) {
    // Claimed between our two reads (a native locker writes its pid after flock): put it back.
    try {
      linkSync(stalePath, lockPath);
    } catch {
      // A newer lock already stands at `.lock`; the native owner will see its inode is gone.
    }
    unlinkSync(stalePath);
    throw faults.locked(dir, ownerPid);
  }
  unlinkSync(stalePath);
}

/**
 * Creates `.lock` already holding our pid (written to `.lock.<pid>.tmp`, then link()ed into place,
 * which fails with EEXIST atomically). Returns the new file's inode, or undefined if `.lock` exists.
 * Both sides create the file only this way, so no locker ever sees a fresh lock file empty.
 */
export function createLockFile(lockPath: string, faults: PlatformFaults): number | undefined {
  const tmpPath = `${lockPath}.${process.pid}.tmp`;
  try {
    writeFileSync(tmpPath, `${process.pid}\n`, { encoding: 'latin1' });
  } catch (error) {
    throw faults.io(error, 'write lock file', tmpPath);
  }
  try {
    linkSync(tmpPath, lockPath);
    return statSync(tmpPath).ino;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return undefined;
    throw faults.io(error, 'create lock file', lockPath);
  } finally {
    try {
      unlinkSync(tmpPath);
    } catch {
      // Best effort: a leftover tmp file is harmless.
    }
  }
}

export function createLockDirectory(faults: PlatformFaults): LockDirectory {
  return function lockDirectory(dir: string): DirectoryLock {
    const lockPath = lockFilePath(dir, faults);
    const held = heldLockPaths();
    if (held.has(lockPath)) throw faults.locked(dir, process.pid);
    for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS_MAX; attempt++) {
      const inode = createLockFile(lockPath, faults);
      if (inode !== undefined) {
        held.add(lockPath);
        return new LockFileLock(dir, lockPath, inode);
      }
      const ownerPid = readOwnerPid(lockPath);
      if (isOtherLiveOwner(ownerPid)) throw faults.locked(dir, ownerPid);
      removeStaleLock(dir, lockPath, faults);
    }
    throw faults.locked(dir, readOwnerPid(lockPath));
  };
}
