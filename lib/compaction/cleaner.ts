/**
 * One compaction round on one Log (Kafka's LogCleaner.doClean, reference §11): map the dirty range
 * key → latest offset (offset-map.ts), then recopy every sealed segment from the log start up to the
 * round's end offset into `.cleaned` segments and swap them in with the Log's crash-safe protocol.
 *
 * What a round keeps (offsets never change, batches are never merged or split):
 *   - records above the map's latestOffset; keyed records whose offset ≥ map[key], except a
 *     tombstone whose batch's delete horizon has passed; records without keys are dropped;
 *   - data batches of aborted transactions are dropped (aborts read from the `.txnindex` files, as a
 *     read_committed fetch reads them); an ABORT marker stays while data of its transaction remains in
 *     this pass, a COMMIT marker while any batch of its transaction was traversed; a marker that may
 *     go first gets a delete horizon and goes in a later pass at ≥ horizon (§11.4);
 *   - a batch left with no records is dropped, except (RETAIN_EMPTY) the last batch of a producer
 *     and the last batch of the round, kept as a bare 61-byte header with original offsets.
 * A batch whose records all stay and that needs no new horizon is copied verbatim; otherwise it is
 * rebuilt with the same codec, flags, producer fields and base/last offsets.
 *
 * Tombstones: the first pass that keeps a tombstone in a batch without a horizon rewrites the batch
 * with attribute bit 6 and baseTimestamp = nowMs + deleteRetentionMs.
 *
 * Pauses: the round runs on the main thread in slices of ≤ sliceMs (default 5 ms) of batch work,
 * yielding with setImmediate between slices, so appends and reads on the same log wait at most one
 * slice; fsyncs of the cleaned files run in the thread pool. The swap is the exception: its renames,
 * directory fsyncs and the checkpoint write are synchronous (each rename must be durable before the
 * next, and appends must not see a half-swapped segment list), so the longest pause reported is the
 * longer of the longest slice and the swap.
 *
 * Crash behaviour: `.cleaned` files are written and fsync'd before `Log.replaceSegments` renames
 * anything; a crash before the swap leaves `.cleaned` files the loader deletes (round lost, log
 * unchanged), a crash inside it is finished by the loader (§9.2). The cleaner checkpoint is written
 * after the swap: a crash in between only makes the next round redo work.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { assert } from '../assert.js';
import { CleanupPolicyError, InvalidArgumentError } from '../errors.js';
import { CLEANER_SLICE_MS_DEFAULT, OFFSET_MAP_BYTES_DEFAULT, OFFSET_MAP_LOAD_FACTOR, OFFSET_MAP_SLOT_BYTES, RECORD_BATCH_OVERHEAD_BYTES,
  RELATIVE_OFFSET_MAX } from '../limits.js';
import { hasCompactPolicy, requireNowMs } from '../log/config.js';
import { readCleanerCheckpoint, writeCleanerCheckpoint } from '../log/log-checkpoints.js';
import type { Log } from '../log/log.js';
import { CURRENT_MAGIC, MAX_TIMESTAMP, RecordBatch, encodeBatch, type RecordInput } from '../record/index.js';
import { segmentFileName } from '../segment/file-names.js';
import type { Segment } from '../segment/segment.js';
import type { AbortedTransaction } from '../segment/transaction-index.js';
import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from '../segment/side-file-layouts.js';
import { BatchScanner } from './batch-scanner.js';
import { CleanerPacer } from './cleaner-pacer.js';
import { abortedTxnAt, controlTypeAt, scanTransactions, type TransactionScan } from './transaction-scan.js';
import { cleanableRange, type CleanableRange, type CleanableSegmentInfo } from './compaction-policy.js';
import { OffsetMap } from './offset-map.js';


/** Points a crash test can stop the process at (CleanOptions.onStep). */
export type CleanStep = 'mapped' | 'segment-written' | 'before-swap' | 'swap-rename' | 'swapped' | 'checkpointed';

export interface CleanOptions {
  nowMs: number;
  /** Most offset-map memory when no map is given (default 128 MiB, Kafka's dedupe buffer); sized down to the dirty range. */
  offsetMapBytes?: number;
  /** A map to reuse across rounds (LogManager keeps one); cleared at the start of the round. */
  offsetMap?: OffsetMap;
  /** Longest stretch of batch work before yielding to the event loop. */
  sliceMs?: number;
  /** Clean even when the dirty ratio is not above minCleanableDirtyRatio. Default true. */
  ignoreDirtyRatio?: boolean;
  onStep?: (step: CleanStep) => void;
}

