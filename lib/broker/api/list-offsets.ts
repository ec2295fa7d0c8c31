/**
 * ListOffsets (key 2), v1–v3. Request: replicaId int32, isolationLevel int8 (v2+), topics [name,
 * partitions [partition int32, timestampMs int64 (-1 latest, -2 earliest)]]. Response: throttleTimeMs
 * int32 (v2+), topics [name, partitions [partition int32, errorCode int16, timestampMs int64, offset int64]].
 */
import type { Reader, Writer } from '../protocol/wire.js';

interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: { topic: string; partitions: { partition: number; timestampMs: number }[] }[];
}

interface ListOffsetsPartitionResponse {
  partition: number;
  errorCode: number;
  timestampMs: number;
  offset: number;
}

export interface ListOffsetsTopicResponse {
  topic: string;
  partitions: ListOffsetsPartitionResponse[];
}

export function decodeListOffsetsRequest(reader: Reader, version: number): ListOffsetsRequest {
  const replicaId = reader.int32();
  const isolationLevel = version >= 2 ? reader.int8() : 0;
  const topics = reader.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), timestampMs: p.int64() }), 12),
  }), 6);
  return { replicaId, isolationLevel, topics };
}

export function encodeListOffsetsResponse(writer: Writer, version: number, topics: readonly ListOffsetsTopicResponse[]): void {
  if (version >= 2) writer.int32(0);
  writer.array(topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int16(p.errorCode).int64(p.timestampMs).int64(p.offset);
    });
  });
}
