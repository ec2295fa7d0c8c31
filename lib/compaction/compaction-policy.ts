/**
 * Which part of a compacted log a cleaning round may touch, and whether the log is worth cleaning
 * now — pure functions of segment metadata, config and the clock (Kafka's LogCleanerManager
 * `cleanableOffsets` + `grabFilthiestCompactedLog`, reference §11.2).
 *
 *   firstDirtyOffset       the cleaner checkpoint, or the log start offset when it is missing, below
 *                          the log start or beyond the log end;
 *   firstUncleanableOffset the base of the first segment that is the active one, or ends above the
 *                          high watermark (segment-aligned, so the cleaner never rewrites bytes at or
 *                          above it), or — minCompactionLagMs > 0 — holds a record newer than
 *                          now − minCompactionLagMs; further lowered by the caller to the first
 *                          offset of an undecided transaction (our stand-in for Kafka's LSO);
 *   dirtyRatio             cleanableBytes / (cleanBytes + cleanableBytes);
 *   eligible               dirtyRatio > minCleanableDirtyRatio (strictly), or maxCompactionLagMs is
 *                          breached by the oldest dirty segment and there is something to clean.
 */
import type { LogConfig } from '../log/config.js';

export interface CleanableSegmentInfo {
  baseOffset: number;
  sizeBytes: number;
  /** Next segment's base offset, or the log end offset for the last one. */
  endOffset: number;
  largestTimestampMs: number;
  /** Max timestamp of the first batch (Kafka's firstBatchTimestamp), -1 if unknown. */
  firstBatchTimestampMs: number;
  isActive: boolean;
}

export interface CleanableState {
  /** Stored cleaner checkpoint, null when there is none. */
  checkpointOffset: number | null;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  nowMs: number;
}

export type CompactionConfig = Pick<LogConfig, 'minCleanableDirtyRatio' | 'minCompactionLagMs' | 'maxCompactionLagMs'>;

export interface CleanableRange {
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  dirtyRatio: number;
  /** True when maxCompactionLagMs forces a round regardless of the ratio. */
  forced: boolean;
  eligible: boolean;
}

export function firstDirtyOffsetFor(checkpointOffset: number | null, logStartOffset: number, logEndOffset: number): number {
  if (checkpointOffset === null || checkpointOffset < logStartOffset || checkpointOffset > logEndOffset) return logStartOffset;
  return checkpointOffset;
}

export function cleanableRange(segments: readonly CleanableSegmentInfo[], config: CompactionConfig, state: CleanableState): CleanableRange {
  const firstDirtyOffset = firstDirtyOffsetFor(state.checkpointOffset, state.logStartOffset, state.logEndOffset);
  const lagHorizonMs = state.nowMs - config.minCompactionLagMs;
  let firstUncleanableOffset = state.logEndOffset;
  for (const s of segments) {
    const tooNew = config.minCompactionLagMs > 0 && s.endOffset > firstDirtyOffset && s.largestTimestampMs > lagHorizonMs;
    if (s.isActive || s.endOffset > state.highWatermark || tooNew) {
      firstUncleanableOffset = s.baseOffset;
      break;
    }
  }
  firstUncleanableOffset = Math.max(firstDirtyOffset, firstUncleanableOffset);
  let cleanBytes = 0;
  let cleanableBytes = 0;
  let earliestDirtyTimestampMs = Number.POSITIVE_INFINITY;
  for (const s of segments) {
    if (s.baseOffset < firstDirtyOffset) cleanBytes += s.sizeBytes;
    if (s.baseOffset < firstUncleanableOffset && s.endOffset > firstDirtyOffset) cleanableBytes += s.sizeBytes;
    if (!s.isActive && s.endOffset > firstDirtyOffset && s.firstBatchTimestampMs >= 0) {
      earliestDirtyTimestampMs = Math.min(earliestDirtyTimestampMs, s.firstBatchTimestampMs);
    }
  }
  const totalBytes = cleanBytes + cleanableBytes;
  const dirtyRatio = totalBytes === 0 ? 0 : cleanableBytes / totalBytes;
  const forced = config.maxCompactionLagMs > 0 && earliestDirtyTimestampMs < state.nowMs - config.maxCompactionLagMs && cleanableBytes > 0;
  const eligible = cleanableBytes > 0 && (dirtyRatio > config.minCleanableDirtyRatio || forced);
  return { firstDirtyOffset, firstUncleanableOffset, cleanBytes, cleanableBytes, dirtyRatio, forced, eligible };
}

/** Among candidate logs, the one to clean first: forced ones, then the highest dirty ratio (Kafka). */
export function pickFilthiest<T extends { range: CleanableRange }>(candidates: readonly T[]): T | null {
  let best: T | null = null;
  for (const c of candidates) {
    if (!c.range.eligible) continue;
    const r = c.range;
    const b = best?.range;
    if (b === undefined || (r.forced && !b.forced) || (r.forced === b.forced && r.dirtyRatio > b.dirtyRatio)) best = c;
  }
  return best;
}