export interface CleanResult {
  /** False when nothing was cleanable (or the round was abandoned because the log changed under it). */
  cleaned: boolean;
  range: CleanableRange;
  /** The new first dirty offset (the cleaner checkpoint after the round). */
  endOffset: number;
  /** True when the offset map filled before the dirty range ended: the next round continues. */
  mapFull: boolean;
  bytesRead: number;
  bytesWritten: number;
  recordsKept: number;
  recordsDropped: number;
  tombstonesRemoved: number;
  batchesCopied: number;
  batchesRebuilt: number;
  batchesDropped: number;
  emptyBatchesRetained: number;
  segmentsReplaced: number;
  segmentsWritten: number;
  mapEntries: number;
  longestPauseMs: number;
  durationMs: number;
}

function cleanableInfos(log: Log): CleanableSegmentInfo[] {
  const sealed = log.sealedSegments();
  return log.segmentInfos().map((info, i) => ({
    baseOffset: info.baseOffset,
    sizeBytes: info.sizeBytes,
    endOffset: info.endOffset,
    largestTimestampMs: info.largestTimestampMs,
    firstBatchTimestampMs: i < sealed.length ? (sealed[i] as Segment).firstBatchTimestamp() : -1,
    isActive: info.isActive,
  }));
}

/** The log's cleanable range now (dirty ratio, offsets), from its segments and cleaner checkpoint. */
export function cleanableRangeOf(log: Log, nowMs: number): CleanableRange {
  return cleanableRange(cleanableInfos(log), log.config, {
    checkpointOffset: readCleanerCheckpoint(log),
    logStartOffset: log.logStartOffset,
    logEndOffset: log.logEndOffset,
    highWatermark: log.highWatermark,
    nowMs,
  });
}

/** cleanableBytes / (cleanBytes + cleanableBytes) of the log now. */
export function dirtyRatio(log: Log, nowMs: number): number {
  return cleanableRangeOf(log, nowMs).dirtyRatio;
}

function emptyResult(range: CleanableRange, endOffset: number): CleanResult {
  return {
    cleaned: false, range, endOffset, mapFull: false, bytesRead: 0, bytesWritten: 0, recordsKept: 0, recordsDropped: 0,
    tombstonesRemoved: 0, batchesCopied: 0, batchesRebuilt: 0, batchesDropped: 0, emptyBatchesRetained: 0,
    segmentsReplaced: 0, segmentsWritten: 0, mapEntries: 0, longestPauseMs: 0, durationMs: 0,
  };
}

interface MapOutcome {
  txns: TransactionScan | null;
  /** Last offset of each producer's latest batch seen in the dirty range. */
  lastBatchOffsetByProducer: Map<number, number>;
  full: boolean;
}

/** Phase 1: key → latest offset over [firstDirty, stopOffset), whole batches only. */
async function buildOffsetMap(
  log: Log, segments: readonly Segment[], firstDirtyOffset: number, stopOffset: number,
  map: OffsetMap, pacer: CleanerPacer, counters: { bytesRead: number },
): Promise<MapOutcome> {
  const outcome: MapOutcome = { txns: null, lastBatchOffsetByProducer: new Map(), full: false };
  let stop = stopOffset;
  const scanner = new BatchScanner();
  try {
    outer: for (const segment of segments) {
      if (segment.baseOffset >= stop) break;
      scanner.open(segment.path, segment.sizeBytes);
      while (scanner.next()) {
        const h = scanner.header;
        if (h.lastOffset < firstDirtyOffset) continue;
        if (h.isTransactional && outcome.txns === null) {
          outcome.txns = scanTransactions(log);
          stop = Math.min(stop, outcome.txns.firstOpenOffset);
        }
        if (h.lastOffset >= stop) break outer;
        if (map.size + h.recordsCount > map.entriesMax) {
          if (map.size === 0) {
            const message = `offset map of ${map.memoryBytes} bytes cannot hold one batch of ${h.recordsCount} records`;
            throw new InvalidArgumentError(message, { offset: h.baseOffset });
          }
          outcome.full = true;
          break outer;
        }
        if (h.producerId >= 0) outcome.lastBatchOffsetByProducer.set(h.producerId, h.lastOffset);
        const aborted = h.isTransactional && !h.isControl ? abortedTxnAt(outcome.txns, h.producerId, h.baseOffset) : null;
        if (!h.isControl && aborted === null && h.recordsCount > 0) {
          const batch = new RecordBatch(scanner.chunk, scanner.batchStart, scanner.positionBytes - scanner.batchStart, segment.path);
          for (const record of batch.records()) {
            const key = record.key;
            if (key !== null) map.put(key, 0, key.length, record.offset);
          }
        }
        // Control and aborted batches are not mapped, but the round covers them (Kafka's updateLatestOffset).
        if (h.lastOffset > map.latestOffset) map.latestOffset = h.lastOffset;
        await pacer.maybeYield();
      }
    }
  } finally {
    counters.bytesRead += scanner.bytesRead;
    scanner.close();
  }
  return outcome;
}

