/**
 * Opening a partition directory (Kafka's LogLoader), with one rule above Kafka's: recovery never
 * destroys bytes. Whatever it cuts off a segment, and any segment or swap it will not use, is kept in
 * the directory as `<original file name>.recovered-<n>` (n = 1, 2, … the first unused), a name that
 * neither Kafka's loader nor ours reads, so an operator can inspect or restore it.
 *
 * 1. Leftover temporary files: `*.deleted` are removed; `*.cleaned` mean an interrupted clean (removed,
 *    with every `*.swap` at or above the lowest cleaned base offset); remaining `*.swap` files mean a
 *    swap that had finished writing — if every `.log.swap` is whole and valid (every batch checks; empty
 *    ones only beside a swap with batches or retired old segments), the old segments they cover are
 *    removed and the swaps renamed into place. Otherwise the swap never finished (or is a stray): its
 *    `.log.swap` files are set aside and the old segments stay.
 * 2. Segments are loaded in offset order; index files without a `.log` are removed; a missing or
 *    malformed `.index` marks its segment for recovery, as does a tail that does not check out (the
 *    last index entry past the end, batches that do not chain to exactly the end of the file); a
 *    missing `.timeindex` is created empty.
 * 3. Without a clean-shutdown marker, every segment from the one holding the recovery point to the end
 *    is recovered too. Recovering a segment scans it batch by batch (size, magic, CRC, offsets), cuts it
 *    at the first torn or invalid batch (the cut bytes are kept) and rebuilds its indexes.
 * 4. A cut above the recovery point (an unflushed tail after a crash) sets aside the later segments,
 *    as Kafka deletes them: they were never known to be durable. A cut in fsynced data (damage below
 *    the recovery point, or any damage after a clean shutdown) touches only that segment: later
 *    segments are kept, and the log has a gap where the damaged batches were.
 *
 * Everything it did is returned in a RecoveryReport (`actions`: file, bytes, records, why, where kept),
 * so callers (the broker, the inspector's --repair) can say.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync,
  writeSync } from 'node:fs';
import { join } from 'node:path';
import { ioError } from '../errors.js';
import { RECORD_BATCH_OVERHEAD_BYTES, SCAN_CHUNK_BYTES } from '../limits.js';
import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from '../segment/side-file-layouts.js';
import { readFully } from '../platform/positioned-read.js';
import { BASE_OFFSET, CURRENT_MAGIC, LAST_OFFSET_DELTA } from '../record/index.js';
import { BatchWalker } from '../segment/batch-walker.js';
import type { FilePool } from '../segment/file-handle.js';
import { parseSegmentFileName, segmentFileName, type SegmentFileKind } from '../segment/file-names.js';
import { Segment, type SegmentOptions } from '../segment/segment.js';
import { settleAll } from '../platform/settle-all.js';
import { fsyncDirectory } from './checkpoint-file.js';

/** Suffix of everything recovery sets aside instead of deleting: `<name>.recovered-<n>`. */
export const RECOVERED_SUFFIX = '.recovered-';

export interface SegmentRecovery {
  baseOffset: number;
  batches: number;
  /** Of those, batches naming a producer (what the producer-state replay must see again). */
  producerBatches: number;
  truncatedBytes: number;
  reason: string | null;
}

export type RecoveryActionKind = 'truncated' | 'set-aside' | 'removed' | 'renamed' | 'index-rebuilt' | 'checkpoint-ignored'
  | 'created';

/** One thing recovery did to one file, in words an operator can act on. */
export interface RecoveryAction {
  action: RecoveryActionKind;
  /** File name inside the partition directory. */
  file: string;
  /** Bytes cut or set aside (0 when nothing was). */
  bytes: number;
  /** Records in what was cut or set aside, counted from the batch headers that still chain; -1 if unknown. */
  records: number;
  /** Where the cut or set-aside bytes now are (a file name in the same directory), or null. */
  keptAs: string | null;
  reason: string;
}

export interface RecoveryReport {
  dir: string;
  cleanShutdown: boolean;
  segmentsLoaded: number;
  /** Segments scanned and re-indexed because they were beyond the recovery point or had bad indexes or tails. */
  recovered: SegmentRecovery[];
  bytesTruncated: number;
  /** Records in the bytes cut off segments (see RecoveryAction.records). */
  recordsTruncated: number;
  /** Base offsets of segments removed: only empty ones (a log start past an empty log); data is set aside, never deleted. */
  segmentsDeleted: number[];
  /** Base offsets of segments whose `.log` was set aside (later than an unflushed cut). */
  segmentsSetAside: number[];
  /** Segments whose index files were missing or malformed, or whose tail did not check out. */
  indexesRebuilt: number[];
  /** Leftover `.cleaned` / `.swap` / `.deleted` files and what was done with them. */
  temporaryFiles: string[];
  /** Everything done, file by file; empty when the directory opened as it was. */
  actions: RecoveryAction[];
}

