/**
 * The only module that names native packages. `loadNative()` tries each once and keeps what loads:
 *
 *   seglog-crc32c  seglog's own addon (lib/platform/native-crc32c/, built by the postinstall):
 *               the SSE4.2 crc32 instruction on three streams at once, 2.5-3x one chain, and
 *               256-byte runs folded with VPCLMULQDQ where the CPU has AVX-512, 1.5-2x again.
 *               First choice for crc32c where it built and the CPU has SSE4.2. It also walks
 *               the records of a producer's plain batch (walkPlainRecords) 2-2.6x faster than
 *               TypeScript; used with its crc32c, for batches of RECORD_WALK_ADDON_MIN_RECORDS or more.
 *   sse4_crc32  crc32c via the same instruction on one chain; the second choice (kept only when
 *               the CPU has it: its table code is no faster than the fallback's slice-by-16).
 *               Both are checked against CRC-32C("123456789") before use. Inputs under
 *               CRC32C_ADDON_MIN_BYTES (addon) or CRC32C_NATIVE_MIN_BYTES (sse4_crc32) stay in
 *               TypeScript, where they are faster.
 *   mmap-io     a MAP_SHARED mapping of the file; seglog maps read-only only (sealed indexes and
 *               segments: whole, written files), since a store into a mapping where the disk has
 *               no block for it is SIGBUS on a full file system (see MappedFile in contract.ts).
 *   fs-ext      flock(LOCK_EX | LOCK_NB) on `<dir>/.lock`, released by the kernel when the holder
 *               dies; the flock is what native lockers trust, the pid in the file is a hint for
 *               fallback lockers (which cannot flock). The protocol both follow, creation by
 *               link() and takeover by claim and rename, is in native-free-fallback/directory-lock.ts.
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
 * at msync; a lock holder's flock vanishes with it, so the file it left is free to take over.
 */
import { closeSync, existsSync, fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CRC32C_ADDON_MIN_BYTES, CRC32C_NATIVE_MIN_BYTES, RECORD_WALK_ADDON_MIN_RECORDS } from '../limits.js';
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { walkPlainRecords as fallbackWalkPlainRecords } from '../../native-free-fallback/record-walk.js';
import { CheckedMappedFile } from '../../native-free-fallback/mapped-file.js';
import type { Crc32c, LockDirectory, MapFile, MappedFile, PlatformFaults, WalkPlainRecords } from './contract.js';
import { createSideLockDirectory, isHeldByPid, type LockSide } from '../../native-free-fallback/directory-lock.js';

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

interface Crc32cAddon {
  crc32c(bytes: Uint8Array, start: number, end: number, initial: number): number;
  walkPlainRecords(bytes: Uint8Array, start: number, end: number, count: number): number;
  hardwareSupport: boolean;
  vectorFolding: boolean;
}

/**
 * Where the postinstall's node-gyp build leaves the addon: the package root's lib/platform/native-crc32c,
 * reached from this file as tsc writes it (dist/lib/platform/) or as the package bundles it (dist/pkg/).
 */
const CRC32C_ADDON_PATHS = ['../../../', '../../'].map((up) =>
  fileURLToPath(new URL(`${up}lib/platform/native-crc32c/build/Release/seglog_crc32c.node`, import.meta.url)));

interface FsExtModule {
  flockSync(fd: number, flags: 'exnb' | 'un'): void;
}

/** The native CRC-32C that loaded: seglog's addon first, sse4_crc32 second. */
type NativeCrc32cName = 'seglog-crc32c' | 'sse4_crc32';

interface NativeSides {
  crc32c: Crc32c | undefined;
  crc32cName: NativeCrc32cName | undefined;
  /** The addon's record walk, with its crc32c only (sse4_crc32 has none). */
  walkPlainRecords: WalkPlainRecords | undefined;
  mapFile: MapFile | undefined;
  lockDirectory: LockDirectory | undefined;
  /** Why each missing side is missing, keyed by capability (crc32c, mapFile, lockDirectory). */
  reasons: Record<string, string>;
}

const CRC32C_CHECK_INPUT = '123456789';
const CRC32C_CHECK_VALUE = 0xe3069283;

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

function makeAddonCrc32c(addon: Crc32cAddon): Crc32c {
  const calculate = addon.crc32c;
  return function addonCrc32c(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
    // The addon takes the range itself (no view to build), so its call costs ~60-90 ns: the
    // slice-by-16 loop is faster only for the shortest inputs.
    if (end - start < CRC32C_ADDON_MIN_BYTES) return fallbackCrc32c(bytes, start, end, initial);
    return calculate(bytes, start, end, initial);
  };
}

function makeAddonWalkPlainRecords(addon: Crc32cAddon): WalkPlainRecords {
  const walk = addon.walkPlainRecords;
  return function addonWalkPlainRecords(bytes: Uint8Array, position: number, end: number, count: number): number {
    // A batch of a few records walks faster in TypeScript than the call into the addon costs.
    if (count < RECORD_WALK_ADDON_MIN_RECORDS) return fallbackWalkPlainRecords(bytes, position, end, count);
    return walk(bytes, position, end, count);
  };
}

