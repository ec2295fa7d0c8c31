/**
 * `stats`: what a partition (or each partition of a Kafka log directory) holds — segments, bytes,
 * offset and time ranges, records, batches, the compression mix, the average batch size and an
 * estimate of distinct keys (HyperLogLog, 16 KiB per partition). One streaming pass per segment; every
 * record is decoded (decompressing as needed) for its key and timestamp, so memory stays one chunk
 * plus one decompressed batch. Bytes that cannot be decoded are counted, never thrown.
 */
import { SeglogError } from '../errors.js';
import { HyperLogLog } from './hyperloglog.js';
import { logBytes, scanPath, readPartitionLayout, type PartitionLayout } from './layout-scan.js';
import { CHUNK_BYTES_DEFAULT, SegmentReader } from './segment-reader.js';

export interface CodecShare {
  batches: number;
  sizeBytes: number;
}

export interface PartitionStats {
  dir: string;
  topic: string | null;
  partition: number | null;
  segments: number;
  sizeBytes: number;
  batches: number;
  records: number;
  controlBatches: number;
  /** -1 when there is no batch. */
  firstOffset: number;
  lastOffset: number;
  /** Smallest / largest record timestamp (-1 when none). */
  minTimestampMs: number;
  maxTimestampMs: number;
  compression: { [codec: string]: CodecShare };
  averageBatchBytes: number;
  keyCountEstimate: number;
  nullKeyRecords: number;
  invalidCrcBatches: number;
  /** Bytes after the last whole batch of each segment, summed. */
  trailingBytes: number;
  /** Batches whose records could not be decoded. */
  undecodableBatches: number;
}

export interface StatsReport {
  partitions: PartitionStats[];
  /** All partitions together (dir = the path given). */
  total: PartitionStats;
}

export interface StatsOptions {
  chunkBytes?: number;
  onProgress?: ((doneBytes: number, totalBytes: number) => void) | undefined;
}

function emptyStats(dir: string, topic: string | null, partition: number | null): PartitionStats {
  return {
    dir, topic, partition, segments: 0, sizeBytes: 0, batches: 0, records: 0, controlBatches: 0, firstOffset: -1, lastOffset: -1,
    minTimestampMs: -1, maxTimestampMs: -1, compression: {}, averageBatchBytes: 0, keyCountEstimate: 0, nullKeyRecords: 0,
    invalidCrcBatches: 0, trailingBytes: 0, undecodableBatches: 0,
  };
}

class StatsCollector {
  private doneBytes = 0;
  private readonly totalBytes: number;
  private readonly options: StatsOptions;

  constructor(totalBytes: number, options: StatsOptions) {
    this.totalBytes = totalBytes;
    this.options = options;
  }

  partition(layout: PartitionLayout): { stats: PartitionStats; keys: HyperLogLog } {
    const stats = emptyStats(layout.dir, layout.topicPartition?.topic ?? null, layout.topicPartition?.partition ?? null);
    const keys = new HyperLogLog();
    for (const segment of layout.segments) this.segment(segment.logPath, stats, keys);
    stats.averageBatchBytes = stats.batches === 0 ? 0 : Math.round(stats.sizeBytes / stats.batches);
    stats.keyCountEstimate = keys.estimate();
    return { stats, keys };
  }

