/**
 * Metadata (key 3), v0–v4. Request: topics nullable [name STRING] (v0: empty means all; v1+: null
 * means all), allowAutoTopicCreation bool (v4+). Response: throttleTimeMs int32 (v3+), brokers
 * [nodeId int32, host STRING, port int32, rack nullable STRING (v1+)], clusterId nullable STRING
 * (v2+), controllerId int32 (v1+), topics [errorCode int16, name STRING, isInternal bool (v1+),
 * partitions [errorCode int16, partition int32, leaderId int32, replicaNodes int32[], isrNodes int32[]]].
 * One node: this broker leads every partition and is the only replica.
 */
import type { Reader, Writer } from '../protocol/wire.js';

interface MetadataRequest {
  /** null: every topic. */
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
}

export interface MetadataTopic {
  errorCode: number;
  topic: string;
  isInternal: boolean;
  partitions: number;
  /** Partitions the broker could not open: LEADER_NOT_AVAILABLE, no leader, empty ISR (clients back off and retry). */
  offlinePartitions?: readonly number[];
}

/** Kafka's LEADER_NOT_AVAILABLE: what a partition whose only replica is offline reports in Metadata. */
const LEADER_NOT_AVAILABLE = 5;

interface MetadataResponse {
  brokers: BrokerNode[];
  clusterId: string;
  controllerId: number;
  topics: MetadataTopic[];
}

export function decodeMetadataRequest(reader: Reader, version: number): MetadataRequest {
  const count = reader.arrayLength(2);
  let topics: string[] | null = null;
  if (count >= 0 && !(version === 0 && count === 0)) {
    topics = [];
    for (let i = 0; i < count; i++) topics.push(reader.string());
  }
  const allowAutoTopicCreation = version >= 4 ? reader.boolean() : true;
  return { topics, allowAutoTopicCreation };
}

export function encodeMetadataResponse(writer: Writer, version: number, response: MetadataResponse): void {
  if (version >= 3) writer.int32(0);
  writer.array(response.brokers, (w, b) => {
    w.int32(b.nodeId).string(b.host).int32(b.port);
    if (version >= 1) w.nullableString(null);
  });
  if (version >= 2) writer.nullableString(response.clusterId);
  if (version >= 1) writer.int32(response.controllerId);
  const nodeId = response.brokers[0]?.nodeId ?? 0;
  writer.array(response.topics, (w, t) => {
    w.int16(t.errorCode).string(t.topic);
    if (version >= 1) w.boolean(t.isInternal);
    w.int32(t.partitions);
    for (let p = 0; p < t.partitions; p++) {
      if (t.offlinePartitions?.includes(p) === true) {
        w.int16(LEADER_NOT_AVAILABLE).int32(p).int32(-1);
        w.int32(1).int32(nodeId);
        w.int32(0);
        continue;
      }
      w.int16(0).int32(p).int32(nodeId);
      w.int32(1).int32(nodeId);
      w.int32(1).int32(nodeId);
    }
  });
}
