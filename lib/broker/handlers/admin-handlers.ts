/**
 * Handlers of the topic-admin requests: CreateTopics (validated as Kafka does: replication factor,
 * partition count and budget, name, configs under Kafka's names), DeleteTopics and InitProducerId.
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
import { ErrorCode, errorCodeFor } from '../protocol/error-codes.js';
import type { Reader, Writer } from '../protocol/wire.js';
import type { ServerContext } from '../server-context.js';
import { parseTopicConfigs, withKafkaConfigNames } from '../topic-config.js';
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

export function initProducerId(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeInitProducerIdRequest(reader, version);
  if (request.transactionalId !== null) {
    // Transactions are not offered: a transactional producer must not think it has one.
    encodeInitProducerIdResponse(writer, version, ErrorCode.INVALID_REQUEST, -1, -1);
    return true;
  }
  const { producerId, producerEpoch } = ctx.broker.initProducerId();
  encodeInitProducerIdResponse(writer, version, ErrorCode.NONE, producerId, producerEpoch);
  return true;
}
