/**
 * Producer state of one partition log (Kafka's ProducerStateManager): per producer id, its epoch, the
 * metadata of its last PRODUCER_BATCHES_RETAINED batches, the coordinator epoch of its last marker and
 * the first offset of its open transaction. The log keeps it current on every append and restores it
 * at open; a broker uses it to answer an idempotent producer's retry with the original offsets
 * instead of appending twice, and the log uses it for the last stable offset and `.txnindex`.
 *
 * Sequence rules (Kafka's, for leader appends): an older epoch is fenced; a newer epoch must start at
 * sequence 0; the same epoch must continue at lastSequence + 1 (wrapping Int32.MAX → 0) unless the
 * batch equals a retained one (a duplicate). A producer we know nothing about may start anywhere
 * (its state was lost to retention or never persisted).
 *
 * Transaction rules (Kafka's ProducerAppendInfo): the first transactional data batch of a producer
 * opens its transaction at that batch's base offset; a plain batch while one is open is refused; a
 * COMMIT or ABORT marker needs an open transaction, an epoch not older than the producer's and a
 * coordinator epoch not older than the last marker's, and closes it. The last stable offset is the
 * smallest first offset of the open transactions.
 *
 * Snapshot file `<offset>.snapshot` in the partition directory, Kafka's format (v1; its codec is
 * lib/segment/producer-snapshot.ts, exported from the entry point), with each producer's open
 * transaction and coordinator epoch. The name's offset is the exclusive end of the log the state
 * reflects. A snapshot keeps only the last batch per producer (as Kafka's does); replaying the log
 * after it restores the rest. Crash: written to a temporary name, fsync'd, renamed — a torn snapshot
 * is never read; a bad CRC means "replay".
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CoordinatorFencedError, OutOfOrderSequenceError, ProducerFencedError, TransactionStateError, ioError } from '../errors.js';
import { PRODUCER_BATCHES_RETAINED } from '../limits.js';
import { parseSegmentFileName, segmentFileName } from '../segment/file-names.js';
import { decodeProducerSnapshot, encodeProducerSnapshot, type ProducerSnapshotEntry } from '../segment/producer-snapshot.js';
import type { AbortedTransaction } from '../segment/transaction-index.js';
import { fsyncDirectory } from './checkpoint-file.js';
import { RECOVERED_SUFFIX, type RecoveryAction } from './log-loader.js';

const SEQUENCE_MAX = 2_147_483_647;
/** Sequences live in int32 and wrap from SEQUENCE_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
const SEQUENCE_MODULUS = 2_147_483_648;

/** The sequence `delta` after `sequence`, wrapped into [0, SEQUENCE_MAX]. */
export function sequenceAfter(sequence: number, delta: number): number {
  return (((sequence + delta) % SEQUENCE_MODULUS) + SEQUENCE_MODULUS) % SEQUENCE_MODULUS;
}

interface BatchMetadata {
  firstSequence: number;
  lastSequence: number;
  firstOffset: number;
  lastOffset: number;
  timestampMs: number;
}

interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first; at most PRODUCER_BATCHES_RETAINED. */
  batches: BatchMetadata[];
  /** Coordinator epoch of the producer's last marker, -1 before any. */
  coordinatorEpoch: number;
  /** First offset of the open transaction, -1 when none is open. */
  currentTxnFirstOffset: number;
}

type SequenceCheck = { duplicate: null } | { duplicate: BatchMetadata };

const NOT_DUPLICATE: SequenceCheck = { duplicate: null };

/** What an appended batch tells producer state: its producer fields, offsets, and (for a marker) its control type. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  isTransactional: boolean;
  isControl: boolean;
}

/** A transaction a marker ended: what `.txnindex` records for an ABORT. */
export interface CompletedTransaction {
  producerId: number;
  firstOffset: number;
  /** The marker's offset. */
  lastOffset: number;
  aborted: boolean;
}

/** A transaction still open: its producer, epoch and first offset. */
export interface OpenTransaction {
  producerId: number;
  producerEpoch: number;
  firstOffset: number;
}

