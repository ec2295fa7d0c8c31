/**
 * The small text files beside the segments, read and checked for `dump` and `verify`:
 *
 *   leader-epoch-checkpoint   "0" | count | "<epoch> <startOffset>" per line (epochs rising, offsets not falling)
 *   partition.metadata        "version: 0" | "topic_id: <URL-safe base64 of 16 bytes>"
 *   *-offset-checkpoint       Kafka's offset-checkpoint format (lib/log/checkpoint-file.ts), at the data-dir root
 *   meta.properties           Java properties; version 0 needs broker.id, version 1 node.id and cluster.id
 *   quorum-state              the KRaft quorum's JSON (leader, epoch, voters) in `__cluster_metadata-0`
 *
 * A file that cannot be parsed is a CorruptCheckpointError naming the path and the line; a file
 * that parses but breaks a rule Kafka relies on comes back with `problems` (one line each), so a
 * dump still shows what is there. Nothing here writes.
 */
import { basename } from 'node:path';
import { CorruptCheckpointError } from '../errors.js';
import { parseOffsetCheckpoint, type CheckpointEntry } from '../log/checkpoint-file.js';
import {
  CLEANER_OFFSET_CHECKPOINT, LEADER_EPOCH_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, PARTITION_METADATA,
  RECOVERY_POINT_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT,
} from '../segment/file-names.js';
import { readSmallFile } from './index-files.js';

const META_PROPERTIES_FILE = 'meta.properties';
const QUORUM_STATE_FILE = 'quorum-state';
const UUID_BYTES = 16;
const OFFSET_CHECKPOINTS: ReadonlySet<string> = new Set([
  RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT, CLEANER_OFFSET_CHECKPOINT,
]);

export type PartitionFileKind = 'leader-epoch-checkpoint' | 'partition-metadata' | 'offset-checkpoint' | 'meta-properties' | 'quorum-state';

/** Which side file a path is, by its name; null for anything else. */
export function partitionFileKind(path: string): PartitionFileKind | null {
  const name = basename(path);
  if (name === LEADER_EPOCH_CHECKPOINT) return 'leader-epoch-checkpoint';
  if (name === PARTITION_METADATA) return 'partition-metadata';
  if (OFFSET_CHECKPOINTS.has(name)) return 'offset-checkpoint';
  if (name === META_PROPERTIES_FILE) return 'meta-properties';
  if (name === QUORUM_STATE_FILE) return 'quorum-state';
  return null;
}

export interface LeaderEpochEntry {
  epoch: number;
  startOffset: number;
}

export interface PartitionFileDump {
  kind: PartitionFileKind;
  path: string;
  /** leader-epoch-checkpoint, offset-checkpoint: the entries in file order. */
  entries?: LeaderEpochEntry[] | CheckpointEntry[];
  /** partition.metadata, meta.properties, quorum-state: the fields in file order. */
  fields?: Record<string, string | number | null | number[]>;
  problems: string[];
}

function textOf(path: string): string {
  return readSmallFile(path).toString('utf8');
}

function lines(text: string): string[] {
  const all = text.split(/\r?\n/);
  if (all[all.length - 1] === '') all.pop();
  return all;
}

function integer(text: string | undefined, path: string, what: string): number {
  const value = text !== undefined && /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value)) throw new CorruptCheckpointError(`${what} is not an integer: ${JSON.stringify(text ?? '')}`, { path });
  return value;
}

export function readLeaderEpochCheckpoint(path: string): PartitionFileDump {
  const all = lines(textOf(path));
  const problems: string[] = [];
  const entries: LeaderEpochEntry[] = [];
  if (all.length === 0) return { kind: 'leader-epoch-checkpoint', path, entries, problems };
  const version = integer(all[0], path, 'line 1 (version)');
  if (version !== 0) throw new CorruptCheckpointError(`unsupported leader-epoch-checkpoint version ${version} (expected 0)`, { path });
  const count = integer(all[1], path, 'line 2 (entry count)');
  for (let i = 2; i < all.length; i++) {
    const parts = all[i]!.trim().split(/\s+/);
    if (parts.length !== 2) throw new CorruptCheckpointError(`malformed line ${i + 1}: ${JSON.stringify(all[i])}`, { path });
    const entry = {
      epoch: integer(parts[0], path, `line ${i + 1} epoch`), startOffset: integer(parts[1], path, `line ${i + 1} start offset`),
    };
    const previous = entries[entries.length - 1];
    if (entry.epoch < 0 || entry.startOffset < 0) problems.push(`line ${i + 1}: negative epoch or start offset`);
    if (previous !== undefined && entry.epoch <= previous.epoch) {
      problems.push(`line ${i + 1}: epoch ${entry.epoch} does not rise above ${previous.epoch}`);
    }
    if (previous !== undefined && entry.startOffset < previous.startOffset) {
      problems.push(`line ${i + 1}: start offset ${entry.startOffset} falls below ${previous.startOffset}`);
    }
    entries.push(entry);
  }
  if (entries.length !== count) throw new CorruptCheckpointError(`expected ${count} entries, found ${entries.length}`, { path });
  return { kind: 'leader-epoch-checkpoint', path, entries, problems };
}