/** Consecutive segments merged into one output while within segmentBytes, index size and offset span. */
function groupSegments(segments: readonly Segment[], segmentBytes: number, segmentIndexBytes: number): Segment[][] {
  const groups: Segment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i] as Segment;
    const group = [first];
    let logBytes = first.sizeBytes;
    let offsetIndexBytes = first.offsetIndex.entries * OFFSET_INDEX_ENTRY_BYTES;
    // Time-index entries are written together with offset-index entries (segment.ts), so count those.
    let timeIndexBytes = first.offsetIndex.entries * TIME_INDEX_ENTRY_BYTES;
    i++;
    while (i < segments.length) {
      const next = segments[i] as Segment;
      const span = next.nextOffset() - 1 - first.baseOffset;
      const entries = next.offsetIndex.entries;
      if (logBytes + next.sizeBytes > segmentBytes || offsetIndexBytes + entries * OFFSET_INDEX_ENTRY_BYTES > segmentIndexBytes
        || timeIndexBytes + entries * TIME_INDEX_ENTRY_BYTES > segmentIndexBytes || span > RELATIVE_OFFSET_MAX) break;
      logBytes += next.sizeBytes;
      offsetIndexBytes += next.offsetIndex.entries * OFFSET_INDEX_ENTRY_BYTES;
      timeIndexBytes += next.offsetIndex.entries * TIME_INDEX_ENTRY_BYTES;
      group.push(next);
      i++;
    }
    groups.push(group);
  }
  return groups;
}

/** Phase 2 state: what the recopy decides per batch. */
interface Recopy {
  nowMs: number;
  deleteRetentionMs: number;
  map: OffsetMap;
  txns: TransactionScan | null;
  lastBatchOffsetByProducer: Map<number, number>;
  roundLastOffset: number;
  abortedSeen: Set<AbortedTransaction>;
  committedOngoing: Set<number>;
  result: CleanResult;
}

/**
 * Kafka's CleanedTransactionMetadata, per batch in log order: a data batch of an aborted transaction
 * is discardable; an ABORT marker is once no data of its transaction was seen in this pass; a COMMIT
 * marker is once no batch of its transaction was traversed since the previous marker.
 */
function transactionDiscardable(state: Recopy, scanner: BatchScanner): boolean {
  const h = scanner.header;
  if (h.isControl) {
    const type = h.isTransactional && h.recordsCount > 0 ? controlTypeAt(scanner) : null;
    if (type === 'ABORT') {
      const txn = abortedTxnAt(state.txns, h.producerId, h.lastOffset);
      return txn === null || !state.abortedSeen.has(txn);
    }
    if (type === 'COMMIT') return !state.committedOngoing.delete(h.producerId);
    return false;
  }
  if (!h.isTransactional || h.producerId < 0) return false;
  const txn = abortedTxnAt(state.txns, h.producerId, h.baseOffset);
  if (txn === null) {
    state.committedOngoing.add(h.producerId);
    return false;
  }
  state.abortedSeen.add(txn);
  return true;
}

