/**
 * The only module that names native packages. `loadNative()` tries each once and keeps what loads:
 *
 *   sse4_crc32  crc32c via the SSE4.2 instruction (kept only when the CPU has it: its table code is
 *               no faster than the fallback's slice-by-8), checked against CRC-32C("123456789").
 *               Inputs under CRC32C_NATIVE_MIN_BYTES stay in TypeScript, where they are faster.
 *   mmap-io     a MAP_SHARED mapping of the file; seglog maps read-only only (sealed indexes and
 *               segments: whole, written files), since a store into a mapping where the disk has
 *               no block for it is SIGBUS on a full file system (see MappedFile in contract.ts).
 *   fs-ext      flock(LOCK_EX | LOCK_NB) on `<dir>/.lock`, released by the kernel when the holder
 *               dies, plus the holder's pid written in the file so fallback lockers (which cannot
 *               flock) see it; the shared rules are in native-free-fallback/directory-lock.ts.
 *               flock does not conflict with Kafka's own fcntl lock on the same file.
 *
 * Each failure is recorded with its reason for platformReport(). Nothing here decides which side
 * is used: lib/platform/index.ts does, once.
 *
 * Mappings: mmap-io has no munmap; the mapping is released when its Buffer is garbage collected.
 * `close()` drops the one reference this module holds and makes the object unusable, so the owner
 * must drop its own references too before truncating the file (a mapping past EOF raises SIGBUS).
 *
 * Crash behaviour: mapped writes survive a process crash (they are in the page cache), reach disk
 * at msync; a lock holder's flock vanishes with it and the pid it left names a dead process.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { CheckedMappedFile } from '../../native-free-fallback/mapped-file.js';
import type { Crc32c, DirectoryLock, LockDirectory, MapFile, MappedFile, PlatformFaults } from './contract.js';
import {
  createLockFile,
  heldLockPaths,
  isOtherLiveOwner,
  lockFilePath,
  readOwnerPid,
  readOwnerPidFromFd,
} from '../../native-free-fallback/directory-lock.js';

interface Sse4Crc32Module {
  calculate(bytes: Uint8Array, initialCrc?: number): number;
  hardware_support?: boolean;
}

interface MmapIoModule {
  map(sizeBytes: number, protection: number, flags: number, fd: number, offsetBytes: number): Buffer;
  sync(buffer: Buffer, offsetBytes: number, sizeBytes: number, blocking: boolean, invalidate: boolean): void;
  readonly PROT_READ: number;
  readonly PROT_WRITE: number;
  readonly MAP_SHARED: number;
}

interface FsExtModule {
  flockSync(fd: number, flags: 'exnb' | 'un'): void;
}

export interface NativeSides {
  crc32c: Crc32c | undefined;
  mapFile: MapFile | undefined;
  lockDirectory: LockDirectory | undefined;
  /** Why each missing side is missing, keyed by capability (crc32c, mapFile, lockDirectory). */
  reasons: Record<string, string>;
}

const CRC32C_CHECK_INPUT = '123456789';
const CRC32C_CHECK_VALUE = 0xe3069283;
/** Shorter inputs go to the slice-by-8 code, which beats the addon call there (see makeCrc32c). */
const CRC32C_NATIVE_MIN_BYTES = 192;
/** Attempts before giving up when a fallback locker keeps moving `.lock` under us. */
const LOCK_ATTEMPTS_MAX = 16;

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

function makeCrc32c(sse4: Sse4Crc32Module): Crc32c {
  const calculate = sse4.calculate;
  return function nativeCrc32c(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
    // Below ~190 bytes the call into the addon (and the view for a range) costs more than the
    // whole slice-by-8 loop: measured 185 ns native vs 64 ns fallback at 32 bytes, 191 vs 276 at 256.
    if (end - start < CRC32C_NATIVE_MIN_BYTES) return fallbackCrc32c(bytes, start, end, initial);
    // The binding takes a whole buffer; a range needs a view (one small object, no copy).
    const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
    return calculate(view, initial) >>> 0;
  };
}