function makeCrc32c(sse4: Sse4Crc32Module): Crc32c {
  const calculate = sse4.calculate;
  return function nativeCrc32c(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
    // Below ~190 bytes the call into the addon (and the view for a range) costs more than the
    // whole slice-by-16 loop: measured 185 ns native vs 64 ns fallback at 32 bytes, 191 vs 276 at 256.
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

function isWouldBlock(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/**
 * The native side of the directory lock protocol (native-free-fallback/directory-lock.ts): a
 * holder flocks its lock file before it becomes visible, and the flock decides, not the pid; only a
 * file a fallback locker made is judged by the pid it names.
 */
function makeLockDirectory(fsExt: FsExtModule, faults: PlatformFaults): LockDirectory {
  const side: LockSide = {
    markText: '',
    hold: (fd) => fsExt.flockSync(fd, 'exnb'),
    isHeld(fd, file) {
      try {
        fsExt.flockSync(fd, 'exnb');
      } catch (error) {
        if (isWouldBlock(error)) return true;
        throw error;
      }
      // Only a probe: let go at once, so a concurrent native inspector is not refused on our account.
      fsExt.flockSync(fd, 'un');
      return file.markedFallback && isHeldByPid(file);
    },
    close(fd) {
      try {
        fsExt.flockSync(fd, 'un');
      } catch {
        // close() releases the flock anyway.
      }
      closeSync(fd);
    },
  };
  return createSideLockDirectory(side, faults);
}

/** One native CRC-32C: the function where it loaded and passed the check value, else why not. */
interface LoadedCrc32c {
  crc32c: Crc32c | undefined;
  reason: string | undefined;
  /** The addon's record walk, where the addon is the CRC that loaded. */
  walkPlainRecords?: WalkPlainRecords | undefined;
}

function loadAddonCrc32c(require: NodeRequire): LoadedCrc32c {
  try {
    const addon = require(CRC32C_ADDON_PATHS.find((path) => existsSync(path)) ?? CRC32C_ADDON_PATHS[0]!) as Crc32cAddon;
    if (addon.hardwareSupport !== true) return { crc32c: undefined, reason: 'seglog-crc32c built but the CPU lacks the crc32 instruction' };
    const check = addon.crc32c(Buffer.from(CRC32C_CHECK_INPUT, 'latin1'), 0, CRC32C_CHECK_INPUT.length, 0);
    if (check !== CRC32C_CHECK_VALUE) {
      return { crc32c: undefined, reason: `seglog-crc32c gave check value 0x${check.toString(16)}, expected 0xe3069283` };
    }
    if (typeof addon.walkPlainRecords !== 'function') {
      return { crc32c: undefined, reason: 'seglog-crc32c built from older sources (no walkPlainRecords)' };
    }
    return { crc32c: makeAddonCrc32c(addon), reason: undefined, walkPlainRecords: makeAddonWalkPlainRecords(addon) };
  } catch (error) {
    return { crc32c: undefined, reason: `seglog-crc32c did not load: ${describe(error)}` };
  }
}

let sse4Loaded: LoadedCrc32c | undefined;

/**
 * sse4_crc32, loaded once on first call: by loadNative where the addon is missing, and by the tests
 * and the bench, which hold it to the same contract and compare the two.
 */
export function loadSse4Crc32c(): LoadedCrc32c {
  if (sse4Loaded !== undefined) return sse4Loaded;
  try {
    const sse4 = createRequire(import.meta.url)('sse4_crc32') as Sse4Crc32Module;
    if (sse4.hardware_support === false) {
      const reason = 'sse4_crc32 loaded but the CPU lacks SSE4.2 (its table code is no faster than the fallback)';
      sse4Loaded = { crc32c: undefined, reason };
    } else {
      const check = sse4.calculate(Buffer.from(CRC32C_CHECK_INPUT, 'latin1'), 0) >>> 0;
      sse4Loaded = check === CRC32C_CHECK_VALUE ? { crc32c: makeCrc32c(sse4), reason: undefined }
        : { crc32c: undefined, reason: `sse4_crc32 gave check value 0x${check.toString(16)}, expected 0xe3069283` };
    }
  } catch (error) {
    sse4Loaded = { crc32c: undefined, reason: `sse4_crc32 did not load: ${describe(error)}` };
  }
  return sse4Loaded;
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

  const addon = loadAddonCrc32c(require);
  // sse4_crc32 is loaded only to stand in for the addon: its library costs 2.4 MiB of resident memory.
  const sse4 = addon.crc32c === undefined ? loadSse4Crc32c() : undefined;
  const crc32cName: NativeCrc32cName | undefined = addon.crc32c !== undefined ? 'seglog-crc32c'
    : sse4?.crc32c !== undefined ? 'sse4_crc32' : undefined;
  const crc32c = addon.crc32c ?? sse4?.crc32c;
  // A reason is kept whenever the first choice is missing, even if the second stands in for it.
  if (crc32cName !== 'seglog-crc32c') reasons['crc32c'] = [addon.reason, sse4?.reason].filter((r) => r !== undefined).join('; ');
  if (addon.walkPlainRecords === undefined) reasons['recordWalk'] = addon.reason ?? 'seglog-crc32c did not load';

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

  loaded = { crc32c, crc32cName, walkPlainRecords: addon.walkPlainRecords, mapFile, lockDirectory, reasons };
  return loaded;
}
