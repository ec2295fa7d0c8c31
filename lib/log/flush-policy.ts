/**
 * When a log flushes on its own (Kafka's flush.messages and flush.ms), as a pure decision over
 * numbers: the Log asks after every append and acts on the answer, so the rule is testable without
 * a disk or a clock. Both limits default to "never" (Number.MAX_SAFE_INTEGER): like Kafka, seglog
 * leaves durability to the page cache, replication and the recovery point unless asked.
 *
 * The answer is a number so the append path allocates nothing: FLUSH_NOW, FLUSH_NOT_DUE, or the
 * delay in ms (≥ 0) after which a timer should flush, when none is armed yet.
 */

/** Flush now: flushMessages appends have gone unflushed. */
export const FLUSH_NOW = -1;
/** Nothing to do: neither limit is due, or a timer is already armed. */
export const FLUSH_NOT_DUE = -2;

interface FlushLimits {
  /** flush.messages: flush once this many messages are unflushed. */
  flushMessages: number;
  /** flush.ms: flush at most this long after the last flush. */
  flushMs: number;
}

/**
 * After an append: FLUSH_NOW when `unflushedMessages` reached flushMessages; otherwise, when flush.ms
 * is set and no timer is armed, the delay until lastFlushMs + flushMs (0 if past); else FLUSH_NOT_DUE.
 */
export function flushAfterAppend(limits: FlushLimits, unflushedMessages: number, lastFlushMs: number, nowMs: number,
    timerArmed: boolean): number {
  if (unflushedMessages >= limits.flushMessages) return FLUSH_NOW;
  if (limits.flushMs >= Number.MAX_SAFE_INTEGER || timerArmed) return FLUSH_NOT_DUE;
  return Math.max(0, lastFlushMs + limits.flushMs - nowMs);
}
