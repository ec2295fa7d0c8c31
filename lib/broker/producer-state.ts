/**
 * Idempotent-producer state of one partition: per producer id, its epoch and the metadata of its last
 * PRODUCER_BATCHES_RETAINED batches, so a retried batch is recognised and answered with its original
 * offsets instead of being appended twice (Kafka's ProducerStateManager, without transactions).
 *
 * Sequence rules (Kafka's, for leader appends): an older epoch is fenced; a newer epoch must start at
 * sequence 0; the same epoch must continue at lastSequence + 1 (wrapping Int32.MAX → 0) unless the
 * batch equals a retained one (a duplicate). A producer we know nothing about may start anywhere
 * (its state was lost to retention or never persisted).
 *
 * Snapshot file `<offset>.snapshot` in the partition directory, Kafka's format (v1; its codec is
 * lib/segment/producer-snapshot.ts, exported from the entry point).
 * The name's offset is the exclusive end of the log the state reflects. A snapshot keeps only the last
 * batch per producer (as Kafka's does); replaying the log after it restores the rest. Crash: written
 * to a temporary name, fsync'd, renamed — a torn snapshot is never read; a bad CRC means "replay".
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  OutOfOrderSequenceError,
  ProducerFencedError,
  RECOVERED_SUFFIX,
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  fsyncDirectory,
  parseSegmentFileName,
  segmentFileName,
  type ProducerSnapshotEntry,
} from '../index.js';
import { PRODUCER_BATCHES_RETAINED } from '../limits.js';

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
}

type SequenceCheck = { duplicate: null } | { duplicate: BatchMetadata };

const NOT_DUPLICATE: SequenceCheck = { duplicate: null };

export class ProducerStateTable {
  readonly producers = new Map<number, ProducerEntry>();

  /**
   * Checks a batch against the rules above. Returns the retained batch it duplicates, if any.
   * Throws ProducerFencedError or OutOfOrderSequenceError.
   */
  check(producerId: number, epoch: number, firstSequence: number, lastSequence: number,
      place: { path: string; offset: number }): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return NOT_DUPLICATE;
    if (epoch < entry.epoch) {
      throw new ProducerFencedError(`producer ${producerId} epoch ${epoch} is older than ${entry.epoch}`, place);
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

  /** Remembers an appended batch (also used when replaying the log on open). */
  record(producerId: number, epoch: number, batch: BatchMetadata): void {
    // Callers may hand an unwrapped last sequence (first + count - 1): keep every stored one in int32.
    if (batch.lastSequence > SEQUENCE_MAX || batch.lastSequence < -1) {
      batch = { ...batch, lastSequence: sequenceAfter(batch.lastSequence, 0) };
    }
    let entry = this.producers.get(producerId);
    if (entry === undefined || epoch > entry.epoch) {
      entry = { producerId, epoch, batches: [] };
      this.producers.set(producerId, entry);
    }
    entry.batches.push(batch);
    if (entry.batches.length > PRODUCER_BATCHES_RETAINED) entry.batches.shift();
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
        coordinatorEpoch: -1,
        currentTxnFirstOffset: -1,
      });
    }
    return encodeProducerSnapshot(entries);
  }

  static decodeSnapshot(bytes: Buffer, path: string): ProducerStateTable {
    const table = new ProducerStateTable();
    for (const entry of decodeProducerSnapshot(bytes, path).entries) {
      table.record(entry.producerId, entry.producerEpoch, {
        firstSequence: sequenceAfter(entry.lastSequence, -entry.offsetDelta),
        lastSequence: entry.lastSequence,
        firstOffset: entry.lastOffset - entry.offsetDelta,
        lastOffset: entry.lastOffset,
        timestampMs: entry.timestampMs,
      });
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

/** Writes `<offset>.snapshot` atomically and removes older snapshots. */
export function writeSnapshot(dir: string, offset: number, table: ProducerStateTable): void {
  const path = join(dir, segmentFileName(offset, 'snapshot'));
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    const bytes = table.encodeSnapshot();
    writeSync(fd, bytes, 0, bytes.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  for (const older of listSnapshotOffsets(dir)) {
    if (older !== offset) unlinkSync(join(dir, segmentFileName(older, 'snapshot')));
  }
  fsyncDirectory(dir);
}

/** The newest readable snapshot at or below `maxOffset`, or null. */
export function readNewestSnapshot(dir: string, maxOffset: number): { offset: number; table: ProducerStateTable } | null {
  const found = loadNewestSnapshot(dir, maxOffset);
  return found.table === null ? null : { offset: found.offset, table: found.table };
}

/**
 * The newest readable snapshot at or below `maxOffset` (offset 0 and no table when none). A snapshot
 * that does not decode is set aside as `<name>.recovered-<n>` (so it is not read again, and the next
 * snapshot replaces it) and named in `notes`; it only costs a longer replay.
 */
export function loadNewestSnapshot(dir: string, maxOffset: number): { offset: number; table: ProducerStateTable | null; notes: string[] } {
  const notes: string[] = [];
  const offsets = listSnapshotOffsets(dir).filter((o) => o <= maxOffset).reverse();
  for (const offset of offsets) {
    const path = join(dir, segmentFileName(offset, 'snapshot'));
    try {
      return { offset, table: ProducerStateTable.decodeSnapshot(readFileSync(path), path), notes };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      let target = '';
      for (let n = 1; target === '' || existsSync(target); n++) target = `${path}${RECOVERED_SUFFIX}${n}`;
      try {
        renameSync(path, target);
        notes.push(`${path}: damaged producer snapshot (${detail}) set aside as ${basename(target)}; replaying the log instead`);
      } catch {
        notes.push(`${path}: damaged producer snapshot (${detail}) skipped; replaying the log instead`);
      }
    }
  }
  return { offset: 0, table: null, notes };
}
