/**
 * `readFully`: the one read-until-full loop over positioned reads that seglog's file readers use
 * (segments, index files, snapshots, copies). read(2) may return fewer bytes than asked; this asks
 * again until the range is read or the file ends, and turns a system error into a typed one that
 * names the file and the byte where it failed. `readFullyAhead` is the same loop in the thread pool,
 * for a reader that overlaps its next read with work on the bytes it already has.
 */
import { read, readSync } from 'node:fs';
import { ioError } from '../errors.js';

/**
 * Reads `lengthBytes` at `positionBytes` of `fd` (the file at `path`) into `target` from
 * `offsetInTarget`. Returns the bytes read: `lengthBytes`, or fewer only where the file ends.
 */
export function readFully(fd: number, target: Uint8Array, offsetInTarget: number, lengthBytes: number, positionBytes: number,
    path: string): number {
  let done = 0;
  while (done < lengthBytes) {
    let n: number;
    try {
      n = readSync(fd, target, offsetInTarget + done, lengthBytes - done, positionBytes + done);
    } catch (error) {
      throw ioError(error, 'read failed', { path, positionBytes: positionBytes + done });
    }
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * `readFully` in the thread pool: resolves with the bytes read (fewer only where the file ends) or
 * rejects with the same typed error. The caller keeps `fd` open and `target` untouched until it settles.
 */
export function readFullyAhead(fd: number, target: Uint8Array, offsetInTarget: number, lengthBytes: number, positionBytes: number,
    path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (error: NodeJS.ErrnoException | null, n: number): void => {
      if (error !== null) {
        reject(ioError(error, 'read failed', { path, positionBytes: positionBytes + done }));
        return;
      }
      done += n;
      if (n === 0 || done >= lengthBytes) resolve(done);
      else read(fd, target, offsetInTarget + done, lengthBytes - done, positionBytes + done, step);
    };
    read(fd, target, offsetInTarget, lengthBytes, positionBytes, step);
  });
}
