/**
 * When the active segment must roll (Kafka's LogSegment.shouldRoll), as a pure function of the
 * segment's metadata, the incoming batch and the clock, so it is tested without files. Checked
 * before every append.
 */
import { RELATIVE_OFFSET_MAX } from '../limits.js';

export interface ActiveSegmentState {
  baseOffset: number;
  sizeBytes: number;
  /** Max timestamp of the first batch, -1 if records carry none. */
  firstBatchTimestampMs: number;
  createdAtMs: number;
  indexesFull: boolean;
  rollJitterMs: number;
}

export interface IncomingBatch {
  sizeBytes: number;
  maxTimestampMs: number;
  lastOffset: number;
}

export type RollReason = 'size' | 'time' | 'index-full' | 'offset-overflow' | null;

export function shouldRoll(segment: ActiveSegmentState, incoming: IncomingBatch, segmentBytes: number, segmentMs: number,
  nowMs: number): RollReason {
  if (segment.sizeBytes > segmentBytes - incoming.sizeBytes) return 'size';
  if (segment.sizeBytes > 0) {
    // Record timestamps drive time-based rolls (so a replayed or replicated log rolls the same way);
    // wall-clock time only when the segment's records carry no timestamps.
    const waitedMs = segment.firstBatchTimestampMs >= 0
      ? incoming.maxTimestampMs - segment.firstBatchTimestampMs
      : nowMs - segment.createdAtMs;
    if (waitedMs > segmentMs - segment.rollJitterMs) return 'time';
  }
  if (segment.indexesFull) return 'index-full';
  const relative = incoming.lastOffset - segment.baseOffset;
  if (relative < 0 || relative > RELATIVE_OFFSET_MAX) return 'offset-overflow';
  return null;
}

/** A fixed random jitter per segment in [0, min(segmentJitterMs, segmentMs)). */
export function rollJitterMs(segmentJitterMs: number, segmentMs: number, random: () => number = Math.random): number {
  const bound = Math.min(segmentJitterMs, segmentMs);
  return bound <= 0 ? 0 : Math.floor(random() * bound);
}