export function readPartitionMetadata(path: string): PartitionFileDump {
  const fields: Record<string, string | number> = {};
  for (const [i, line] of lines(textOf(path)).entries()) {
    const colon = line.indexOf(':');
    if (colon === -1) throw new CorruptCheckpointError(`malformed line ${i + 1}: ${JSON.stringify(line)}`, { path });
    fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  const problems: string[] = [];
  if (fields['version'] !== '0') problems.push(`version ${JSON.stringify(fields['version'] ?? null)} (expected 0)`);
  const topicId = fields['topic_id'];
  if (typeof topicId !== 'string') problems.push('no topic_id');
  else if (!/^[A-Za-z0-9_-]{22}$/.test(topicId) || Buffer.from(topicId, 'base64url').length !== UUID_BYTES) {
    problems.push(`topic_id ${JSON.stringify(topicId)} is not a base64 UUID`);
  }
  if (fields['version'] !== undefined && /^\d+$/.test(String(fields['version']))) fields['version'] = Number(fields['version']);
  return { kind: 'partition-metadata', path, fields, problems };
}

function readOffsetCheckpointFile(path: string): PartitionFileDump {
  return { kind: 'offset-checkpoint', path, entries: parseOffsetCheckpoint(textOf(path), path), problems: [] };
}

export function readMetaProperties(path: string): PartitionFileDump {
  const fields: Record<string, string> = {};
  for (const [i, line] of lines(textOf(path)).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const eq = trimmed.search(/[=:]/);
    if (eq === -1) throw new CorruptCheckpointError(`malformed line ${i + 1}: ${JSON.stringify(line)}`, { path });
    fields[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  const problems: string[] = [];
  const version = fields['version'];
  if (version === '0') {
    if (fields['broker.id'] === undefined) problems.push('version 0 without broker.id');
  } else if (version === '1') {
    if (fields['node.id'] === undefined) problems.push('version 1 without node.id');
    if (fields['cluster.id'] === undefined) problems.push('version 1 without cluster.id');
  } else problems.push(`version ${JSON.stringify(version ?? null)} (expected 0 or 1)`);
  for (const key of ['node.id', 'broker.id']) {
    const value = fields[key];
    if (value !== undefined && !/^\d+$/.test(value)) problems.push(`${key} ${JSON.stringify(value)} is not a non-negative integer`);
  }
  return { kind: 'meta-properties', path, fields, problems };
}

export function readQuorumState(path: string): PartitionFileDump {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textOf(path));
  } catch (error) {
    throw new CorruptCheckpointError(`quorum-state is not JSON: ${(error as Error).message}`, { path });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CorruptCheckpointError('quorum-state is not a JSON object', { path });
  }
  const fields: Record<string, string | number | null | number[]> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === 'currentVoters' && Array.isArray(value)) {
      fields[key] = value.map((v: unknown) => (typeof v === 'object' && v !== null ? Number((v as Record<string, unknown>)['voterId'])
        : NaN));
    } else if (typeof value === 'number' || typeof value === 'string' || value === null) fields[key] = value;
    else fields[key] = JSON.stringify(value);
  }
  for (const key of ['leaderEpoch', 'leaderId', 'votedId']) {
    if (fields[key] !== undefined && !Number.isSafeInteger(fields[key])) problems.push(`${key} is not an integer`);
  }
  return { kind: 'quorum-state', path, fields, problems };
}

/** Reads and checks the side file at `path` by its name; null for a name that is not one. */
export function readPartitionFile(path: string): PartitionFileDump | null {
  switch (partitionFileKind(path)) {
    case 'leader-epoch-checkpoint': return readLeaderEpochCheckpoint(path);
    case 'partition-metadata': return readPartitionMetadata(path);
    case 'offset-checkpoint': return readOffsetCheckpointFile(path);
    case 'meta-properties': return readMetaProperties(path);
    case 'quorum-state': return readQuorumState(path);
    case null: return null;
  }
}

export interface PartitionFileProblem {
  path: string;
  message: string;
}

/**
 * For `verify`: the side files' problems (unparseable files included, as one line), with the log's
 * end offset when known — a leader epoch cannot start beyond it. Each item names its path.
 */
export function checkPartitionFiles(paths: readonly string[], logEndOffset: number | null = null): PartitionFileProblem[] {
  const found: PartitionFileProblem[] = [];
  for (const path of paths) {
    let dump: PartitionFileDump | null;
    try {
      dump = readPartitionFile(path);
    } catch (error) {
      if (!(error instanceof CorruptCheckpointError)) throw error;
      found.push({ path, message: error.message });
      continue;
    }
    if (dump === null) continue;
    for (const message of dump.problems) found.push({ path, message });
    if (dump.kind === 'leader-epoch-checkpoint' && logEndOffset !== null) {
      for (const e of dump.entries as LeaderEpochEntry[]) {
        if (e.startOffset <= logEndOffset) continue;
        found.push({ path, message: `epoch ${e.epoch} starts at ${e.startOffset}, beyond the log end offset ${logEndOffset}` });
      }
    }
  }
  return found;
}
