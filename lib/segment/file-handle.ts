/**
 * A segment's `.log` as readers see it. The read fd is opened lazily and reference-counted: it is
 * never closed while a read or a transfer holds it, because a closed fd number is reused by the
 * next open — a transfer would then send bytes of some other file.
 *
 * FilePool bounds how many read fds a log (or a broker's logs together) keeps open: idle handles
 * close least-recently-used first, so a log of 10,000 segments opens with none and reads with a few.
 * A sealed segment's index mappings go with its handle (`onIdleClose`), so the same LRU bounds them.
 *
 * Mapping: once sealed (its size never changes again) the file may be mapped read-only, whole, for
 * transfers (mmap-io only: the fallback "mapping" would read the file into memory). The mapping is
 * dropped with the fd (eviction, retire) and by `beforeTruncate`; mmap-io cannot unmap, so the pages
 * go when the last view is collected. Views of it are only ever handed to the kernel (socket writes),
 * where a page past a cut end is EFAULT for that write, never SIGBUS — see file-region.ts.
 *
 * Deletion: `retire()` means the segment left the log. Readers that already hold a region keep
 * reading — through the open fd (or mapping), which stay valid after the `.deleted` rename and the
 * unlink after fileDeleteDelayMs, which is why Kafka delays physical deletion. An acquire after
 * retire is a TransferAbortedError, never a crash.
 */
import { closeSync, openSync, renameSync } from 'node:fs';
import { assert } from '../assert.js';
import { TransferAbortedError, ioError } from '../errors.js';
import { OPEN_SEGMENT_FILES_MAX } from '../limits.js';
import type { MappedFile } from '../platform/contract.js';
import { mapFile, platformReport } from '../platform/index.js';

/** Only a real mapping saves a copy; the fallback's would read the whole file into memory. */
const MAPPING_SAVES_COPY = platformReport().mapFile === 'native:mmap-io';

export class FilePool {
  readonly maxOpenFiles: number;
  /** Handles with an open fd, least recently used first (Map keeps insertion order). */
  private readonly open = new Map<FileHandle, true>();
  private useCounter = 0;

  constructor(maxOpenFiles = OPEN_SEGMENT_FILES_MAX) {
    assert(Number.isInteger(maxOpenFiles) && maxOpenFiles > 0, 'FilePool needs a positive size');
    this.maxOpenFiles = maxOpenFiles;
  }

  openCount(): number {
    return this.open.size;
  }

  /** @internal a handle opened its fd (or was used): most recently used now. */
  touch(handle: FileHandle): void {
    // The hot path (a read of an already-open, already-recent file) must not reorder the map.
    if (handle.lastUsed === this.useCounter && this.open.has(handle)) return;
    handle.lastUsed = ++this.useCounter;
    this.open.delete(handle);
    this.open.set(handle, true);
    if (this.open.size > this.maxOpenFiles) this.evict();
  }

  /** @internal */
  forget(handle: FileHandle): void {
    this.open.delete(handle);
  }

  private evict(): void {
    for (const handle of this.open.keys()) {
      if (this.open.size <= this.maxOpenFiles) return;
      if (handle.closeIfIdle()) this.open.delete(handle);
    }
  }

  /** Closes every idle fd (log close). Handles in use close when released. */
  closeAll(): void {
    for (const handle of [...this.open.keys()]) {
      if (handle.closeIfIdle()) this.open.delete(handle);
    }
  }
}

export class FileHandle {
  private filePath: string;
  private readonly pool: FilePool;
  private fd = -1;
  private refs = 0;
  private retiredFlag = false;
  private sealedFlag = false;
  private sealedSizeBytes = -1;
  /** Read-only mapping of the sealed file, made on the first mapped transfer; null otherwise. */
  private mapping: MappedFile | null = null;
  /** Mapping failed once (address space, EACCES, …): transfers read through the fd from then on. */
  private mappingFailed = false;
  /** Truncations so far and the smallest size cut to: a mapped transfer checks them when it ends. */
  private truncationCount = 0;
  private truncatedToBytes = Number.MAX_SAFE_INTEGER;
  /** @internal the pool's use counter when this handle was last moved to the recent end. */
  lastUsed = 0;
  /**
   * Called when the pool closes this idle handle: the segment drops its sealed indexes' mappings
   * with it, so the pool's LRU bounds index mappings as it bounds descriptors (lookups map again).
   */
  onIdleClose: (() => void) | null = null;

  constructor(path: string, pool: FilePool) {
    this.filePath = path;
    this.pool = pool;
  }

  get path(): string {
    return this.filePath;
  }

  get sealed(): boolean {
    return this.sealedFlag;
  }

