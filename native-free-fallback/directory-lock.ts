/**
 * The directory lock's protocol, shared by both sides: `<dir>/.lock` is the lock file, and this
 * module holds the rules native (lib/platform/native.ts, flock) and fallback lockers both follow, so
 * any mix of them, in any number of processes, excludes each other.
 *
 * Lock file: `<pid>\n`, and from a fallback locker `<pid>\nfallback\n`. Its holder keeps it open for
 * as long as it holds it; a native holder also keeps a flock(LOCK_EX) on it. The pid is a hint; the
 * truth is the kernel's: who has the file open (and, for native holders, flocked).
 *
 * Whether the file at `.lock` (one inode) is held:
 *   - native side: a failed flock(LOCK_EX|LOCK_NB) on it means a native holder has it. Free to
 *     flock and not marked `fallback` means nobody holds it, whatever pid it names (a crashed holder
 *     whose pid now belongs to another process, e.g. `1` in a container, does not block).
 *   - a `fallback` file, and every file as seen by the fallback side (which cannot see flocks): held
 *     while the pid it names is alive and has this very inode open (read from /proc/<pid>/fd). Where
 *     /proc cannot say (not Linux, another user's process) a live pid counts as holding.
 *   - an empty, garbage or dead-pid file, or one naming this process but not in its held set: free.
 * Once an inode is free it stays free: nobody ever locks an existing inode, only a fresh one.
 *
 * Acquire: write our pid to a fresh `.lock.<pid>.tmp` and keep it open (native: flock it), then
 * link() it to `.lock`. link() fails with EEXIST atomically, and the file appears already written,
 * open and flocked, so no locker ever sees a half-made lock.
 *
 * Take over a free (stale) `.lock`: paths can only be changed unconditionally (rename replaces
 * whatever is there now), so takeovers of one inode are serialised by claims. The taker keeps the
 * stale inode open throughout, so its inode number cannot be reused for another file meanwhile, and
 * names it by that number: the right to replace it belongs to whoever creates
 * `.lock.takeover.<ino>.<level>` (by link(), holding it open, with its pid) at the lowest level whose
 * lower levels all name claimers that died. Holding the claim, the taker checks that `.lock` is
 * still that inode and renames its own fresh, already-held temp file over it. Nothing else replaces
 * or removes a free inode, and a dead claimer never acts, so at most one taker replaces it, and only
 * it. The claim is then unlinked and closed (dead lower claims with it).
 *
 * Release: unlink `.lock` if it is still our inode, then unflock and close it — in that order, so
 * anyone who sees the file free sees it already gone. Nothing is ever truncated or rewritten in
 * place, and a `.lock` this process does not hold is never unlinked.
 *
 * Crash behaviour: a holder killed with SIGKILL closes (and unflocks) the file by dying; the next
 * locker takes it over. A leftover `.lock.<pid>.tmp` or takeover claim is harmless (a later claim
 * level or the same pid's next temp file supersedes it). Known limits: without /proc a live reused
 * pid keeps a fallback lock file looking held until that process exits; worker threads share a pid
 * and are told apart only by this process's held set.
 *
 * Imports: Node built-ins and contract types only.
 */
import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DirectoryLock, LockDirectory, PlatformFaults } from '../lib/platform/contract.js';

export const LOCK_FILE_NAME = '.lock';
/** Second line of a lock file made by the fallback side: its holder is known by pid, not flock. */
export const FALLBACK_MARK = 'fallback';
/** Attempts before giving up when other lockers keep changing `.lock` under us. */
const ACQUIRE_ATTEMPTS_MAX = 16;
/** Claim levels per stale inode: each level beyond the first needs a claimer that died mid-takeover. */
const TAKEOVER_LEVELS_MAX = 16;
/** A lock file is at most this long ("4194304\nfallback\n"); more is garbage, so the lock is stale. */
const LOCK_TEXT_BYTES_MAX = 32;
const HELD_PATHS_KEY = Symbol.for('seglog.platform.heldLockPaths');

/** What a side adds to the shared protocol: native flocks, the fallback only has the pid hint. */
export interface LockSide {
  /** Text after the pid line in lock files this side creates ('' or `fallback\n`). */
  readonly markText: string;
  /** Takes hold of a fresh lock file before it becomes visible (native: flock); throws on failure. */
  hold(fd: number, path: string): void;
  /** Whether the lock file open as `fd` is held by another locker (a probe; it leaves nothing held). */
  isHeld(fd: number, file: LockFileFacts): boolean;
  /** Drops whatever hold() took on `fd` and closes it. */
  close(fd: number): void;
}

/** What is known about one lock file inode. */
export interface LockFileFacts {
  ownerPid: number | undefined;
  /** The file says a fallback locker made it. */
  markedFallback: boolean;
  dev: bigint;
  ino: bigint;
}

/**
 * Lock-file paths held by this process, shared by the native and fallback sides (and by duplicate
 * copies of this module) through one global: a second lock of the same directory in-process fails.
 */