export class ProducerStateTable {
  readonly producers = new Map<number, ProducerEntry>();
  /** Producer id → first offset of its open transaction (few: a fetch asks for the smallest). */
  private readonly open = new Map<number, number>();

  /**
   * Checks a data batch against the rules above. Returns the retained batch it duplicates, if any.
   * Throws ProducerFencedError, OutOfOrderSequenceError or TransactionStateError.
   */
  check(producerId: number, epoch: number, firstSequence: number, lastSequence: number,
      place: { path: string; offset: number }, isTransactional = false): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return NOT_DUPLICATE;
    if (epoch < entry.epoch) {
      throw new ProducerFencedError(`producer ${producerId} epoch ${epoch} is older than ${entry.epoch}`, place);
    }
    if (!isTransactional && entry.currentTxnFirstOffset >= 0) {
      throw new TransactionStateError(`plain batch from producer ${producerId} while its transaction from offset `
        + `${entry.currentTxnFirstOffset} is open`, place);
    }
    if (epoch > entry.epoch) {
      if (firstSequence !== 0) {
        throw new OutOfOrderSequenceError(`producer ${producerId} new epoch ${epoch} must start at sequence 0, got ${firstSequence}`,
            place);
      }
      return NOT_DUPLICATE;
    }
    for (const b of entry.batches) {
      if (b.firstSequence === firstSequence && b.lastSequence === lastSequence) return { duplicate: b };
    }
    const last = entry.batches[entry.batches.length - 1];
    if (last === undefined) return NOT_DUPLICATE;
    const expected = last.lastSequence === SEQUENCE_MAX ? 0 : last.lastSequence + 1;
    if (firstSequence !== expected) {
      throw new OutOfOrderSequenceError(`producer ${producerId} epoch ${epoch}: expected sequence ${expected}, got ${firstSequence}`,
          place);
    }
    return NOT_DUPLICATE;
  }

  /**
   * Checks a COMMIT/ABORT marker (Kafka's appendEndTxnMarker): the producer has an open transaction,
   * the marker's epoch is not older than the producer's, nor its coordinator epoch than the last one.
   */
  checkMarker(producerId: number, epoch: number, coordinatorEpoch: number, place: { path: string; offset: number }): void {
    const entry = this.producers.get(producerId);
    if (entry === undefined || entry.currentTxnFirstOffset < 0) {
      throw new TransactionStateError(`producer ${producerId} has no open transaction to end`, place);
    }
    if (epoch < entry.epoch) {
      throw new ProducerFencedError(`marker epoch ${epoch} of producer ${producerId} is older than ${entry.epoch}`, place);
    }
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      throw new CoordinatorFencedError(`marker coordinator epoch ${coordinatorEpoch} of producer ${producerId} is older than `
        + `${entry.coordinatorEpoch}`, place);
    }
  }

  /**
   * Applies an appended batch (the log calls this after each append and while replaying): data
   * batches are remembered for duplicate detection and open a transaction when transactional; a
   * marker closes one. Returns the transaction a marker ended, or null.
   */
  apply(batch: ProducerBatch, firstOffset: number, lastOffset: number, timestampMs: number,
      marker: { commit: boolean; coordinatorEpoch: number } | null): CompletedTransaction | null {
    const producerId = batch.producerId;
    if (batch.isControl) {
      if (marker === null) return null; // other control records (leader change) carry no producer state
      const entry = this.entryFor(producerId, batch.producerEpoch);
      entry.coordinatorEpoch = marker.coordinatorEpoch;
      const txnFirstOffset = entry.currentTxnFirstOffset;
      entry.currentTxnFirstOffset = -1;
      this.open.delete(producerId);
      // A marker for a transaction that wrote nothing here (or whose data retention took) ends nothing to index.
      if (txnFirstOffset < 0) return null;
      return { producerId, firstOffset: txnFirstOffset, lastOffset, aborted: !marker.commit };
    }
    this.record(producerId, batch.producerEpoch, {
      firstSequence: batch.baseSequence,
      lastSequence: sequenceAfter(batch.baseSequence, batch.lastOffsetDelta),
      firstOffset, lastOffset, timestampMs,
    });
    if (batch.isTransactional) {
      const entry = this.producers.get(producerId)!;
      if (entry.currentTxnFirstOffset < 0) {
        entry.currentTxnFirstOffset = firstOffset;
        this.open.set(producerId, firstOffset);
      }
    }
    return null;
  }

  /** Remembers an appended data batch's sequence metadata (apply calls it; also used by tests). */
  record(producerId: number, epoch: number, batch: BatchMetadata): void {
    // Callers may hand an unwrapped last sequence (first + count - 1): keep every stored one in int32.
    if (batch.lastSequence > SEQUENCE_MAX || batch.lastSequence < -1) {
      batch = { ...batch, lastSequence: sequenceAfter(batch.lastSequence, 0) };
    }
    const entry = this.entryFor(producerId, epoch);
    entry.batches.push(batch);
    if (entry.batches.length > PRODUCER_BATCHES_RETAINED) entry.batches.shift();
  }

  /** The producer's entry, reset for a newer epoch (its retained batches belong to the old one; an open transaction stays). */
  private entryFor(producerId: number, epoch: number): ProducerEntry {
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = { producerId, epoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1 };
      this.producers.set(producerId, entry);
    } else if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches = [];
    }
    return entry;
  }

  /** The smallest first offset of an open transaction, or null when none is open. */
  firstUnstableOffset(): number | null {
    if (this.open.size === 0) return null;
    let first = Number.MAX_SAFE_INTEGER;
    for (const offset of this.open.values()) if (offset < first) first = offset;
    return first;
  }

  /** The open transactions, oldest first. */
  openTransactions(): OpenTransaction[] {
    const list: OpenTransaction[] = [];
    for (const [producerId, firstOffset] of this.open) {
      list.push({ producerId, producerEpoch: this.producers.get(producerId)!.epoch, firstOffset });
    }
    return list.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Whether `producerId` has a transaction open in this log. */
  hasOpenTransaction(producerId: number): boolean {
    return this.open.has(producerId);
  }

  /**
   * The `.txnindex` entry of an aborted transaction just ended: its last stable offset is the first
   * offset of the oldest transaction still open, or the offset after the marker when none is.
   */
  abortedEntry(completed: CompletedTransaction): AbortedTransaction {
    return { producerId: completed.producerId, firstOffset: completed.firstOffset, lastOffset: completed.lastOffset,
      lastStableOffset: this.firstUnstableOffset() ?? completed.lastOffset + 1 };
  }

  get largestProducerId(): number {
    let largest = -1;
    for (const id of this.producers.keys()) largest = Math.max(largest, id);
    return largest;
  }

  encodeSnapshot(): Buffer {
    const entries: ProducerSnapshotEntry[] = [];
    for (const entry of this.producers.values()) {
      const last = entry.batches[entry.batches.length - 1];
      entries.push({
        producerId: entry.producerId,
        producerEpoch: entry.epoch,
        lastSequence: last?.lastSequence ?? -1,
        lastOffset: last?.lastOffset ?? -1,
        offsetDelta: last === undefined ? 0 : last.lastOffset - last.firstOffset,
        timestampMs: last?.timestampMs ?? -1,
        coordinatorEpoch: entry.coordinatorEpoch,
        currentTxnFirstOffset: entry.currentTxnFirstOffset,
      });
    }
    return encodeProducerSnapshot(entries);
  }

  static decodeSnapshot(bytes: Buffer, path: string): ProducerStateTable {
    const table = new ProducerStateTable();
    for (const s of decodeProducerSnapshot(bytes, path).entries) {
      const entry = table.entryFor(s.producerId, s.producerEpoch);
      if (s.lastOffset >= 0) {
        table.record(s.producerId, s.producerEpoch, {
          firstSequence: sequenceAfter(s.lastSequence, -s.offsetDelta),
          lastSequence: s.lastSequence,
          firstOffset: s.lastOffset - s.offsetDelta,
          lastOffset: s.lastOffset,
          timestampMs: s.timestampMs,
        });
      }
      entry.coordinatorEpoch = s.coordinatorEpoch;
      if (s.currentTxnFirstOffset >= 0) {
        entry.currentTxnFirstOffset = s.currentTxnFirstOffset;
        table.open.set(s.producerId, s.currentTxnFirstOffset);
      }
    }
    return table;
  }
}

