/**
 * `syncFile` / `syncFileSync`: the one fsync that a log's own files go through (.log, .index,
 * .timeindex, .txnindex, and the directory after a roll), so tests can make it fail exactly and
 * count which ran on the main thread (lib/platform/faults.ts). The async form runs in the
 * thread pool. Both report the system error as is; the caller names the file in its own error.
 */
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import { takeFsyncFault } from './faults.js';

/** fsync(2) of `fd` (the file at `path`, for fault matching) in the thread pool. */
function syncFile(fd: number, path: string): Promise<void> {
  const fault = takeFsyncFault(path, false);
  if (fault !== null) return Promise.reject(fault);
  return new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/**
 * fsync(2) in the thread pool of the file (or directory) at `path`, through a descriptor opened for
 * it and closed after: no caller's descriptor can be closed or reused under it while it runs.
 */
export async function syncPath(path: string): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    await syncFile(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** Blocking fsync(2) of `fd` (the file at `path`, for fault matching). */
export function syncFileSync(fd: number, path: string): void {
  const fault = takeFsyncFault(path, true);
  if (fault !== null) throw fault;
  fsyncSync(fd);
}

/** True when `error`, or an error it was caused by, is a failed fsync(2) system call. */
export function failedInFsync(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).syscall === 'fsync') return true;
  }
  return false;
}
