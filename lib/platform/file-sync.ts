/**
 * `syncFile` / `syncFileSync`: the one fsync that seglog's segment files (.log, .index, .timeindex)
 * go through, so tests can make it fail exactly (lib/platform/faults.ts). The async form runs in the
 * thread pool. Both report the system error as is; the caller names the file in its own error.
 */
import { fsync, fsyncSync } from 'node:fs';
import { takeFsyncFault } from './faults.js';

/** fsync(2) of `fd` (the file at `path`, for fault matching) in the thread pool. */
export function syncFile(fd: number, path: string): Promise<void> {
  const fault = takeFsyncFault(path, false);
  if (fault !== null) return Promise.reject(fault);
  return new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Blocking fsync(2) of `fd` (the file at `path`, for fault matching). */
export function syncFileSync(fd: number, path: string): void {
  const fault = takeFsyncFault(path, true);
  if (fault !== null) throw fault;
  fsyncSync(fd);
}
