/**
 * Finds what a path holds, without trusting it: a single file, a partition directory (segment files
 * named by base offset), or a Kafka log directory (one `<topic>-<partition>` folder per partition,
 * checkpoint files beside them). Reads directory listings and stats only; never a file's contents.
 * Temporary files (`.cleaned`, `.swap`, `.deleted`) are listed apart: recovery resolves them.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError, ioError, type SeglogError } from '../errors.js';
import { KRAFT_SNAPSHOT_NAME, parsePartitionDirName, parseSegmentFileName, type TopicPartition } from '../segment/file-names.js';

export interface SegmentFiles {
  baseOffset: number;
  logPath: string;
  indexPath: string | null;
  timeIndexPath: string | null;
  txnIndexPath: string | null;
}

export interface PartitionLayout {
  dir: string;
  /** From the directory name, when it is `<topic>-<partition>`. */
  topicPartition: TopicPartition | null;
  /** Sorted by base offset. */
  segments: SegmentFiles[];
  snapshotPaths: string[];
  /** KRaft metadata snapshots (`<offset>-<epoch>.checkpoint`): record batches, verified like a sealed log. */
  kraftSnapshotPaths: string[];
  temporaryPaths: string[];
  /** Index files without a `.log`. */
  orphanPaths: string[];
}

export type PathLayout =
  | { kind: 'file'; path: string }
  | { kind: 'partition'; partition: PartitionLayout }
  | { kind: 'log-dir'; dir: string; partitions: PartitionLayout[] }
  | { kind: 'empty-dir'; dir: string };

function describeStatError(error: unknown, path: string): SeglogError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new StorageError('no such file or directory', { path, cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new StorageError('permission denied', { path, cause: error });
  return ioError(error, 'cannot stat', { path });
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    throw describeStatError(error, dir);
  }
}

export function readPartitionLayout(dir: string, names: readonly string[] = listDir(dir)): PartitionLayout {
  const logs = new Map<number, SegmentFiles>();
  const sideFiles: Array<{ baseOffset: number; kind: string; path: string }> = [];
  const layout: PartitionLayout = {
    dir, topicPartition: parsePartitionDirName(dir.replace(/\/+$/, '').split('/').pop() ?? ''),
    segments: [], snapshotPaths: [], kraftSnapshotPaths: [], temporaryPaths: [], orphanPaths: [],
  };
  for (const name of names) {
    if (KRAFT_SNAPSHOT_NAME.test(name)) layout.kraftSnapshotPaths.push(join(dir, name));
    const parsed = parseSegmentFileName(name);
    if (parsed === null) continue;
    const path = join(dir, name);
    if (parsed.state !== null) layout.temporaryPaths.push(path);
    else if (parsed.kind === 'log') logs.set(parsed.baseOffset, { baseOffset: parsed.baseOffset, logPath: path, indexPath: null,
        timeIndexPath: null, txnIndexPath: null });
    else if (parsed.kind === 'snapshot') layout.snapshotPaths.push(path);
    else sideFiles.push({ baseOffset: parsed.baseOffset, kind: parsed.kind, path });
  }
  for (const side of sideFiles) {
    const segment = logs.get(side.baseOffset);
    if (segment === undefined) layout.orphanPaths.push(side.path);
    else if (side.kind === 'index') segment.indexPath = side.path;
    else if (side.kind === 'timeindex') segment.timeIndexPath = side.path;
    else segment.txnIndexPath = side.path;
  }
  layout.segments = [...logs.values()].sort((a, b) => a.baseOffset - b.baseOffset);
  return layout;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Classifies `path`; a missing or unreadable path is a StorageError naming it. */
export function scanPath(path: string): PathLayout {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw describeStatError(error, path);
  }
  if (!stat.isDirectory()) return { kind: 'file', path };
  const names = listDir(path);
  if (names.some((n) => parseSegmentFileName(n) !== null)) return { kind: 'partition', partition: readPartitionLayout(path, names) };
  const partitions = names
    .filter((n) => parsePartitionDirName(n) !== null && isDirectory(join(path, n)))
    .map((n) => readPartitionLayout(join(path, n)));
  if (partitions.length > 0) return { kind: 'log-dir', dir: path, partitions };
  return { kind: 'empty-dir', dir: path };
}

/** Sum of `.log` sizes (for progress totals); unreadable files count 0. */
export function logBytes(partitions: readonly PartitionLayout[]): number {
  let total = 0;
  for (const p of partitions) {
    for (const s of p.segments) {
      try {
        total += statSync(s.logPath).size;
      } catch {
        // Reported when the scan reaches it.
      }
    }
  }
  return total;
}
