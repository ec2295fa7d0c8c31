/**
 * Produce (key 0), v0–v7. Request: transactionalId nullable STRING (v3+), acks int16, timeoutMs int32,
 * topics [name STRING, partitions [index int32, records nullable BYTES]]. Response: topics [name,
 * partitions [index int32, errorCode int16, baseOffset int64, logAppendTimeMs int64 (v2+),
 * logStartOffset int64 (v5+)]], throttleTimeMs int32 (v1+) — throttle comes last in Produce.
 * The records bytes are views into the request frame; the broker appends them in place.
 */
import type { Reader, Writer } from '../protocol/wire.js';

interface ProducePartitionData {
  partition: number;
  records: Buffer | null;
}

interface ProduceTopicData {
  topic: string;
  partitions: ProducePartitionData[];
}

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: ProduceTopicData[];
}

interface ProducePartitionResponse {
  partition: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface ProduceTopicResponse {
  topic: string;
  partitions: ProducePartitionResponse[];
}

export function decodeProduceRequest(reader: Reader, version: number): ProduceRequest {
  const transactionalId = version >= 3 ? reader.nullableString() : null;
  const acks = reader.int16();
  const timeoutMs = reader.int32();
  const topics = reader.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), records: p.nullableBytes() }), 8),
  }), 6);
  return { transactionalId, acks, timeoutMs, topics };
}

export function encodeProduceResponse(writer: Writer, version: number, topics: readonly ProduceTopicResponse[]): void {
  writer.array(topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int16(p.errorCode).int64(p.baseOffset);
      if (version >= 2) pw.int64(p.logAppendTimeMs);
      if (version >= 5) pw.int64(p.logStartOffset);
    });
  });
  if (version >= 1) writer.int32(0);
}
