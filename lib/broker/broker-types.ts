/**
 * The Broker facade's API in types: what produce, fetch, commit and open take and return, and the
 * figures stats() reports. Kept apart from broker.ts so the wire server (server-context.ts) can name
 * them without importing the Broker class; `seglog/broker` re-exports every one.
 */
import type { AbortedTransaction, Clock, CompressionType, FileRegion, IsolationLevel, LogConfig, LogStats,
  RecoveryReport } from '../index.js';
import type { SkippedEntry } from './data-directory.js';
import type { RecoveryEvent } from './partition-offline.js';

export type Acks = 0 | 1 | -1 | 'all';

export interface BrokerOptions {
  defaults?: Partial<LogConfig>;
  clock?: Clock;
  nodeId?: number;
  /** Group coordinator: Kafka's group.initial.rebalance.delay.ms (default 3000). */
  initialRebalanceDelayMs?: number;
  sessionTimeoutMinMs?: number;
  /** How often the dir-level checkpoints are rewritten (default 5000). */
  checkpointIntervalMs?: number;
  /** Retention and compaction check interval (Kafka's log.retention.check.interval.ms, default 300000). */
  logCheckIntervalMs?: number;
  /** Open partitions the broker may hold in all; CreateTopics beyond it is refused (default: from the descriptor limit). */
  partitionsMax?: number;
  /** Compaction offset-map memory (default 32 MiB ≈ 1.2 M keys per round: an embedded broker's share). */
  offsetMapBytes?: number;
  /**
   * Called with every partition's recovery event, including those of Broker.open itself (which run
   * before a 'recovery' listener can be attached). Later ones are also emitted as 'recovery'.
   */
  onRecovery?: (event: RecoveryEvent) => void;
  /** Called after each transaction marker a commit or abort writes (index from 0): crash tests stop the process there. */
  afterTransactionMarker?: (index: number) => void;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  /** The overrides given at creation, on top of the broker defaults. */
  config: Partial<LogConfig>;
  isInternal: boolean;
}

export interface ProduceResult {
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  /** True when an idempotent producer's retry was recognised and nothing was appended. */
  duplicate: boolean;
}

export interface ProduceOptions {
  acks?: Acks;
  compression?: CompressionType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

export interface FetchOptions {
  maxBytes?: number;
  maxWaitMs?: number;
  minBytes?: number;
  /** Fetch v0–v2: no minOneMessage, and a first batch cut by the budget is sent as it is (planFetch). */
  hardMaxBytesLimit?: boolean;
  /** 'read_committed': stop at each partition's last stable offset and report its aborted transactions. */
  isolation?: IsolationLevel;
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  /** null, or the error that stopped this partition's read (OffsetOutOfRangeError, UnknownTopicError). */
  error: Error | null;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Whole batches from a batch boundary (the last may be cut): send as they are. */
  regions: FileRegion[];
  /** read_committed: the aborted transactions overlapping the regions (the consumer drops their data); else empty. */
  abortedTransactions: AbortedTransaction[];
}

export interface PartitionStats extends LogStats {
  topic: string;
  partition: number;
  /** Per second, over the time since the previous stats() call. */
  appendRecordsPerSec: number;
  fetchRequestsPerSec: number;
  fetchBytesTotal: number;
}

export interface OffsetCommit {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
}

export interface OffsetReplayReport {
  recordsApplied: number;
  recordsSkipped: number;
  /** The first skipped record's offset and why it did not decode. */
  firstSkipped: { offset: number; reason: string } | null;
}

/** What open() found and did, for the operator's log (events emitted inside open() have no listener yet). */
export interface OpenReport {
  /** Topics served from partition directories that topics.json did not list (a Kafka log dir's). */
  adoptedTopics: string[];
  /** Directory entries not served and not touched, with why. */
  skipped: SkippedEntry[];
  /** Committed offsets read from Kafka's `__consumer_offsets` partitions not served here. */
  foreignCommits: number;
  /** Partitions whose open ran recovery (no clean-shutdown marker), with what it did. */
  recovered: { topic: string; partition: number; report: RecoveryReport }[];
}
