/**
 * What the offset index and the time index share (Kafka's AbstractIndex): a file of fixed-size
 * big-endian entries with no header, searched with Kafka's warm-section binary search. Subclasses
 * own the entry layout; this file owns the file.
 *
 * Lifecycle:
 *  - active (writable): the file is created if missing and read back at open — in chunks, stopping
 *    at the first untrusted slot — into memory that holds the entries (a grow-only Buffer, doubling
 *    up to `maxIndexBytes`), and then cut to exactly those entries. Appends go to memory; the entries
 *    reach the file with positioned writes: by the append path once INDEX_PENDING_BYTES_MAX are
 *    pending (`writePendingIfFull`, called *before* the segment writes its .log bytes), and by
 *    `flush()`, `trimToValidSize()` and `close()`. The file is never preallocated and never mapped
 *    writable: a store into a shared mapping of a sparse file raises SIGBUS when the file system is
 *    full (tmpfs even for a read fault on a hole), where a write(2) returns ENOSPC — a NoSpaceError
 *    here, with nothing counted as written. The entries held (memory) are the bound `maxIndexBytes`
 *    rounded down to whole entries, or more when the file already held more trusted entries (a
 *    smaller config than when it was written): the index is then simply full, and the segment rolls.
 *  - sealed (read-only): nothing is opened at construction — a log may hold 10,000 segments. The
 *    first lookup maps the file read-only (the fallback reads it into a Buffer) and closes the fd at
 *    once, since a mapping needs none; `release()` drops the mapping when the segment's file handle
 *    leaves the FilePool's LRU, which so bounds mappings too; the next lookup maps again. A missing
 *    sealed file reads as empty. A sealed file is whole entries with no holes, so reading its mapping
 *    never allocates.
 *  - `trimToValidSize()` (roll, close): writes the pending entries, cuts the file to entries ×
 *    entryBytes (a failed write may have left bytes past them), drops the memory and seals the index.
 *    If the write fails the index stays active, unchanged. `resize()` makes it active again.
 *
 * Memory: an active index holds only its entries (an idle new segment: INDEX_MEMORY_INITIAL_BYTES
 * per index), never its preallocated size; a sealed one holds a mapping only while looked up.
 *
 * Invariants: entries [0, entries) have strictly increasing keys (offset or timestamp) and
 * non-decreasing, non-negative relative offsets; the file of an active index holds entries
 * [0, writtenEntries) and, after a failed write, possibly torn bytes past them that the next write
 * overwrites and a trim cuts; writtenEntries ≤ entries.
 *
 * Crash behaviour: entries not yet written are lost with the process; they always describe batches
 * above the recovery point (flush writes them before it moves the point), which recovery rescans and
 * re-indexes. A file of an older version or of Kafka may be preallocated (a zero tail) or hold a torn
 * entry, so opening never trusts the length alone: it keeps the longest prefix of plausible entries,
 * stopping at the first all-zero slot after entry 0 (entry 0 may legitimately be (0, 0)) or the
 * first entry that does not follow its predecessor. Indexes carry no checksum; recovery rebuilds them
 * from the .log when the segment is above the recovery point. Durability: `flush()` writes pending
 * entries and fsyncs an active index, and fsyncs a file trimmed since its last flush; fsync of the
 * directory (renames, creation) is the caller's job.
 */
import {
  closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, renameSync, unlinkSync,
} from 'node:fs';
import { assertionFailed } from '../assert.js';
import { InvalidArgumentError, ioError } from '../errors.js';
import { INDEX_LOAD_CHUNK_BYTES, INDEX_MEMORY_INITIAL_BYTES, INDEX_PENDING_BYTES_MAX, INDEX_SANITY_PROBLEMS_MAX,
  INDEX_WARM_SECTION_BYTES } from '../limits.js';
import type { MappedFile } from '../platform/contract.js';
import { mapFile } from '../platform/index.js';
import { readFully } from '../platform/positioned-read.js';
import { syncFileSync, syncPath } from '../platform/file-sync.js';
import { writeAt } from '../platform/positioned-write.js';

type IndexMode = 'active' | 'sealed';

export interface IndexOptions {
  /** Largest size of an active index (Kafka's segment.index.bytes), rounded down to whole entries. */
  maxIndexBytes: number;
  mode: IndexMode;
}