  get retired(): boolean {
    return this.retiredFlag;
  }

  /** Size of a sealed file (it never changes again), -1 while active. */
  get sealedSize(): number {
    return this.sealedSizeBytes;
  }

  get referenceCount(): number {
    return this.refs;
  }

  /**
   * True if the file was cut below `endPositionBytes` by a truncation after `since` (a value of
   * `truncations`). A mapped send cannot see a cut inside the last page — the kernel reads zeros
   * there — so the transfer asks this when it ends and fails instead of claiming success.
   */
  cutBelow(endPositionBytes: number, since: number): boolean {
    return this.truncationCount !== since && this.truncatedToBytes < endPositionBytes;
  }

  get truncations(): number {
    return this.truncationCount;
  }

  /** True while a mapping is held (tests, stats). */
  get mapped(): boolean {
    return this.mapping !== null;
  }

  /**
   * A read-only fd, held until `release()`. After `retire()` only an fd still open for an in-flight
   * read is shared: the file is never reopened by path, which may by then name a different file (a
   * later segment retired under the same `.deleted` name).
   */
  acquire(): number {
    if (this.fd < 0) {
      if (this.retiredFlag) throw new TransferAbortedError('segment was deleted', { path: this.filePath });
      try {
        this.fd = openSync(this.filePath, 'r');
      } catch (error) {
        throw ioError(error, 'cannot open segment for reading', { path: this.filePath });
      }
    }
    this.refs++;
    this.pool.touch(this);
    return this.fd;
  }

  release(): void {
    assert(this.refs > 0, 'FileHandle released more often than acquired');
    this.refs--;
    if (this.refs === 0 && this.retiredFlag) {
      this.closeIfIdle();
      this.pool.forget(this);
    }
  }

  /**
   * The whole sealed file mapped read-only, for a holder of `acquire()`; null when the file is active,
   * was cut by a truncation, is retired, or the platform has no real mapping. The caller hands views
   * of it to the kernel only (socket writes), never to JavaScript that reads them.
   */
  mappedBytes(): Buffer | null {
    assert(this.refs > 0 && this.fd >= 0, 'mappedBytes() needs acquire() first');
    if (!MAPPING_SAVES_COPY || !this.sealedFlag || this.retiredFlag || this.mappingFailed || this.sealedSizeBytes <= 0) return null;
    if (this.mapping === null) {
      try {
        this.mapping = mapFile(this.fd, this.sealedSizeBytes, false);
      } catch {
        // A file shorter than its sealed size (cut by another process) or no address space: reads
        // through the fd still work and report a short file as TransferAbortedError.
        this.mappingFailed = true;
        return null;
      }
    }
    return this.mapping.bytes;
  }

  private dropMapping(): void {
    if (this.mapping === null) return;
    this.mapping.close();
    this.mapping = null;
  }

  /** @internal closes the fd if nobody holds it; true if it is closed now. */
  closeIfIdle(): boolean {
    if (this.refs > 0) return false;
    this.dropMapping();
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
    this.onIdleClose?.();
    return true;
  }

  /** Renames the file; an open fd (and mapping) stays valid. */
  renameTo(newPath: string): void {
    try {
      renameSync(this.filePath, newPath);
    } catch (error) {
      throw ioError(error, 'cannot rename segment', { path: this.filePath });
    }
    this.filePath = newPath;
  }

  /** The segment left the log: idle fds close now, held ones when released. */
  retire(): void {
    this.retiredFlag = true;
    if (this.refs === 0) {
      this.closeIfIdle();
      this.pool.forget(this);
    }
  }

  markSealed(sizeBytes: number): void {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, `sealed size ${sizeBytes} is not a byte count`);
    this.sealedFlag = true;
    this.sealedSizeBytes = sizeBytes;
    this.mappingFailed = false;
  }

  /**
   * Called before the segment cuts its file to `newSizeBytes` (recovery, replication truncation).
   * The file stops being sealed, so no new transfer maps it, and the mapping is dropped. Transfers
   * already under way keep their views: a view past the new end only ever reaches the kernel, whose
   * copy from it fails that socket write with EFAULT (a TransferAbortedError), not SIGBUS; reads
   * through the fd past the new end read short (TransferAbortedError too).
   */
  beforeTruncate(newSizeBytes: number): void {
    assert(Number.isSafeInteger(newSizeBytes) && newSizeBytes >= 0, `truncation size ${newSizeBytes} is not a byte count`);
    this.sealedFlag = false;
    this.sealedSizeBytes = -1;
    this.truncationCount++;
    this.truncatedToBytes = Math.min(this.truncatedToBytes, newSizeBytes);
    this.dropMapping();
  }
}
