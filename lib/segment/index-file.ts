/**
 * What the offset index and the time index share (Kafka's AbstractIndex): a file of fixed-size
 * big-endian entries with no header, mapped through the platform's `mapFile` (mmap-io, or a buffer
 * with write-through in the fallback — same bytes on disk either way), searched with Kafka's
 * warm-section binary search.
 *
 * Lifecycle:
 *  - active: opened read-write, extended (sparse) to `maxIndexBytes` rounded down to whole entries
 *    and mapped; entries are appended in place. A preallocated file is what a crash leaves behind,
 *    so opening never trusts the length: trailing all-zero slots and a non-increasing tail are
 *    dropped (entry 0 may legitimately be all zeros).
 *  - sealed: nothing is opened until the first lookup (a log may hold 10,000 segments); then the file
 *    is mapped read-only and its fd closed at once (a mapping needs no fd). `release()` drops the
 *    mapping; the next lookup maps again.
 *  - `trimToValidSize()` (roll, close): the mapping is closed *before* the file is cut to
 *    entries × entryBytes — touching a mapping past a shortened file end is SIGBUS — and the index
 *    becomes sealed.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { assert } from '../assert.js';
import { ioError } from '../errors.js';
import { INDEX_WARM_SECTION_BYTES } from '../limits.js';
import type { MappedFile } from '../platform/contract.js';
import { mapFile } from '../platform/index.js';

export type IndexMode = 'active' | 'sealed';

export interface IndexOptions {
  maxIndexBytes: number;
  mode: IndexMode;
}

const EMPTY = Buffer.alloc(0);

export abstract class IndexFile {
  readonly baseOffset: number;
  readonly entryBytes: number;
  private filePath: string;
  private maxIndexBytes: number;
  private mode: IndexMode;
  private mapped: MappedFile | null = null;
  /** The mapped bytes (EMPTY when not mapped): lookups read them directly. */
  protected bytes: Buffer = EMPTY;
  private entryCount = -1; // -1: sealed and not loaded yet
  private writeFd = -1;
  protected readonly scratch: Buffer;

  protected constructor(path: string, baseOffset: number, entryBytes: number, options: IndexOptions) {
    this.filePath = path;
    this.baseOffset = baseOffset;
    this.entryBytes = entryBytes;
    this.maxIndexBytes = options.maxIndexBytes;
    this.mode = options.mode;
    this.scratch = Buffer.alloc(entryBytes);
    if (options.mode === 'active') this.openActive();
  }

  get path(): string {
    return this.filePath;
  }

  get isActive(): boolean {
    return this.mode === 'active';
  }

  get isOpen(): boolean {
    return this.mapped !== null;
  }

  /** Entries in use. */
  get entries(): number {
    this.ensureLoaded();
    return this.entryCount;
  }

  /** Slots of the preallocated file (active), or the entries (sealed). */
  get maxEntries(): number {
    return this.mode === 'active' ? Math.floor(this.maxIndexBytes / this.entryBytes) : this.entries;
  }

  get isFull(): boolean {
    return this.mode === 'active' && this.entries >= this.maxEntries;
  }

  get sizeBytes(): number {
    return this.entries * this.entryBytes;
  }

  /** The key (offset or timestamp) of entry `i`; subclasses know the layout. */
  protected abstract keyAt(i: number): number;
  /** Relative offset of entry `i` (both layouts carry one). */
  protected abstract relativeOffsetAt(i: number): number;

  private openActive(): void {
    const path = this.filePath;
    let fd = -1;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
      const existingBytes = fstatSync(fd).size;
      const slots = Math.floor(this.maxIndexBytes / this.entryBytes);
      const mapBytes = slots * this.entryBytes;
      const found = Math.min(Math.floor(existingBytes / this.entryBytes), slots);
      // Cut a torn partial entry and anything past the slots, then extend to the preallocated size.
      if (existingBytes !== mapBytes) ftruncateSync(fd, Math.min(existingBytes - (existingBytes % this.entryBytes), mapBytes));
      ftruncateSync(fd, mapBytes);
      this.mapped = mapFile(fd, mapBytes, true);
      this.bytes = this.mapped.bytes;
      this.writeFd = fd;
      this.entryCount = this.validPrefix(found);
      this.mode = 'active';
    } catch (error) {
      if (fd >= 0 && this.writeFd !== fd) closeSync(fd);
      throw ioError(error, 'cannot open index', { path });
    }
  }

  private ensureLoaded(): void {
    if (this.entryCount >= 0 && (this.mapped !== null || this.entryCount === 0)) return;
    const path = this.filePath;
    let fd = -1;
    try {
      fd = openSync(path, 'r');
      const sizeBytes = fstatSync(fd).size;
      const found = Math.floor(sizeBytes / this.entryBytes);
      const mapBytes = found * this.entryBytes;
      this.mapped = mapBytes > 0 ? mapFile(fd, mapBytes, false) : null;
      this.bytes = this.mapped === null ? EMPTY : this.mapped.bytes;
      this.entryCount = this.validPrefix(found);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // A missing sealed index reads as empty: lookups fall back to a scan from position 0.
        this.mapped = null;
        this.bytes = EMPTY;
        this.entryCount = 0;
        return;
      }
      throw ioError(error, 'cannot open index', { path });
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** How many leading entries to trust: strictly increasing keys, no all-zero slot after entry 0. */
  private validPrefix(found: number): number {
    let n = 0;
    let lastKey = Number.NEGATIVE_INFINITY;
    let lastRelative = -1;
    for (; n < found; n++) {
      if (n > 0 && this.isZeroSlot(n)) break;
      const key = this.keyAt(n);
      const relative = this.relativeOffsetAt(n);
      if (key <= lastKey || relative < lastRelative || relative < 0) break;
      lastKey = key;
      lastRelative = relative;
    }
    return n;
  }

  private isZeroSlot(i: number): boolean {
    const bytes = this.bytes;
    const start = i * this.entryBytes;
    for (let b = start; b < start + this.entryBytes; b++) if (bytes[b] !== 0) return false;
    return true;
  }

  /** Problems Kafka's sanity checks (and a length check) would report; empty when healthy. */
  sanityCheck(): string[] {
    const problems: string[] = [];
    let fileBytes = -1;
    try {
      const fd = openSync(this.filePath, 'r');
      fileBytes = fstatSync(fd).size;
      closeSync(fd);
    } catch {
      problems.push(`${this.filePath}: missing`);
      return problems;
    }
    if (fileBytes % this.entryBytes !== 0) problems.push(`${this.filePath}: length ${fileBytes} is not a multiple of ${this.entryBytes}`);
    const found = Math.floor(fileBytes / this.entryBytes);
    if (this.mode === 'sealed' && this.entries < found) {
      problems.push(`${this.filePath}: only ${this.entries} of ${found} entries are increasing and non-empty`);
    }
    return problems;
  }

  /** Kafka's lookup: the largest entry whose key ≤ target, -1 if none; hot entries searched first. */
  protected largestLowerBound(target: number): number {
    const entries = this.entries;
    if (entries === 0) return -1;
    const warmEntries = Math.floor(INDEX_WARM_SECTION_BYTES / this.entryBytes);
    const firstHot = Math.max(0, entries - 1 - warmEntries);
    if (this.keyAt(firstHot) < target) return this.binarySearch(target, firstHot, entries - 1);
    if (this.keyAt(0) > target) return -1;
    return this.binarySearch(target, 0, firstHot);
  }

  private binarySearch(target: number, begin: number, end: number): number {
    let lo = begin;
    let hi = end;
    while (lo < hi) {
      const mid = lo + ((hi - lo + 1) >>> 1);
      const key = this.keyAt(mid);
      if (key > target) hi = mid - 1;
      else if (key < target) lo = mid;
      else return mid;
    }
    return lo;
  }

  /** Writes the entry prepared in `scratch` at the end. */
  protected appendScratch(): void {
    assert(this.mode === 'active' && this.mapped !== null, 'append to an index that is not active');
    assert(this.entryCount < this.maxEntries, 'append to a full index (the segment must roll first)');
    this.mapped.write(this.entryCount * this.entryBytes, this.scratch);
    this.entryCount++;
  }

  /** Keeps the first `entries` entries; the freed slots are zeroed so a reopen does not see them. */
  protected truncateEntries(entries: number): void {
    const current = this.entries;
    if (entries >= current) return;
    if (this.mode === 'active' && this.mapped !== null) {
      const zeros = Buffer.alloc((current - entries) * this.entryBytes);
      this.mapped.write(entries * this.entryBytes, zeros);
      this.entryCount = entries;
      return;
    }
    this.closeMapping();
    try {
      const fd = openSync(this.filePath, 'r+');
      try {
        ftruncateSync(fd, entries * this.entryBytes);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw ioError(error, 'cannot truncate index', { path: this.filePath });
    }
    this.entryCount = entries;
  }

  /** Forgets every entry (recovery rebuilds the index). */
  reset(): void {
    if (this.mode !== 'active') {
      this.resize(this.maxIndexBytes);
    }
    this.truncateEntries(0);
  }

  /** Cuts the file to its entries and turns sealed (roll, close). Safe to call twice. */
  trimToValidSize(): void {
    if (this.mode !== 'active') return;
    const validBytes = this.entryCount * this.entryBytes;
    this.flush();
    this.closeMapping();
    try {
      ftruncateSync(this.writeFd, validBytes);
    } catch (error) {
      throw ioError(error, 'cannot trim index', { path: this.filePath });
    } finally {
      closeSync(this.writeFd);
      this.writeFd = -1;
    }
    this.mode = 'sealed';
  }

  /** Makes a sealed index active again with `maxIndexBytes` of slots (truncation reactivates a segment). */
  resize(maxIndexBytes: number): void {
    if (this.mode === 'active') return;
    this.ensureLoaded();
    const keep = this.entryCount;
    this.closeMapping();
    this.maxIndexBytes = maxIndexBytes;
    this.openActive();
    if (this.entryCount > keep) this.entryCount = keep;
  }

  flush(): void {
    if (this.mode === 'active' && this.mapped !== null) this.mapped.flush();
  }

  /** Drops the mapping of a sealed index (an LRU owner bounds mappings this way). */
  release(): void {
    if (this.mode === 'active') return;
    this.closeMapping();
  }

  private closeMapping(): void {
    if (this.mapped !== null) this.mapped.close();
    this.mapped = null;
    this.bytes = EMPTY;
  }

  renameTo(newPath: string): void {
    try {
      renameSync(this.filePath, newPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot rename index', { path: this.filePath });
    }
    this.filePath = newPath;
  }

  close(): void {
    if (this.mode === 'active') this.trimToValidSize();
    this.closeMapping();
  }

  deleteIfExists(): void {
    this.close();
    try {
      unlinkSync(this.filePath);
    } catch {
      // Already gone.
    }
  }
}