/** Writes the current batch's survivors into `out` (verbatim, rebuilt, empty header, or nothing). */
function recopyBatch(state: Recopy, scanner: BatchScanner, out: Segment, path: string): void {
  const h = scanner.header;
  const result = state.result;
  if (h.magic !== CURRENT_MAGIC) {
    out.append(scanner.batchBytes(), h.lastOffset, h.maxTimestampMs);
    result.batchesCopied++;
    return;
  }
  const nowMs = state.nowMs;
  const discardable = transactionDiscardable(state, scanner);
  const horizonPassed = h.hasDeleteHorizon && h.baseTimestampMs <= nowMs;
  const discardRecords = h.isControl ? discardable && horizonPassed : discardable;
  const lastOfProducer = h.producerId >= 0 && (state.lastBatchOffsetByProducer.get(h.producerId) ?? h.lastOffset) === h.lastOffset;
  const retainEmpty = lastOfProducer || h.lastOffset === state.roundLastOffset;
  const map = state.map;
  const latestOffset = map.latestOffset;

  const kept: RecordInput[] = [];
  const offsetDeltas: number[] = [];
  let droppedAny = false;
  let tombstoneKept = false;
  if (!discardRecords && h.recordsCount > 0) {
    const batch = new RecordBatch(scanner.chunk, scanner.batchStart, scanner.positionBytes - scanner.batchStart, path);
    for (const record of batch.records()) {
      let keep: boolean;
      if (h.isControl || record.offset > latestOffset) keep = true;
      else if (record.key === null) keep = false;
      else {
        const latest = record.offset >= map.get(record.key, 0, record.key.length);
        const tombstoneLives = !h.hasDeleteHorizon || nowMs < h.baseTimestampMs;
        keep = latest && (record.value !== null || tombstoneLives);
        if (latest && !keep) result.tombstonesRemoved++;
      }
      if (keep) {
        if (record.value === null && !h.isControl) tombstoneKept = true;
        kept.push({ key: record.key, value: record.value, headers: record.headers, timestampMs: record.timestampMs });
        offsetDeltas.push(record.offsetDelta);
      } else {
        droppedAny = true;
      }
    }
  } else if (h.recordsCount > 0) {
    droppedAny = true;
  }
  result.recordsKept += kept.length;
  result.recordsDropped += h.recordsCount - kept.length;
  const needsHorizon = (tombstoneKept || (h.isControl && discardable)) && !h.hasDeleteHorizon;

  if (kept.length > 0 && !droppedAny && !needsHorizon) {
    out.append(scanner.batchBytes(), h.lastOffset, h.maxTimestampMs);
    result.batchesCopied++;
    return;
  }
  const common = {
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    isTransactional: h.isTransactional,
    isControl: h.isControl,
    timestampType: h.timestampType,
    lastOffsetDelta: h.lastOffsetDelta,
  };
  if (kept.length > 0) {
    const horizonMs = needsHorizon ? nowMs + state.deleteRetentionMs : h.hasDeleteHorizon ? h.baseTimestampMs : undefined;
    const bytes = encodeBatch(kept, {
      ...common,
      compression: h.compression,
      offsetDeltas,
      ...(horizonMs === undefined ? {} : { deleteHorizonMs: horizonMs }),
      // LogAppendTime batches keep their stamped max timestamp.
      ...(h.timestampType === 'LogAppendTime' ? { nowMs: h.maxTimestampMs } : {}),
    });
    const maxTimestampMs = readMaxTimestamp(bytes);
    out.append(bytes, h.lastOffset, maxTimestampMs);
    result.batchesRebuilt++;
    return;
  }
  if (retainEmpty) {
    const maxTimestampMs = h.maxTimestampMs;
    const bytes = encodeBatch([], { ...common, compression: 'none', baseTimestampMs: -1, maxTimestampMs, nowMs: maxTimestampMs });
    assert(bytes.length === RECORD_BATCH_OVERHEAD_BYTES, 'an empty batch is a bare header');
    out.append(bytes, h.lastOffset, h.maxTimestampMs);
    result.emptyBatchesRetained++;
    return;
  }
  result.batchesDropped++;
}

function readMaxTimestamp(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Number(view.getBigInt64(MAX_TIMESTAMP));
}

/** Removes `.cleaned` output of an abandoned round (the loader would delete it on open anyway). */
function discardCleaned(dir: string, segments: readonly Segment[]): void {
  for (const s of segments) {
    s.close();
    for (const kind of ['log', 'index', 'timeindex', 'txnindex'] as const) {
      try {
        unlinkSync(join(dir, segmentFileName(s.baseOffset, kind, 'cleaned')));
      } catch {
        // Already gone.
      }
    }
  }
}

/**
 * Memory for a round's own offset map: no more than the offsets in the dirty range can need (each
 * offset is at most one key), capped by `memoryMaxBytes`. A small compacted topic then costs a few
 * KiB per round instead of Kafka's full 128 MiB dedupe buffer.
 */
export function offsetMapBytesFor(range: CleanableRange, memoryMaxBytes: number): number {
  const offsets = Math.max(0, range.firstUncleanableOffset - range.firstDirtyOffset);
  const slots = Math.ceil(offsets / OFFSET_MAP_LOAD_FACTOR) + 2;
  return Math.min(memoryMaxBytes, slots * OFFSET_MAP_SLOT_BYTES);
}

/**
 * One cleaning round. Resolves with what was done; `cleaned: false` when nothing was cleanable.
 * Appends and reads on `log` may continue while it runs.
 */
