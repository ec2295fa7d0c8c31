/**
 * Committed consumer offsets on the wire: OffsetCommit (8) v2–v5 and OffsetFetch (9) v1–v4.
 * - OffsetCommit: groupId, generationId int32, memberId, retentionTimeMs int64 (v2–v4), topics [name,
 *   partitions [partition int32, offset int64, metadata nullable STRING]] → throttleTimeMs (v3+),
 *   topics [name, partitions [partition, errorCode]].
 * - OffsetFetch: groupId, topics nullable [name, partitions int32[]] (null = all, v2+) →
 *   throttleTimeMs (v3+), topics [name, partitions [partition, offset int64, metadata nullable,
 *   errorCode]], errorCode (v2+).
 */
import type { Reader, Writer } from '../protocol/wire.js';

interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  topics: { topic: string; partitions: { partition: number; offset: number; metadata: string | null }[] }[];
}

export function decodeOffsetCommitRequest(reader: Reader, version: number): OffsetCommitRequest {
  const groupId = reader.string();
  const generationId = reader.int32();
  const memberId = reader.string();
  if (version <= 4) reader.int64();
  const topics = reader.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), offset: p.int64(), metadata: p.nullableString() }), 14),
  }), 6);
  return { groupId, generationId, memberId, topics };
}

export interface PartitionError {
  partition: number;
  errorCode: number;
}

export function encodeOffsetCommitResponse(writer: Writer, version: number,
    topics: readonly { topic: string; partitions: PartitionError[] }[]): void {
  if (version >= 3) writer.int32(0);
  writer.array(topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int16(p.errorCode);
    });
  });
}

interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has committed. */
  topics: { topic: string; partitions: number[] }[] | null;
}

export function decodeOffsetFetchRequest(reader: Reader, _version: number): OffsetFetchRequest {
  const groupId = reader.string();
  const count = reader.arrayLength(6);
  if (count < 0) return { groupId, topics: null };
  const topics: { topic: string; partitions: number[] }[] = [];
  for (let i = 0; i < count; i++) topics.push({ topic: reader.string(), partitions: reader.array((p) => p.int32(), 4) });
  return { groupId, topics };
}

export interface OffsetFetchPartition {
  partition: number;
  offset: number;
  metadata: string | null;
  errorCode: number;
}

export function encodeOffsetFetchResponse(writer: Writer, version: number,
    topics: readonly { topic: string; partitions: OffsetFetchPartition[] }[], errorCode: number): void {
  if (version >= 3) writer.int32(0);
  writer.array(topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int64(p.offset).nullableString(p.metadata).int16(p.errorCode);
    });
  });
  if (version >= 2) writer.int16(errorCode);
}
