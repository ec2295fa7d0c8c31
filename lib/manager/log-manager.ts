/**
 * Owner of many logs' background housekeeping (Kafka's LogManager retention task + LogCleaner):
 * every `checkIntervalMs` it runs retention on every `delete` log, then one compaction round on
 * the filthiest eligible `compact` log, and retention again for `compact,delete` logs after they
 * are cleaned. Time comes from an injected Clock and the timer from an injected scheduler, so tests
 * drive it with `runOnce(nowMs)` and no real waiting.
 *
 * It lives above retention/ and compaction/ (lib/manager), the two policies it schedules.
 *
 * One offset map is kept and reused by every round, sized to the round's dirty range and grown only
 * when a round needs more, never beyond offsetMapBytes (default OFFSET_MAP_BYTES_DEFAULT, Kafka's
 * dedupe buffer): memory stays bounded by one map however many logs there are, and an idle or small
 * broker does not hold the ceiling. Rounds never overlap
 * (a run that finds the previous one still going is skipped). Errors of one log do not stop the
 * others: they are collected in the run's report and emitted as 'error'.
 *
 * Crash behaviour: none of its own — every on-disk step belongs to Log or the cleaner.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../clock.js';
import { InvalidArgumentError } from '../errors.js';
import { hasCompactPolicy, hasDeletePolicy } from '../log/config.js';
import type { Log } from '../log/log.js';
import { cleanLog, cleanableRangeOf, offsetMapBytesFor, type CleanResult } from '../compaction/cleaner.js';
import { pickFilthiest } from '../compaction/compaction-policy.js';
import { OffsetMap } from '../compaction/offset-map.js';
import { LOG_CHECK_INTERVAL_MS_DEFAULT, OFFSET_MAP_BYTES_DEFAULT } from '../limits.js';
import { enforceRetention, type RetentionResult } from '../retention/retention.js';

export interface Scheduler {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const nodeScheduler: Scheduler = {
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface LogManagerOptions {
  clock?: Clock;
  scheduler?: Scheduler;
  checkIntervalMs?: number;
  offsetMapBytes?: number;
  /** Slice length of compaction work between yields (cleaner.ts). */
  sliceMs?: number;
  /** Start the periodic task at construction (default true). */
  start?: boolean;
}

export interface RunReport {
  nowMs: number;
  retention: { log: Log; result: RetentionResult }[];
  compaction: { log: Log; result: CleanResult } | null;
  errors: { log: Log; error: unknown }[];
}

export class LogManager extends EventEmitter {
  private readonly logs: Log[] = [];
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly checkIntervalMs: number;
  private readonly offsetMapBytes: number;
  private readonly sliceMs: number | undefined;
  private offsetMap: OffsetMap | null = null;
  /** The most recent background failure, null if none (also emitted as 'error' when listened to). */
  lastError: unknown = null;
  private timer: unknown = null;
  private running: Promise<RunReport> | null = null;
  private closed = false;

  constructor(options: LogManagerOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? nodeScheduler;
    this.checkIntervalMs = options.checkIntervalMs ?? LOG_CHECK_INTERVAL_MS_DEFAULT;
    if (!Number.isSafeInteger(this.checkIntervalMs) || this.checkIntervalMs <= 0) {
      throw new InvalidArgumentError(`checkIntervalMs must be a positive integer, got ${this.checkIntervalMs}`);
    }
    this.offsetMapBytes = options.offsetMapBytes ?? OFFSET_MAP_BYTES_DEFAULT;
    this.sliceMs = options.sliceMs;
    if (options.start ?? true) this.start();
  }

  add(log: Log): void {
    if (!this.logs.includes(log)) this.logs.push(log);
  }

  remove(log: Log): void {
    const i = this.logs.indexOf(log);
    if (i >= 0) this.logs.splice(i, 1);
  }

  get managedLogs(): readonly Log[] {
    return this.logs;
  }

  start(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = this.scheduler.setInterval(() => {
      if (this.running !== null) return;
      this.runOnce(this.clock.nowMs()).catch((error: unknown) => this.report(error));
    }, this.checkIntervalMs);
  }

  /** One pass: retention on every log, then one compaction round on the filthiest log. */
  runOnce(nowMs: number = this.clock.nowMs()): Promise<RunReport> {
    if (this.running !== null) return this.running;
    const run = this.pass(nowMs).finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  private async pass(nowMs: number): Promise<RunReport> {
    const report: RunReport = { nowMs, retention: [], compaction: null, errors: [] };
    const live = this.logs.filter((l) => !l.isClosed);
    for (const log of live) {
      // compact-only logs still honour the log start offset rule (DeleteRecords).
      try {
        const result = enforceRetention(log, nowMs);
        if (result.deleted.length > 0) report.retention.push({ log, result });
      } catch (error) {
        report.errors.push({ log, error });
      }
    }
    if (this.closed) return report;
    const candidates: { log: Log; range: ReturnType<typeof cleanableRangeOf> }[] = [];
    for (const log of live) {
      if (!hasCompactPolicy(log.config) || log.isClosed) continue;
      try {
        candidates.push({ log, range: cleanableRangeOf(log, nowMs) });
      } catch (error) {
        report.errors.push({ log, error });
      }
    }
    const chosen = pickFilthiest(candidates);
    if (chosen !== null) {
      try {
        const neededBytes = offsetMapBytesFor(chosen.range, this.offsetMapBytes);
        if (this.offsetMap === null || this.offsetMap.memoryBytes < neededBytes) this.offsetMap = new OffsetMap(neededBytes);
        const slice = this.sliceMs === undefined ? {} : { sliceMs: this.sliceMs };
        const result = await cleanLog(chosen.log, { nowMs, offsetMap: this.offsetMap, ignoreDirtyRatio: false, ...slice });
        report.compaction = { log: chosen.log, result };
        if (hasDeletePolicy(chosen.log.config) && !chosen.log.isClosed) {
          const after = enforceRetention(chosen.log, nowMs);
          if (after.deleted.length > 0) report.retention.push({ log: chosen.log, result: after });
        }
      } catch (error) {
        report.errors.push({ log: chosen.log, error });
      }
    }
    for (const e of report.errors) this.report(e.error);
    this.emit('run', report);
    return report;
  }

  /**
   * A background failure: kept as `lastError` and emitted as 'error' only when someone listens,
   * because Node treats an unheard 'error' as fatal and a maintenance failure must never take the
   * host process down. The same errors are in the 'run' event's report.
   */
  private report(error: unknown): void {
    this.lastError = error;
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Stops the periodic task and waits for a running pass; the logs stay open (their owner closes them). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) this.scheduler.clearInterval(this.timer);
    this.timer = null;
    if (this.running !== null) await this.running.catch(() => undefined);
    this.offsetMap = null;
  }
}
