/**
 * The producer-state snapshot `<offset>.snapshot` as bytes (Kafka's ProducerStateManager format,
 * version 1; layout in side-file-layouts.ts): one encoder and one decoder, used by the broker's
 * producer state (written at roll and close, read at open) and by the inspector (dumped, verified).
 *
 * The decoder trusts nothing: a short file, another version, a CRC that does not match or a count
 * that does not fill the file exactly is a CorruptRecordError naming the file and the byte, and an
 * int64 outside the safe integer range is an UnsafeIntegerError. Callers decide what damage costs
 * (the broker sets the file aside and replays the log; the inspector reports it).
 */
import { CorruptRecordError } from '../errors.js';
import { crc32c } from '../platform/index.js';
import { readInt32, readInt64, writeInt64 } from '../record/index.js';
import {
  SNAPSHOT_COORDINATOR_EPOCH, SNAPSHOT_COUNT, SNAPSHOT_CRC, SNAPSHOT_CURRENT_VERSION, SNAPSHOT_ENTRIES, SNAPSHOT_ENTRY_BYTES,
  SNAPSHOT_EPOCH, SNAPSHOT_LAST_OFFSET, SNAPSHOT_LAST_SEQUENCE, SNAPSHOT_OFFSET_DELTA, SNAPSHOT_PRODUCER_ID, SNAPSHOT_TIMESTAMP,
  SNAPSHOT_TXN_FIRST_OFFSET, SNAPSHOT_VERSION,
} from './side-file-layouts.js';

/** One producer's entry, as the file holds it: its last batch only. */
export interface ProducerSnapshotEntry {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastOffset: number;
  /** lastOffset − the batch's first offset. */
  offsetDelta: number;
  timestampMs: number;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction, -1 when none. */
  currentTxnFirstOffset: number;
}

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const bytes = Buffer.alloc(SNAPSHOT_ENTRIES + entries.length * SNAPSHOT_ENTRY_BYTES);
  bytes.writeInt16BE(SNAPSHOT_CURRENT_VERSION, SNAPSHOT_VERSION);
  bytes.writeInt32BE(entries.length, SNAPSHOT_COUNT);
  let at = SNAPSHOT_ENTRIES;
  for (const entry of entries) {
    writeInt64(bytes, at + SNAPSHOT_PRODUCER_ID, entry.producerId);
    bytes.writeInt16BE(entry.producerEpoch, at + SNAPSHOT_EPOCH);
    bytes.writeInt32BE(entry.lastSequence, at + SNAPSHOT_LAST_SEQUENCE);
    writeInt64(bytes, at + SNAPSHOT_LAST_OFFSET, entry.lastOffset);
    bytes.writeInt32BE(entry.offsetDelta, at + SNAPSHOT_OFFSET_DELTA);
    writeInt64(bytes, at + SNAPSHOT_TIMESTAMP, entry.timestampMs);
    bytes.writeInt32BE(entry.coordinatorEpoch, at + SNAPSHOT_COORDINATOR_EPOCH);
    writeInt64(bytes, at + SNAPSHOT_TXN_FIRST_OFFSET, entry.currentTxnFirstOffset);
    at += SNAPSHOT_ENTRY_BYTES;
  }
  bytes.writeUInt32BE(crc32c(bytes, SNAPSHOT_COUNT, bytes.length), SNAPSHOT_CRC);
  return bytes;
}

/** The entries of a snapshot file's bytes; throws for anything that is not a whole version-1 snapshot. */
export function decodeProducerSnapshot(bytes: Buffer, path: string): { version: number; crc: number; entries: ProducerSnapshotEntry[] } {
  if (bytes.length < SNAPSHOT_ENTRIES) {
    throw new CorruptRecordError(`producer snapshot of ${bytes.length} bytes is shorter than its header`, { path });
  }
  const version = bytes.readInt16BE(SNAPSHOT_VERSION);
  if (version !== SNAPSHOT_CURRENT_VERSION) {
    throw new CorruptRecordError(`unsupported producer snapshot version ${version}`, { path, positionBytes: SNAPSHOT_VERSION });
  }
  const crc = readInt32(bytes, SNAPSHOT_CRC) >>> 0;
  const computed = crc32c(bytes, SNAPSHOT_COUNT, bytes.length);
  if (crc !== computed) {
    throw new CorruptRecordError(`producer snapshot CRC mismatch: stored ${crc}, computed ${computed}`,
      { path, positionBytes: SNAPSHOT_CRC });
  }
  const count = bytes.readInt32BE(SNAPSHOT_COUNT);
  if (count < 0 || SNAPSHOT_ENTRIES + count * SNAPSHOT_ENTRY_BYTES !== bytes.length) {
    throw new CorruptRecordError(`producer snapshot declares ${count} entries but holds ${bytes.length - SNAPSHOT_ENTRIES} entry bytes`,
      { path, positionBytes: SNAPSHOT_COUNT });
  }
  const entries: ProducerSnapshotEntry[] = [];
  for (let i = 0, at = SNAPSHOT_ENTRIES; i < count; i++, at += SNAPSHOT_ENTRY_BYTES) {
    const place = { path, positionBytes: at };
    entries.push({
      producerId: readInt64(bytes, at + SNAPSHOT_PRODUCER_ID, place),
      producerEpoch: bytes.readInt16BE(at + SNAPSHOT_EPOCH),
      lastSequence: bytes.readInt32BE(at + SNAPSHOT_LAST_SEQUENCE),
      lastOffset: readInt64(bytes, at + SNAPSHOT_LAST_OFFSET, place),
      offsetDelta: bytes.readInt32BE(at + SNAPSHOT_OFFSET_DELTA),
      timestampMs: readInt64(bytes, at + SNAPSHOT_TIMESTAMP, place),
      coordinatorEpoch: bytes.readInt32BE(at + SNAPSHOT_COORDINATOR_EPOCH),
      currentTxnFirstOffset: readInt64(bytes, at + SNAPSHOT_TXN_FIRST_OFFSET, place),
    });
  }
  return { version, crc, entries };
}
