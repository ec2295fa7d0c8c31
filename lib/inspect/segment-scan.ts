/**
 * One pass over one `.log` segment doing everything verify needs: the CRC of every batch, offsets
 * that only go up (inside the segment and from `previousLastOffset` of the segment before), batches
 * at or above the segment's base offset, a torn or corrupt tail, and the offset / time index checks
 * fed batch by batch. Reads through SegmentReader, so memory is one chunk however large the file.
 *
 * Nothing here writes: the inspector reports; repair is the Log's recovery (`seglog verify --repair`).
 */
import { closeSync } from 'node:fs';
import { readFully } from '../platform/positioned-read.js';
import { CHUNK_BYTES_DEFAULT, SegmentReader, openForReading } from './segment-reader.js';
import type { OffsetIndexCheck, TimeIndexCheck } from './index-check.js';
import type { ProblemList } from './problems.js';
import { baseOffsetOfFile } from './index-files.js';

interface ScanOptions {
  problems: ProblemList;
  offsetIndex?: OffsetIndexCheck | undefined;
  timeIndex?: TimeIndexCheck | undefined;
  /** Last offset of the previous segment (-1 for the first): offsets must rise across segments. */
  previousLastOffset?: number;
  chunkBytes?: number;
  onProgress?: ((doneBytes: number, totalBytes: number) => void) | undefined;
}

interface SegmentScan {
  path: string;
  baseOffset: number;
  fileSizeBytes: number;
  validBytes: number;
  trailingBytes: number;
  batches: number;
  records: number;
  /** -1 when the segment holds no batch. */
  firstOffset: number;
  lastOffset: number;
  minTimestampMs: number;
  maxTimestampMs: number;
}

export function scanSegment(path: string, options: ScanOptions): SegmentScan {
  const problems = options.problems;
  const offsetIndex = options.offsetIndex;
  const timeIndex = options.timeIndex;
  const baseOffset = baseOffsetOfFile(path);
  const reader = new SegmentReader(path, { chunkBytes: options.chunkBytes ?? CHUNK_BYTES_DEFAULT, onProgress: options.onProgress });
  let previousLastOffset = options.previousLastOffset ?? -1;
  let batches = 0;
  let records = 0;
  let firstOffset = -1;
  let minTimestampMs = -1;
  let maxTimestampMs = -1;
  for (const batch of reader) {
    const positionBytes = batch.positionBytes;
    const batchBase = batch.baseOffset;
    const lastOffset = batch.lastOffset;
    if (!batch.isValid()) {
      problems.add('crc-mismatch', path, `stored CRC ${batch.crc}, computed ${batch.computedCrc()}`, positionBytes, batchBase);
    }
    if (batchBase < baseOffset) {
      problems.add('segment-base', path, `batch base offset is below the segment's base offset ${baseOffset}`, positionBytes, batchBase);
    }
    if (lastOffset < batchBase) {
      problems.add('offset-order', path, `last offset ${lastOffset} is below the base offset`, positionBytes, batchBase);
    }
    if (batchBase <= previousLastOffset) {
      problems.add('offset-order', path, `base offset does not rise above the previous last offset ${previousLastOffset}`, positionBytes,
          batchBase);
    }
    previousLastOffset = lastOffset;
    if (firstOffset < 0) firstOffset = batchBase;
    batches++;
    records += batch.recordsCount;
    const batchMax = batch.maxTimestampMs;
    if (batchMax > maxTimestampMs) maxTimestampMs = batchMax;
    const batchMin = batch.hasDeleteHorizon ? batchMax : batch.baseTimestampMs;
    if (batchMin >= 0 && (minTimestampMs < 0 || batchMin < minTimestampMs)) minTimestampMs = batchMin;
    offsetIndex?.onBatch(positionBytes, lastOffset);
    timeIndex?.onBatch(lastOffset, batchMax);
  }
  if (reader.corruption !== null && zeroFilled(path, reader.validBytes, reader.validBytes + reader.trailingBytes)) {
    // Kafka's file.preallocate (and a crash that extended the file before writing it) leaves zeros
    // after the last batch: not a batch, not damage — a tail recovery truncates, like a torn write.
    problems.add('torn-tail', path, `${reader.trailingBytes} zero bytes after the last whole batch (preallocated or never written; `
      + 'recovery truncates them)', reader.validBytes);
  } else if (reader.corruption !== null) {
    const error = reader.corruption;
    problems.add('corrupt-batch', path, `${error.message}; ${reader.trailingBytes} bytes from here on are not batches`,
      error.positionBytes ?? reader.validBytes, error.offset ?? null);
  } else if (reader.trailingBytes > 0) {
    problems.add('torn-tail', path, `${reader.trailingBytes} bytes after the last whole batch (a torn write; recovery truncates them)`,
        reader.validBytes);
  }
  offsetIndex?.finish(reader.validBytes);
  timeIndex?.finish();
  return {
    path, baseOffset, fileSizeBytes: reader.fileSizeBytes, validBytes: reader.validBytes, trailingBytes: reader.trailingBytes,
    batches, records, firstOffset, lastOffset: batches === 0 ? -1 : previousLastOffset,
    minTimestampMs, maxTimestampMs,
  };
}

/** True when every byte of `path` in [fromBytes, toBytes) is zero. Reads in chunks: a preallocated tail can be large. */
function zeroFilled(path: string, fromBytes: number, toBytes: number): boolean {
  if (toBytes <= fromBytes) return false;
  const { fd } = openForReading(path);
  try {
    const chunk = Buffer.alloc(Math.min(CHUNK_BYTES_DEFAULT, toBytes - fromBytes));
    for (let at = fromBytes; at < toBytes;) {
      const got = readFully(fd, chunk, 0, Math.min(chunk.length, toBytes - at), at, path);
      if (got === 0) break;
      for (let i = 0; i < got; i++) if (chunk[i] !== 0) return false;
      at += got;
    }
    return true;
  } finally {
    closeSync(fd);
  }
}
