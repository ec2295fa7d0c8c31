/**
 * Kafka's delayed segment deletion: a segment that leaves the log (retention, DeleteRecords,
 * truncation, a compaction swap) is retired at once — no new reads, files renamed `.deleted` — and
 * its files are unlinked only after file.delete.delay.ms, so reads already holding a region of it
 * finish through their open descriptor. A crash before the unlink leaves `.deleted` files, which the
 * next open removes (log-loader.ts). Closing the log finishes every pending deletion at once.
 */
import { unlinkSync } from 'node:fs';
import { ioError } from '../errors.js';
import type { Segment } from '../segment/segment.js';

interface PendingDeletion {
  segment: Segment;
  timer: NodeJS.Timeout;
}

export class SegmentDeletion {
  private readonly pending: PendingDeletion[] = [];

  constructor(private readonly fileDeleteDelayMs: number) {}

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Retires `segment` and renames its files `.deleted`; they are unlinked after the delay. */
  retire(segment: Segment): void {
    segment.retire();
    try {
      segment.changeState('deleted');
    } catch (error) {
      throw ioError(error, 'cannot retire segment', { path: segment.path, offset: segment.baseOffset });
    }
    const timer = setTimeout(() => this.finish(segment), this.fileDeleteDelayMs);
    timer.unref();
    this.pending.push({ segment, timer });
  }

  /** Unlinks every pending segment's files now (close). */
  finishAll(): void {
    for (const p of [...this.pending]) this.finish(p.segment);
  }

  private finish(segment: Segment): void {
    const i = this.pending.findIndex((p) => p.segment === segment);
    if (i >= 0) {
      clearTimeout((this.pending[i] as PendingDeletion).timer);
      this.pending.splice(i, 1);
    }
    deleteSegmentFiles(segment);
  }
}

/** Closes `segment` and unlinks its files under their current names (a `.deleted` or a final one). */
export function deleteSegmentFiles(segment: Segment): void {
  segment.close();
  segment.file.retire();
  // Only this segment's own current paths: a compacted replacement may share its base offset.
  const logPath = segment.path;
  const paths = [logPath, segment.offsetIndex.path, segment.timeIndex.path, segment.txnIndex.path];
  for (const path of paths) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone, or never existed (txnindex): nothing to do.
    }
  }
}
