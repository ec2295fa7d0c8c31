/**
 * What retention and compaction have done since the broker opened, from the log manager's 'run'
 * reports: running totals (the metrics' counters) and, per log, its last clean and last retention
 * deletion (the console's topic page). Kept off the append and fetch paths: one update per pass.
 */
import type { Log, RunReport } from '../index.js';

export interface MaintenanceTotals {
  retentionSegmentsDeleted: number;
  retentionBytesDeleted: number;
  compactionRuns: number;
  compactionBytesRead: number;
  compactionBytesWritten: number;
  compactionRecordsDropped: number;
  maintenanceErrors: number;
}

export interface LastClean {
  atMs: number;
  durationMs: number;
  dirtyRatioBefore: number;
  bytesRead: number;
  bytesWritten: number;
  recordsDropped: number;
  /** The first dirty offset after the round (the cleaner checkpoint). */
  endOffset: number;
}

export interface LastRetention {
  atMs: number;
  segmentsDeleted: number;
  bytesDeleted: number;
  reasons: string[];
}

export class MaintenanceHistory {
  readonly totals: MaintenanceTotals = {
    retentionSegmentsDeleted: 0, retentionBytesDeleted: 0, compactionRuns: 0, compactionBytesRead: 0, compactionBytesWritten: 0,
    compactionRecordsDropped: 0, maintenanceErrors: 0,
  };
  private readonly cleans = new WeakMap<Log, LastClean>();
  private readonly retentions = new WeakMap<Log, LastRetention>();

  record(report: RunReport): void {
    const t = this.totals;
    for (const { log, result } of report.retention) {
      const bytesDeleted = result.deleted.reduce((sum, s) => sum + s.sizeBytes, 0);
      t.retentionSegmentsDeleted += result.deleted.length;
      t.retentionBytesDeleted += bytesDeleted;
      this.retentions.set(log, { atMs: report.nowMs, segmentsDeleted: result.deleted.length, bytesDeleted, reasons: result.reasons });
    }
    const compaction = report.compaction;
    if (compaction !== null && compaction.result.cleaned) {
      const r = compaction.result;
      t.compactionRuns += 1;
      t.compactionBytesRead += r.bytesRead;
      t.compactionBytesWritten += r.bytesWritten;
      t.compactionRecordsDropped += r.recordsDropped;
      this.cleans.set(compaction.log, { atMs: report.nowMs, durationMs: r.durationMs, dirtyRatioBefore: r.range.dirtyRatio,
        bytesRead: r.bytesRead, bytesWritten: r.bytesWritten, recordsDropped: r.recordsDropped, endOffset: r.endOffset });
    }
    t.maintenanceErrors += report.errors.length;
  }

  lastClean(log: Log): LastClean | null {
    return this.cleans.get(log) ?? null;
  }

  lastRetention(log: Log): LastRetention | null {
    return this.retentions.get(log) ?? null;
  }
}
