/**
 * Reads the small per-segment side files the inspector does not trust — `.index`, `.timeindex`,
 * `.txnindex`, `<offset>.snapshot` — with plain positioned reads (never mmap: a file truncated under
 * a mapping would kill the process with SIGBUS) into plain arrays.
 *
 * Their byte layouts are lib/segment/side-file-layouts.ts; the snapshot's codec is lib/segment/producer-snapshot.ts.
 *
 * Both indexes stop at the first slot i > 0 whose offset equals the base offset (relative 0): the
 * zero-filled tail of a preallocated file, as kafka-dump-log assumes. A length that is not a whole
 * number of entries is a CorruptIndexError naming the path and the position of the odd tail.
 */
import { basename } from 'node:path';
import { closeSync } from 'node:fs';
import { CorruptIndexError } from '../errors.js';
import { INSPECT_INDEX_FILE_BYTES_MAX } from '../limits.js';
import { decodeProducerSnapshot } from '../segment/producer-snapshot.js';
import { OFFSET_INDEX_ENTRY_BYTES, OFFSET_INDEX_POSITION, OFFSET_INDEX_RELATIVE_OFFSET, TIME_INDEX_ENTRY_BYTES,
  TIME_INDEX_RELATIVE_OFFSET, TIME_INDEX_TIMESTAMP, TXN_INDEX_ENTRY_BYTES } from '../segment/side-file-layouts.js';
import { decodeTransactionIndex } from '../segment/transaction-index.js';
import { readInt64 } from '../record/index.js';
import { readFully } from '../platform/positioned-read.js';
import { openForReading } from './segment-reader.js';

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
    const relativeOffset = bytes.readInt32BE(at + OFFSET_INDEX_RELATIVE_OFFSET);
    if (i > 0 && relativeOffset === 0) break;
    entries.push({ offset: baseOffset + relativeOffset, positionBytes: bytes.readInt32BE(at + OFFSET_INDEX_POSITION) });
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
    const relativeOffset = bytes.readInt32BE(at + TIME_INDEX_RELATIVE_OFFSET);
    if (i > 0 && relativeOffset === 0) break;
    const timestampMs = readInt64(bytes, at + TIME_INDEX_TIMESTAMP, { path, positionBytes: at });
    entries.push({ timestampMs, offset: baseOffset + relativeOffset });
  }
  const preallocatedEmpty = slots > 1 && entries.length === 1 && allZero(bytes);
  return { path, baseOffset, fileSizeBytes: bytes.length, slots, entries, preallocatedEmpty };
}

export function readTxnIndex(path: string): IndexFile<TxnIndexEntry> {
  const bytes = readSmallFile(path);
  requireWholeEntries(path, bytes.length, TXN_INDEX_ENTRY_BYTES, 'transaction index');
  const entries = decodeTransactionIndex(bytes, path);
  const slots = entries.length;
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
  const { version, crc, entries: stored } = decodeProducerSnapshot(readSmallFile(path), path);
  const entries = stored.map((e): ProducerSnapshotEntry => ({
    ...e,
    lastTimestampMs: e.timestampMs,
    firstSequence: decrementSequence(e.lastSequence, e.offsetDelta),
  }));
  return { path, version, crc, entries };
}
