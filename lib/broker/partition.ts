/**
 * One served partition of the broker: its Log and the fetch counters stats() reports; and a topic,
 * the partitions that opened plus the ones offline. Appends go through here so that an idempotent
 * producer's retry is answered with its original offsets instead of being appended twice: the batch
 * is checked against the log's producer state (lib/log/producer-state.ts), which the log restores at
 * open and updates on every append.
 *
 * replayBatches reads a log through its own read path in bounded chunks and hands on whole batches
 * only, framed by the shared rule (a chunk's cut last batch is read again with the next chunk): the
 * committed-offsets replay of `__consumer_offsets` uses it.
 */
import {
  BatchHeaderView,
  type BatchHeaderFields,
  CorruptRecordError,
  type AppendResult,
  type RecordInput,
  FRAME_TORN,
  SeglogError,
  sequenceAfter,
  frameBatch,
  framingProblem,
  type Log,
} from '../index.js';
import { REPLAY_CHUNK_BYTES } from '../limits.js';
import type { PartitionStats, ProduceOptions, ProduceResult } from './broker-types.js';
import type { OfflinePartition } from './partition-offline.js';
import { validateProduceRecords } from './produce-validation.js';


export interface Partition {
  topic: string;
  partition: number;
  log: Log;
  fetchRequests: number;
  fetchBytes: number;
  lastStatsMs: number;
  lastStatsRecords: number;
  lastStatsFetches: number;
}

export interface Topic {
  name: string;
  config: Partial<Log['config']>;
  /** The partitions that opened, in partition order (offline ones are absent: see `offline`). */
  partitions: Partition[];
  partitionCount: number;
  offline: Map<number, OfflinePartition>;
  /** Where null-key records go until the partition changes (Kafka's sticky partitioner, simplified). */
  stickyPartition: number;
}

/** An opened partition by number (the list skips offline ones, so its index is only a first guess). */
export function partitionIn(topic: Topic | undefined, partition: number): Partition | undefined {
  if (topic === undefined) return undefined;
  const guess = topic.partitions[partition];
  if (guess !== undefined && guess.partition === partition) return guess;
  return topic.partitions.find((p) => p.partition === partition);
}

export function newPartition(topic: string, partition: number, log: Log, nowMs: number): Partition {
  return { topic, partition, log, fetchRequests: 0, fetchBytes: 0, lastStatsMs: nowMs,
      lastStatsRecords: 0, lastStatsFetches: 0 };
}

/** Feeds whole batches from offset `from` to the log end, chunk by chunk, to `consume`. */
export function replayBatches(log: Log, from: number, consume: (bytes: Buffer) => void): void {
  let offset = from;
  const end = log.logEndOffset;
  const header = new BatchHeaderView();
  while (offset < end) {
    const region = log.read(offset, { maxBytes: REPLAY_CHUNK_BYTES, minOneMessage: true });
    if (region.sizeBytes === 0) break;
    try {
      const bytes = region.toBuffer();
      let position = 0;
      let next = offset;
      for (;;) {
        const remainingBytes = bytes.length - position;
        const sizeBytes = frameBatch(bytes, position, remainingBytes);
        if (sizeBytes === FRAME_TORN || remainingBytes === 0) break; // the chunk cut it: the next read starts there
        if (sizeBytes <= 0) {
          throw new CorruptRecordError(framingProblem(sizeBytes, bytes, position, remainingBytes), { positionBytes: position });
        }
        next = header.load(bytes, position).lastOffset + 1;
        position += sizeBytes;
      }
      if (position === 0) break;
      consume(bytes.subarray(0, position));
      offset = next;
    } catch (error) {
      // Damage recovery could not see (an int64 outside the CRC, say): name the file and the place.
      const detail = error instanceof SeglogError ? `${error.code}: ${error.message}` : (error as Error).message;
      throw new CorruptRecordError(`cannot replay batches from offset ${offset}: ${detail}`, { path: region.path,
        positionBytes: region.positionBytes + (error instanceof SeglogError ? error.positionBytes ?? 0 : 0), offset, cause: error });
    }
  }
}

/** Produce runs synchronously from validation to append: one header view serves every request. */
const PRODUCE_HEADER = new BatchHeaderView();

/**
 * A producer's encoded batch, deduplicated by its producer id and sequence (appended in place: the
 * bytes are modified). `verify` sees the header once it is known to be valid, before anything is
 * appended (the broker's transaction check).
 */
export function appendProducerBatch(p: Partition, bytes: Uint8Array, verify: (header: BatchHeaderFields) => void): ProduceResult {
  // Everything that can refuse the request is checked before the one append (all or nothing).
  validateProduceRecords(bytes, p.log.dir);
  const h = PRODUCE_HEADER.load(bytes, 0);
  verify(h);
  if (h.producerId < 0) return resultOf(p, p.log.appendBatch(bytes));
  const lastSequence = sequenceAfter(h.baseSequence, h.lastOffsetDelta);
  const check = p.log.producers.check(h.producerId, h.producerEpoch, h.baseSequence, lastSequence,
    { path: p.log.dir, offset: p.log.logEndOffset }, h.isTransactional);
  if (check.duplicate !== null) return produceResult(p, check.duplicate.firstOffset, check.duplicate.lastOffset, -1, true);
  return resultOf(p, p.log.appendBatch(bytes));
}

/** Records to encode as one batch, deduplicated when the options name a producer. */
export function appendRecords(p: Partition, records: readonly RecordInput[], options: ProduceOptions): ProduceResult {
  const producerId = options.producerId ?? -1;
  if (producerId >= 0) {
    const epoch = options.producerEpoch ?? 0;
    const firstSequence = options.baseSequence ?? 0;
    const lastSequence = sequenceAfter(firstSequence, records.length - 1);
    const check = p.log.producers.check(producerId, epoch, firstSequence, lastSequence, { path: p.log.dir, offset: p.log.logEndOffset });
    if (check.duplicate !== null) return produceResult(p, check.duplicate.firstOffset, check.duplicate.lastOffset, -1, true);
    return resultOf(p, p.log.append(records, {
      ...(options.compression === undefined ? {} : { compression: options.compression }),
      producerId, producerEpoch: epoch, baseSequence: firstSequence,
    }));
  }
  return resultOf(p, p.log.append(records, options.compression === undefined ? {} : { compression: options.compression }));
}

function resultOf(p: Partition, appended: AppendResult): ProduceResult {
  return produceResult(p, appended.baseOffset, appended.lastOffset, appended.logAppendTimeMs, false);
}

function produceResult(p: Partition, baseOffset: number, lastOffset: number, logAppendTimeMs: number, duplicate: boolean): ProduceResult {
  return { topic: p.topic, partition: p.partition, baseOffset, lastOffset, logAppendTimeMs, logStartOffset: p.log.logStartOffset,
      duplicate };
}

/** The partition's log stats plus its rates since the previous call (which resets them). */
export function partitionStats(p: Partition, nowMs: number): PartitionStats {
  const s = p.log.stats();
  const elapsedSec = Math.max(1e-3, (nowMs - p.lastStatsMs) / 1000);
  const stats: PartitionStats = {
    ...s,
    topic: p.topic,
    partition: p.partition,
    appendRecordsPerSec: (s.appendedRecords - p.lastStatsRecords) / elapsedSec,
    fetchRequestsPerSec: (p.fetchRequests - p.lastStatsFetches) / elapsedSec,
    fetchBytesTotal: p.fetchBytes,
  };
  p.lastStatsMs = nowMs;
  p.lastStatsRecords = s.appendedRecords;
  p.lastStatsFetches = p.fetchRequests;
  return stats;
}