interface LoadedLog {
  segments: Segment[];
  report: RecoveryReport;
}

/** One line per action: what a server logs. */
export function describeRecovery(report: RecoveryReport): string[] {
  return report.actions.map((a) => {
    const amount = a.bytes > 0 ? ` ${a.bytes} bytes${a.records >= 0 ? `, ${a.records} records` : ''}` : '';
    return `${join(report.dir, a.file)}: ${a.action}${amount}: ${a.reason}${a.keptAs === null ? '' : `; kept as ${a.keptAs}`}`;
  });
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot remove file', { path });
  }
}

/** The first `<name>.recovered-<n>` not yet present in `dir`. */
function setAsideName(dir: string, name: string): string {
  for (let n = 1; ; n++) {
    const candidate = `${name}${RECOVERED_SUFFIX}${n}`;
    if (!existsSync(join(dir, candidate))) return candidate;
  }
}

/** Renames `name` aside (never over anything); returns the new name. */
function setAside(dir: string, name: string): string {
  const target = setAsideName(dir, name);
  try {
    renameSync(join(dir, name), join(dir, target));
  } catch (error) {
    throw ioError(error, 'cannot set file aside', { path: join(dir, name) });
  }
  return target;
}

/** Records in the v2 batches that frame whole from `positionBytes` (headers only); stops where the framing does. */
function countRecords(path: string, positionBytes: number, endBytes: number): number {
  const walker = new BatchWalker({ chunkBytes: SCAN_CHUNK_BYTES }).open(path, positionBytes, endBytes);
  let records = 0;
  try {
    while (walker.next() && walker.magic === CURRENT_MAGIC && walker.sizeBytes >= RECORD_BATCH_OVERHEAD_BYTES) {
      const delta = walker.chunk.readInt32BE(walker.batchStart + LAST_OFFSET_DELTA);
      if (delta < 0) break;
      records += delta + 1;
    }
  } finally {
    walker.close();
  }
  return records;
}

/**
 * Copies bytes [fromBytes, toBytes) of `path` into a new set-aside file next to it, fsync'd before the
 * caller cuts them. A run of zeros (a preallocated tail) holds nothing and is not copied.
 */
function keepTail(dir: string, name: string, fromBytes: number, toBytes: number): { keptAs: string | null; records: number } {
  const path = join(dir, name);
  const src = openSync(path, 'r');
  let dst = -1;
  let keptPath = '';
  try {
    const records = countRecords(path, fromBytes, toBytes);
    const chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, toBytes - fromBytes));
    let allZero = true;
    for (let at = fromBytes; at < toBytes && allZero;) {
      const n = readFully(src, chunk, 0, Math.min(chunk.length, toBytes - at), at, path);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (chunk[i] !== 0) { allZero = false; break; }
      at += n;
    }
    if (allZero) return { keptAs: null, records: 0 };
    const keptAs = setAsideName(dir, name);
    keptPath = join(dir, keptAs);
    dst = openSync(keptPath, 'wx');
    for (let at = fromBytes; at < toBytes;) {
      const n = readFully(src, chunk, 0, Math.min(chunk.length, toBytes - at), at, path);
      if (n === 0) break;
      for (let written = 0; written < n;) written += writeSync(dst, chunk, written, n - written);
      at += n;
    }
    fsyncSync(dst);
    fsyncDirectory(dir);
    return { keptAs, records };
  } catch (error) {
    throw ioError(error, 'cannot keep the bytes recovery cuts', { path: keptPath === '' ? path : keptPath, positionBytes: fromBytes });
  } finally {
    closeSync(src);
    if (dst >= 0) closeSync(dst);
  }
}

/** Index files of a segment: derived from its .log, so recovery may remove them (they are rebuilt). */
const INDEX_KINDS = ['index', 'timeindex', 'txnindex'] as const;

/**
 * A `.log.swap` is applied only when it is whole and valid: non-empty, and every batch has a sane
 * length, magic 2, a matching CRC and offsets that increase from the base. Returns why not (null when
 * valid) and the offset after its last batch. Reads only; the swap's own files are left as they are.
 */