const EMPTY = Buffer.alloc(0);
/** entryCount before a sealed index was first loaded. */
const NOT_LOADED = -1;

export abstract class IndexFile {
  readonly baseOffset: number;
  readonly entryBytes: number;
  /** Kafka's warm section in entries (1024 for the offset index, 682 for the time index). */
  private readonly warmEntries: number;
  private filePath: string;
  private maxIndexBytes: number;
  private mode: IndexMode;
  /** A sealed index's read-only mapping while it is looked up; null otherwise (always, when active). */
  private mapped: MappedFile | null = null;
  /**
   * The entries: an active index's memory (capacity grows by doubling), or a sealed one's mapped
   * bytes; EMPTY when neither. Lookups read them directly, big-endian, no slicing.
   */
  protected bytes: Buffer = EMPTY;
  private entryCount = NOT_LOADED;
  /** Entries an active index may hold. */
  private slotCount = 0;
  /** Entries [0, writtenEntries) of an active index are in its file; the rest are pending. */
  private writtenEntries = 0;
  /** A write failed part-way: the file may hold bytes past writtenEntries until the next write or trim. */
  private tornTail = false;
  /** Length of a sealed file when its entries were counted: a remap of the same length skips the scan. */
  private countedFileBytes = -1;
  /** Set by a trim: the cut file has not been fsync'd since. */
  private syncPending = false;
  /**
   * During a rebuild (beginRebuild): slots [writtenEntries, keepableEntries) still hold the old
   * entries, in memory and in the file alike; a rebuilt entry equal to its slot's stays where it is.
   */
  private keepableEntries = 0;
  /** During a rebuild: the old entries the file held when it began (what finishRebuild may have to cut). */
  private rebuildFileEntries = 0;
  /** One entry, prepared by a subclass and copied into memory by appendScratch(). */
  protected readonly scratch: Buffer;

  protected constructor(path: string, baseOffset: number, entryBytes: number, options: IndexOptions) {
    if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) {
      throw new InvalidArgumentError(`index base offset must be a non-negative safe integer, got ${baseOffset}`, { path });
    }
    checkMaxIndexBytes(options.maxIndexBytes, path);
    this.filePath = path;
    this.baseOffset = baseOffset;
    this.entryBytes = entryBytes;
    this.warmEntries = Math.floor(INDEX_WARM_SECTION_BYTES / entryBytes);
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

  /** Whether a mapping is held right now (an active index holds no descriptor; a sealed one maps on its first lookup). */
  get isOpen(): boolean {
    return this.mapped !== null;
  }

  /** Entries in use (loads a sealed index). */
  get entries(): number {
    this.ensureLoaded();
    return this.entryCount;
  }