export function heldLockPaths(): Set<string> {
  let held: unknown = Reflect.get(globalThis, HELD_PATHS_KEY);
  if (!(held instanceof Set)) {
    held = new Set<string>();
    Reflect.set(globalThis, HELD_PATHS_KEY, held);
  }
  return held as Set<string>;
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
  return text.length > LOCK_TEXT_BYTES_MAX ? undefined : parseOwnerPid(text);
}

/** Pid and mark of the lock file open as `fd`, read from position 0. */
function readFacts(fd: number): LockFileFacts {
  const stat = fstatSync(fd, { bigint: true });
  const scratch = Buffer.alloc(LOCK_TEXT_BYTES_MAX + 1);
  const readBytes = readSync(fd, scratch, 0, scratch.length, 0);
  const text = readBytes > LOCK_TEXT_BYTES_MAX ? '' : scratch.toString('latin1', 0, readBytes);
  return { ownerPid: parseOwnerPid(text), markedFallback: text.split('\n')[1] === FALLBACK_MARK, dev: stat.dev, ino: stat.ino };
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

/** True when `pid` is a live process other than this one. */
export function isOtherLiveOwner(pid: number | undefined): pid is number {
  return pid !== undefined && pid !== process.pid && isProcessAlive(pid);
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

let procFdReadable: boolean | undefined;

/**
 * Whether process `pid` has the file (dev, ino) open, from /proc/<pid>/fd; undefined where /proc
 * cannot tell (no /proc, or the process belongs to another user).
 */
export function processHasFileOpen(pid: number, dev: bigint, ino: bigint): boolean | undefined {
  if (procFdReadable === undefined) {
    try {
      readdirSync('/proc/self/fd');
      procFdReadable = true;
    } catch {
      procFdReadable = false;
    }
  }
  if (!procFdReadable) return undefined;
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    return errnoCode(error) === 'ENOENT' ? false : undefined;
  }
  for (const name of names) {
    try {
      const stat = statSync(`/proc/${pid}/fd/${name}`, { bigint: true });
      if (stat.ino === ino && stat.dev === dev) return true;
    } catch {
      // Closed while we looked, or not a file: not the lock file.
    }
  }
  return false;
}

/** The fallback's rule, also the native side's for `fallback` files: a live pid holding the inode open. */
export function isHeldByPid(file: LockFileFacts): boolean {
  return isOtherLiveOwner(file.ownerPid) && processHasFileOpen(file.ownerPid, file.dev, file.ino) !== false;
}

/** The fallback side: no flock, the lock file is marked `fallback` and judged by its pid. */
export const fallbackLockSide: LockSide = {
  markText: `${FALLBACK_MARK}\n`,
  hold: () => undefined,
  isHeld: (_fd, file) => isHeldByPid(file),
  close: (fd) => closeSync(fd),
};

class HeldLock implements DirectoryLock {
  readonly path: string;
  private readonly lockPath: string;
  private readonly side: LockSide;
  private fd: number;

  constructor(dir: string, lockPath: string, fd: number, side: LockSide) {
    this.path = dir;
    this.lockPath = lockPath;
    this.fd = fd;
    this.side = side;
  }

  release(): void {
    const fd = this.fd;
    if (fd === -1) return;
    this.fd = -1;
    heldLockPaths().delete(this.lockPath);
    // Unlink while still holding (open, flocked), so whoever finds the inode free finds it gone.
    try {
      const open = fstatSync(fd);
      const current = statSync(this.lockPath);
      if (current.ino === open.ino && current.dev === open.dev) unlinkSync(this.lockPath);
    } catch {
      // Already gone: nothing to remove on disk.
    }
    try {
      this.side.close(fd);
    } catch {
      // The descriptor is unusable either way; the kernel drops the flock with it.
    }
  }
}

/** Removes our own file at `path` if it is there; a missing one is fine. */
function unlinkOwn(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Never created, or already gone.
  }
}

/**
 * Makes `tmpPath` afresh holding `text`, keeps it open and lets `side` take hold of it. A file left
 * at that name by a dead process with our pid is ours to replace.
 */
function makeHeldTempFile(tmpPath: string, text: string, side: LockSide, faults: PlatformFaults): number {
  unlinkOwn(tmpPath);
  let fd: number;
  try {
    fd = openSync(tmpPath, 'wx+');
  } catch (error) {
    throw faults.io(error, 'create lock temp file', tmpPath);
  }
  try {
    const bytes = Buffer.from(text, 'latin1');
    writeSync(fd, bytes, 0, bytes.length, 0);
    side.hold(fd, tmpPath);
  } catch (error) {
    side.close(fd);
    unlinkOwn(tmpPath);
    throw faults.io(error, 'prepare lock temp file', tmpPath);
  }
  return fd;
}

/** link(from, to): true if `to` now names our file, false if something was already there. */
function linkExclusive(fromPath: string, toPath: string, faults: PlatformFaults): boolean {
  try {
    linkSync(fromPath, toPath);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw faults.io(error, 'create lock file', toPath);
  }
}

