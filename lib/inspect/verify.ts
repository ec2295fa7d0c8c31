/**
 * `verify`: checks files, partition directories or a whole Kafka log directory and returns every
 * problem found (file, byte position, offset), never stopping at the first:
 *   - the CRC of every batch; framing that is not a batch; a torn tail;
 *   - offsets rising inside a segment and across segments, batches at or above their segment's base;
 *   - `.index` entries at batch boundaries with matching last offsets, `.timeindex` entries rising and
 *     matching batch max timestamps (index-check.ts, one pass over each log);
 *   - `.txnindex` and producer `.snapshot` files well formed;
 *   - checkpoint files readable and consistent with the segments: recovery point, high watermark and
 *     cleaner offset <= log end offset; log start offset <= log end offset.
 * Read-only. Memory: one chunk of the log being scanned plus its index entries.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SeglogError } from '../errors.js';
import {
  CLEANER_OFFSET_CHECKPOINT, INDEX_SUFFIX, LOG_START_OFFSET_CHECKPOINT, LOG_SUFFIX, RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT, TIME_INDEX_SUFFIX,
} from '../segment/file-names.js';
import { readOffsetCheckpoint, type CheckpointEntry } from '../log/checkpoint-file.js';
import { OffsetIndexCheck, TimeIndexCheck } from './index-check.js';
import { readOffsetIndex, readProducerSnapshot, readTimeIndex, readTxnIndex, type IndexFile } from './index-files.js';
import { logBytes, readPartitionLayout, scanPath, type PartitionLayout } from './layout-scan.js';
import { ProblemList, formatProblem, type Problem, type ProblemKind } from './problems.js';
import { scanSegment } from './segment-scan.js';
import { dumpFileKind } from './dump.js';
import { checkPartitionFiles } from './partition-files.js';

export interface VerifyOptions {
  chunkBytes?: number;
  onProgress?: ((doneBytes: number, totalBytes: number) => void) | undefined;
}

export interface PartitionVerify {
  dir: string;
  topic: string | null;
  partition: number | null;
  segments: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  batches: number;
}

export interface VerifyReport {
  ok: boolean;
  problems: Problem[];
  /** Problems found, including any beyond the kept list. */
  problemCount: number;
  /** Things worth knowing that are not wrong (no index yet, leftover temporary files, …). */
  notes: string[];
  partitions: PartitionVerify[];
  filesChecked: number;
  bytesChecked: number;
  batchesChecked: number;
}

class Verifier {
  readonly problems = new ProblemList();
  readonly notes: string[] = [];
  readonly partitions: PartitionVerify[] = [];
  filesChecked = 0;
  bytesChecked = 0;
  batchesChecked = 0;
  private doneBytes = 0;
  private totalBytes = 0;
  private readonly options: VerifyOptions;

  constructor(options: VerifyOptions) {
    this.options = options;
  }

  /** Runs `work`, turning a SeglogError into a problem of `kind` (the rest of the walk goes on). */
  guard<T>(kind: ProblemKind, fallbackPath: string, work: () => T): T | null {
    try {
      return work();
    } catch (error) {
      if (!(error instanceof SeglogError)) throw error;
      this.problems.add(kind, error.path ?? fallbackPath, `${error.code}: ${error.message}`, error.positionBytes ?? null,
          error.offset ?? null);
      return null;
    }
  }

  addTotal(bytes: number): void {
    this.totalBytes += bytes;
  }

  private progress(): ((done: number, total: number) => void) | undefined {
    const onProgress = this.options.onProgress;
    if (onProgress === undefined) return undefined;
    const before = this.doneBytes;
    return (done) => onProgress(before + done, Math.max(this.totalBytes, before + done));
  }

  /** An active segment's index that is all preallocated zeros holds no entry yet: a note, not a mismatch at slot 0. */
  private usedEntries<E>(index: IndexFile<E>, active: boolean): IndexFile<E> {
    if (!active || !index.preallocatedEmpty) return index;
    this.notes.push(`${index.path}: preallocated (${index.fileSizeBytes} zero bytes), no entry written yet (the active segment's index)`);
    return { ...index, entries: [] };
  }

