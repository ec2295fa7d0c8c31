/**
 * How the platform fails, in two parts.
 *
 * 1. The error constructors the platform implementations throw, bound once. The fallbacks in
 *    native-free-fallback/ may not import lib/errors.ts, so they are built from a PlatformFaults and
 *    this is the one they get: LogLockedError for a held lock, NoSpaceError/StorageError for a failed
 *    system call, AssertionError for a broken contract.
 * 2. Exact fault injection for tests: `injectWriteFault()` makes the nth positioned write to a file
 *    whose path ends with a given suffix fail with an errno (ENOSPC, EIO, …), optionally after
 *    landing part of its bytes (a short write, as a filling disk does). Every positioned write of
 *    segment data goes through `writeAt()` (lib/platform/positioned-write.ts), which asks
 *    `takeWriteFault()` first. With nothing armed that is one comparison per write.
 *    `injectFsyncFault()` does the same for the fsyncs of a log's files and directory, which go
 *    through `syncFile()`/`syncFileSync()` (lib/platform/file-sync.ts): an fsync that reports EIO is
 *    how a failing disk shows that written bytes may not be durable.
 */
import { AssertionError } from '../assert.js';
import { LogLockedError, ioError } from '../errors.js';
import type { PlatformFaults } from './contract.js';

export const platformFaults: PlatformFaults = {
  locked(dir: string, ownerPid: number | undefined): Error {
    const owner = ownerPid === undefined ? 'another process' : `pid ${ownerPid}`;
    return new LogLockedError(`directory is locked by ${owner}`, { path: dir });
  },
  io(error: unknown, action: string, path: string | undefined): Error {
    return ioError(error, action, { path });
  },
  bug(message: string): Error {
    return new AssertionError(`assertion failed: ${message}`);
  },
};

export interface WriteFault {
  /** Matches writes to files whose path ends with this (e.g. '.index', '00000000000000000000.log'). */
  pathEndsWith: string;
  /** Matching writes that succeed before the first failing one (0: the next one fails). */
  skipWrites: number;
  /** The errno code the failing write reports. */
  code: 'ENOSPC' | 'EDQUOT' | 'EFBIG' | 'EIO';
  /** Consecutive matching writes that fail once the fault fires (default 1). */
  failingWrites?: number;
  /** Bytes the failing write lands before it fails (default 0): a short write. */
  landedBytes?: number;
}

/** What a write that `takeWriteFault` failed must do: land `landedBytes`, then throw `error`. */
interface FiredFault {
  landedBytes: number;
  error: NodeJS.ErrnoException;
}

interface ArmedFault {
  fault: WriteFault;
  skip: number;
  failing: number;
}

interface FsyncFault {
  /** Matches fsyncs of files whose path ends with this (e.g. '00000000000000000000.log'). */
  pathEndsWith: string;
  /** Matching fsyncs that succeed before the first failing one (0: the next one fails). */
  skipFsyncs: number;
  /** The errno code the failing fsync reports. */
  code: 'EIO' | 'ENOSPC';
}

let armed: ArmedFault[] = [];
let armedFsyncs: Array<{ fault: FsyncFault; skip: number }> = [];
let firedCount = 0;
/** fsyncs of segment data seen since the last clear, by kind: blocking ones stall the event loop. */
const fsyncsSeen = { blocking: 0, threadPool: 0 };

/** How many fsyncs of segment data ran on the main thread (blocking) and in the thread pool since the last clear. */
export function fsyncCounts(): { blocking: number; threadPool: number } {
  return { ...fsyncsSeen };
}

/** Arms a write fault (tests only). Faults stay armed until they have fired or `clearFaults()`. */
export function injectWriteFault(fault: WriteFault): void {
  armed.push({ fault, skip: fault.skipWrites, failing: fault.failingWrites ?? 1 });
}

/** Arms an fsync fault (tests only): the matching fsync fails once, then the fault is gone. */
export function injectFsyncFault(fault: FsyncFault): void {
  armedFsyncs.push({ fault, skip: fault.skipFsyncs });
}

/** Disarms every fault; returns how many writes and fsyncs were failed since the last clear. */
export function clearFaults(): number {
  armed = [];
  armedFsyncs = [];
  fsyncsSeen.blocking = 0;
  fsyncsSeen.threadPool = 0;
  const fired = firedCount;
  firedCount = 0;
  return fired;
}

/** @internal called by writeAt() before each positioned write; null when the write may go ahead. */
export function takeWriteFault(path: string): FiredFault | null {
  if (armed.length === 0) return null;
  for (const a of armed) {
    if (!path.endsWith(a.fault.pathEndsWith)) continue;
    if (a.skip > 0) {
      a.skip--;
      continue;
    }
    a.failing--;
    if (a.failing <= 0) armed = armed.filter((other) => other !== a);
    firedCount++;
    const error: NodeJS.ErrnoException = new Error(`${a.fault.code}: injected fault, write '${path}'`);
    error.code = a.fault.code;
    error.syscall = 'write';
    return { landedBytes: a.fault.landedBytes ?? 0, error };
  }
  return null;
}

/** @internal called by syncFile()/syncFileSync() before each fsync (counted); null when the fsync may go ahead. */
export function takeFsyncFault(path: string, blocking: boolean): NodeJS.ErrnoException | null {
  if (blocking) fsyncsSeen.blocking++;
  else fsyncsSeen.threadPool++;
  if (armedFsyncs.length === 0) return null;
  for (const a of armedFsyncs) {
    if (!path.endsWith(a.fault.pathEndsWith)) continue;
    if (a.skip > 0) {
      a.skip--;
      continue;
    }
    armedFsyncs = armedFsyncs.filter((other) => other !== a);
    firedCount++;
    const error: NodeJS.ErrnoException = new Error(`${a.fault.code}: injected fault, fsync '${path}'`);
    error.code = a.fault.code;
    error.syscall = 'fsync';
    return error;
  }
  return null;
}
