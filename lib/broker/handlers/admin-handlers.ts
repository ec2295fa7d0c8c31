/**
 * Handlers of the topic-admin requests: CreateTopics (validated as Kafka does: replication factor,
 * partition count and budget, name, configs under Kafka's names), DeleteTopics and InitProducerId;
 * topic configs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs), CreatePartitions and
 * DeleteRecords.
 */
import { InvalidArgumentError, InvalidConfigError, RequestRefusedError } from '../../index.js';
import {
  decodeCreateTopicsRequest,
  decodeDeleteTopicsRequest,
  decodeInitProducerIdRequest,
  encodeCreateTopicsResponse,
  encodeDeleteTopicsResponse,
  encodeInitProducerIdResponse,
  type TopicResult,
} from '../api/admin.js';
import {
  ConfigOperation,
  ConfigResourceType,
  ConfigSource,
  decodeAlterConfigsRequest,
  decodeCreatePartitionsRequest,
  decodeDeleteRecordsRequest,
  decodeDescribeConfigsRequest,
  encodeAlterConfigsResponse,
  encodeCreatePartitionsResponse,
  encodeDeleteRecordsResponse,
  encodeDescribeConfigsResponse,
  type AlterConfigsResult,
  type DescribeConfigsResult,
  type DescribedConfig,
} from '../api/topic-admin.js';
import { ErrorCode, errorCodeFor } from '../protocol/error-codes.js';
import type { Reader, Writer } from '../protocol/wire.js';
import type { ServerContext } from '../server-context.js';
import { kafkaConfigName, parseTopicConfigs, withKafkaConfigNames } from '../topic-config.js';
import { topicNameProblem } from '../topic-name.js';

export async function createTopics(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const request = decodeCreateTopicsRequest(reader, version);
  const broker = ctx.broker;
  const results: TopicResult[] = [];
  for (const t of request.topics) {
    const result: TopicResult = { topic: t.topic, errorCode: ErrorCode.NONE, errorMessage: null };
    results.push(result);
    const partitions = t.partitions === -1 ? ctx.defaultPartitions : t.partitions;
    if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
      result.errorCode = ErrorCode.INVALID_REPLICATION_FACTOR;
      result.errorMessage = `replication factor ${t.replicationFactor} on a single-node broker`;
      continue;
    }
    if (partitions < 1) {
      result.errorCode = ErrorCode.INVALID_PARTITIONS;
      result.errorMessage = `partitions must be ≥ 1, got ${partitions}`;
      continue;
    }
    if (partitions > broker.partitionsMax) {
      result.errorCode = ErrorCode.INVALID_PARTITIONS;
      result.errorMessage = `${partitions} partitions exceed the broker's limit of ${broker.partitionsMax} open partitions`;
      continue;
    }
    try {
      const config = parseTopicConfigs(t.configs);
      const problem = topicNameProblem(t.topic);
      if (problem !== null) {
        result.errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION;
        result.errorMessage = problem;
      } else if (broker.hasTopic(t.topic)) {
        result.errorCode = ErrorCode.TOPIC_ALREADY_EXISTS;
        result.errorMessage = `topic ${t.topic} already exists`;
      } else if (!request.validateOnly) {
        await broker.createTopic(t.topic, { partitions, config });
      }
    } catch (error) {
      const named = error instanceof InvalidConfigError ? withKafkaConfigNames(error) : error;
      result.errorCode = error instanceof RequestRefusedError ? ErrorCode.INVALID_PARTITIONS : errorCodeFor(named);
      result.errorMessage = (named as Error).message;
    }
  }
  encodeCreateTopicsResponse(writer, version, results);
  return true;
}

