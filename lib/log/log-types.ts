/**
 * The Log's API in types: what appends take and return, what reads take, how a Log is opened, and
 * the figures `stats()` reports. Kept apart from log.ts so the class reads as behaviour; the entry
 * point re-exports every one of them.
 */
import type { CompressionType } from '../record/index.js';
import type { FilePool } from '../segment/file-handle.js';
import type { Clock } from '../clock.js';
import type { RecoveryReport } from './log-loader.js';

export interface AppendOptions {
  compression?: CompressionType;
  /** Overrides the log's messageTimestampType for this batch. */
  timestampType?: 'CreateTime' | 'LogAppendTime';
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  /** Partition leader epoch stamped on the batch (not covered by the CRC). */
  leaderEpoch?: number;
}

export interface AppendBatchOptions {
  leaderEpoch?: number;
  /** 'client': one producer batch with base offset 0, fully validated, offsets assigned here.
   *  'replication': batches with offsets already assigned (≥ logEndOffset), CRC-checked, appended as given. */
  origin?: 'client' | 'replication';
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Broker time stamped on the batch for LogAppendTime, -1 for CreateTime. */
  logAppendTimeMs: number;
  maxTimestampMs: number;
  recordsCount: number;
  sizeBytes: number;
}

export interface ReadOptions {
  /** Upper bound on the region's size (the first batch may exceed it when minOneMessage). */
  maxBytes?: number;
  /** Return the first batch whole even if it is larger than maxBytes (KIP-74). Default true. */
  minOneMessage?: boolean;
  /** Exclusive offset bound, e.g. the high watermark; batches at or above it are not returned. */
  maxOffset?: number;
  /**
   * 'read_committed': stop at the last stable offset (never return an open transaction's data) and
   * hand back, in the region's `abortedTransactions`, the aborted transactions that overlap what it
   * returns (what a Fetch v4+ response carries). Default 'read_uncommitted'.
   */
  isolation?: IsolationLevel;
}

/** Kafka's isolation levels: what a consumer (or an offset query) may see of transactional data. */
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

/** A COMMIT or ABORT marker to append for a producer's open transaction (what a transaction coordinator writes). */
export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  /** The coordinator's epoch; an older one than the partition has seen for the producer is refused. */
  coordinatorEpoch: number;
  commit: boolean;
  leaderEpoch?: number;
}

export interface LogOptions {
  clock?: Clock;
  /** Share one bounded pool of read file descriptors between many logs (a broker). */
  filePool?: FilePool;
  /**
   * Scan and check every segment at open, not only those past the recovery point (what
   * `verify --repair` asks for): damage in flushed data is then cut like any other, kept beside its
   * segment. Costs a read of the whole log.
   */
  recoverAllSegments?: boolean;
}

export interface LogStats {
  dir: string;
  segments: number;
  sizeBytes: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  recoveryPoint: number;
  activeSegmentBaseOffset: number;
  activeSegmentSizeBytes: number;
  /** Largest record timestamp in the log, -1 if none. */
  maxTimestampMs: number;
  appendedBatches: number;
  appendedRecords: number;
  appendedBytes: number;
  flushes: number;
  rolls: number;
  pendingDeletions: number;
  /** What the last open found and did (recovery, set-aside files, ignored checkpoints). */
  lastRecovery: RecoveryReport;
}