  /** `active`: the last segment of its partition (or a file on its own), whose indexes may be preallocated. */
  verifyLogFile(logPath: string, indexPath: string | null, timeIndexPath: string | null, previousLastOffset: number, active = true) {
    const problems = this.problems;
    const offsetIndex = indexPath === null ? null : this.guard('index-length', indexPath,
        () => new OffsetIndexCheck(this.usedEntries(readOffsetIndex(indexPath), active), problems));
    const timeIndex = timeIndexPath === null ? null : this.guard('index-length', timeIndexPath,
        () => new TimeIndexCheck(this.usedEntries(readTimeIndex(timeIndexPath), active), problems));
    this.filesChecked += 1 + (offsetIndex === null ? 0 : 1) + (timeIndex === null ? 0 : 1);
    const scan = this.guard('unreadable', logPath, () => scanSegment(logPath, {
      problems, offsetIndex: offsetIndex ?? undefined, timeIndex: timeIndex ?? undefined, previousLastOffset,
      ...(this.options.chunkBytes === undefined ? {} : { chunkBytes: this.options.chunkBytes }), onProgress: this.progress(),
    }));
    if (scan !== null) {
      this.doneBytes += scan.fileSizeBytes;
      this.bytesChecked += scan.validBytes + scan.trailingBytes;
      this.batchesChecked += scan.batches;
    }
    return scan;
  }

  verifyTxnIndex(path: string, baseOffset: number): void {
    this.filesChecked++;
    const index = this.guard('txn-index', path, () => readTxnIndex(path));
    if (index === null) return;
    let previous = -1;
    index.entries.forEach((entry, slot) => {
      const at = slot * 34;
      if (entry.version !== 0) this.problems.add('txn-index', path, `entry ${slot} has version ${entry.version}`, at, entry.lastOffset);
      if (entry.lastOffset < baseOffset) this.problems.add('txn-index', path,
          `entry ${slot} last offset is below the segment base ${baseOffset}`, at, entry.lastOffset);
      if (entry.lastOffset <= previous) this.problems.add('txn-index', path, `entry ${slot} last offset does not rise above ${previous}`,
          at, entry.lastOffset);
      if (entry.firstOffset > entry.lastOffset) this.problems.add('txn-index', path,
          `entry ${slot} first offset ${entry.firstOffset} is above its last`, at, entry.lastOffset);
      previous = entry.lastOffset;
    });
  }

  verifyPartition(layout: PartitionLayout): PartitionVerify {
    let previousLastOffset = -1;
    let logEndOffset = layout.segments[0]?.baseOffset ?? 0;
    let sizeBytes = 0;
    let batches = 0;
    for (const temporary of layout.temporaryPaths) this.notes.push(`${temporary}: leftover temporary file (the Log resolves it on open)`);
    for (const orphan of layout.orphanPaths) this.notes.push(`${orphan}: index file without its .log`);
    for (const segment of layout.segments) {
      if (segment.baseOffset <= previousLastOffset) {
        this.problems.add('segment-base', segment.logPath,
            `segment base offset is not above the previous segment's last offset ${previousLastOffset}`, null, segment.baseOffset);
      }
      if (segment.indexPath === null) this.notes.push(`${segment.logPath}: no .index (Kafka and the Log rebuild it)`);
      const active = segment === layout.segments[layout.segments.length - 1];
      const scan = this.verifyLogFile(segment.logPath, segment.indexPath, segment.timeIndexPath, previousLastOffset, active);
      if (segment.txnIndexPath !== null) this.verifyTxnIndex(segment.txnIndexPath, segment.baseOffset);
      if (scan === null) continue;
      sizeBytes += scan.fileSizeBytes;
      batches += scan.batches;
      if (scan.lastOffset >= 0) previousLastOffset = scan.lastOffset;
      logEndOffset = scan.lastOffset >= 0 ? scan.lastOffset + 1 : Math.max(segment.baseOffset, logEndOffset);
    }
    this.acceptTornTailPastRecoveryPoint(layout, logEndOffset);
    this.verifySideFiles([join(layout.dir, 'leader-epoch-checkpoint'), join(layout.dir, 'partition.metadata')], logEndOffset);
    for (const snapshot of layout.kraftSnapshotPaths) this.verifyLogFile(snapshot, null, null, -1, false);
    for (const snapshot of layout.snapshotPaths) {
      this.filesChecked++;
      this.guard('snapshot', snapshot, () => readProducerSnapshot(snapshot));
    }
    const result: PartitionVerify = {
      dir: layout.dir, topic: layout.topicPartition?.topic ?? null, partition: layout.topicPartition?.partition ?? null,
      segments: layout.segments.length, logStartOffset: layout.segments[0]?.baseOffset ?? 0, logEndOffset, sizeBytes, batches,
    };
    this.partitions.push(result);
    // seglog keeps a Log's checkpoints inside its own directory.
    this.verifyCheckpoints(layout.dir, [result], true);
    return result;
  }

  /** Kafka's side files of a partition or log directory (leader epochs, topic id, meta.properties), where present. */
  verifySideFiles(paths: readonly string[], logEndOffset: number | null): void {
    const present = paths.filter((path) => existsSync(path));
    this.filesChecked += present.length;
    for (const found of checkPartitionFiles(present, logEndOffset)) this.problems.add('partition-file', found.path, found.message);
  }

