/**
 * Opening a partition directory (Kafka's LogLoader):
 *
 * 1. Leftover temporary files: `*.deleted` are removed; `*.cleaned` mean an interrupted clean (removed,
 *    with every `*.swap` at or above the lowest cleaned base offset); remaining `*.swap` files mean a
 *    swap that had finished writing — the old segments they cover are removed and the swaps renamed
 *    into place. So a crash at any step of compaction opens to the old state or the new, never a mix.
 * 2. Segments are loaded in offset order; index files without a `.log` are removed; a missing or
 *    malformed `.index` marks its segment for recovery; a missing `.timeindex` is created empty.
 * 3. Without a clean-shutdown marker, every segment from the one holding the recovery point to the end
 *    is scanned batch by batch (size, magic, CRC, offsets), cut at the first torn or invalid batch, and
 *    its indexes rebuilt; if a segment lost bytes, all later segments are removed.
 *
 * Everything it did is returned in a RecoveryReport, so callers (and the inspector's --repair) can say.
 */
import { existsSync, readdirSync, statSync, unlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ioError } from '../errors.js';
import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from '../limits.js';
import type { FilePool } from '../segment/file-handle.js';
import { parseSegmentFileName, segmentFileName, type SegmentFileKind } from '../segment/file-names.js';
import { Segment, type SegmentOptions } from '../segment/segment.js';

export interface SegmentRecovery {
  baseOffset: number;
  batches: number;
  truncatedBytes: number;
  reason: string | null;
}

export interface RecoveryReport {
  cleanShutdown: boolean;
  segmentsLoaded: number;
  /** Segments scanned and re-indexed because they were beyond the recovery point or had bad indexes. */
  recovered: SegmentRecovery[];
  bytesTruncated: number;
  /** Base offsets of segments removed because an earlier segment was cut, or the log start moved past them. */
  segmentsDeleted: number[];
  /** Segments whose index files were missing or malformed. */
  indexesRebuilt: number[];
  /** Leftover `.cleaned` / `.swap` / `.deleted` files and what was done with them. */
  temporaryFiles: string[];
}

export interface LoadedLog {
  segments: Segment[];
  report: RecoveryReport;
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot remove file', { path });
  }
}

/** Step 1: resolve `.deleted`, `.cleaned` and `.swap` leftovers. */
function resolveTemporaryFiles(dir: string, options: SegmentOptions, pool: FilePool, report: RecoveryReport): void {
  const names = readdirSync(dir);
  let minCleanedBase = Number.POSITIVE_INFINITY;
  const swaps: { name: string; baseOffset: number; kind: SegmentFileKind }[] = [];
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed === null || parsed.state === null) continue;
    if (parsed.state === 'deleted') {
      removeFile(join(dir, name));
      report.temporaryFiles.push(`${name}: removed (retired segment)`);
    } else if (parsed.state === 'cleaned') {
      minCleanedBase = Math.min(minCleanedBase, parsed.baseOffset);
      removeFile(join(dir, name));
      report.temporaryFiles.push(`${name}: removed (interrupted clean)`);
    } else {
      swaps.push({ name, baseOffset: parsed.baseOffset, kind: parsed.kind });
    }
  }
  const completed = swaps.filter((s) => {
    if (s.baseOffset < minCleanedBase) return true;
    removeFile(join(dir, s.name));
    report.temporaryFiles.push(`${s.name}: removed (swap of an interrupted clean)`);
    return false;
  });
  const swapLogs = completed.filter((s) => s.kind === 'log');
  if (swapLogs.length === 0) {
    // Index swaps without their log cannot be completed; they are rebuilt from the log instead.
    for (const s of completed) {
      removeFile(join(dir, s.name));
      report.temporaryFiles.push(`${s.name}: removed (no matching .log.swap)`);
    }
    return;
  }
  // The range the finished swaps cover: old segments inside it were replaced but not yet retired.
  let rangeStart = Number.POSITIVE_INFINITY;
  let rangeEnd = Number.NEGATIVE_INFINITY;
  for (const s of swapLogs) {
    const swap = Segment.open(dir, s.baseOffset, options, pool, false, 'swap');
    rangeStart = Math.min(rangeStart, s.baseOffset);
    rangeEnd = Math.max(rangeEnd, swap.nextOffset());
    swap.close();
    swap.file.retire();
  }
  for (const name of readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (parsed === null || parsed.state !== null || parsed.kind === 'snapshot') continue;
    if (parsed.baseOffset >= rangeStart && parsed.baseOffset < rangeEnd) {
      removeFile(join(dir, name));
      report.temporaryFiles.push(`${name}: removed (replaced by a completed swap)`);
    }
  }
  for (const s of completed) {
    const finalName = segmentFileName(s.baseOffset, s.kind);
    try {
      renameSync(join(dir, s.name), join(dir, finalName));
    } catch (error) {
      throw ioError(error, 'cannot complete swap', { path: join(dir, s.name) });
    }
    report.temporaryFiles.push(`${s.name}: renamed to ${finalName} (completed swap)`);
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

export function loadLog(dir: string, options: SegmentOptions, pool: FilePool, recoveryPoint: number, cleanShutdown: boolean): LoadedLog {
  const report: RecoveryReport = {
    cleanShutdown,
    segmentsLoaded: 0,
    recovered: [],
    bytesTruncated: 0,
    segmentsDeleted: [],
    indexesRebuilt: [],
    temporaryFiles: [],
  };
  resolveTemporaryFiles(dir, options, pool, report);

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
    }
  }

  const bases = [...logBases].sort((a, b) => a - b);
  const needsRecovery = new Set<number>();
  for (const base of bases) {
    const indexPath = join(dir, segmentFileName(base, 'index'));
    const timeIndexPath = join(dir, segmentFileName(base, 'timeindex'));
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
    }
  }
  // Without a clean shutdown, everything from the segment holding the recovery point is suspect.
  if (!cleanShutdown) {
    let from = 0;
    for (let i = 0; i < bases.length; i++) if ((bases[i] as number) <= recoveryPoint) from = i;
    for (let i = from; i < bases.length; i++) needsRecovery.add(bases[i] as number);
  }

  const segments: Segment[] = [];
  let cut = false;
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i] as number;
    const isLast = i === bases.length - 1;
    if (cut) {
      // An earlier segment lost bytes: what follows it cannot be trusted to be contiguous.
      for (const kind of ['log', 'index', 'timeindex', 'txnindex'] as const) removeFile(join(dir, segmentFileName(base, kind)));
      report.segmentsDeleted.push(base);
      continue;
    }
    const recover = needsRecovery.has(base);
    const segment = Segment.open(dir, base, options, pool, isLast || recover);
    if (recover) {
      const result = segment.recover();
      report.recovered.push({ baseOffset: base, batches: result.batches, truncatedBytes: result.truncatedBytes,
        reason: result.stopReason });
      report.bytesTruncated += result.truncatedBytes;
      if (result.truncatedBytes > 0) cut = true;
      if (!isLast && !cut) {
        segment.onBecomeInactive();
        segment.flushSync();
        segment.releaseWriter();
      }
    }
    segments.push(segment);
  }
  // A cut may have made an earlier, now-sealed segment the last one: it becomes active again.
  const last = segments[segments.length - 1];
  if (last !== undefined && cut) last.reactivate();
  report.segmentsLoaded = segments.length;
  return { segments, report };
}