/** A MAP_SHARED mapping: stores land in the page cache directly; flush() is a blocking msync. */
class MmapMappedFile extends CheckedMappedFile {
  private readonly mmap: MmapIoModule;

  constructor(mapped: Buffer, writable: boolean, mmap: MmapIoModule, faults: PlatformFaults) {
    super(mapped, writable, faults);
    this.mmap = mmap;
  }

  override flush(): void {
    const mapped = this.live();
    if (!this.writable || this.sizeBytes === 0) return;
    try {
      this.mmap.sync(mapped, 0, this.sizeBytes, true, false);
    } catch (error) {
      throw this.faults.io(error, 'msync mapped file', undefined);
    }
  }
}

function makeMapFile(mmap: MmapIoModule, faults: PlatformFaults): MapFile {
  const readWrite = mmap.PROT_READ | mmap.PROT_WRITE;
  return function nativeMapFile(fd: number, sizeBytes: number, writable: boolean): MappedFile {
    if (!(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0)) throw faults.bug(`mapFile size ${sizeBytes} is not a byte count`);
    let fileBytes: number;
    try {
      fileBytes = fstatSync(fd).size;
    } catch (error) {
      throw faults.io(error, `stat fd ${fd} to map`, undefined);
    }
    if (fileBytes < sizeBytes) throw faults.bug(`mapFile of ${sizeBytes} bytes but fd ${fd} holds ${fileBytes}`);
    // mmap(2) rejects a zero length; an empty file maps to an empty Buffer.
    if (sizeBytes === 0) return new MmapMappedFile(Buffer.alloc(0), writable, mmap, faults);
    let mapped: Buffer;
    try {
      mapped = mmap.map(sizeBytes, writable ? readWrite : mmap.PROT_READ, mmap.MAP_SHARED, fd, 0);
    } catch (error) {
      throw faults.io(error, `mmap ${sizeBytes} bytes of fd ${fd}`, undefined);
    }
    return new MmapMappedFile(mapped, writable, mmap, faults);
  };
}

class FlockLock implements DirectoryLock {
  readonly path: string;
  private readonly lockPath: string;
  private fd: number;
  private readonly fsExt: FsExtModule;

  constructor(dir: string, lockPath: string, fd: number, fsExt: FsExtModule) {
    this.path = dir;
    this.lockPath = lockPath;
    this.fd = fd;
    this.fsExt = fsExt;
  }

  release(): void {
    const fd = this.fd;
    if (fd === -1) return;
    this.fd = -1;
    heldLockPaths().delete(this.lockPath);
    // Unlink while the file still names us (live), so no fallback locker takes it for stale; then
    // empty it so a native locker that opened it just before the unlink does not see our pid.
    try {
      if (isSameFile(fd, this.lockPath)) unlinkSync(this.lockPath);
      ftruncateSync(fd, 0);
    } catch {
      // Best effort: a pid left behind names a process that is about to stop holding anything.
    }
    unlockAndClose(this.fsExt, fd);
  }
}

function unlockAndClose(fsExt: FsExtModule, fd: number): void {
  try {
    fsExt.flockSync(fd, 'un');
  } catch {
    // close() releases the flock anyway.
  }
  try {
    closeSync(fd);
  } catch {
    // The descriptor is unusable either way.
  }
}

