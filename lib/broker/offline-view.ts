/**
 * A stopped data directory seen read-only, for the operator's commands (`seglog topics|groups|configs
 * --data DIR`): its topics with each partition's log start, high watermark, log end and size on disk,
 * its topic configs, and the consumer groups found in `__consumer_offsets` (membership records and
 * committed offsets, Kafka's partitions first, then seglog's own, as Broker.open replays them).
 *
 * Nothing is written and no lock is taken: the directory may belong to a broker that is not running
 * (seglog's or Kafka's). The log end is where the last whole batch of the newest segment ends, found
 * with the shared batch walker (a torn tail of a crashed writer is not counted, as recovery would cut
 * it); CRCs are not checked here, that is `seglog verify`'s job.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchWalker,
  CURRENT_MAGIC,
  InvalidArgumentError,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  LOG_START_OFFSET_CHECKPOINT,
  LOG_SUFFIX,
  REPLICATION_OFFSET_CHECKPOINT,
  checkpointKey,
  partitionDirName,
  validateLogConfig,
  type LogConfig,
} from '../index.js';
import { planDataDirectory } from './data-directory.js';
import type { StoredGroup } from './group-metadata-record.js';
import { offsetMapKey, OFFSETS_TOPIC, type CommittedOffset } from './offset-store.js';
import { readOffsetsTopicFiles } from './offsets-topic-reader.js';

export interface OfflinePartitionView {
  topic: string;
  partition: number;
  logStartOffset: number;
  /** From replication-offset-checkpoint; the log end when the checkpoint has no entry. */
  highWatermark: number;
  logEndOffset: number;
  sizeBytes: number;
  segments: number;
}

export interface OfflineTopicView {
  name: string;
  partitions: OfflinePartitionView[];
  /** The topic's own overrides (topics.json), Kafka's dotted names are the caller's concern. */
  overrides: Partial<LogConfig>;
  effective: LogConfig;
  /** Found on disk but not listed in topics.json (a Kafka directory's topics). */
  adopted: boolean;
}

export interface OfflineGroupView {
  groupId: string;
  /** The last membership record (null: none, or deleted). */
  stored: StoredGroup | null;
  offsets: { topic: string; partition: number; committed: CommittedOffset }[];
}

export interface OfflineDirectoryView {
  topics: OfflineTopicView[];
  groups: OfflineGroupView[];
  /** Records of `__consumer_offsets` that did not decode (skipped, as Kafka's loader does). */
  recordsSkipped: number;
}

/** Reads `dataDir` without writing to it. */
export function readOfflineDirectory(dataDir: string): OfflineDirectoryView {
  const plan = planDataDirectory(dataDir);
  // A broker would create it; a reader given a path that is not there was given the wrong path.
  if (!plan.exists) throw new InvalidArgumentError('data directory does not exist', { path: dataDir });
  const logStart = new Map(plan.checkpoints[LOG_START_OFFSET_CHECKPOINT].map((e) => [checkpointKey(e.topic, e.partition), e.offset]));
  const highWatermarks = new Map(plan.checkpoints[REPLICATION_OFFSET_CHECKPOINT].map((e) => [checkpointKey(e.topic, e.partition),
    e.offset]));
  const topics: OfflineTopicView[] = [];
  for (const t of plan.topics) {
    const partitions: OfflinePartitionView[] = [];
    for (let p = 0; p < t.partitions; p++) {
      const view = readPartition(join(dataDir, partitionDirName(t.name, p)), t.name, p);
      const key = checkpointKey(t.name, p);
      view.logStartOffset = Math.max(view.logStartOffset, logStart.get(key) ?? 0);
      view.highWatermark = Math.min(highWatermarks.get(key) ?? view.logEndOffset, view.logEndOffset);
      partitions.push(view);
    }
    topics.push({ name: t.name, partitions, overrides: { ...t.config }, effective: validateLogConfig(t.config), adopted: t.adopted });
  }
  const own = plan.topics.some((t) => t.name === OFFSETS_TOPIC) ? [join(dataDir, partitionDirName(OFFSETS_TOPIC, 0))] : [];
  const { groups, recordsSkipped } = readGroups([...plan.foreignOffsetDirs, ...own]);
  return { topics, groups, recordsSkipped };
}

