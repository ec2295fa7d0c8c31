/**
 * The small contract that native modules and native-free-fallback/ both implement. Only
 * lib/platform/native.ts names a native package; lib/platform/index.ts picks one side per
 * capability, once, at load. Callers import plain functions from lib/platform/index.ts and never
 * branch per call.
 */

/**
 * CRC-32C (Castagnoli) of bytes[start, end), continuing from `initial` (the CRC of the bytes before,
 * 0 for a fresh start). Returns an unsigned 32-bit number. CRC-32C("123456789") = 0xE3069283.
 */
export type Crc32c = (bytes: Uint8Array, start?: number, end?: number, initial?: number) => number;

/**
 * A file mapped into memory (mmap-io) or mirrored in a Buffer with write-through (fallback).
 * `bytes` shows the file's first `sizeBytes` bytes. Writes go through `write` so the fallback can
 * persist them; reads may use `bytes` directly.
 *
 * Hazard: a real mapping of a file that is truncated below `sizeBytes` raises SIGBUS on access. The
 * owner must `close()` a mapping before truncating its file and never touch `bytes` afterwards.
 *
 * Hazard: a store into a writable shared mapping where the file has no block yet (a sparse region,
 * a copy-on-write file system) raises SIGBUS when the file system is full — on tmpfs a read of a
 * hole does too — where write(2) would return ENOSPC. No error handling can catch it, so seglog maps
 * only whole, written files and only read-only (sealed indexes, sealed segments); index entries
 * are written with positioned writes (lib/segment/index-file.ts). `writable` stays for the
 * contract tests and the platform bench.
 */
export interface MappedFile {
  readonly bytes: Buffer;
  readonly sizeBytes: number;
  readonly writable: boolean;
  /** Copy `source` into the file at `positionBytes` (must lie inside sizeBytes). */
  write(positionBytes: number, source: Uint8Array): void;
  /** Make written bytes durable: msync (native) or fsync (fallback). */
  flush(): void;
  /** Release the mapping; `bytes` must not be used afterwards. Does not close the caller's fd. */
  close(): void;
}

/** Map `sizeBytes` of the open file `fd` (which must be at least that long). */
export type MapFile = (fd: number, sizeBytes: number, writable: boolean) => MappedFile;

/** An exclusive lock on a directory, held until released or the process dies. */
export interface DirectoryLock {
  readonly path: string;
  release(): void;
}

/**
 * Lock `dir` exclusively (the lock file is `<dir>/.lock`, as Kafka's). Throws LogLockedError
 * if another process — or another lock in this process — holds it. Native and fallback lockers
 * exclude each other in any mix; a `.lock` left by a dead holder, or naming a live pid that does not
 * hold it, is taken over (protocol: native-free-fallback/directory-lock.ts).
 */
export type LockDirectory = (dir: string) => DirectoryLock;

/** Where a file send reads: an open fd (positioned reads), or a read-only mapping of the whole file. */
export interface FileSendSource {
  fd: number;
  /** The mapped file's bytes; null to read through `fd`. Views of it are handed to the destination. */
  mapped: Buffer | null;
}

/** Why a send stopped early, or null when every byte was handed over and the destination called back. */
export type FileSendFailure = 'file-ended' | 'read-failed' | 'destination-closed' | 'destination-failed' | null;

export interface FileSendOutcome {
  sentBytes: number;
  failure: FileSendFailure;
  cause: unknown;
}

/**
 * Writes bytes [positionBytes, positionBytes + sizeBytes) of the file to `destination` with
 * backpressure and calls `done` exactly once. Never throws and never emits on `destination`; the
 * caller owns the fd (and keeps it open until `done`).
 */
export type SendFileRange = (source: FileSendSource, positionBytes: number, sizeBytes: number,
  destination: import('node:stream').Writable, done: (outcome: FileSendOutcome) => void) => void;

/**
 * How a platform implementation reports failure without importing lib/errors.ts (the fallbacks may
 * import only this file's types): lib/platform/faults.ts passes the real constructors in.
 */
export interface PlatformFaults {
  /** LogLockedError naming the directory and, when known, the pid that holds it. */
  locked(dir: string, ownerPid: number | undefined): Error;
  /** NoSpaceError or StorageError for a failed system call. */
  io(error: unknown, action: string, path: string | undefined): Error;
  /** AssertionError: the caller broke this contract (a bug, not bad input). */
  bug(message: string): Error;
}

/** What is active, for `seglog --version`, the bench output and the tests. */
/**
 * The producer append path's walk over `count` plain (uncompressed) v2 records in bytes[position,
 * end): the largest timestamp delta (-Infinity for no records), or NaN where it refuses them (the
 * caller then walks with the general reader, which names the problem). Both sides must agree on
 * every input: native-free-fallback/record-walk.ts says what is checked.
 */
export type WalkPlainRecords = (bytes: Uint8Array, position: number, end: number, count: number) => number;

export interface PlatformReport {
  crc32c: 'native:seglog-crc32c' | 'native:sse4_crc32' | 'fallback:slice-by-16';
  recordWalk: 'native:seglog-crc32c' | 'fallback:typescript';
  mapFile: 'native:mmap-io' | 'fallback:buffer';
  lockDirectory: 'native:fs-ext-flock' | 'fallback:lock-file';
  forcedFallback: boolean;
  /** Why a native side is not active (not installed, failed to load, SEGLOG_NATIVE=0). */
  reasons: Record<string, string>;
}
