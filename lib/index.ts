/**
 * seglog's public surface: the Log, the record-batch codec, file regions, errors and the small
 * helpers a broker built on seglog needs (file names, checkpoints, clock). Nothing internal leaks:
 * lib/broker imports only this file, which proves it is enough for "other brokers".
 */
export { Log } from './log/log.js';
export type { AppendBatchOptions, AppendOptions, AppendResult, LogOptions, LogStats, ReadOptions, SegmentInfo } from './log/log.js';
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
export { planFetch, type FetchRequest, type FetchPlan, type PlannedPartition, type FetchableLog } from './log/fetch-planner.js';
export { FilePool } from './segment/file-handle.js';
export * from './segment/file-names.js';
export { decodeProducerSnapshot, encodeProducerSnapshot, type ProducerSnapshotEntry } from './segment/producer-snapshot.js';
export * from './errors.js';
export { systemClock, ManualClock } from './clock.js';
export type { Clock } from './clock.js';
export { platformReport } from './platform/index.js';
export type { PlatformReport } from './platform/contract.js';
export { enforceRetention, type RetentionResult } from './retention/retention.js';
export { selectRetention, type RetentionReason, type RetentionDecision } from './retention/retention-policy.js';
export { LogManager, type LogManagerOptions, type RunReport, type Scheduler } from './manager/log-manager.js';
export { cleanLog, dirtyRatio, cleanableRangeOf, type CleanOptions,
    type CleanResult } from './compaction/cleaner.js';
export { OffsetMap } from './compaction/offset-map.js';
