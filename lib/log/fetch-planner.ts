/**
 * The multi-partition fetch plan a broker writes after a Fetch response header (reference §8.2, §14),
 * as Kafka's ReplicaManager.readFromLog builds it:
 *
 * - Partitions are read in request order, each bounded by its own maxBytes and by what is left of the
 *   response budget (`min(partitionMaxBytes, remaining)`); the budget shrinks by each region's size.
 * - `minOneMessage` (KIP-74) is true for the first partition and stays true until some partition
 *   returns data, so a first batch larger than every limit still goes out whole and a consumer can
 *   never get stuck behind it. Fetch v0–v2 (`hardMaxBytesLimit`) never set it.
 * - Without minOneMessage a first batch larger than the allowance would be cut (`firstEntryIncomplete`):
 *   Fetch v3+ sends nothing for that partition instead (the budget is not spent); v0–v2 send the cut bytes.
 * - Reads stop at the high watermark, or at the request's own `maxOffset` (a follower's is the log end,
 *   READ_COMMITTED's the last stable offset).
 * - A partition's failure (offset out of range, a closed log) is that partition's error, as Kafka
 *   answers it, and does not fail the others. Errors that are not SeglogErrors are bugs and propagate.
 *
 * Nothing is read here beyond one 12-byte batch header when a region may have cut its first batch:
 * the plan is regions, and their bytes move only when the broker transfers them.
 */
import { SeglogError } from '../errors.js';
import { LOG_OVERHEAD_BYTES } from '../limits.js';
import type { FileRegion } from '../segment/file-region.js';
import type { IsolationLevel, ReadOptions } from './log.js';

/** What the planner needs of a log (a Log satisfies it). */
export interface FetchableLog {
  read(offset: number, options?: ReadOptions): FileRegion;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface FetchRequest {
  log: FetchableLog;
  offset: number;
  /** The partition's own limit (Fetch PartitionMaxBytes). */
  maxBytes: number;
  /** Exclusive upper offset bound; default the log's high watermark (a consumer, READ_UNCOMMITTED). */
  maxOffset?: number | undefined;
}

export interface FetchPlanOptions {
  /** Fetch v0–v2: no minOneMessage, and a cut first batch is sent as it is. Default false (v3+). */
  hardMaxBytesLimit?: boolean | undefined;
  /** 'read_committed': reads stop at each log's last stable offset and carry its aborted transactions. */
  isolation?: IsolationLevel | undefined;
}

export interface PlannedPartition {
  /** The bytes to send; null when the partition failed or has nothing to send. */
  region: FileRegion | null;
  error: SeglogError | null;
  /** The first batch did not fit the allowance and the partition sends nothing (v3+). */
  firstEntryIncomplete: boolean;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface FetchPlan {
  /** One per request, in request order. */
  partitions: PlannedPartition[];
  /** Bytes of record data the response will carry. */
  totalBytes: number;
}

export function planFetch(requests: readonly FetchRequest[], responseMaxBytes: number, options: FetchPlanOptions = {}): FetchPlan {
  const hardMaxBytesLimit = options.hardMaxBytesLimit === true;
  const partitions: PlannedPartition[] = [];
  let remainingBytes = Math.max(0, responseMaxBytes);
  let minOneMessage = !hardMaxBytesLimit;
  let totalBytes = 0;
  for (const request of requests) {
    const log = request.log;
    const planned: PlannedPartition = {
      region: null,
      error: null,
      firstEntryIncomplete: false,
      highWatermark: log.highWatermark,
      lastStableOffset: log.lastStableOffset,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
    };
    partitions.push(planned);
    const allowanceBytes = Math.min(Math.max(0, request.maxBytes), remainingBytes);
    let region: FileRegion;
    try {
      region = log.read(request.offset, { maxBytes: allowanceBytes, minOneMessage, maxOffset: request.maxOffset ?? planned.highWatermark,
        isolation: options.isolation ?? 'read_uncommitted' });
      if (region.sizeBytes === 0) continue;
      // A region as long as its allowance may have cut its first batch; one that ends earlier ended at
      // a batch boundary (the bound or the segment end), so its first batch is whole.
      // A region shorter than a batch header cannot hold a whole batch (firstBatchSizeBytes() is -1).
      if (!minOneMessage && !hardMaxBytesLimit && region.sizeBytes === allowanceBytes
        && (region.sizeBytes < LOG_OVERHEAD_BYTES || region.firstBatchSizeBytes() > allowanceBytes)) {
        planned.firstEntryIncomplete = true;
        continue;
      }
    } catch (error) {
      if (!(error instanceof SeglogError)) throw error;
      planned.error = error;
      continue;
    }
    planned.region = region;
    minOneMessage = false;
    remainingBytes = Math.max(0, remainingBytes - region.sizeBytes);
    totalBytes += region.sizeBytes;
  }
  return { partitions, totalBytes };
}