function readPartition(dir: string, topic: string, partition: number): OfflinePartitionView {
  const view: OfflinePartitionView = { topic, partition, logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0, segments: 0 };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return view;
  }
  const segments = names.filter((n) => n.endsWith(LOG_SUFFIX)).sort();
  for (const name of names) {
    try {
      view.sizeBytes += statSync(join(dir, name)).size;
    } catch {
      // A file removed meanwhile (the directory is not ours): not counted.
    }
  }
  view.segments = segments.length;
  if (segments.length === 0) return view;
  view.logStartOffset = Number(segments[0]!.slice(0, -LOG_SUFFIX.length));
  // The newest non-empty segment holds the log end; an empty active segment's base offset is the end.
  for (let i = segments.length - 1; i >= 0; i--) {
    const base = Number(segments[i]!.slice(0, -LOG_SUFFIX.length));
    const end = segmentEndOffset(join(dir, segments[i]!));
    view.logEndOffset = Math.max(view.logEndOffset, end ?? base);
    if (end !== null) break;
  }
  return view;
}

/** The offset after the last whole batch of a segment; null when it holds none. */
function segmentEndOffset(path: string): number | null {
  return readSegmentHeaders(path).endOffset;
}

/** What a segment's batch headers say: where its offsets end and its first batch's and largest timestamps. */
export interface SegmentHeaders {
  /** The offset after the last whole batch; null when the segment holds none. */
  endOffset: number | null;
  /** Max timestamp of the first batch and the largest of all (v2 batches), -1 when none. */
  firstBatchTimestampMs: number;
  largestTimestampMs: number;
}

/** One walk of a segment's batch headers (records are hopped over, not read); stops where the framing does. */
export function readSegmentHeaders(path: string): SegmentHeaders {
  const headers: SegmentHeaders = { endOffset: null, firstBatchTimestampMs: -1, largestTimestampMs: -1 };
  const walker = new BatchWalker({ wholeBatchBytesMax: 0 }).open(path);
  try {
    while (walker.next()) {
      const bytes = walker.chunk;
      const at = walker.batchStart;
      const base = Number(bytes.readBigInt64BE(at));
      if (walker.magic !== CURRENT_MAGIC) {
        headers.endOffset = base + 1;
        continue;
      }
      headers.endOffset = base + bytes.readInt32BE(at + LAST_OFFSET_DELTA) + 1;
      const maxTimestampMs = Number(bytes.readBigInt64BE(at + MAX_TIMESTAMP));
      if (headers.firstBatchTimestampMs === -1) headers.firstBatchTimestampMs = maxTimestampMs;
      headers.largestTimestampMs = Math.max(headers.largestTimestampMs, maxTimestampMs);
    }
  } finally {
    walker.close();
  }
  return headers;
}

function readGroups(dirs: readonly string[]): { groups: OfflineGroupView[]; recordsSkipped: number } {
  const contents = readOffsetsTopicFiles(dirs);
  const committed = new Map<string, { groupId: string; topic: string; partition: number; committed: CommittedOffset }>();
  for (const c of contents.commits) {
    const key = offsetMapKey(c.groupId, c.topic, c.partition);
    if (c.committed === null) committed.delete(key);
    else committed.set(key, { ...c, committed: c.committed });
  }
  const byGroup = new Map<string, OfflineGroupView>();
  const groupOf = (groupId: string) => {
    let view = byGroup.get(groupId);
    if (view === undefined) {
      view = { groupId, stored: contents.groups.get(groupId) ?? null, offsets: [] };
      byGroup.set(groupId, view);
    }
    return view;
  };
  for (const [groupId, group] of contents.groups) if (group !== null) groupOf(groupId);
  for (const c of committed.values()) groupOf(c.groupId).offsets.push({ topic: c.topic, partition: c.partition, committed: c.committed });
  const groups = [...byGroup.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  return { groups, recordsSkipped: contents.recordsSkipped };
}
