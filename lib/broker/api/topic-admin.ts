/**
 * Topic administration beyond create and delete: DescribeConfigs (32) v0–v2, AlterConfigs (33)
 * v0–v1, IncrementalAlterConfigs (44) v0, CreatePartitions (37) v0–v1 and DeleteRecords (21) v0–v1.
 * Layouts (non-flexible), as Kafka's message specs give them:
 * - DescribeConfigs: resources [resourceType int8, resourceName, configurationKeys nullable
 *   STRING[]], includeSynonyms bool (v1+) → throttleTimeMs, results [errorCode, errorMessage
 *   nullable, resourceType int8, resourceName, configs [name, value nullable, readOnly bool,
 *   isDefault bool (v0 only), configSource int8 (v1+), isSensitive bool, synonyms [name, value
 *   nullable, source int8] (v1+)]].
 * - AlterConfigs: resources [resourceType int8, resourceName, configs [name, value nullable]],
 *   validateOnly bool → throttleTimeMs, responses [errorCode, errorMessage nullable, resourceType
 *   int8, resourceName].
 * - IncrementalAlterConfigs: resources [resourceType int8, resourceName, configs [name,
 *   configOperation int8 (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT), value nullable]], validateOnly
 *   bool → the AlterConfigs response.
 * - CreatePartitions: topics [name, count int32, assignments nullable [brokerIds int32[]]],
 *   timeoutMs int32, validateOnly bool → throttleTimeMs, results [name, errorCode, errorMessage nullable].
 * - DeleteRecords: topics [name, partitions [partitionIndex int32, offset int64]], timeoutMs int32
 *   → throttleTimeMs, topics [name, partitions [partitionIndex, lowWatermark int64, errorCode]].
 */
import type { Reader, Writer } from '../protocol/wire.js';

/** Kafka's ConfigResource.Type codes. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigsResponse ConfigSource codes. */
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, DEFAULT_CONFIG: 5 } as const;

/** IncrementalAlterConfigs operations. */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

interface DescribeConfigsResource {
  resourceType: number;
  resourceName: string;
  /** null: every config. */
  configNames: string[] | null;
}

export function decodeDescribeConfigsRequest(reader: Reader, version: number): { resources: DescribeConfigsResource[] } {
  const resources = reader.array((r) => {
    const resourceType = r.int8();
    const resourceName = r.string();
    const count = r.arrayLength(2);
    const configNames: string[] | null = count < 0 ? null : [];
    for (let i = 0; i < count; i++) configNames!.push(r.string());
    return { resourceType, resourceName, configNames };
  }, 7);
  if (version >= 1) reader.boolean();
  return { resources };
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** ConfigSource: DYNAMIC_TOPIC_CONFIG or DEFAULT_CONFIG. */
  source: number;
  isSensitive: boolean;
}

export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribedConfig[];
}

export function encodeDescribeConfigsResponse(writer: Writer, version: number, results: readonly DescribeConfigsResult[]): void {
  writer.int32(0);
  writer.array(results, (w, r) => {
    w.int16(r.errorCode).nullableString(r.errorMessage).int8(r.resourceType).string(r.resourceName);
    w.array(r.configs, (cw, c) => {
      cw.string(c.name).nullableString(c.value).boolean(c.readOnly);
      if (version === 0) cw.boolean(c.source === ConfigSource.DEFAULT_CONFIG);
      else cw.int8(c.source);
      cw.boolean(c.isSensitive);
      // Synonyms are sent only when asked for (includeSynonyms); none here.
      if (version >= 1) cw.array([], () => undefined);
    });
  });
}

interface AlterConfigsResource {
  resourceType: number;
  resourceName: string;
  /** `operation` is SET for AlterConfigs. */
  configs: { name: string; operation: number; value: string | null }[];
}

export function decodeAlterConfigsRequest(reader: Reader, _version: number, incremental: boolean):
    { resources: AlterConfigsResource[]; validateOnly: boolean } {
  const resources = reader.array((r) => {
    const resourceType = r.int8();
    const resourceName = r.string();
    const configs = r.array((c) => {
      const name = c.string();
      const operation = incremental ? c.int8() : ConfigOperation.SET;
      return { name, operation, value: c.nullableString() };
    }, incremental ? 5 : 4);
    return { resourceType, resourceName, configs };
  }, 7);
  return { resources, validateOnly: reader.boolean() };
}

export interface AlterConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/** The AlterConfigs and IncrementalAlterConfigs responses have the same shape. */
export function encodeAlterConfigsResponse(writer: Writer, _version: number, results: readonly AlterConfigsResult[]): void {
  writer.int32(0);
  writer.array(results, (w, r) => {
    w.int16(r.errorCode).nullableString(r.errorMessage).int8(r.resourceType).string(r.resourceName);
  });
}

interface CreatePartitionsRequest {
  topics: { topic: string; count: number; assignmentsGiven: boolean }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export function decodeCreatePartitionsRequest(reader: Reader, _version: number): CreatePartitionsRequest {
  const topics = reader.array((r) => {
    const topic = r.string();
    const count = r.int32();
    const assignments = r.arrayLength(4);
    for (let i = 0; i < assignments; i++) r.array((b) => b.int32(), 4);
    return { topic, count, assignmentsGiven: assignments >= 0 };
  }, 10);
  return { topics, timeoutMs: reader.int32(), validateOnly: reader.boolean() };
}

export function encodeCreatePartitionsResponse(writer: Writer, _version: number,
    results: readonly { topic: string; errorCode: number; errorMessage: string | null }[]): void {
  writer.int32(0);
  writer.array(results, (w, r) => {
    w.string(r.topic).int16(r.errorCode).nullableString(r.errorMessage);
  });
}

interface DeleteRecordsRequest {
  topics: { topic: string; partitions: { partition: number; offset: number }[] }[];
  timeoutMs: number;
}

export function decodeDeleteRecordsRequest(reader: Reader, _version: number): DeleteRecordsRequest {
  const topics = reader.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), offset: p.int64() }), 12),
  }), 6);
  return { topics, timeoutMs: reader.int32() };
}

export function encodeDeleteRecordsResponse(writer: Writer, _version: number,
    topics: readonly { topic: string; partitions: { partition: number; lowWatermark: number; errorCode: number }[] }[]): void {
  writer.int32(0);
  writer.array(topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int64(p.lowWatermark).int16(p.errorCode);
    });
  });
}
