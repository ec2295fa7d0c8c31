/**
 * Reads the small per-segment side files the inspector does not trust — `.index`, `.timeindex`,
 * `.txnindex`, `<offset>.snapshot` — with plain positioned reads (never mmap: a file truncated under
 * a mapping would kill the process with SIGBUS) into plain arrays.
 *
 *   .index      entry = relativeOffset int32 | position int32                       (8 bytes)
 *   .timeindex  entry = timestampMs int64 | relativeOffset int32                    (12 bytes)
 *   .txnindex   entry = version int16 | producerId int64 | firstOffset int64 | lastOffset int64
 *                       | lastStableOffset int64                                     (34 bytes)
 *   .snapshot   version int16 (1) | crc uint32 (CRC-32C of [6, end)) | count int32 | count entries of
 *               producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64
 *               | offsetDelta int32 | timestampMs int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64
 *
 * Both indexes stop at the first slot i > 0 whose offset equals the base offset (relative 0): the
 * zero-filled tail of a preallocated file, as kafka-dump-log assumes. A length that is not a whole
 * number of entries is a CorruptIndexError naming the path and the position of the odd tail.
 */
import { basename } from 'node:path';
import { closeSync } from 'node:fs';
import { CorruptIndexError, CorruptRecordError } from '../errors.js';
import { INSPECT_INDEX_FILE_BYTES_MAX, OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from '../limits.js';
import { crc32c, readInt32, readInt64 } from '../record/index.js';
import { readFully } from '../platform/positioned-read.js';
import { openForReading } from './segment-reader.js';

const TXN_VERSION = 0;
const TXN_PRODUCER_ID = TXN_VERSION + 2;
const TXN_FIRST_OFFSET = TXN_PRODUCER_ID + 8;
const TXN_LAST_OFFSET = TXN_FIRST_OFFSET + 8;
const TXN_LAST_STABLE_OFFSET = TXN_LAST_OFFSET + 8;
export const TXN_INDEX_ENTRY_BYTES = TXN_LAST_STABLE_OFFSET + 8;

const SNAPSHOT_VERSION = 0;
const SNAPSHOT_CRC = SNAPSHOT_VERSION + 2;
const SNAPSHOT_COUNT = SNAPSHOT_CRC + 4;
const SNAPSHOT_ENTRIES = SNAPSHOT_COUNT + 4;
const ENTRY_PRODUCER_ID = 0;
const ENTRY_EPOCH = ENTRY_PRODUCER_ID + 8;
const ENTRY_LAST_SEQUENCE = ENTRY_EPOCH + 2;
const ENTRY_LAST_OFFSET = ENTRY_LAST_SEQUENCE + 4;
const ENTRY_OFFSET_DELTA = ENTRY_LAST_OFFSET + 8;
const ENTRY_TIMESTAMP = ENTRY_OFFSET_DELTA + 4;
const ENTRY_COORDINATOR_EPOCH = ENTRY_TIMESTAMP + 8;
const ENTRY_TXN_FIRST_OFFSET = ENTRY_COORDINATOR_EPOCH + 4;
export const SNAPSHOT_ENTRY_BYTES = ENTRY_TXN_FIRST_OFFSET + 8;
const SNAPSHOT_SUPPORTED_VERSION = 1;

export interface OffsetIndexEntry {
  offset: number;
  positionBytes: number;
}
export interface TimeIndexEntry {
  timestampMs: number;
  offset: number;
}
export interface TxnIndexEntry {
  version: number;
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}
export interface ProducerSnapshotEntry {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
  lastTimestampMs: number;
  firstSequence: number;
  lastSequence: number;
  lastOffset: number;
  offsetDelta: number;
  timestampMs: number;
}

/** Entries up to the first unused slot; `slots` is what the file length allows. */
export interface IndexFile<E> {
  path: string;
  baseOffset: number;
  fileSizeBytes: number;
  slots: number;
  entries: E[];
  /**
   * Every byte is zero and the file has room for more than one entry: a preallocated index no entry
   * was written to yet (the active segment of a running or crashed Kafka broker). `entries` still
   * holds the all-zero slot 0, as kafka-dump-log prints it; verify counts no entry.
   */
  preallocatedEmpty: boolean;
}

function allZero(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** The base offset in a segment-family file name (digits before the first '.'), 0 if there are none. */
export function baseOffsetOfFile(path: string): number {
  const match = /^(\d+)\./.exec(basename(path));
  const value = match === null ? 0 : Number(match[1]);
  return Number.isSafeInteger(value) ? value : 0;
}

/** Reads a whole (bounded) side file. */
export function readSmallFile(path: string): Buffer {
  const { fd, sizeBytes } = openForReading(path);
  try {
    if (sizeBytes > INSPECT_INDEX_FILE_BYTES_MAX) {
      throw new CorruptIndexError(`file of ${sizeBytes} bytes exceeds the ${INSPECT_INDEX_FILE_BYTES_MAX}-byte inspector ceiling`,
          { path });
    }
    const bytes = Buffer.alloc(sizeBytes);
    const got = readFully(fd, bytes, 0, sizeBytes, 0, path);
    return got === sizeBytes ? bytes : bytes.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function requireWholeEntries(path: string, sizeBytes: number, entryBytes: number, what: string): void {
  const oddBytes = sizeBytes % entryBytes;
  if (oddBytes !== 0) {
    throw new CorruptIndexError(`${what} length ${sizeBytes} is not a multiple of ${entryBytes} (${oddBytes} stray bytes)`, {
      path, positionBytes: sizeBytes - oddBytes,
    });
  }
}

export function readOffsetIndex(path: string): IndexFile<OffsetIndexEntry> {
  const bytes = readSmallFile(path);
  requireWholeEntries(path, bytes.length, OFFSET_INDEX_ENTRY_BYTES, 'offset index');
  const baseOffset = baseOffsetOfFile(path);
  const slots = bytes.length / OFFSET_INDEX_ENTRY_BYTES;
  const entries: OffsetIndexEntry[] = [];
  for (let i = 0; i < slots; i++) {
    const at = i * OFFSET_INDEX_ENTRY_BYTES;
    const relativeOffset = bytes.readInt32BE(at);
    if (i > 0 && relativeOffset === 0) break;
    entries.push({ offset: baseOffset + relativeOffset, positionBytes: bytes.readInt32BE(at + 4) });
  }
  const preallocatedEmpty = slots > 1 && entries.length === 1 && allZero(bytes);
  return { path, baseOffset, fileSizeBytes: bytes.length, slots, entries, preallocatedEmpty };
}

export function readTimeIndex(path: string): IndexFile<TimeIndexEntry> {
  const bytes = readSmallFile(path);
  requireWholeEntries(path, bytes.length, TIME_INDEX_ENTRY_BYTES, 'time index');
  const baseOffset = baseOffsetOfFile(path);
  const slots = bytes.length / TIME_INDEX_ENTRY_BYTES;
  const entries: TimeIndexEntry[] = [];
  for (let i = 0; i < slots; i++) {
    const at = i * TIME_INDEX_ENTRY_BYTES;
    const relativeOffset = bytes.readInt32BE(at + 8);
    if (i > 0 && relativeOffset === 0) break;
    entries.push({ timestampMs: readInt64(bytes, at, { path, positionBytes: at }), offset: baseOffset + relativeOffset });
  }
  const preallocatedEmpty = slots > 1 && entries.length === 1 && allZero(bytes);
  return { path, baseOffset, fileSizeBytes: bytes.length, slots, entries, preallocatedEmpty };
}

export function readTxnIndex(path: string): IndexFile<TxnIndexEntry> {
  const bytes = readSmallFile(path);
  requireWholeEntries(path, bytes.length, TXN_INDEX_ENTRY_BYTES, 'transaction index');
  const slots = bytes.length / TXN_INDEX_ENTRY_BYTES;
  const entries: TxnIndexEntry[] = [];
  for (let i = 0; i < slots; i++) {
    const at = i * TXN_INDEX_ENTRY_BYTES;
    const place = { path, positionBytes: at };
    entries.push({
      // Kafka takes the version from the first byte only.
      version: bytes[at + TXN_VERSION]!,
      producerId: readInt64(bytes, at + TXN_PRODUCER_ID, place),
      firstOffset: readInt64(bytes, at + TXN_FIRST_OFFSET, place),
      lastOffset: readInt64(bytes, at + TXN_LAST_OFFSET, place),
      lastStableOffset: readInt64(bytes, at + TXN_LAST_STABLE_OFFSET, place),
    });
  }
  return { path, baseOffset: baseOffsetOfFile(path), fileSizeBytes: bytes.length, slots, entries, preallocatedEmpty: false };
}

/** firstSequence = lastSequence - offsetDelta, wrapping below 0 back to int32 max (Kafka's decrementSequence). */
function decrementSequence(sequence: number, by: number): number {
  return sequence < by ? 2147483647 - (by - sequence) + 1 : sequence - by;
}

export interface ProducerSnapshot {
  path: string;
  version: number;
  crc: number;
  entries: ProducerSnapshotEntry[];
}

/** A producer-state snapshot; a bad version, length or CRC is a CorruptRecordError naming the file. */
export function readProducerSnapshot(path: string): ProducerSnapshot {
  const bytes = readSmallFile(path);
  if (bytes.length < SNAPSHOT_ENTRIES) {
    throw new CorruptRecordError(`producer snapshot of ${bytes.length} bytes is shorter than its header`, { path });
  }
  const version = bytes.readInt16BE(SNAPSHOT_VERSION);
  if (version !== SNAPSHOT_SUPPORTED_VERSION) throw new CorruptRecordError(`unsupported producer snapshot version ${version}`, { path,
      positionBytes: 0 });
  const crc = readInt32(bytes, SNAPSHOT_CRC) >>> 0;
  const computed = crc32c(bytes, SNAPSHOT_COUNT, bytes.length);
  if (crc !== computed) throw new CorruptRecordError(`producer snapshot CRC mismatch: stored ${crc}, computed ${computed}`, { path,
      positionBytes: SNAPSHOT_CRC });
  const count = bytes.readInt32BE(SNAPSHOT_COUNT);
  if (count < 0 || SNAPSHOT_ENTRIES + count * SNAPSHOT_ENTRY_BYTES !== bytes.length) {
    throw new CorruptRecordError(`producer snapshot declares ${count} entries but holds ${bytes.length - SNAPSHOT_ENTRIES} entry bytes`,
        { path, positionBytes: SNAPSHOT_COUNT });
  }
  const entries: ProducerSnapshotEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = SNAPSHOT_ENTRIES + i * SNAPSHOT_ENTRY_BYTES;
    const place = { path, positionBytes: at };
    const lastSequence = bytes.readInt32BE(at + ENTRY_LAST_SEQUENCE);
    const offsetDelta = bytes.readInt32BE(at + ENTRY_OFFSET_DELTA);
    const timestampMs = readInt64(bytes, at + ENTRY_TIMESTAMP, place);
    entries.push({
      producerId: readInt64(bytes, at + ENTRY_PRODUCER_ID, place),
      producerEpoch: bytes.readInt16BE(at + ENTRY_EPOCH),
      coordinatorEpoch: bytes.readInt32BE(at + ENTRY_COORDINATOR_EPOCH),
      currentTxnFirstOffset: readInt64(bytes, at + ENTRY_TXN_FIRST_OFFSET, place),
      lastTimestampMs: timestampMs,
      firstSequence: decrementSequence(lastSequence, offsetDelta),
      lastSequence,
      lastOffset: readInt64(bytes, at + ENTRY_LAST_OFFSET, place),
      offsetDelta,
      timestampMs,
    });
  }
  return { path, version, crc, entries };
}