function checkSwap(dir: string, baseOffset: number): { problem: string | null; end: number } {
  const path = join(dir, segmentFileName(baseOffset, 'log', 'swap'));
  const walker = new BatchWalker({ verifyCrc: true }).open(path);
  let next = baseOffset;
  try {
    while (walker.next()) {
      const position = walker.positionBytes;
      if (walker.magic !== CURRENT_MAGIC) return { problem: `unsupported magic ${walker.magic} at byte ${position}`, end: next };
      const first = Number(walker.chunk.readBigInt64BE(walker.batchStart + BASE_OFFSET));
      const last = first + walker.chunk.readInt32BE(walker.batchStart + LAST_OFFSET_DELTA);
      if (!Number.isSafeInteger(first) || first < next || last < first) {
        return { problem: `offsets out of order at byte ${position}`, end: next };
      }
      next = last + 1;
    }
    const stop = walker.stop;
    return { problem: stop === null ? null : `${stop.reason} at byte ${stop.positionBytes}`, end: next };
  } finally {
    walker.close();
  }
}

/** Step 1: resolve `.deleted`, `.cleaned` and `.swap` leftovers. */
function resolveTemporaryFiles(dir: string, report: RecoveryReport): void {
  const note = (action: RecoveryActionKind, file: string, reason: string, keptAs: string | null = null): void => {
    report.temporaryFiles.push(`${file}: ${action === 'renamed' ? `renamed to ${keptAs ?? ''}` : action} (${reason})`);
    report.actions.push({ action, file, bytes: 0, records: -1, keptAs: action === 'renamed' ? null : keptAs, reason });
  };
  const names = readdirSync(dir);
  let minCleanedBase = Number.POSITIVE_INFINITY;
  let retiredSeen = false;
  const swaps: { name: string; baseOffset: number; kind: SegmentFileKind }[] = [];
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed === null || parsed.state === null) continue;
    if (parsed.state === 'deleted') {
      retiredSeen = true;
      removeFile(join(dir, name));
      note('removed', name, 'retired segment');
    } else if (parsed.state === 'cleaned') {
      minCleanedBase = Math.min(minCleanedBase, parsed.baseOffset);
      removeFile(join(dir, name));
      note('removed', name, 'interrupted clean');
    } else {
      swaps.push({ name, baseOffset: parsed.baseOffset, kind: parsed.kind });
    }
  }
  const completed = swaps.filter((s) => {
    if (s.baseOffset < minCleanedBase) return true;
    removeFile(join(dir, s.name));
    note('removed', s.name, 'swap of an interrupted clean');
    return false;
  });
  const swapLogs = completed.filter((s) => s.kind === 'log');
  if (swapLogs.length === 0) {
    // Index swaps without their log cannot be completed; they are rebuilt from the log instead.
    for (const s of completed) {
      removeFile(join(dir, s.name));
      note('removed', s.name, 'index swap without a matching .log.swap');
    }
    return;
  }
  // The range the finished swaps cover: old segments inside it were replaced but not yet retired.
  let rangeStart = Number.POSITIVE_INFINITY;
  let rangeEnd = Number.NEGATIVE_INFINITY;
  let invalid: string | null = null;
  let holdsBatches = false;
  for (const s of swapLogs) {
    const checked = checkSwap(dir, s.baseOffset);
    if (checked.problem !== null) invalid ??= `${s.name}: ${checked.problem}`;
    if (checked.end > s.baseOffset) holdsBatches = true;
    rangeStart = Math.min(rangeStart, s.baseOffset);
    rangeEnd = Math.max(rangeEnd, checked.end);
  }
  // A clean may legitimately write an empty segment, but only as part of a swap that shows itself:
  // another swap with batches, or old segments already retired. Empty swaps alone are strays.
  if (invalid === null && !holdsBatches && !retiredSeen) invalid = 'empty swap files with no swap in progress';
  if (invalid !== null) {
    // One swap of the set is not whole: the swap as a whole never finished. The old segments stay.
    for (const s of completed) {
      if (s.kind === 'log') note('set-aside', s.name, `not a finished swap (${invalid}); the old segments are kept`, setAside(dir, s.name));
      else {
        removeFile(join(dir, s.name));
        note('removed', s.name, 'index of a swap that was not applied');
      }
    }
    fsyncDirectory(dir);
    return;
  }
  for (const name of readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (parsed === null || parsed.state !== null || parsed.kind === 'snapshot') continue;
    if (parsed.baseOffset >= rangeStart && parsed.baseOffset < rangeEnd) {
      removeFile(join(dir, name));
      note('removed', name, 'replaced by a completed swap');
    }
  }
  for (const s of completed) {
    const finalName = segmentFileName(s.baseOffset, s.kind);
    try {
      renameSync(join(dir, s.name), join(dir, finalName));
    } catch (error) {
      throw ioError(error, 'cannot complete swap', { path: join(dir, s.name) });
    }
    note('renamed', s.name, 'completed swap', finalName);
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

function lengthIsMultiple(path: string, entryBytes: number): boolean {
  try {
    return statSync(path).size % entryBytes === 0;
  } catch {
    return false;
  }
}

/** Step 2: bases of the `.log` files, orphan index files removed. */
function listSegments(dir: string, report: RecoveryReport): number[] {
  const logBases = new Set<number>();
  const names = readdirSync(dir);
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed !== null && parsed.state === null && parsed.kind === 'log') logBases.add(parsed.baseOffset);
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed === null || parsed.state !== null) continue;
    if ((parsed.kind === 'index' || parsed.kind === 'timeindex' || parsed.kind === 'txnindex') && !logBases.has(parsed.baseOffset)) {
      removeFile(join(dir, name));
      report.temporaryFiles.push(`${name}: removed (index without a .log)`);
      report.actions.push({ action: 'removed', file: name, bytes: 0, records: -1, keptAs: null, reason: 'index without a .log' });
    }
  }
  return [...logBases].sort((a, b) => a - b);
}

