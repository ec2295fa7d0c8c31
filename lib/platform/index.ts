/**
 * The platform functions the rest of seglog calls: `crc32c`, `mapFile`, `lockDirectory`, and
 * `platformReport()` saying which side each one is. The choice is made once, here, at load: the
 * native side where its package loaded (lib/platform/native.ts), otherwise the pure TypeScript one
 * in native-free-fallback/. `SEGLOG_NATIVE=0` forces every fallback without loading any native
 * package. The exports are the chosen functions themselves, so no call branches.
 */
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { createLockDirectory } from '../../native-free-fallback/directory-lock.js';
import { createMapFile } from '../../native-free-fallback/mapped-file.js';
import { walkPlainRecords as fallbackWalkPlainRecords } from '../../native-free-fallback/record-walk.js';
import { sendFileRange as fallbackSendFileRange } from '../../native-free-fallback/file-sender.js';
import type { Crc32c, LockDirectory, MapFile, MappedFile, PlatformReport, SendFileRange, WalkPlainRecords } from './contract.js';
import { platformFaults } from './faults.js';
import { loadNative } from './native.js';

const forcedFallback = process.env['SEGLOG_NATIVE'] === '0';
const native = forcedFallback ? undefined : loadNative(platformFaults);
const FORCED_REASON = 'SEGLOG_NATIVE=0';

export const crc32c: Crc32c = native?.crc32c ?? fallbackCrc32c;
/** The producer append path's walk over a plain batch's records (contract.ts). */
export const walkPlainRecords: WalkPlainRecords = native?.walkPlainRecords ?? fallbackWalkPlainRecords;
/**
 * Whether a checking scan (recovery) reads its next chunk in the thread pool while it checksums this
 * one. Measured on 2 cores (bench `recovery`, 192 MiB): next to the fallback CRC (about 1.8 GB/s) the
 * read hides and the scan takes 12-25% less time; next to a native CRC (over 20 GB/s in cache) the
 * scan waits on the read either way, and the pool's round trip (4.3 against 6 GB/s for 1 MiB reads
 * here) makes it slower, so it reads in line.
 */
export const scanReadsAhead: boolean = native?.crc32cName === undefined;
const chosenMapFile: MapFile = native?.mapFile ?? createMapFile(platformFaults);
/** Bytes currently mapped (native) or mirrored in memory (fallback), for the broker's metrics. */
let mappedBytesNow = 0;

/** A mapping that takes its bytes off the live total when released (once, however often close() is called). */
class CountedMapping implements MappedFile {
  private released = false;
  constructor(private readonly inner: MappedFile) {
    mappedBytesNow += inner.sizeBytes;
  }
  get bytes(): Buffer {
    return this.inner.bytes;
  }
  get sizeBytes(): number {
    return this.inner.sizeBytes;
  }
  get writable(): boolean {
    return this.inner.writable;
  }
  write(positionBytes: number, source: Uint8Array): void {
    this.inner.write(positionBytes, source);
  }
  flush(): void {
    this.inner.flush();
  }
  close(): void {
    if (!this.released) {
      this.released = true;
      mappedBytesNow -= this.inner.sizeBytes;
    }
    this.inner.close();
  }
}

/** Mapping is rare (a sealed segment or index, once): counting it costs nothing on the read path. */
export const mapFile: MapFile = (fd, sizeBytes, writable) => new CountedMapping(chosenMapFile(fd, sizeBytes, writable));

/** Bytes of files mapped into memory now (mirrored in memory on the fallback side). */
export function mappedBytes(): number {
  return mappedBytesNow;
}
export const lockDirectory: LockDirectory = native?.lockDirectory ?? createLockDirectory(platformFaults);
/**
 * One sender for both sides: the native side's contribution is the mapping FileRegion passes in
 * (mmap-io), which the sender writes without a read copy; without one it reads through the fd.
 */
export const sendFileRange: SendFileRange = fallbackSendFileRange;

const report: PlatformReport = {
  crc32c: native?.crc32cName !== undefined ? `native:${native.crc32cName}` : 'fallback:slice-by-16',
  recordWalk: native?.walkPlainRecords !== undefined ? 'native:seglog-crc32c' : 'fallback:typescript',
  mapFile: native?.mapFile !== undefined ? 'native:mmap-io' : 'fallback:buffer',
  lockDirectory: native?.lockDirectory !== undefined ? 'native:fs-ext-flock' : 'fallback:lock-file',
  forcedFallback,
  reasons: forcedFallback
    ? { crc32c: FORCED_REASON, recordWalk: FORCED_REASON, mapFile: FORCED_REASON, lockDirectory: FORCED_REASON }
    : { ...native?.reasons },
};

/** Which side each capability uses and why a native side is missing. A fresh copy per call. */
export function platformReport(): PlatformReport {
  return { ...report, reasons: { ...report.reasons } };
}