interface SeenLock {
  /** Our descriptor on the inode seen at `.lock`: while it is open, its inode number is not reused. */
  fd: number;
  facts: LockFileFacts;
  held: boolean;
}

/** Opens `.lock` and judges it with `side`; undefined if it vanished meanwhile. The caller closes `fd`. */
function inspectLockFile(lockPath: string, side: LockSide, faults: PlatformFaults): SeenLock | undefined {
  let fd: number;
  try {
    fd = openSync(lockPath, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw faults.io(error, 'open lock file', lockPath);
  }
  try {
    const facts = readFacts(fd);
    return { fd, facts, held: side.isHeld(fd, facts) };
  } catch (error) {
    side.close(fd);
    throw faults.io(error, 'inspect lock file', lockPath);
  }
}

/** Whether the claim file at `path` belongs to a claimer still at work; undefined if it vanished. */
function isClaimLive(path: string): boolean | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return isHeldByPid(readFacts(fd));
  } finally {
    closeSync(fd);
  }
}

type TakeoverOutcome = 'taken' | 'moved' | { busyPid: number | undefined };

/**
 * Replaces the stale `.lock` inode `stale` (kept open by the caller) with our held temp file, holding
 * the takeover claim for that inode (see the header). 'moved' when `.lock` is no longer that inode.
 */
function takeOver(lockPath: string, tmpPath: string, stale: LockFileFacts, faults: PlatformFaults): TakeoverOutcome {
  const claimTmpPath = `${lockPath}.${process.pid}.claim.tmp`;
  for (let level = 0; level < TAKEOVER_LEVELS_MAX; level++) {
    const claimPath = `${lockPath}.takeover.${stale.ino}.${level}`;
    const claimFd = makeHeldTempFile(claimTmpPath, `${process.pid}\n`, fallbackLockSide, faults);
    let claimed = false;
    try {
      claimed = linkExclusive(claimTmpPath, claimPath, faults);
      unlinkOwn(claimTmpPath);
      if (!claimed) {
        const live = isClaimLive(claimPath);
        if (live === undefined) return 'moved';
        if (live) return { busyPid: readOwnerPid(claimPath) };
        continue;
      }
      let current;
      try {
        current = statSync(lockPath, { bigint: true });
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return 'moved';
        throw faults.io(error, 'stat lock file', lockPath);
      }
      if (current.ino !== stale.ino || current.dev !== stale.dev) return 'moved';
      try {
        renameSync(tmpPath, lockPath);
      } catch (error) {
        throw faults.io(error, 'replace stale lock file', lockPath);
      }
      // Lower levels were claimed by processes that died: their claims are finished with too.
      for (let lower = 0; lower < level; lower++) unlinkOwn(`${lockPath}.takeover.${stale.ino}.${lower}`);
      return 'taken';
    } finally {
      if (claimed) unlinkOwn(claimPath);
      closeSync(claimFd);
    }
  }
  return { busyPid: undefined };
}

/**
 * The lock for one side: create `.lock` by link(), or take over a stale one by claim and rename
 * (see the header). Throws LogLockedError when held, with the holder's pid when known.
 */
export function createSideLockDirectory(side: LockSide, faults: PlatformFaults): LockDirectory {
  const text = `${process.pid}\n${side.markText}`;
  return function lockDirectory(dir: string): DirectoryLock {
    const lockPath = lockFilePath(dir, faults);
    const held = heldLockPaths();
    if (held.has(lockPath)) throw faults.locked(dir, process.pid);
    const tmpPath = `${lockPath}.${process.pid}.tmp`;
    const fd = makeHeldTempFile(tmpPath, text, side, faults);
    let locked = false;
    try {
      for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS_MAX && !locked; attempt++) {
        if (linkExclusive(tmpPath, lockPath, faults)) {
          locked = true;
          break;
        }
        const seen = inspectLockFile(lockPath, side, faults);
        if (seen === undefined) continue;
        let outcome: TakeoverOutcome;
        try {
          if (seen.held) throw faults.locked(dir, seen.facts.ownerPid);
          outcome = takeOver(lockPath, tmpPath, seen.facts, faults);
        } finally {
          side.close(seen.fd);
        }
        if (outcome === 'taken') locked = true;
        else if (outcome !== 'moved') throw faults.locked(dir, outcome.busyPid);
      }
      if (!locked) throw faults.locked(dir, readOwnerPid(lockPath));
    } finally {
      // After link() the temp name is a second name for our lock; after rename() it is gone.
      unlinkOwn(tmpPath);
      if (!locked) side.close(fd);
    }
    held.add(lockPath);
    return new HeldLock(dir, lockPath, fd, side);
  };
}

/** The fallback side's lock. */
export function createLockDirectory(faults: PlatformFaults): LockDirectory {
  return createSideLockDirectory(fallbackLockSide, faults);
}