/** Segments whose index files are missing or malformed: rebuilt from the .log. */
function findBadIndexes(dir: string, bases: readonly number[], report: RecoveryReport): Set<number> {
  const needsRecovery = new Set<number>();
  for (const base of bases) {
    const indexPath = join(dir, segmentFileName(base, 'index'));
    const timeIndexPath = join(dir, segmentFileName(base, 'timeindex'));
    for (const kind of ['index', 'timeindex'] as const) {
      // Something that is not a file where an index belongs (a directory, say): moved aside, rebuilt.
      const name = segmentFileName(base, kind);
      let isFile = true;
      try {
        isFile = statSync(join(dir, name)).isFile();
      } catch {
        // Missing: handled below.
      }
      if (!isFile) {
        report.actions.push({ action: 'set-aside', file: name, bytes: 0, records: -1, keptAs: setAside(dir, name),
          reason: 'not a regular file; the index is rebuilt from the .log' });
      }
    }
    // A missing index, or an empty time index beside a non-empty .log (a roll always leaves one entry),
    // is rebuilt rather than trusted: lookups by offset or time would silently miss otherwise.
    const timeIndexLost = !existsSync(timeIndexPath) || (fileSize(timeIndexPath) === 0 && fileSize(join(dir, segmentFileName(base,
        'log'))) > 0);
    if (!existsSync(timeIndexPath)) writeFileSync(timeIndexPath, new Uint8Array(0));
    if (timeIndexLost || !existsSync(indexPath) || !lengthIsMultiple(indexPath, OFFSET_INDEX_ENTRY_BYTES)
      || !lengthIsMultiple(timeIndexPath, TIME_INDEX_ENTRY_BYTES)) {
      if (!existsSync(indexPath)) writeFileSync(indexPath, new Uint8Array(0));
      needsRecovery.add(base);
      report.indexesRebuilt.push(base);
      report.actions.push({ action: 'index-rebuilt', file: segmentFileName(base, 'index'), bytes: 0, records: -1, keptAs: null,
        reason: 'index files missing or of a size that is not a whole number of entries' });
    }
  }
  return needsRecovery;
}

/** Sets aside a segment's .log (its indexes, derived data, are removed). */
function setAsideSegment(dir: string, base: number, report: RecoveryReport, reason: string): void {
  const name = segmentFileName(base, 'log');
  const bytes = fileSize(join(dir, name));
  const records = countRecords(join(dir, name), 0, bytes);
  const keptAs = setAside(dir, name);
  for (const kind of INDEX_KINDS) removeFile(join(dir, segmentFileName(base, kind)));
  report.segmentsSetAside.push(base);
  report.actions.push({ action: 'set-aside', file: name, bytes, records, keptAs, reason });
}