  private segment(path: string, stats: PartitionStats, keys: HyperLogLog): void {
    const onProgress = this.options.onProgress;
    const before = this.doneBytes;
    const reader = new SegmentReader(path, {
      chunkBytes: this.options.chunkBytes ?? CHUNK_BYTES_DEFAULT,
      onProgress: onProgress === undefined ? undefined : (done) => onProgress(before + done, Math.max(this.totalBytes, before + done)),
    });
    stats.segments++;
    stats.sizeBytes += reader.fileSizeBytes;
    let minTimestampMs = stats.minTimestampMs;
    let maxTimestampMs = stats.maxTimestampMs;
    for (const batch of reader) {
      stats.batches++;
      stats.records += batch.recordsCount;
      if (stats.firstOffset < 0) stats.firstOffset = batch.baseOffset;
      stats.lastOffset = batch.lastOffset;
      const share = stats.compression[batch.compression] ?? (stats.compression[batch.compression] = { batches: 0, sizeBytes: 0 });
      share.batches++;
      share.sizeBytes += batch.sizeBytes;
      if (!batch.isValid()) stats.invalidCrcBatches++;
      if (batch.isControl) stats.controlBatches++;
      try {
        for (const record of batch.records()) {
          const timestampMs = record.timestampMs;
          if (timestampMs >= 0 && (minTimestampMs < 0 || timestampMs < minTimestampMs)) minTimestampMs = timestampMs;
          if (timestampMs > maxTimestampMs) maxTimestampMs = timestampMs;
          if (batch.isControl) continue;
          if (record.key === null) stats.nullKeyRecords++;
          else keys.add(record.key);
        }
      } catch (error) {
        if (!(error instanceof SeglogError)) throw error;
        stats.undecodableBatches++;
      }
    }
    stats.minTimestampMs = minTimestampMs;
    stats.maxTimestampMs = maxTimestampMs;
    stats.trailingBytes += reader.trailingBytes;
    this.doneBytes += reader.fileSizeBytes;
  }
}

function addInto(total: PartitionStats, part: PartitionStats): void {
  total.segments += part.segments;
  total.sizeBytes += part.sizeBytes;
  total.batches += part.batches;
  total.records += part.records;
  total.controlBatches += part.controlBatches;
  total.nullKeyRecords += part.nullKeyRecords;
  total.invalidCrcBatches += part.invalidCrcBatches;
  total.trailingBytes += part.trailingBytes;
  total.undecodableBatches += part.undecodableBatches;
  if (part.firstOffset >= 0 && (total.firstOffset < 0 || part.firstOffset < total.firstOffset)) total.firstOffset = part.firstOffset;
  if (part.lastOffset > total.lastOffset) total.lastOffset = part.lastOffset;
  const partMin = part.minTimestampMs;
  if (partMin >= 0 && (total.minTimestampMs < 0 || partMin < total.minTimestampMs)) total.minTimestampMs = partMin;
  if (part.maxTimestampMs > total.maxTimestampMs) total.maxTimestampMs = part.maxTimestampMs;
  for (const [codec, share] of Object.entries(part.compression)) {
    const mine = total.compression[codec] ?? (total.compression[codec] = { batches: 0, sizeBytes: 0 });
    mine.batches += share.batches;
    mine.sizeBytes += share.sizeBytes;
  }
}

/**
 * Statistics for a partition directory, a Kafka log directory, or a single `.log` file. A missing
 * or unreadable path is a SeglogError naming it.
 */
export function collectStats(path: string, options: StatsOptions = {}): StatsReport {
  const layout = scanPath(path);
  let partitions: PartitionLayout[];
  if (layout.kind === 'partition') partitions = [layout.partition];
  else if (layout.kind === 'log-dir') partitions = layout.partitions;
  else if (layout.kind === 'empty-dir') partitions = [readPartitionLayout(path)];
  else partitions = [{ dir: path, topicPartition: null, segments: [{ baseOffset: 0, logPath: path, indexPath: null, timeIndexPath: null,
      txnIndexPath: null }], snapshotPaths: [], kraftSnapshotPaths: [], temporaryPaths: [], orphanPaths: [] }];
  const collector = new StatsCollector(logBytes(partitions), options);
  const total = emptyStats(path, null, null);
  const allKeys = new HyperLogLog();
  const results: PartitionStats[] = [];
  for (const partition of partitions) {
    const { stats, keys } = collector.partition(partition);
    results.push(stats);
    addInto(total, stats);
    allKeys.merge(keys);
  }
  total.averageBatchBytes = total.batches === 0 ? 0 : Math.round(total.sizeBytes / total.batches);
  total.keyCountEstimate = allKeys.estimate();
  return { partitions: results, total };
}