/** Offsets of the `<offset>.snapshot` files in `dir`, ascending. */
export function listSnapshotOffsets(dir: string): number[] {
  const offsets: number[] = [];
  for (const name of readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (parsed !== null && parsed.kind === 'snapshot' && parsed.state === null) offsets.push(parsed.baseOffset);
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * Writes `<offset>.snapshot` through a temporary name and a rename, and removes older snapshots.
 * `durable`: fsync the file and the directory (close). A roll writes without: a snapshot lost to a
 * crash, or torn (its CRC fails), only costs a longer replay at the next open.
 */
export function writeSnapshot(dir: string, offset: number, table: ProducerStateTable, durable = true): void {
  const path = join(dir, segmentFileName(offset, 'snapshot'));
  const temporary = `${path}.tmp`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      const bytes = table.encodeSnapshot();
      writeSync(fd, bytes, 0, bytes.length, 0);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    for (const older of listSnapshotOffsets(dir)) {
      if (older !== offset) unlinkSync(join(dir, segmentFileName(older, 'snapshot')));
    }
  } catch (error) {
    throw ioError(error, 'cannot write producer snapshot', { path, offset });
  }
  if (durable) fsyncDirectory(dir);
}

/** The newest readable snapshot at or below `maxOffset`, or null (a read-only look: nothing is set aside). */
export function readNewestSnapshot(dir: string, maxOffset: number): { offset: number; table: ProducerStateTable } | null {
  const offsets = listSnapshotOffsets(dir).filter((o) => o <= maxOffset).reverse();
  for (const offset of offsets) {
    const path = join(dir, segmentFileName(offset, 'snapshot'));
    try {
      return { offset, table: ProducerStateTable.decodeSnapshot(readFileSync(path), path) };
    } catch {
      // Damaged: an older one, or none.
    }
  }
  return null;
}

/**
 * The newest readable snapshot at or below `maxOffset` (offset 0 and no table when none). A snapshot
 * that does not decode, or that is beyond the log end (written before a crash cut the unflushed tail
 * it describes), is set aside as `<name>.recovered-<n>` (so it is not read again) and reported in
 * `actions`; it only costs a longer replay.
 */
export function loadNewestSnapshot(dir: string, maxOffset: number): { offset: number; table: ProducerStateTable | null;
    actions: RecoveryAction[] } {
  const actions: RecoveryAction[] = [];
  const all = listSnapshotOffsets(dir);
  for (const offset of all.filter((o) => o > maxOffset)) {
    setAside(dir, offset, `producer snapshot beyond the log end offset ${maxOffset}`, actions);
  }
  for (const offset of all.filter((o) => o <= maxOffset).reverse()) {
    const path = join(dir, segmentFileName(offset, 'snapshot'));
    try {
      return { offset, table: ProducerStateTable.decodeSnapshot(readFileSync(path), path), actions };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      setAside(dir, offset, `damaged producer snapshot (${detail}); replaying the log instead`, actions);
    }
  }
  return { offset: 0, table: null, actions };
}

function setAside(dir: string, offset: number, reason: string, actions: RecoveryAction[]): void {
  const name = segmentFileName(offset, 'snapshot');
  const path = join(dir, name);
  let target = '';
  for (let n = 1; target === '' || existsSync(target); n++) target = `${path}${RECOVERED_SUFFIX}${n}`;
  try {
    renameSync(path, target);
    actions.push({ action: 'set-aside', file: name, bytes: 0, records: -1, keptAs: basename(target), reason });
  } catch {
    actions.push({ action: 'set-aside', file: name, bytes: 0, records: -1, keptAs: null, reason: `${reason} (could not be renamed)` });
  }
}
