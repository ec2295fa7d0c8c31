/**
 * Carries out retention on one Log: asks the pure policy (retention-policy.ts) which oldest
 * segments go, then deletes them through `Log.deleteOldestSegments`, which raises the log start
 * offset, removes them from reads, renames their files to `.deleted` and unlinks them after
 * fileDeleteDelayMs (so a reader holding a region of one finishes, or fails with a typed error).
 *
 * Crash behaviour: the only on-disk steps are the Log's renames; a crash between them leaves
 * `.deleted` files that the loader removes, and a log start offset checkpoint that is at worst
 * older than the deletion — the loader raises it to the first surviving segment.
 */
import type { Log, SegmentInfo } from '../log/log.js';
import { requireNowMs } from '../log/config.js';
import { selectRetention, type RetentionReason } from './retention-policy.js';

export interface RetentionResult {
  deleted: SegmentInfo[];
  /** The reason of the first rule that deleted anything in this pass, null if nothing went. */
  reason: RetentionReason | null;
  /** Every rule that deleted something, in the order applied. */
  reasons: RetentionReason[];
}

/** The Log members retention needs: small enough to fake nowhere and to document the coupling. */
export type RetainableLog = Pick<Log, 'segmentInfos' | 'deleteOldestSegments' | 'logStartOffset' | 'highWatermark' | 'config' | 'isClosed'>;

/** Kafka's three rules in order (log start offset, size, time), each on what the previous left. */
export function enforceRetention(log: RetainableLog, nowMs: number): RetentionResult {
  requireNowMs(nowMs, 'enforceRetention');
  const result: RetentionResult = { deleted: [], reason: null, reasons: [] };
  if (log.isClosed) return result;
  // Each rule can fire at most once per pass; three rounds cover all of them.
  for (let round = 0; round < 3; round++) {
    const decision = selectRetention(log.segmentInfos(), log.config, {
      logStartOffset: log.logStartOffset,
      highWatermark: log.highWatermark,
      nowMs,
    });
    if (decision.count === 0 || decision.reason === null) break;
    const deleted = log.deleteOldestSegments(decision.count, decision.reason);
    if (deleted.length === 0) break;
    result.deleted.push(...deleted);
    result.reasons.push(decision.reason);
    result.reason ??= decision.reason;
  }
  return result;
}
