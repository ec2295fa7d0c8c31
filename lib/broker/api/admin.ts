/**
 * Topic administration: CreateTopics (key 19) v0–v3 and DeleteTopics (key 20) v0–v3, and
 * InitProducerId (key 22) v0–v1.
 *
 * CreateTopics request: topics [name, numPartitions int32, replicationFactor int16, assignments
 * [partition int32, brokerIds int32[]], configs [name STRING, value nullable STRING]], timeoutMs int32,
 * validateOnly bool (v1+). Response: throttleTimeMs (v2+), topics [name, errorCode, errorMessage
 * nullable STRING (v1+)].
 * DeleteTopics request: names STRING[], timeoutMs int32. Response: throttleTimeMs (v1+), [name, errorCode].
 * InitProducerId request: transactionalId nullable STRING, transactionTimeoutMs int32. Response:
 * throttleTimeMs, errorCode, producerId int64, producerEpoch int16.
 */
import type { Reader, Writer } from '../protocol/wire.js';

interface CreatableTopic {
  topic: string;
  partitions: number;
  replicationFactor: number;
  assignmentsCount: number;
  configs: { name: string; value: string | null }[];
}

interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface TopicResult {
  topic: string;
  errorCode: number;
  errorMessage: string | null;
}

export function decodeCreateTopicsRequest(reader: Reader, version: number): CreateTopicsRequest {
  const topics = reader.array((r) => {
    const topic = r.string();
    const partitions = r.int32();
    const replicationFactor = r.int16();
    const assignments = r.array((a) => ({ partition: a.int32(), brokers: a.array((b) => b.int32(), 4) }), 8);
    const configs = r.array((c) => ({ name: c.string(), value: c.nullableString() }), 4);
    return { topic, partitions, replicationFactor, assignmentsCount: assignments.length, configs };
  }, 16);
  const timeoutMs = reader.int32();
  const validateOnly = version >= 1 ? reader.boolean() : false;
  return { topics, timeoutMs, validateOnly };
}

export function encodeCreateTopicsResponse(writer: Writer, version: number, results: readonly TopicResult[]): void {
  if (version >= 2) writer.int32(0);
  writer.array(results, (w, t) => {
    w.string(t.topic).int16(t.errorCode);
    if (version >= 1) w.nullableString(t.errorMessage);
  });
}

interface DeleteTopicsRequest {
  topics: string[];
  timeoutMs: number;
}

export function decodeDeleteTopicsRequest(reader: Reader, _version: number): DeleteTopicsRequest {
  const topics = reader.array((r) => r.string(), 2);
  return { topics, timeoutMs: reader.int32() };
}

export function encodeDeleteTopicsResponse(writer: Writer, version: number, results: readonly TopicResult[]): void {
  if (version >= 1) writer.int32(0);
  writer.array(results, (w, t) => {
    w.string(t.topic).int16(t.errorCode);
  });
}

interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
}

export function decodeInitProducerIdRequest(reader: Reader, _version: number): InitProducerIdRequest {
  return { transactionalId: reader.nullableString(), transactionTimeoutMs: reader.int32() };
}

export function encodeInitProducerIdResponse(writer: Writer, _version: number, errorCode: number, producerId: number,
    producerEpoch: number): void {
  writer.int32(0).int16(errorCode).int64(producerId).int16(producerEpoch);
}