export async function deleteTopics(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const request = decodeDeleteTopicsRequest(reader, version);
  const results: TopicResult[] = [];
  for (const topic of request.topics) {
    try {
      await ctx.broker.deleteTopic(topic);
      results.push({ topic, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      const code = error instanceof InvalidArgumentError ? ErrorCode.INVALID_REQUEST : errorCodeFor(error);
      results.push({ topic, errorCode: code, errorMessage: (error as Error).message });
    }
  }
  encodeDeleteTopicsResponse(writer, version, results);
  return true;
}

export async function initProducerId(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const request = decodeInitProducerIdRequest(reader, version);
  if (request.transactionalId !== null) {
    const answer = await ctx.broker.initTransactionalProducer(request.transactionalId, request.transactionTimeoutMs);
    encodeInitProducerIdResponse(writer, version, answer.errorCode, answer.producerId, answer.producerEpoch);
    return true;
  }
  const { producerId, producerEpoch } = ctx.broker.initProducerId();
  encodeInitProducerIdResponse(writer, version, ErrorCode.NONE, producerId, producerEpoch);
  return true;
}

/** A LogConfig value as Kafka's configs print it. */
function configText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/** The topic's own configs under Kafka's names, as strings (what AlterConfigs requests carry). */
function overridesAsEntries(ctx: ServerContext, topic: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(ctx.broker.topicConfig(topic).overrides)) out.set(kafkaConfigName(key), configText(value));
  return out;
}

function resultError(error: unknown): { errorCode: number; errorMessage: string } {
  const translated = error instanceof InvalidConfigError ? withKafkaConfigNames(error) : error;
  return { errorCode: errorCodeFor(translated), errorMessage: translated instanceof Error ? translated.message : String(translated) };
}

export function describeConfigs(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeDescribeConfigsRequest(reader, version);
  const results: DescribeConfigsResult[] = request.resources.map((resource) => {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    if (resource.resourceType === ConfigResourceType.BROKER) {
      // Broker configs are not served: the broker's defaults apply to topics and show there.
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs: [] };
    }
    if (resource.resourceType !== ConfigResourceType.TOPIC) {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `config resource type ${resource.resourceType} is not served`,
        configs: [] };
    }
    if (!ctx.broker.hasTopic(resource.resourceName)) {
      return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${resource.resourceName} does not exist`,
        configs: [] };
    }
    const { overrides, effective } = ctx.broker.topicConfig(resource.resourceName);
    const wanted = resource.configNames === null ? null : new Set(resource.configNames);
    const configs: DescribedConfig[] = [];
    for (const [key, value] of Object.entries(effective)) {
      const name = kafkaConfigName(key);
      if (wanted !== null && !wanted.has(name)) continue;
      configs.push({ name, value: configText(value), readOnly: false, isSensitive: false,
        source: key in overrides ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG });
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
  });
  encodeDescribeConfigsResponse(writer, version, results);
  return true;
}

/**
 * AlterConfigs (the request's set replaces the topic's own configs) and IncrementalAlterConfigs
 * (SET, DELETE, and APPEND / SUBTRACT on list configs such as cleanup.policy, applied to the topic's
 * own configs). Either way the new set is validated whole and applied to the topic's live logs.
 */
export function alterConfigs(ctx: ServerContext, reader: Reader, writer: Writer, version: number, incremental: boolean): boolean {
  const request = decodeAlterConfigsRequest(reader, version, incremental);
  const results: AlterConfigsResult[] = request.resources.map((resource) => {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    if (resource.resourceType !== ConfigResourceType.TOPIC) {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'only topic configs can be altered here' };
    }
    try {
      if (!ctx.broker.hasTopic(resource.resourceName)) {
        return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${resource.resourceName} does not exist` };
      }
      const entries = incremental ? overridesAsEntries(ctx, resource.resourceName) : new Map<string, string>();
      for (const c of resource.configs) applyConfigOperation(entries, c);
      const overrides = parseTopicConfigs([...entries].map(([name, value]) => ({ name, value })));
      ctx.broker.alterTopicConfig(resource.resourceName, overrides, { validateOnly: request.validateOnly });
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (error) {
      return { ...base, ...resultError(error) };
    }
  });
  encodeAlterConfigsResponse(writer, version, results);
  return true;
}

function applyConfigOperation(entries: Map<string, string>, c: { name: string; operation: number; value: string | null }): void {
  if (c.operation === ConfigOperation.SET) {
    if (c.value === null) entries.delete(c.name);
    else entries.set(c.name, c.value);
  } else if (c.operation === ConfigOperation.DELETE) {
    entries.delete(c.name);
  } else if (c.operation === ConfigOperation.APPEND || c.operation === ConfigOperation.SUBTRACT) {
    if (c.name !== 'cleanup.policy') throw new InvalidConfigError(`'${c.name}' is not a list config: APPEND and SUBTRACT do not apply`);
    const items = new Set((entries.get(c.name) ?? '').split(',').filter((v) => v.length > 0));
    for (const v of (c.value ?? '').split(',').filter((x) => x.length > 0)) {
      if (c.operation === ConfigOperation.APPEND) items.add(v);
      else items.delete(v);
    }
    if (items.size === 0) entries.delete(c.name);
    else entries.set(c.name, [...items].sort().join(','));
  } else {
    throw new InvalidConfigError(`config operation ${c.operation} on '${c.name}' is not one of SET, DELETE, APPEND, SUBTRACT`);
  }
}

export async function createPartitions(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const request = decodeCreatePartitionsRequest(reader, version);
  const results: { topic: string; errorCode: number; errorMessage: string | null }[] = [];
  for (const t of request.topics) {
    try {
      await ctx.broker.createPartitions(t.topic, t.count, { validateOnly: request.validateOnly });
      results.push({ topic: t.topic, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      results.push({ topic: t.topic, ...resultError(error) });
    }
  }
  encodeCreatePartitionsResponse(writer, version, results);
  return true;
}

export function deleteRecords(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeDeleteRecordsRequest(reader, version);
  const topics = request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      try {
        const lowWatermark = ctx.broker.deleteRecords(t.topic, p.partition, p.offset);
        return { partition: p.partition, lowWatermark, errorCode: ErrorCode.NONE };
      } catch (error) {
        return { partition: p.partition, lowWatermark: -1, errorCode: errorCodeFor(error) };
      }
    }),
  }));
  encodeDeleteRecordsResponse(writer, version, topics);
  return true;
}