  /** Entries an active index may hold; for a sealed one its entries (nothing more can be appended). */
  get maxEntries(): number {
    return this.mode === 'active' ? this.slotCount : this.entries;
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Bytes of valid entries (what the file is trimmed to). */
  get sizeBytes(): number {
    return this.entries * this.entryBytes;
  }

  // ---------------------------------------------------------------------------------------------
  // Layout hooks (subclasses)

  /** The search key (offset relative to base, or timestamp) of entry `i` in `bytes`. */
  protected abstract keyIn(bytes: Buffer, i: number): number;
  /** Relative offset of entry `i` in `bytes`. */
  protected abstract relativeOffsetIn(bytes: Buffer, i: number): number;
  /**
   * Why entry `i` of `bytes` cannot be trusted after entry `i − 1` (or, for i = 0, on its own), or
   * null when it can. Keys must strictly increase and relative offsets be ≥ 0 and non-decreasing;
   * subclasses may add checks on their other field.
   */
  protected describeBreak(bytes: Buffer, i: number): string | null {
    const relative = this.relativeOffsetIn(bytes, i);
    if (relative < 0) return `entry ${i} has a negative relative offset ${relative}`;
    if (i === 0) return null;
    const key = this.keyIn(bytes, i);
    const previousKey = this.keyIn(bytes, i - 1);
    if (key <= previousKey) {
      return `entry ${i}: ${this.keyName()} ${this.keyValue(key)} is not above the previous entry's ${this.keyValue(previousKey)}`;
    }
    const previousRelative = this.relativeOffsetIn(bytes, i - 1);
    if (relative < previousRelative) {
      return `entry ${i}: offset ${this.baseOffset + relative} is below the previous entry's ${this.baseOffset + previousRelative}`;
    }
    return null;
  }
  /** 'offset' or 'timestamp', for messages (a method: hooks run inside the base constructor). */
  protected abstract keyName(): string;
  /** A key as a message shows it (offsets absolute). */
  protected abstract keyValue(key: number): number;
  /** Kafka's own sanity checks (§4.5 / §5.4) over the first `entries` entries of `bytes`. */
  protected abstract kafkaSanityProblems(bytes: Buffer, entries: number): string[];

  protected keyAt(i: number): number {
    return this.keyIn(this.bytes, i);
  }

  protected relativeOffsetAt(i: number): number {
    return this.relativeOffsetIn(this.bytes, i);
  }

  /** Asserts `i` is an entry: reading past `entries` is a caller bug (the slot is zero or stale). */
  protected checkSlot(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.entries)) {
      assertionFailed(`index entry ${i} outside [0, ${this.entryCount}) of ${this.filePath}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and loading

  private openActive(): void {
    const path = this.filePath;
    const entryBytes = this.entryBytes;
    let fd = -1;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
      const fileBytes = fstatSync(fd).size;
      const targetSlots = Math.floor(this.maxIndexBytes / entryBytes);
      const { entries, memory } = this.readTrusted(fd, Math.floor(fileBytes / entryBytes), targetSlots);
      // Cut what is not an entry: a preallocated zero tail (older versions, Kafka), a torn partial
      // entry, untrusted entries after a break — so the file is exactly the entries from here on.
      if (fileBytes !== entries * entryBytes) ftruncateSync(fd, entries * entryBytes);
      // No descriptor is kept: entries are written a page at a time (writeWithFd), so an idle
      // partition holds none for its indexes (a broker of thousands of partitions).
      closeSync(fd);
      fd = -1;
      this.bytes = memory;
      this.slotCount = Math.max(targetSlots, entries);
      this.entryCount = entries;
      this.writtenEntries = entries;
      this.tornTail = false;
      this.mode = 'active';
      this.countedFileBytes = -1;
    } catch (error) {
      if (fd >= 0) closeSync(fd);
      throw ioError(error, 'cannot open index', { path });
    }
  }

  /** Runs `work` with a descriptor of the active index file, opened for it and closed after. */
  private withFd<T>(action: string, work: (fd: number) => T): T {
    let fd = -1;
    try {
      fd = openSync(this.filePath, constants.O_RDWR);
    } catch (error) {
      throw ioError(error, `cannot open index to ${action}`, { path: this.filePath });
    }
    try {
      return work(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads the trusted leading entries of the file (`found` whole slots on disk) into memory, chunk by
   * chunk, and stops at the first untrusted slot: a preallocated 10 MiB file costs one chunk, not
   * 10 MiB of memory (nor, on tmpfs, 10 MiB of pages).
   */
  private readTrusted(fd: number, found: number, targetSlots: number): { entries: number; memory: Buffer } {
    const entryBytes = this.entryBytes;
    const chunkSlots = Math.max(1, Math.floor(INDEX_LOAD_CHUNK_BYTES / entryBytes));
    let memory: Buffer = Buffer.alloc(this.initialCapacityBytes(targetSlots));
    let entries = 0;
    while (entries < found) {
      const slots = Math.min(chunkSlots, found - entries);
      memory = this.withCapacity(memory, (entries + slots) * entryBytes);
      const startBytes = entries * entryBytes;
      const wantBytes = slots * entryBytes;
      const readBytes = readFully(fd, memory, startBytes, wantBytes, startBytes, this.filePath);
      const readSlots = Math.floor(readBytes / entryBytes);
      const valid = this.validPrefix(memory, entries, entries + readSlots);
      if (valid < entries + slots) {
        memory.fill(0, valid * entryBytes, startBytes + wantBytes);
        return { entries: valid, memory };
      }
      entries = valid;
    }
    return { entries, memory };
  }

  /** Whole entries in INDEX_MEMORY_INITIAL_BYTES, at most the index's size. */
  private initialCapacityBytes(slots: number): number {
    const entryBytes = this.entryBytes;
    const initialBytes = Math.max(entryBytes, INDEX_MEMORY_INITIAL_BYTES - (INDEX_MEMORY_INITIAL_BYTES % entryBytes));
    return Math.min(slots * entryBytes, initialBytes);
  }

  /** `memory`, or a copy with room for at least `neededBytes` (doubling, so appends copy rarely). */
  private withCapacity(memory: Buffer, neededBytes: number): Buffer {
    if (memory.length >= neededBytes) return memory;
    let capacity = Math.max(memory.length, this.entryBytes);
    while (capacity < neededBytes) capacity *= 2;
    const grown = Buffer.alloc(capacity);
    memory.copy(grown, 0, 0, memory.length);
    return grown;
  }

  /** Maps a sealed index on first use (and again after release()). */
  private ensureLoaded(): void {
    if (this.mapped !== null || this.mode === 'active') return;
    if (this.entryCount === 0 && this.countedFileBytes <= 0) return; // empty or missing: nothing to map
    const path = this.filePath;
    let fd = -1;
    try {
      fd = openSync(path, 'r');
      const fileBytes = fstatSync(fd).size;
      const found = Math.floor(fileBytes / this.entryBytes);
      const mapped = found > 0 ? mapFile(fd, found * this.entryBytes, false) : null;
      this.mapped = mapped;
      this.bytes = mapped === null ? EMPTY : mapped.bytes;
      if (this.countedFileBytes !== fileBytes || this.entryCount === NOT_LOADED) {
        this.entryCount = this.validPrefix(this.bytes, 0, found);
        this.countedFileBytes = fileBytes;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot open index', { path });
      // A missing sealed index reads as empty: lookups then start a scan at position 0.
      this.closeMapping();
      this.entryCount = 0;
      this.countedFileBytes = 0;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** How many leading entries of `bytes` to trust (see the header), given the first `from` are trusted. */
  private validPrefix(bytes: Buffer, from: number, found: number): number {
    let n = from;
    while (n < found && !(n > 0 && this.isZeroSlot(bytes, n)) && this.describeBreak(bytes, n) === null) n++;
    return n;
  }

  private isZeroSlot(bytes: Buffer, i: number): boolean {
    const end = (i + 1) * this.entryBytes;
    for (let b = i * this.entryBytes; b < end; b++) if (bytes[b] !== 0) return false;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Checks

  /**
   * Problems with the file as it is on disk, empty when healthy: Kafka's sanity checks (§4.5, §5.4),
   * a length that is not a multiple of the entry size, entries that do not follow their
   * predecessor, and (for a sealed index) an untrimmed zero tail. Never throws for bad contents.
   */
  sanityCheck(): string[] {
    const path = this.filePath;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return [code === 'ENOENT' ? `${path}: does not exist` : `${path}: cannot be read (${code ?? String(error)})`];
    }
    const problems: string[] = [];
    const entryBytes = this.entryBytes;
    if (bytes.length % entryBytes !== 0) {
      problems.push(`${path}: length ${bytes.length} is not a multiple of ${entryBytes}`);
    }
    const found = Math.floor(bytes.length / entryBytes);
    let used = found;
    while (used > 1 && this.isZeroSlot(bytes, used - 1)) used--;
    if (used < found && this.mode === 'sealed') {
      problems.push(`${path}: ${found - used} empty slots after entry ${used - 1} (the file was not trimmed)`);
    }
    // An active index's pending entries are not in the file yet: check the ones that are.
    for (const problem of this.kafkaSanityProblems(bytes, this.mode === 'active' ? Math.min(this.entries, found) : found)) {
      problems.push(`${path}: ${problem}`);
    }
    for (let i = 0; i < used && problems.length < INDEX_SANITY_PROBLEMS_MAX; i++) {
      const zeroHole = i > 0 && this.isZeroSlot(bytes, i);
      const why = zeroHole ? `entry ${i} is empty` : this.describeBreak(bytes, i);
      if (why === null) continue;
      problems.push(`${path}: ${why}; only ${i} of ${used} entries are trusted`);
      break;
    }
    return problems;
  }

  // ---------------------------------------------------------------------------------------------
  // Search

  /**
   * Kafka's lookup: slot of the largest entry whose key ≤ target, -1 if none. The last 8 KiB of
   * entries (the warm section) is searched first when the target lies there — where in-sync readers
   * and appends look — so their probes stay on pages that are already in memory instead of touching
   * the cold pages a plain binary search over the whole file would visit.
   */
  protected largestLowerBound(target: number): number {
    const entries = this.entries;
    if (entries === 0) return -1;
    const firstHot = Math.max(0, entries - 1 - this.warmEntries);
    if (this.keyAt(firstHot) < target) return this.binarySearch(target, firstHot, entries - 1);
    if (this.keyAt(0) > target) return -1;
    return this.binarySearch(target, 0, firstHot);
  }

  /** Largest slot in [begin, end] with key ≤ target; the caller guarantees key(begin) ≤ target. */
  private binarySearch(target: number, begin: number, end: number): number {
    let lo = begin;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const key = this.keyAt(mid);
      if (key > target) hi = mid - 1;
      else if (key < target) lo = mid;
      else return mid;
    }
    return lo;
  }

  /** Smallest slot whose relative offset is ≥ `relativeOffset` (entries when none): where truncation cuts. */
  protected firstSlotAtOrAbove(relativeOffset: number): number {
    let lo = 0;
    let hi = this.entries;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relativeOffsetAt(mid) < relativeOffset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---------------------------------------------------------------------------------------------
  // Mutation

  /** Adds the entry prepared in `scratch` after the last one, in memory (see writePending). */
  protected appendScratch(): void {
    if (this.mode !== 'active') assertionFailed(`append to ${this.filePath}, which is not active`);
    const n = this.entryCount;
    if (n >= this.slotCount) assertionFailed(`append to the full index ${this.filePath} (the segment must roll first)`);
    const entryBytes = this.entryBytes;
    let bytes = this.bytes;
    if (n < this.keepableEntries) {
      if (n === this.writtenEntries && this.slotHoldsScratch(n)) {
        this.entryCount = n + 1;
        this.writtenEntries = n + 1;
        return;
      }
      this.keepableEntries = 0; // the first difference: the old entries from here on are stale
    }
    if (bytes.length < (n + 1) * entryBytes) {
      bytes = this.withCapacity(bytes, Math.min(this.slotCount * entryBytes, Math.max((n + 1) * entryBytes, bytes.length * 2)));
      this.bytes = bytes;
    }
    bytes.set(this.scratch, n * entryBytes);
    this.entryCount = n + 1;
  }

  private slotHoldsScratch(n: number): boolean {
    const bytes = this.bytes;
    const scratch = this.scratch;
    const at = n * this.entryBytes;
    for (let i = 0; i < scratch.length; i++) if (bytes[at + i] !== scratch[i]) return false;
    return true;
  }

  /**
   * Starts a rebuild from the .log (recovery): the entries are forgotten, but the file and memory
   * keep the old ones, and each rebuilt entry equal to the old one in its slot stays in the file as
   * it is. A crash that left the index whole (the common case) so costs no write, no cut and no dirty
   * page for the sealing fsync to wait on; the first difference ends the keeping, and
   * `finishRebuild()` cuts what the rebuild did not confirm. A sealed index becomes active again.
   */
  beginRebuild(): void {
    if (this.mode !== 'active') this.resize(this.maxIndexBytes);
    this.writePending();
    this.keepableEntries = this.writtenEntries;
    this.rebuildFileEntries = this.writtenEntries;
    this.entryCount = 0;
    this.writtenEntries = 0;
    // Until finishRebuild the file holds bytes past writtenEntries: a trim or truncation cuts them.
    if (this.rebuildFileEntries > 0) this.tornTail = true;
  }

  /** Ends a rebuild: the old entries past the rebuilt ones leave the file (one cut, only when there are any) and memory. */
  finishRebuild(): void {
    const oldEntries = this.rebuildFileEntries;
    this.keepableEntries = 0;
    this.rebuildFileEntries = 0;
    if (this.mode !== 'active') return;
    if (this.tornTail) {
      const keptBytes = this.writtenEntries * this.entryBytes;
      try {
        this.withFd('truncate', (fd) => {
          if (fstatSync(fd).size !== keptBytes) ftruncateSync(fd, keptBytes);
        });
      } catch (error) {
        throw ioError(error, 'cannot truncate index', { path: this.filePath });
      }
      this.tornTail = false;
      if (oldEntries > this.entryCount) this.bytes.fill(0, this.entryCount * this.entryBytes, oldEntries * this.entryBytes);
    }
    // The rebuilt entries past the kept ones reach the file now, inside the recovery: if the write
    // fails, the recovery fails and deletes the index, rather than leaving a shorter one that looks whole.
    this.writePending();
  }

  /** Bytes of entries held in memory but not yet written to the file (0 when sealed). */
  get pendingBytes(): number {
    return this.mode === 'active' ? (this.entryCount - this.writtenEntries) * this.entryBytes : 0;
  }

  /**
   * The append path's write: the pending entries once INDEX_PENDING_BYTES_MAX of them are held.
   * The segment calls it before writing a batch, so a full disk fails that append with nothing of
   * it written anywhere.
   */
  writePendingIfFull(): void {
    if ((this.entryCount - this.writtenEntries) * this.entryBytes >= INDEX_PENDING_BYTES_MAX) this.writePending();
  }

  /**
   * Writes the pending entries of an active index with one positioned write. On failure (ENOSPC →
   * NoSpaceError) nothing counts as written: the bytes that landed lie past writtenEntries, where
   * the next write overwrites them and a trim cuts them.
   */
  writePending(): void {
    const from = this.writtenEntries;
    const to = this.entryCount;
    if (this.mode !== 'active' || from >= to) return;
    const entryBytes = this.entryBytes;
    try {
      this.withFd('write entries', (fd) => writeAt(fd, this.filePath, this.bytes, from * entryBytes, to * entryBytes, from * entryBytes));
    } catch (error) {
      this.tornTail = true;
      throw ioError(error, `cannot write ${to - from} index entries`, { path: this.filePath, positionBytes: from * entryBytes });
    }
    this.writtenEntries = to;
  }

  /** Keeps the first `keep` entries. Active: the file is cut if it held more. Sealed: the file is cut. */
  protected truncateEntries(keep: number): void {
    this.keepableEntries = 0;
    const current = this.entries;
    if (keep >= current && !(this.mode === 'active' && this.tornTail)) return;
    keep = Math.min(keep, current);
    const path = this.filePath;
    if (this.mode === 'active') {
      if (this.writtenEntries > keep || this.tornTail) {
        try {
          const keptBytes = Math.min(this.writtenEntries, keep) * this.entryBytes;
          this.withFd('truncate', (fd) => ftruncateSync(fd, keptBytes));
        } catch (error) {
          throw ioError(error, 'cannot truncate index', { path });
        }
        this.writtenEntries = Math.min(this.writtenEntries, keep);
        this.tornTail = false;
      }
      this.bytes.fill(0, keep * this.entryBytes, current * this.entryBytes);
      this.entryCount = keep;
      return;
    }
    this.closeMapping();
    try {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, keep * this.entryBytes);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw ioError(error, 'cannot truncate index', { path });
    }
    this.entryCount = keep;
    this.countedFileBytes = keep * this.entryBytes;
    this.syncPending = true;
  }

  /** Forgets every entry (recovery rebuilds the index); a sealed index becomes active again. */
  reset(): void {
    if (this.mode !== 'active') this.resize(this.maxIndexBytes);
    this.truncateEntries(0);
  }

  /**
   * Writes the pending entries, cuts the file to its entries and seals the index (roll, close). A
   * no-op when already sealed. When the write or the cut fails the index stays active and whole.
   */
  trimToValidSize(): void {
    if (this.mode !== 'active') return;
    const path = this.filePath;
    this.writePending();
    const validBytes = this.entryCount * this.entryBytes;
    const tornTail = this.tornTail;
    try {
      // Cuts torn bytes of a failed write; a file of exactly its entries is left alone.
      this.withFd('trim', (fd) => {
        if (tornTail || fstatSync(fd).size !== validBytes) ftruncateSync(fd, validBytes);
      });
    } catch (error) {
      throw ioError(error, 'cannot trim index', { path });
    }
    this.tornTail = false;
    this.mode = 'sealed';
    this.bytes = EMPTY;
    this.countedFileBytes = validBytes;
    this.syncPending = true;
  }

  /**
   * Makes the index active with `maxIndexBytes` of slots (truncation re-activates a segment; load
   * re-extends the last one), or changes an active index's size. The entries are kept.
   */
  resize(maxIndexBytes: number): void {
    checkMaxIndexBytes(maxIndexBytes, this.filePath);
    if (this.mode === 'active') {
      const slots = Math.floor(maxIndexBytes / this.entryBytes);
      if (slots < this.entryCount) {
        throw new InvalidArgumentError(`cannot resize index to ${maxIndexBytes} bytes: it holds ${this.entryCount} entries`,
          { path: this.filePath });
      }
      // Entries live in memory and in a file of exactly their size: only the bound changes.
      this.maxIndexBytes = maxIndexBytes;
      this.slotCount = slots;
      return;
    }
    this.ensureLoaded();
    this.closeMapping();
    this.maxIndexBytes = maxIndexBytes;
    this.openActive();
  }

  /** Makes the entries durable: writes the pending ones and fsyncs when active, fsyncs after a trim. */
  flush(): void {
    const job = this.beginFlush();
    if (job === null) return;
    let fd = -1;
    try {
      fd = openSync(job.path, 'r');
      syncFileSync(fd, job.path);
    } catch (error) {
      this.failFlush(error, job);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** `flush()` with the fsync in the thread pool (a segment's flush): the main thread never waits on a disk. */
  async flushAsync(): Promise<void> {
    const job = this.beginFlush();
    if (job === null) return;
    try {
      await syncPath(job.path);
    } catch (error) {
      this.failFlush(error, job);
    }
  }

  /**
   * Writes the pending entries of an active index and says what to fsync; null when nothing needs it
   * (a sealed index not trimmed since its last flush). The flag is cleared first, so a trim while an
   * fsync is in flight sets it again and the next flush covers it.
   */
  private beginFlush(): { path: string; active: boolean } | null {
    const active = this.mode === 'active';
    if (active) this.writePending();
    else if (!this.syncPending) return null;
    this.syncPending = false;
    return { path: this.filePath, active };
  }

  /** A failed fsync: thrown, and owed again; a sealed index whose file is gone has nothing to make durable. */
  private failFlush(error: unknown, job: { path: string; active: boolean }): void {
    if (!job.active && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    this.syncPending = true;
    throw ioError(error, 'cannot fsync index', { path: job.path });
  }

  /** A sealed index's file is mapped (or, in the fallback, read) right now. */
  get isMapped(): boolean {
    return this.mapped !== null;
  }

  /** Drops the mapping of a sealed index (its segment's file handle leaving the pool's LRU does this); the next lookup maps again. */
  release(): void {
    if (this.mode === 'active') return;
    this.closeMapping();
  }

  /** Drops a sealed index's mapping (an active index has none: its bytes are its memory). */
  private closeMapping(): void {
    const mapped = this.mapped;
    if (mapped === null) return;
    this.mapped = null;
    this.bytes = EMPTY;
    mapped.close();
  }

  /** Renames the file (e.g. to `.deleted` or from `.swap`); the index keeps working under the new name. */
  renameTo(newPath: string): void {
    try {
      renameSync(this.filePath, newPath);
    } catch (error) {
      // A sealed index may never have been written (lazy creation): nothing to move.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot rename index', { path: this.filePath });
    }
    this.filePath = newPath;
  }

  /** Trims an active index (Kafka does so on close) and drops mapping and fd. Lookups may still map it again. */
  close(): void {
    if (this.mode === 'active') this.trimToValidSize();
    this.closeMapping();
  }

  /** Drops mapping and fd and unlinks the file. True if a file was removed. */
  deleteIfExists(): boolean {
    this.closeMapping();
    this.bytes = EMPTY;
    this.writtenEntries = 0;
    this.tornTail = false;
    this.mode = 'sealed';
    this.entryCount = 0;
    this.countedFileBytes = 0;
    this.syncPending = false;
    try {
      unlinkSync(this.filePath);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw ioError(error, 'cannot delete index', { path: this.filePath });
    }
  }
}

function checkMaxIndexBytes(maxIndexBytes: number, path: string): void {
  if (!Number.isSafeInteger(maxIndexBytes) || maxIndexBytes < 0 || maxIndexBytes > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`maxIndexBytes must be an integer in [0, 2^31 − 1], got ${maxIndexBytes}`, { path });
  }
}
