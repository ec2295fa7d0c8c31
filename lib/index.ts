/**
 * seglog's public surface, and the whole of it: what a broker built on seglog needs on the storage
 * side. lib/broker imports only this file (test/tidy.test.ts checks it), which proves it is enough.
 *
 * Public, and why:
 *   - the Log and its types, config and recovery report: the partition log itself;
 *   - the record codec and the framing rule (lib/record), the batch walker and FileRegion: reading,
 *     writing and sending Kafka batches without going through a Log (replication, tools, zero-copy);
 *   - planFetch and FilePool: one fetch planner and one descriptor budget across many logs;
 *   - checkpoint files, the clean-shutdown marker, file names and the producer-snapshot codec: the
 *     other files of a Kafka data directory, in Kafka's formats;
 *   - retention and compaction as functions, and the LogManager that schedules both;
 *   - errors, clocks and the platform report.
 * Not public: segments, indexes, the segment list, append validation, the loader's steps and the
 * cleaner's internals. They change with the engine; the Log is their contract.
 */
export { Log } from './log/log.js';
export type { AppendBatchOptions, AppendOptions, AppendResult, IsolationLevel, LogOptions, LogStats, ReadOptions, SegmentInfo,
  TransactionMarker } from './log/log.js';
export { ProducerStateTable, listSnapshotOffsets, loadNewestSnapshot, readNewestSnapshot, sequenceAfter,
  writeSnapshot } from './log/producer-state.js';
export type { CompletedTransaction, OpenTransaction } from './log/producer-state.js';
export { TransactionIndex, decodeTransactionIndex, type AbortedTransaction } from './segment/transaction-index.js';
export { DEFAULT_LOG_CONFIG, validateLogConfig, hasCompactPolicy, hasDeletePolicy } from './log/config.js';
export type { CleanupPolicy, LogConfig, MessageTimestampType } from './log/config.js';
export type { RecoveryAction, RecoveryActionKind, RecoveryReport, SegmentRecovery } from './log/log-loader.js';
export { RECOVERED_SUFFIX, describeRecovery } from './log/log-loader.js';
export type { TimestampHit } from './segment/segment.js';
export {
  checkpointKey,
  formatOffsetCheckpoint,
  fsyncDirectory,
  parseOffsetCheckpoint,
  readOffsetCheckpoint,
  writeFileAtomically,
  writeOffsetCheckpoint,
} from './log/checkpoint-file.js';
export type { CheckpointEntry } from './log/checkpoint-file.js';
export { LogCheckpoints, readCleanerCheckpoint, takeCleanShutdownMarker, writeCleanShutdownMarker } from './log/log-checkpoints.js';
export * from './record/index.js';
export { FileRegion } from './segment/file-region.js';
export { BatchWalker, type BatchWalkerOptions, type WalkStop } from './segment/batch-walker.js';
export { planFetch, type FetchRequest, type FetchPlan, type FetchPlanOptions, type PlannedPartition,
  type FetchableLog } from './log/fetch-planner.js';
export { FilePool } from './segment/file-handle.js';
export * from './segment/file-names.js';
export { decodeProducerSnapshot, encodeProducerSnapshot, type ProducerSnapshotEntry } from './segment/producer-snapshot.js';
export * from './errors.js';
export { systemClock, ManualClock } from './clock.js';
export type { Clock } from './clock.js';
export { platformReport, mappedBytes, lockDirectory } from './platform/index.js';
export type { DirectoryLock, PlatformReport } from './platform/contract.js';
export { enforceRetention, type RetainableLog, type RetentionResult } from './retention/retention.js';
export { selectRetention, previewRetention, type RetentionReason, type RetentionDecision,
  type RetentionPreviewEntry } from './retention/retention-policy.js';
export { LogManager, type LogManagerOptions, type RunReport, type Scheduler } from './manager/log-manager.js';
export { cleanLog, dirtyRatio, cleanableRangeOf, type CleanOptions,
    type CleanResult } from './compaction/cleaner.js';
export { OffsetMap } from './compaction/offset-map.js';
export { cleanableRange, type CleanableRange, type CleanableSegmentInfo } from './compaction/compaction-policy.js';
