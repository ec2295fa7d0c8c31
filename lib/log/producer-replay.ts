/**
 * Producer state at open (Kafka's LogLoader + ProducerStateManager): the newest readable `.snapshot`
 * at or below the log end, then a walk of every batch after it. The walk also re-derives the
 * `.txnindex` entries of the segments it covers, so an abort whose index entry a crash lost (or a
 * missing index file) is indexed again. When recovery rebuilt a segment below the snapshot, that
 * segment's index may have lost entries the snapshot cannot restore, so the walk starts at the log
 * start instead and re-derives every segment's entries.
 *
 * The walk reads through the one batch walker, headers only (records are hopped over), so after a
 * clean close (a snapshot at the log end) it reads nothing, and after a crash a few KiB per large
 * batch of the segments after the snapshot.
 */
import { CorruptRecordError, SeglogError } from '../errors.js';
import { CURRENT_MAGIC, BatchHeaderView, RecordBatch } from '../record/index.js';
import { BatchWalker } from '../segment/batch-walker.js';
import type { Segment } from '../segment/segment.js';
/** Bytes per read of the replay's walk: many small batches' headers at once, little waste around a large one. */
const REPLAY_WINDOW_BYTES = 4096;
/** Batches up to this size are read whole: every control batch (a transaction marker is 78 bytes). */
const CONTROL_BATCH_BYTES_MAX = 256;
import type { RecoveryAction, SegmentRecovery } from './log-loader.js';
import { ProducerStateTable, loadNewestSnapshot, type CompletedTransaction } from './producer-state.js';

/** The marker a control batch carries (COMMIT/ABORT and its coordinator epoch), or null for other control records. */
export function markerOf(bytes: Uint8Array, position: number): { commit: boolean; coordinatorEpoch: number } | null {
  const control = new RecordBatch(bytes, position, 0, undefined).controlRecord();
  if (control === null || (control.controlType !== 'COMMIT' && control.controlType !== 'ABORT')) return null;
  return { commit: control.controlType === 'COMMIT', coordinatorEpoch: control.coordinatorEpoch ?? -1 };
}

/**
 * Restores producer state for a log just loaded (or truncated); `rebuilt`: the segments recovery
 * rebuilt, with how many of their batches name a producer — one with none is not walked again (its
 * scan has just shown there is nothing in it for producer state). Set-aside snapshots go to `actions`.
 */
export function restoreProducerState(dir: string, segments: readonly Segment[], logStartOffset: number, logEndOffset: number,
    rebuilt: readonly SegmentRecovery[], actions: RecoveryAction[]): ProducerStateTable {
  const snapshot = loadNewestSnapshot(dir, logEndOffset);
  actions.push(...snapshot.actions);
  let table = snapshot.table ?? new ProducerStateTable();
  let from = Math.max(snapshot.offset, logStartOffset);
  const nothingToLearn = new Set(rebuilt.filter((r) => r.producerBatches === 0).map((r) => r.baseOffset));
  if (snapshot.table !== null && rebuilt.some((r) => r.baseOffset < snapshot.offset && r.producerBatches > 0)) {
    table = new ProducerStateTable();
    from = logStartOffset;
  }
  if (from >= logEndOffset) return table;
  const header = new BatchHeaderView();
  // Headers only: a batch's records are hopped over (a marker, 78 bytes, is read whole), so the walk reads
  // a few KiB per large batch instead of the segment again after recovery has just read it.
  const walker = new BatchWalker({ chunkBytes: REPLAY_WINDOW_BYTES, wholeBatchBytesMax: CONTROL_BATCH_BYTES_MAX });
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    if ((next !== undefined && next.baseOffset <= from) || nothingToLearn.has(segment.baseOffset)) continue;
    segment.txnIndex.truncateTo(from);
    walker.open(segment.path, 0, segment.sizeBytes);
    try {
      while (walker.next()) {
        if (walker.magic !== CURRENT_MAGIC) continue;
        const h = header.load(walker.chunk, walker.batchStart);
        if (h.lastOffset < from || h.producerId < 0) continue;
        const marker = h.isControl && walker.sizeBytes <= CONTROL_BATCH_BYTES_MAX ? markerOf(walker.chunk, walker.batchStart) : null;
        const completed = table.apply(h, h.baseOffset, h.lastOffset, h.maxTimestampMs, marker);
        if (completed !== null) indexAbort(segment, table, completed);
      }
    } catch (error) {
      // Damage recovery could not see (an int64 outside the CRC, below the recovery point): name the file and the place.
      const detail = error instanceof SeglogError ? `${error.code}: ${error.message}` : (error as Error).message;
      throw new CorruptRecordError(`cannot replay producer state: ${detail}`, { path: segment.path, positionBytes: walker.positionBytes,
        cause: error });
    } finally {
      walker.close();
    }
  }
  return table;
}

/** Adds an aborted transaction's entry to the `.txnindex` of the segment holding its marker. */
export function indexAbort(segment: Segment, table: ProducerStateTable, completed: CompletedTransaction): void {
  if (completed.aborted) segment.txnIndex.append(table.abortedEntry(completed));
}
