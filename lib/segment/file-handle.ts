/**
 * A segment's `.log` as readers see it. The read fd is opened lazily and reference-counted: it is
 * never closed while a read or a transfer holds it, because a closed fd number is reused by the
 * next open — a transfer would then send bytes of some other file.
 *
 * FilePool bounds how many read fds a log (or a broker's logs together) keeps open: idle handles
 * close least-recently-used first, so a log of 10,000 segments opens with none and reads with a few.
 *
 * Deletion: `retire()` means the segment left the log. Readers that already hold a region keep
 * reading — through the open fd, or by reopening the renamed `.deleted` file — until the file is
 * unlinked after fileDeleteDelayMs, which is why Kafka delays physical deletion. After that an
 * acquire is a TransferAbortedError, never a crash.
 */
import { closeSync, openSync, renameSync } from 'node:fs';
import { assert } from '../assert.js';
import { TransferAbortedError, ioError } from '../errors.js';
import { OPEN_SEGMENT_FILES_MAX } from '../limits.js';

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
  /** @internal the pool's use counter when this handle was last moved to the recent end. */
  lastUsed = 0;

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

  /** A read-only fd, held until `release()`. */
  acquire(): number {
    if (this.fd < 0) {
      try {
        this.fd = openSync(this.filePath, 'r');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && this.retiredFlag) {
          throw new TransferAbortedError('segment was deleted', { path: this.filePath });
        }
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

  /** @internal closes the fd if nobody holds it; true if it is closed now. */
  closeIfIdle(): boolean {
    if (this.refs > 0) return false;
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
    return true;
  }

  /** Renames the file; an open fd stays valid. */
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
    this.sealedFlag = true;
    this.sealedSizeBytes = sizeBytes;
  }

  /**
   * Called before the segment cuts its file below `newSizeBytes` (recovery, replication truncation).
   * Reads use positioned reads, not mappings, so a shrinking file cannot fault: a region past the
   * new end reads short and the transfer fails with TransferAbortedError. The file is no longer
   * immutable, so it is not sealed any more.
   */
  beforeTruncate(newSizeBytes: number): void {
    this.sealedFlag = false;
    this.sealedSizeBytes = -1;
    void newSizeBytes;
  }
}
