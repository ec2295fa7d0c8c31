/**
 * `writeAt`: the one positioned write that seglog's segment files (.log, .index, .timeindex) go
 * through. It writes every byte or throws the system error (ENOSPC, EIO, …) after landing some of
 * them; the caller decides what the landed bytes mean (they lie past what it counts as written).
 * Tests make it fail exactly through lib/platform/faults.ts.
 */
import { writeSync } from 'node:fs';
import { takeWriteFault } from './faults.js';

/**
 * Writes bytes[start, end) at `positionBytes` of `fd` (the file at `path`, for fault matching).
 * Throws the system error of the first failing write(2); short writes are continued.
 */
export function writeAt(fd: number, path: string, bytes: Uint8Array, start: number, end: number, positionBytes: number): void {
  let at = start;
  const fault = takeWriteFault(path);
  if (fault !== null) {
    const landedEnd = Math.min(end, start + fault.landedBytes);
    while (at < landedEnd) at += writeSync(fd, bytes, at, landedEnd - at, positionBytes + (at - start));
    throw fault.error;
  }
  while (at < end) at += writeSync(fd, bytes, at, end - at, positionBytes + (at - start));
}