  /**
   * A torn tail at the end of the last segment, past the recovery point, is what a writer killed
   * mid-append leaves (Kafka's and seglog's recovery cut it): a note, not a problem. The recovery
   * point comes from the partition's own checkpoint (seglog's layout) or the log directory's
   * (Kafka's); with neither, recovery starts at 0, so any such tail is past it.
   */
  private acceptTornTailPastRecoveryPoint(layout: PartitionLayout, logEndOffset: number): void {
    const last = layout.segments[layout.segments.length - 1];
    if (last === undefined) return;
    const recoveryPoint = recoveryPointOf(layout);
    if (logEndOffset < recoveryPoint) return;
    const torn = this.problems.take('torn-tail', last.logPath);
    for (const problem of torn) {
      const why = `past the recovery point ${recoveryPoint}: what a crashed writer leaves; recovery cuts it`;
      this.notes.push(`${formatProblem(problem)} — ${why}`);
    }
    if (torn.length === 0) return;
    // The same crash can leave index entries for the batches it tore (index and log pages reach the
    // disk in any order without an fsync): entries at or past the log end; recovery rebuilds them.
    for (const indexPath of [last.indexPath, last.timeIndexPath]) {
      if (indexPath === null) continue;
      for (const kind of ['index-mismatch', 'time-index-offset'] as const) {
        for (const problem of this.problems.take(kind, indexPath)) {
          if (problem.offset !== null && problem.offset >= logEndOffset) {
            this.notes.push(`${formatProblem(problem)} — an entry for the torn tail: recovery rebuilds this index`);
          } else {
            this.problems.add(problem.kind, problem.path, problem.message, problem.positionBytes, problem.offset);
          }
        }
      }
    }
  }

