/**
 * The error constructors the platform implementations throw, bound once. The fallbacks in
 * native-free-fallback/ may not import lib/errors.ts, so they are built from a PlatformFaults and
 * this is the one they get: LogLockedError for a held lock, NoSpaceError/StorageError for a failed
 * system call, AssertionError for a broken contract.
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