export async function cleanLog(log: Log, options: CleanOptions): Promise<CleanResult> {
  const startedMs = performance.now();
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('cleanLog needs options with nowMs');
  const nowMs = requireNowMs(options.nowMs, 'cleanLog');
  if (!hasCompactPolicy(log.config)) {
    throw new CleanupPolicyError(`cleanLog on a log whose cleanup.policy is '${log.config.cleanupPolicy}': compaction would drop records`
      + ' this log keeps (set cleanupPolicy to compact or compact,delete)', { path: log.dir });
  }
  const range = cleanableRangeOf(log, nowMs);
  const skip = range.cleanableBytes === 0 || (options.ignoreDirtyRatio === false && !range.eligible);
  if (skip) return emptyResult(range, range.firstDirtyOffset);
  const map = options.offsetMap ?? new OffsetMap(offsetMapBytesFor(range, options.offsetMapBytes ?? OFFSET_MAP_BYTES_DEFAULT));
  map.clear();
  const pacer = new CleanerPacer(options.sliceMs ?? CLEANER_SLICE_MS_DEFAULT);
  const result = emptyResult(range, range.firstDirtyOffset);
  const sealed = [...log.sealedSegments()];
  const counters = { bytesRead: 0 };
  const mapped = await buildOffsetMap(log, sealed, range.firstDirtyOffset, range.firstUncleanableOffset, map, pacer, counters);
  options.onStep?.('mapped');
  result.mapFull = mapped.full;
  result.mapEntries = map.size;
  if (map.latestOffset < range.firstDirtyOffset) {
    result.longestPauseMs = pacer.longestMs;
    return result;
  }
  const endOffset = map.latestOffset + 1;
  const toClean = sealed.filter((s) => s.baseOffset < endOffset);
  let roundLastOffset = -1;
  for (const s of toClean) if (s.sizeBytes > 0) roundLastOffset = Math.max(roundLastOffset, s.nextOffset() - 1);
  const state: Recopy = {
    nowMs, deleteRetentionMs: log.config.deleteRetentionMs, map, txns: mapped.txns,
    lastBatchOffsetByProducer: mapped.lastBatchOffsetByProducer, roundLastOffset,
    abortedSeen: new Set(), committedOngoing: new Set(), result,
  };
  const groups = groupSegments(toClean, log.config.segmentBytes, log.config.segmentIndexBytes);
  const scanner = new BatchScanner();
  const written: Segment[] = [];
  try {
    for (const group of groups) {
      const out = log.createCleanedSegment((group[0] as Segment).baseOffset);
      written.push(out);
      // Offsets never move, so each aborted transaction's entry stays true for the cleaned segment
      // (its data may be gone: a consumer then finds nothing to drop).
      for (const segment of group) for (const entry of segment.txnIndex.all()) out.txnIndex.append(entry);
      for (const segment of group) {
        scanner.open(segment.path, segment.sizeBytes);
        while (scanner.next()) {
          recopyBatch(state, scanner, out, segment.path);
          await pacer.maybeYield();
        }
      }
      out.onBecomeInactive();
      await out.flush();
      pacer.resume();
      out.releaseWriter();
      result.bytesWritten += out.sizeBytes;
      options.onStep?.('segment-written');
    }
  } catch (error) {
    scanner.close();
    discardCleaned(log.dir, written);
    throw error;
  }
  counters.bytesRead += scanner.bytesRead;
  scanner.close();
  await pacer.yieldNow();
  // The log may have changed while we worked (retention, truncation, close): swap only onto what we read.
  const current = log.isClosed ? [] : log.sealedSegments();
  const stillThere = toClean.every((s) => current.includes(s));
  if (!stillThere) {
    discardCleaned(log.dir, written);
    result.bytesRead = counters.bytesRead;
    result.longestPauseMs = pacer.longestMs;
    return result;
  }
  options.onStep?.('before-swap');
  const swapStartMs = performance.now();
  // One swap for every group: the loader then resolves a crash to all-old or all-new (§9.2).
  log.replaceSegments(toClean.map((s) => s.baseOffset), written, () => options.onStep?.('swap-rename'));
  options.onStep?.('swapped');
  writeCleanerCheckpoint(log, endOffset);
  const swapMs = performance.now() - swapStartMs;
  options.onStep?.('checkpointed');
  result.cleaned = true;
  result.endOffset = endOffset;
  result.bytesRead = counters.bytesRead;
  result.segmentsReplaced = toClean.length;
  result.segmentsWritten = written.length;
  result.longestPauseMs = Math.max(pacer.longestMs, swapMs);
  result.durationMs = performance.now() - startedMs;
  return result;
}
