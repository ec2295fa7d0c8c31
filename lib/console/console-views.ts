/**
 * What the console's JSON API answers (`/api/...`): plain objects, the same shapes for a running
 * broker (live-source.ts) and a stopped data directory (offline-source.ts), so the pages have one
 * renderer. `partitionView` is the one place a partition's retention and compaction state is worked
 * out from its segments, for both sources.
 */
import {
  cleanableRange, hasCompactPolicy, previewRetention,
  type CleanableSegmentInfo, type LogConfig, type ProducerStateTable, type RetentionPreviewEntry, type SegmentInfo,
} from '../index.js';
import type { LastClean, LastRetention } from '../broker/index.js';

export type ConsoleMode = 'live' | 'offline';

/** Rates per second at each sample time (live only). */
export interface RateSeries {
  intervalMs: number;
  timesMs: number[];
  messagesInPerSec: number[];
  bytesInPerSec: number[];
  bytesOutPerSec: number[];
  /** Growth of every group's committed offsets: records consumed and committed, per second. */
  messagesConsumedPerSec: number[];
  fetchRequestsPerSec: number[];
  /** Requests per second by API name, each aligned with timesMs. */
  requestsPerSecByApi: { [api: string]: number[] };
}

export interface RequestRow {
  api: string;
  /** Since the broker's metrics began. */
  count: number;
  /** Over the last minute (or what the samples cover). */
  perSec: number;
  meanMs: number | null;
  /** From the latency histogram's buckets: the upper bound of the bucket holding the 99th percentile. */
  p99Ms: number | null;
}

export interface TopicSummary {
  name: string;
  partitions: number;
  offlinePartitions: number;
  segments: number;
  sizeBytes: number;
  /** Sum over partitions of log end − log start (offsets, which is records but for compaction gaps). */
  messages: number;
  internal: boolean;
}

export interface OverviewView {
  mode: ConsoleMode;
  dataDir: string;
  nowMs: number;
  totals: { topics: number; partitions: number; segments: number; sizeBytes: number; messages: number; groups: number };
  topics: TopicSummary[];
  /** null for a stopped directory: nothing flows. */
  series: RateSeries | null;
  requests: RequestRow[] | null;
}

export interface SegmentRow {
  baseOffset: number;
  endOffset: number;
  sizeBytes: number;
  /** Max timestamp of the first batch and the largest in the segment; -1 when unknown or empty. */
  firstTimestampMs: number;
  largestTimestampMs: number;
  isActive: boolean;
}

export interface PartitionView {
  partition: number;
  /** Why the partition is not served (a live broker took it offline); null when it is. */
  offline: string | null;
  logStartOffset: number;
  highWatermark: number;
  lastStableOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segments: SegmentRow[];
  retention: {
    /** What the next pass deletes, oldest first (empty: nothing). */
    nextDeletes: RetentionPreviewEntry[];
    lastDeletion: LastRetention | null;
  };
  /** null unless cleanup.policy contains compact. */
  compaction: {
    dirtyRatio: number;
    minCleanableDirtyRatio: number;
    firstDirtyOffset: number;
    firstUncleanableOffset: number;
    cleanableBytes: number;
    eligible: boolean;
    /** The cleaner checkpoint (where the last round left off), null when there is none. */
    cleanerCheckpoint: number | null;
    lastClean: LastClean | null;
  } | null;
}

export interface TopicView {
  name: string;
  config: { effective: LogConfig; overrides: Partial<LogConfig> };
  partitions: PartitionView[];
}

export interface GroupSummary {
  groupId: string;
  state: string;
  protocolType: string;
  members: number;
  partitions: number;
  totalLag: number;
}

export interface GroupView {
  groupId: string;
  state: string;
  protocolType: string;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  members: { memberId: string; clientId: string; clientHost: string; assignment: { topic: string; partitions: number[] }[] }[];
  offsets: { topic: string; partition: number; committedOffset: number; metadata: string; highWatermark: number | null;
    logEndOffset: number | null; lag: number | null }[];
  totalLag: number;
  /** The group's total lag at each sample (live only). */
  lagSeries: { timesMs: number[]; lag: number[] } | null;
}

