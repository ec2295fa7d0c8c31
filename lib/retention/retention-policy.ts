/**
 * Retention decisions (cleanup.policy contains `delete`), as a pure function of segment metadata,
 * config and the clock: which oldest segments go, and why. No files are touched here;
 * `retention.ts` carries the decision out through `Log.deleteOldestSegments`.
 *
 * Kafka's rules, in Kafka's order (a pass applies each in turn to what the previous left):
 *   1. log start offset — a segment goes when the *next* segment's base ≤ logStartOffset;
 *   2. size   — while retentionBytes ≥ 0 and (total − deleted) − segment ≥ retentionBytes;
 *   3. time   — now − segment.largestTimestampMs > retentionMs (retentionMs < 0 disables).
 * With `compact` only, only rule 1 applies.
 *
 * Invariants: only a contiguous prefix is selected (the walk stops at the first segment that fails);
 * a segment whose end offset (next base, or the log end for the last) is above the high watermark is
 * never selected; an empty last segment is never selected. Selecting every segment is allowed —
 * the log then rolls an empty active segment first, so it always keeps one.
 */
import type { LogConfig } from '../log/config.js';
import type { SegmentInfo } from '../log/log.js';

export type RetentionReason = 'log-start-offset' | 'size' | 'time';

interface RetentionState {
  logStartOffset: number;
  highWatermark: number;
  nowMs: number;
}

export interface RetentionDecision {
  /** How many of the oldest segments to delete (0: none). */
  count: number;
  reason: RetentionReason | null;
}

export type RetentionConfig = Pick<LogConfig, 'retentionMs' | 'retentionBytes' | 'cleanupPolicy'>;

type SegmentPredicate = (segment: SegmentInfo, next: SegmentInfo | undefined) => boolean;

/** Length of the deletable prefix: Kafka's `deletableSegments` walk. */
function deletablePrefix(segments: readonly SegmentInfo[], highWatermark: number, predicate: SegmentPredicate): number {
  let count = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as SegmentInfo;
    const next = segments[i + 1];
    const isLastAndEmpty = next === undefined && segment.sizeBytes === 0;
    if (segment.endOffset > highWatermark || isLastAndEmpty || !predicate(segment, next)) break;
    count++;
  }
  return count;
}

function countLogStartOffsetBreach(segments: readonly SegmentInfo[], state: RetentionState): number {
  const start = state.logStartOffset;
  return deletablePrefix(segments, state.highWatermark, (_s, next) => next !== undefined && next.baseOffset <= start);
}

function countSizeBreach(segments: readonly SegmentInfo[], retentionBytes: number, state: RetentionState): number {
  if (retentionBytes < 0) return 0;
  let totalBytes = 0;
  for (const s of segments) totalBytes += s.sizeBytes;
  if (totalBytes < retentionBytes) return 0;
  let excessBytes = totalBytes - retentionBytes;
  return deletablePrefix(segments, state.highWatermark, (s) => {
    if (excessBytes - s.sizeBytes < 0) return false;
    excessBytes -= s.sizeBytes;
    return true;
  });
}

function countTimeBreach(segments: readonly SegmentInfo[], retentionMs: number, state: RetentionState): number {
  if (retentionMs < 0) return 0;
  const nowMs = state.nowMs;
  // A segment with future timestamps fails the test until that time has passed (Kafka's behaviour).
  return deletablePrefix(segments, state.highWatermark, (s) => nowMs - s.largestTimestampMs > retentionMs);
}

/**
 * The first rule, in Kafka's order, that selects anything. Callers apply it and ask again with the
 * remaining segments (enforceRetention does), which is Kafka's "each rule after the previous" pass.
 */
export function selectRetention(segments: readonly SegmentInfo[], config: RetentionConfig, state: RetentionState): RetentionDecision {
  const byStart = countLogStartOffsetBreach(segments, state);
  if (byStart > 0) return { count: byStart, reason: 'log-start-offset' };
  if (config.cleanupPolicy === 'compact') return { count: 0, reason: null };
  const bySize = countSizeBreach(segments, config.retentionBytes, state);
  if (bySize > 0) return { count: bySize, reason: 'size' };
  const byTime = countTimeBreach(segments, config.retentionMs, state);
  if (byTime > 0) return { count: byTime, reason: 'time' };
  return { count: 0, reason: null };
}

/** One segment the next retention pass would delete, and the rule that selects it. */
export interface RetentionPreviewEntry {
  baseOffset: number;
  sizeBytes: number;
  reason: RetentionReason;
}

/**
 * What the next pass would delete, without deleting: the same rounds enforceRetention runs, each on
 * what the previous left, with the log start offset raised to the first surviving segment as a
 * deletion raises it. The console shows this; nothing here touches a file.
 */
export function previewRetention(segments: readonly SegmentInfo[], config: RetentionConfig,
    state: RetentionState): RetentionPreviewEntry[] {
  const preview: RetentionPreviewEntry[] = [];
  let remaining = segments;
  let logStartOffset = state.logStartOffset;
  for (let round = 0; round < 3; round++) {
    const decision = selectRetention(remaining, config, { ...state, logStartOffset });
    if (decision.count === 0 || decision.reason === null) break;
    // Deleting every segment leaves a fresh empty one: the rules see nothing more to delete.
    for (const s of remaining.slice(0, decision.count)) {
      preview.push({ baseOffset: s.baseOffset, sizeBytes: s.sizeBytes, reason: decision.reason });
    }
    remaining = remaining.slice(decision.count);
    if (remaining.length === 0) break;
    logStartOffset = Math.max(logStartOffset, (remaining[0] as SegmentInfo).baseOffset);
  }
  return preview;
}
