/**
 * Fetch (key 1), v4–v11. Request: replicaId int32, maxWaitMs int32, minBytes int32, maxBytes int32,
 * isolationLevel int8, sessionId int32 + sessionEpoch int32 (v7+), topics [topic STRING, partitions
 * [partition int32, currentLeaderEpoch int32 (v9+), fetchOffset int64, logStartOffset int64 (v5+),
 * partitionMaxBytes int32]], forgottenTopics (v7+) [topic, partitions int32[]], rackId STRING (v11+).
 *
 * Response: throttleTimeMs int32, errorCode int16 + sessionId int32 (v7+), topics [topic, partitions
 * [partition int32, errorCode int16, highWatermark int64, lastStableOffset int64, logStartOffset int64
 * (v5+), abortedTransactions [producerId int64, firstOffset int64] (READ_COMMITTED only), preferredReadReplica int32
 * (v11+), records]]. `records` is an int32 length then the segment bytes exactly as on disk: the
 * writer queues the file region there, so the consume path never decodes or copies a record.
 * Fetch sessions (KIP-227) are not offered: sessionId 0 in every response means "full fetch".
 */
import type { FileRegion } from '../../index.js';
import type { Reader, Writer } from '../protocol/wire.js';

export interface FetchPartitionRequest {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

interface FetchTopicRequest {
  topic: string;
  partitions: FetchPartitionRequest[];
}

export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: FetchTopicRequest[];
}

interface FetchPartitionResponse {
  partition: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** READ_COMMITTED: the aborted transactions overlapping `records`; empty otherwise. */
  abortedTransactions: readonly { producerId: number; firstOffset: number }[];
  records: FileRegion | null;
}

export interface FetchTopicResponse {
  topic: string;
  partitions: FetchPartitionResponse[];
}

export function decodeFetchRequest(reader: Reader, version: number): FetchRequest {
  const replicaId = reader.int32();
  const maxWaitMs = reader.int32();
  const minBytes = reader.int32();
  const maxBytes = reader.int32();
  const isolationLevel = reader.int8();
  if (version >= 7) {
    reader.int32();
    reader.int32();
  }
  const topics = reader.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => {
      const partition = p.int32();
      if (version >= 9) p.int32();
      const fetchOffset = p.int64();
      if (version >= 5) p.int64();
      const partitionMaxBytes = p.int32();
      return { partition, fetchOffset, partitionMaxBytes };
    }, 16),
  }), 6);
  if (version >= 7) reader.array((r) => ({ topic: r.string(), partitions: r.array((p) => p.int32(), 4) }), 6);
  if (version >= 11) reader.string();
  return { replicaId, maxWaitMs, minBytes, maxBytes, isolationLevel, topics };
}

export function encodeFetchResponse(writer: Writer, version: number, topics: readonly FetchTopicResponse[]): void {
  writer.int32(0);
  if (version >= 7) writer.int16(0).int32(0);
  writer.array(topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset);
      if (version >= 5) pw.int64(p.logStartOffset);
      pw.array(p.abortedTransactions, (aw, t) => aw.int64(t.producerId).int64(t.firstOffset));
      if (version >= 11) pw.int32(-1);
      const region = p.records;
      if (region === null) {
        pw.int32(0);
      } else {
        pw.int32(region.sizeBytes);
        pw.region(region);
      }
    });
  });
}