export interface ProducerRow {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastOffset: number;
  lastTimestampMs: number;
  coordinatorEpoch: number;
  /** First offset of its open transaction, -1 when none is open. */
  currentTxnFirstOffset: number;
}

export interface ProducersView {
  partitions: { topic: string; partition: number; source: string; producers: ProducerRow[] }[];
  /** The transaction coordinator's view (live), or the last `__transaction_state` record per id (offline). */
  transactions: { transactionalId: string; producerId: number; producerEpoch: number; state: string; timeoutMs: number;
    partitions: { topic: string; partition: number }[] }[];
}

/** What a partition's state page needs, from either source. */
export interface PartitionFacts {
  partition: number;
  offline: string | null;
  config: LogConfig;
  segments: readonly (SegmentInfo & { firstBatchTimestampMs: number })[];
  logStartOffset: number;
  highWatermark: number;
  lastStableOffset: number;
  logEndOffset: number;
  cleanerCheckpoint: number | null;
  lastClean: LastClean | null;
  lastDeletion: LastRetention | null;
  nowMs: number;
}

export function partitionView(f: PartitionFacts): PartitionView {
  const segments: SegmentRow[] = f.segments.map((s) => ({ baseOffset: s.baseOffset, endOffset: s.endOffset, sizeBytes: s.sizeBytes,
    firstTimestampMs: s.firstBatchTimestampMs, largestTimestampMs: s.largestTimestampMs, isActive: s.isActive }));
  const state = { logStartOffset: f.logStartOffset, highWatermark: f.highWatermark, nowMs: f.nowMs };
  // The policy's own rules decide (compact-only logs: only the log start offset rule), as enforceRetention's do.
  const nextDeletes = previewRetention(f.segments, f.config, state);
  let compaction: PartitionView['compaction'] = null;
  if (hasCompactPolicy(f.config)) {
    const infos: CleanableSegmentInfo[] = f.segments.map((s) => ({ baseOffset: s.baseOffset, sizeBytes: s.sizeBytes, endOffset: s.endOffset,
      largestTimestampMs: s.largestTimestampMs, firstBatchTimestampMs: s.firstBatchTimestampMs, isActive: s.isActive }));
    const range = cleanableRange(infos, f.config, { checkpointOffset: f.cleanerCheckpoint, logStartOffset: f.logStartOffset,
      logEndOffset: f.logEndOffset, highWatermark: f.highWatermark, nowMs: f.nowMs });
    compaction = { dirtyRatio: range.dirtyRatio, minCleanableDirtyRatio: f.config.minCleanableDirtyRatio,
      firstDirtyOffset: range.firstDirtyOffset, firstUncleanableOffset: range.firstUncleanableOffset, cleanableBytes: range.cleanableBytes,
      eligible: range.eligible, cleanerCheckpoint: f.cleanerCheckpoint, lastClean: f.lastClean };
  }
  return {
    partition: f.partition, offline: f.offline, logStartOffset: f.logStartOffset, highWatermark: f.highWatermark,
    lastStableOffset: f.lastStableOffset, logEndOffset: f.logEndOffset, sizeBytes: segments.reduce((sum, s) => sum + s.sizeBytes, 0),
    segments, retention: { nextDeletes, lastDeletion: f.lastDeletion }, compaction,
  };
}

/** An offline partition's row: what is known without its log. */
export function offlinePartitionView(partition: number, reason: string): PartitionView {
  return { partition, offline: reason, logStartOffset: -1, highWatermark: -1, lastStableOffset: -1, logEndOffset: -1, sizeBytes: 0,
    segments: [], retention: { nextDeletes: [], lastDeletion: null }, compaction: null };
}

/** A producer state table's rows: each producer's epoch and its newest retained batch. */
export function producerRows(table: ProducerStateTable): ProducerRow[] {
  return [...table.producers.values()].map((e) => {
    const last = e.batches[e.batches.length - 1];
    return { producerId: e.producerId, producerEpoch: e.epoch, lastSequence: last?.lastSequence ?? -1, lastOffset: last?.lastOffset ?? -1,
      lastTimestampMs: last?.timestampMs ?? -1, coordinatorEpoch: e.coordinatorEpoch, currentTxnFirstOffset: e.currentTxnFirstOffset };
  });
}
