/**
 * The multi-partition fetch plan a broker writes after a Fetch response header (reference §8.2, §14):
 * partitions are read in request order, each bounded by its own maxBytes and by what is left of the
 * response budget; `minOneMessage` holds until some partition returns data, so a first batch larger
 * than every limit still goes out whole (KIP-74) and a consumer can never get stuck behind it. Reads
 * stop at the high watermark. Per-partition failures (offset out of range, a closed log) become
 * that partition's error, as Kafka answers them, without failing the others.
 */
import { SeglogError } from '../errors.js';
import type { FileRegion } from '../segment/file-region.js';
import type { ReadOptions } from './log.js';

/** What the planner needs of a log (a Log satisfies it). */
export interface FetchableLog {
  read(offset: number, options?: ReadOptions): FileRegion;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface FetchRequest {
  log: FetchableLog;
  offset: number;
  maxBytes: number;
}

export interface PlannedPartition {
  /** Null when the partition failed or has nothing to send. */
  region: FileRegion | null;
  error: SeglogError | null;
  highWatermark: number;
  logStartOffset: number;
}

export interface FetchPlan {
  partitions: PlannedPartition[];
  /** Bytes of record data the response will carry. */
  totalBytes: number;
}

export function planFetch(requests: readonly FetchRequest[], responseMaxBytes: number): FetchPlan {
  const partitions: PlannedPartition[] = [];
  let remaining = Math.max(0, responseMaxBytes);
  let returnedData = false;
  let totalBytes = 0;
  for (const request of requests) {
    const log = request.log;
    const planned: PlannedPartition = { region: null, error: null, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset };
    try {
      const region = log.read(request.offset, {
        maxBytes: Math.min(Math.max(0, request.maxBytes), remaining),
        minOneMessage: !returnedData,
        maxOffset: log.highWatermark,
      });
      if (region.sizeBytes > 0) {
        planned.region = region;
        returnedData = true;
        remaining = Math.max(0, remaining - region.sizeBytes);
        totalBytes += region.sizeBytes;
      }
    } catch (error) {
      if (!(error instanceof SeglogError)) throw error;
      planned.error = error;
    }
    partitions.push(planned);
  }
  return { partitions, totalBytes };
}