export async function loadLog(dir: string, options: SegmentOptions, pool: FilePool, recoveryPoint: number, cleanShutdown: boolean,
    recoverAllSegments = false): Promise<LoadedLog> {
  const report: RecoveryReport = {
    dir,
    cleanShutdown,
    segmentsLoaded: 0,
    recovered: [],
    bytesTruncated: 0,
    recordsTruncated: 0,
    segmentsDeleted: [],
    segmentsSetAside: [],
    indexesRebuilt: [],
    temporaryFiles: [],
    actions: [],
  };
  resolveTemporaryFiles(dir, report);
  const bases = listSegments(dir, report);
  const needsRecovery = findBadIndexes(dir, bases, report);
  // Without a clean shutdown, everything from the segment holding the recovery point is suspect.
  let firstUnflushed = bases.length;
  if (!cleanShutdown) {
    firstUnflushed = 0;
    for (let i = 0; i < bases.length; i++) if ((bases[i] as number) <= recoveryPoint) firstUnflushed = i;
    for (let i = firstUnflushed; i < bases.length; i++) needsRecovery.add(bases[i] as number);
  }
  // Asked to check everything (verify --repair): scan every segment; what counts as flushed is unchanged.
  if (recoverAllSegments) for (const base of bases) needsRecovery.add(base);

  const segments: Segment[] = [];
  // Sealing fsyncs in flight; each settles before the load goes on or fails (none outlives its descriptor).
  const sealing: Promise<void>[] = [];
  let unflushedCut: string | null = null;
  try {
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i] as number;
      const isLast = i === bases.length - 1;
      if (unflushedCut !== null) {
        await settleAll(sealing); // an earlier segment whose fsync failed stops the load before anything moves
        setAsideSegment(dir, base, report, `follows ${unflushedCut}, which lost its unflushed tail`);
        continue;
      }
      let recover = needsRecovery.has(base);
      let segment = Segment.open(dir, base, options, pool, isLast || recover);
      if (!recover) {
        const problem = segment.tailProblem();
        if (problem !== null) {
          recover = true;
          report.indexesRebuilt.push(base);
          report.actions.push({ action: 'index-rebuilt', file: segmentFileName(base, 'log'), bytes: 0, records: -1, keptAs: null,
            reason: problem });
          if (!isLast) {
            segment.close();
            segment = Segment.open(dir, base, options, pool, true);
          }
        }
      }
      if (recover) {
        const name = segmentFileName(base, 'log');
        let kept: { keptAs: string | null; records: number } = { keptAs: null, records: 0 };
        const result = await segment.recover(async (validBytes, fileSizeBytes) => {
          // Nothing is cut while an earlier segment's sealing fsync may still fail: that failure stops the load first.
          await settleAll(sealing);
          kept = keepTail(dir, name, validBytes, fileSizeBytes);
        });
        report.recovered.push({ baseOffset: base, batches: result.batches, producerBatches: result.producerBatches,
          truncatedBytes: result.truncatedBytes,
          reason: result.stopReason });
        if (result.truncatedBytes > 0) {
          report.bytesTruncated += result.truncatedBytes;
          report.recordsTruncated += kept.records;
          // Unflushed: a crash tore it, as Kafka assumes. Otherwise the bytes were durable: damage.
          const unflushed = !cleanShutdown && i >= firstUnflushed && result.nextOffset >= recoveryPoint;
          report.actions.push({ action: 'truncated', file: name, bytes: result.truncatedBytes, records: kept.records, keptAs: kept.keptAs,
            reason: `${result.stopReason ?? 'invalid tail'} at byte ${result.validBytes}${unflushed ? ' (unflushed tail after a crash)'
              : ' (damage in flushed data; later segments are kept)'}` });
          if (unflushed && !isLast) unflushedCut = name;
        }
        if (!isLast && unflushedCut === null) {
          segment.onBecomeInactive();
          // The fsync runs in the thread pool while the next segment is scanned; the writer closes after it.
          const sealed = segment.flush().then(() => segment.releaseWriter());
          sealed.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled first
          sealing.push(sealed);
        }
      }
      segments.push(segment);
    }
  } catch (error) {
    await Promise.allSettled(sealing);
    throw error;
  }
  await settleAll(sealing);
  // A cut may have made an earlier, now-sealed segment the last one: it becomes active again.
  const last = segments[segments.length - 1];
  if (last !== undefined && unflushedCut !== null) last.reactivate();
  if (report.actions.length > 0) fsyncDirectory(dir);
  report.segmentsLoaded = segments.length;
  return { segments, report };
}