  verifyCheckpoints(dir: string, partitions: readonly PartitionVerify[], ownDir: boolean): void {
    const checks: Array<[string, string, (p: PartitionVerify, offset: number) => string | null]> = [
      [RECOVERY_POINT_CHECKPOINT, 'recovery point', (p,
          o) => (o > p.logEndOffset ? `is beyond the log end offset ${p.logEndOffset}` : null)],
      [LOG_START_OFFSET_CHECKPOINT, 'log start offset', (p,
          o) => (o > p.logEndOffset ? `is beyond the log end offset ${p.logEndOffset}` : null)],
      [REPLICATION_OFFSET_CHECKPOINT, 'high watermark', (p,
          o) => (o > p.logEndOffset ? `is beyond the log end offset ${p.logEndOffset}` : null)],
      [CLEANER_OFFSET_CHECKPOINT, 'cleaner offset', (p,
          o) => (o > p.logEndOffset ? `is beyond the log end offset ${p.logEndOffset}` : null)],
    ];
    for (const [name, what, check] of checks) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      this.filesChecked++;
      const entries = this.guard('checkpoint', path, () => readOffsetCheckpoint(path));
      if (entries === null) continue;
      for (const [entry, partition, line] of this.matchEntries(path, entries, partitions, ownDir)) {
        const why = entry.offset < 0 ? 'is negative' : check(partition, entry.offset);
        if (why !== null) this.problems.add('checkpoint', path, `line ${line}: ${what} of ${entry.topic}-${entry.partition} ${why}`, null,
            entry.offset);
      }
    }
  }

  /**
   * Which checkpoint entry concerns which partition. In a log directory: by topic and partition. In a
   * partition directory (seglog's own layout): the entry naming it, else the first — as the Log reads it.
   */
  private matchEntries(path: string, entries: readonly CheckpointEntry[], partitions: readonly PartitionVerify[], ownDir: boolean) {
    const matched: Array<[CheckpointEntry, PartitionVerify, number]> = [];
    if (ownDir) {
      const partition = partitions[0];
      if (partition === undefined) return matched;
      const at = entries.findIndex((e) => e.topic === partition.topic && e.partition === partition.partition);
      const index = at >= 0 ? at : 0;
      const entry = entries[index];
      if (entry !== undefined) matched.push([entry, partition, index + 3]);
      return matched;
    }
    let missing = 0;
    entries.forEach((entry, i) => {
      const partition = partitions.find((p) => p.topic === entry.topic && p.partition === entry.partition);
      if (partition === undefined) missing++;
      else matched.push([entry, partition, i + 3]);
    });
    if (missing > 0) {
      this.notes.push(`${path}: ${missing} of ${entries.length} entries name partitions with no directory here (not checked)`);
    }
    return matched;
  }

  verifyFile(path: string): void {
    const kind = dumpFileKind(path);
    if (kind === 'log') {
      const sibling = (suffix: string): string | null => {
        if (!path.endsWith(LOG_SUFFIX)) return null; // a KRaft snapshot has no indexes
        const candidate = path.slice(0, -LOG_SUFFIX.length) + suffix;
        return existsSync(candidate) ? candidate : null;
      };
      this.verifyLogFile(path, sibling(INDEX_SUFFIX), sibling(TIME_INDEX_SUFFIX), -1);
    } else if (kind === 'index' || kind === 'timeindex') {
      const logPath = path.slice(0, path.lastIndexOf('.')) + LOG_SUFFIX;
      if (!existsSync(logPath)) {
        this.filesChecked++;
        this.guard('index-length', path, () => (kind === 'index' ? readOffsetIndex(path) : readTimeIndex(path)));
        this.notes.push(`${path}: no ${logPath} beside it, entries checked on their own only`);
        return;
      }
      this.verifyLogFile(logPath, kind === 'index' ? path : null, kind === 'timeindex' ? path : null, -1);
    } else if (kind === 'txnindex') {
      this.verifyTxnIndex(path, Number(/^(\d+)\./.exec(path.split('/').pop() ?? '')?.[1] ?? 0));
    } else if (kind === 'snapshot') {
      this.filesChecked++;
      this.guard('snapshot', path, () => readProducerSnapshot(path));
    } else if (path.endsWith('-checkpoint')) {
      this.verifyCheckpointFileAlone(path);
    } else {
      this.problems.add('not-a-log', path, 'not a segment, index, snapshot or checkpoint file');
    }
  }

  private verifyCheckpointFileAlone(path: string): void {
    const dir = dirname(path);
    const layout = scanPath(dir);
    if (layout.kind === 'log-dir') {
      const parts = layout.partitions.map((p) => this.verifyPartition(p));
      this.verifyCheckpoints(dir, parts, false);
    } else {
      this.filesChecked++;
      this.guard('checkpoint', path, () => readOffsetCheckpoint(path) as CheckpointEntry[]);
    }
  }

  verifyPath(path: string): void {
    const layout = this.guard('unreadable', path, () => scanPath(path));
    if (layout === null) return;
    if (layout.kind === 'file') {
      this.verifyFile(path);
    } else if (layout.kind === 'partition') {
      this.addTotal(logBytes([layout.partition]));
      this.verifyPartition(layout.partition);
    } else if (layout.kind === 'log-dir') {
      this.addTotal(logBytes(layout.partitions));
      const parts = layout.partitions.map((p) => this.verifyPartition(p));
      this.verifyCheckpoints(layout.dir, parts, false);
      this.verifySideFiles([join(layout.dir, 'meta.properties')], null);
    } else {
      this.problems.add('not-a-log', path, 'no segments and no partition directories: not a Kafka log');
    }
  }
}

/** The recovery point of a partition from its own checkpoint, else its log directory's; 0 when neither names it. */
function recoveryPointOf(layout: PartitionLayout): number {
  const tp = layout.topicPartition;
  for (const dir of [layout.dir, dirname(layout.dir)]) {
    const path = join(dir, RECOVERY_POINT_CHECKPOINT);
    if (!existsSync(path)) continue;
    try {
      const entries = readOffsetCheckpoint(path);
      const own = dir === layout.dir ? entries[0] : undefined;
      const entry = entries.find((e) => tp !== null && tp !== undefined && e.topic === tp.topic && e.partition === tp.partition) ?? own;
      if (entry !== undefined) return entry.offset;
    } catch {
      // An unreadable checkpoint is reported by verifyCheckpoints; recovery would start at 0.
    }
  }
  return 0;
}

/** Verifies each path (file, partition directory or log directory). Throws only on a seglog bug. */
export function verifyPaths(paths: readonly string[], options: VerifyOptions = {}): VerifyReport {
  const verifier = new Verifier(options);
  for (const path of paths) {
    try {
      if (statSync(path).isFile() && dumpFileKind(path) === 'log') verifier.addTotal(statSync(path).size);
    } catch {
      // scanPath reports it.
    }
    verifier.verifyPath(path);
  }
  return {
    ok: verifier.problems.count === 0,
    problems: verifier.problems.items,
    problemCount: verifier.problems.count,
    notes: verifier.notes,
    partitions: verifier.partitions,
    filesChecked: verifier.filesChecked,
    bytesChecked: verifier.bytesChecked,
    batchesChecked: verifier.batchesChecked,
  };
}

/** The partition layout of one directory (for callers that want to verify a single partition). */
export { readPartitionLayout };