function isWouldBlock(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/** Whether `fd` is still the file at `path` (a fallback locker may have moved a stale one away). */
function isSameFile(fd: number, path: string): boolean {
  let current;
  try {
    current = statSync(path);
  } catch {
    return false;
  }
  const open = fstatSync(fd);
  return current.ino === open.ino && current.dev === open.dev;
}

function makeLockDirectory(fsExt: FsExtModule, faults: PlatformFaults): LockDirectory {
  const pidText = Buffer.from(`${process.pid}\n`, 'latin1');
  return function nativeLockDirectory(dir: string): DirectoryLock {
    const lockPath = lockFilePath(dir, faults);
    const held = heldLockPaths();
    if (held.has(lockPath)) throw faults.locked(dir, process.pid);
    for (let attempt = 0; attempt < LOCK_ATTEMPTS_MAX; attempt++) {
      let fd: number;
      try {
        fd = openSync(lockPath, constants.O_RDWR);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw faults.io(error, 'open lock file', lockPath);
        // Create it with our pid already inside (never empty), then open and flock it next round.
        createLockFile(lockPath, faults);
        continue;
      }
      try {
        fsExt.flockSync(fd, 'exnb');
      } catch (error) {
        closeSync(fd);
        if (isWouldBlock(error)) throw faults.locked(dir, readOwnerPid(lockPath));
        throw faults.io(error, 'flock lock file', lockPath);
      }
      // flock keeps out native lockers only; a fallback holder is known by the live pid it wrote.
      let ownerPid: number | undefined;
      try {
        ownerPid = readOwnerPidFromFd(fd);
      } catch (error) {
        unlockAndClose(fsExt, fd);
        throw faults.io(error, 'read lock file', lockPath);
      }
      if (isOtherLiveOwner(ownerPid)) {
        unlockAndClose(fsExt, fd);
        throw faults.locked(dir, ownerPid);
      }
      try {
        // Write before truncating so the file never reads as empty (free) to a fallback locker.
        writeSync(fd, pidText, 0, pidText.length, 0);
        ftruncateSync(fd, pidText.length);
      } catch (error) {
        unlockAndClose(fsExt, fd);
        throw faults.io(error, 'write pid to lock file', lockPath);
      }
      if (isSameFile(fd, lockPath)) {
        held.add(lockPath);
        return new FlockLock(dir, lockPath, fd, fsExt);
      }
      // A fallback locker moved the file away as stale before our pid landed in it: start over.
      unlockAndClose(fsExt, fd);
    }
    throw faults.locked(dir, readOwnerPid(lockPath));
  };
}

let loaded: NativeSides | undefined;

/**
 * Loads every native package once (later calls return the same sides). `faults` builds the errors
 * the native implementations throw.
 */
export function loadNative(faults: PlatformFaults): NativeSides {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const reasons: Record<string, string> = {};

  let crc32c: Crc32c | undefined;
  try {
    const sse4 = require('sse4_crc32') as Sse4Crc32Module;
    if (sse4.hardware_support === false) {
      reasons['crc32c'] = 'sse4_crc32 loaded but the CPU lacks SSE4.2 (its table code is no faster than the fallback)';
    } else {
      const check = sse4.calculate(Buffer.from(CRC32C_CHECK_INPUT, 'latin1'), 0) >>> 0;
      if (check === CRC32C_CHECK_VALUE) crc32c = makeCrc32c(sse4);
      else reasons['crc32c'] = `sse4_crc32 gave check value 0x${check.toString(16)}, expected 0xe3069283`;
    }
  } catch (error) {
    reasons['crc32c'] = `sse4_crc32 did not load: ${describe(error)}`;
  }

  let mapFile: MapFile | undefined;
  try {
    const mmap = require('mmap-io') as MmapIoModule;
    if (typeof mmap.map !== 'function' || typeof mmap.sync !== 'function') throw new Error('unexpected exports');
    mapFile = makeMapFile(mmap, faults);
  } catch (error) {
    reasons['mapFile'] = `mmap-io did not load: ${describe(error)}`;
  }

  let lockDirectory: LockDirectory | undefined;
  try {
    const fsExt = require('fs-ext') as FsExtModule;
    if (typeof fsExt.flockSync !== 'function') throw new Error('unexpected exports');
    lockDirectory = makeLockDirectory(fsExt, faults);
  } catch (error) {
    reasons['lockDirectory'] = `fs-ext did not load: ${describe(error)}`;
  }

  loaded = { crc32c, mapFile, lockDirectory, reasons };
  return loaded;
}
