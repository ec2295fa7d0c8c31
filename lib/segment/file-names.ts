/**
 * The only place that knows Kafka's file names. A segment is named by its base offset as a
 * 20-digit zero-padded decimal; temporary states append a second suffix (`.cleaned` while being
 * written, `.swap` when ready to replace, `.deleted` when retired). Partition directories are
 * `<topic>-<partition>`, split on the last `-`.
 */

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
/**
 * A KRaft metadata snapshot, `<20-digit end offset>-<10-digit epoch>.checkpoint` in `__cluster_metadata-0`:
 * record batches like a `.log` (SnapshotHeader and SnapshotFooter control records around the data).
 */
export const KRAFT_SNAPSHOT_NAME = /^\d{20}-\d{10}\.checkpoint$/;
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const DELETED_SUFFIX = '.deleted';

export const LOCK_FILE = '.lock';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const PARTITION_METADATA = 'partition.metadata';

export type SegmentFileKind = 'log' | 'index' | 'timeindex' | 'txnindex' | 'snapshot';
export type TemporaryState = 'cleaned' | 'swap' | 'deleted' | null;

export interface ParsedFileName {
  baseOffset: number;
  kind: SegmentFileKind;
  state: TemporaryState;
}

const KIND_BY_SUFFIX: Record<string, SegmentFileKind> = {
  [LOG_SUFFIX]: 'log',
  [INDEX_SUFFIX]: 'index',
  [TIME_INDEX_SUFFIX]: 'timeindex',
  [TXN_INDEX_SUFFIX]: 'txnindex',
  [SNAPSHOT_SUFFIX]: 'snapshot',
};
const STATE_BY_SUFFIX: Record<string, TemporaryState> = {
  [CLEANED_SUFFIX]: 'cleaned',
  [SWAP_SUFFIX]: 'swap',
  [DELETED_SUFFIX]: 'deleted',
};
const SEGMENT_FILE_RE = /^(\d{20})(\.[a-z]+)(\.[a-z]+)?$/;

/** `00000000000000001234` for 1234. */
export function formatBaseOffset(offset: number): string {
  return String(offset).padStart(20, '0');
}

export function segmentFileName(baseOffset: number, kind: SegmentFileKind, state: TemporaryState = null): string {
  const suffix = `.${kind}`;
  return formatBaseOffset(baseOffset) + suffix + (state === null ? '' : `.${state}`);
}

/** Parses a segment-family file name; null for anything else (checkpoints, partition.metadata, …). */
export function parseSegmentFileName(name: string): ParsedFileName | null {
  const match = SEGMENT_FILE_RE.exec(name);
  if (match === null) return null;
  const kind = KIND_BY_SUFFIX[match[2] as string];
  if (kind === undefined) return null;
  const stateSuffix = match[3];
  let state: TemporaryState = null;
  if (stateSuffix !== undefined) {
    const parsed = STATE_BY_SUFFIX[stateSuffix];
    if (parsed === undefined) return null;
    state = parsed;
  }
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind, state };
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `<topic>-<partition>` → its parts; null for names that are not a partition directory. */
export function parsePartitionDirName(name: string): TopicPartition | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0 || dash === name.length - 1) return null;
  const partText = name.slice(dash + 1);
  if (!/^\d+$/.test(partText)) return null;
  const partition = Number(partText);
  if (!Number.isSafeInteger(partition) || partition > 2_147_483_647) return null;
  return { topic: name.slice(0, dash), partition };
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
