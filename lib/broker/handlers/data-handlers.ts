/**
 * Handlers of the data-path requests: Metadata (with auto-creation when the server allows it),
 * Produce, Fetch and ListOffsets. Each decodes its request from the reader, asks the broker, and
 * encodes the response into the writer; a partition's failure is that partition's Kafka error code.
 */
import { InvalidArgumentError, type IsolationLevel } from '../../index.js';
import { decodeFetchRequest, encodeFetchResponse, type FetchTopicResponse } from '../api/fetch.js';
import { decodeListOffsetsRequest, encodeListOffsetsResponse, type ListOffsetsTopicResponse } from '../api/list-offsets.js';
import { decodeMetadataRequest, encodeMetadataResponse, type MetadataTopic } from '../api/metadata.js';
import { decodeProduceRequest, encodeProduceResponse, type ProduceTopicResponse } from '../api/produce.js';
import { ErrorCode, errorCodeFor } from '../protocol/error-codes.js';
import { ProtocolError, type Reader, type Writer } from '../protocol/wire.js';
import type { ServerContext } from '../server-context.js';
import { topicNameProblem } from '../topic-name.js';

export async function metadata(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const broker = ctx.broker;
  const request = decodeMetadataRequest(reader, version);
  const names = request.topics ?? broker.listTopics().map((t) => t.name);
  const topics: MetadataTopic[] = [];
  for (const name of names) topics.push(await metadataTopic(ctx, name, request.allowAutoTopicCreation && request.topics !== null));
  encodeMetadataResponse(writer, version, {
    brokers: [{ nodeId: broker.nodeId, host: ctx.host, port: ctx.port }],
    clusterId: broker.clusterId,
    controllerId: broker.nodeId,
    topics,
  });
  return true;
}

async function metadataTopic(ctx: ServerContext, name: string, mayCreate: boolean): Promise<MetadataTopic> {
  const broker = ctx.broker;
  if (!broker.hasTopic(name)) {
    if (topicNameProblem(name) !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, topic: name, isInternal: false,
        partitions: 0 };
    if (!mayCreate || !ctx.autoCreateTopics) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topic: name,
        isInternal: false, partitions: 0 };
    try {
      await broker.createTopic(name, { partitions: ctx.defaultPartitions });
    } catch (error) {
      // Two connections auto-creating the same topic: the loser sees it exists.
      if (!broker.hasTopic(name)) return { errorCode: errorCodeFor(error), topic: name, isInternal: false, partitions: 0 };
    }
  }
  const description = broker.describe(name);
  return { errorCode: ErrorCode.NONE, topic: name, isInternal: description.isInternal, partitions: description.partitions,
    offlinePartitions: broker.offlinePartitionsOf(name) };
}

export async function produce(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const request = decodeProduceRequest(reader, version);
  const broker = ctx.broker;
  const acks = request.acks;
  const topics: ProduceTopicResponse[] = [];
  for (const t of request.topics) {
    const partitions = [];
    for (const p of t.partitions) {
      const answer = { partition: p.partition, errorCode: ErrorCode.NONE as number, baseOffset: -1, logAppendTimeMs: -1,
          logStartOffset: -1 };
      partitions.push(answer);
      if (version < 3) {
        answer.errorCode = ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT;
        continue;
      }
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        answer.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
        continue;
      }
      if (p.records === null || p.records.length === 0) {
        answer.errorCode = ErrorCode.CORRUPT_MESSAGE;
        continue;
      }
      try {
        const result = await broker.produce(t.topic, p.partition, p.records, { acks: acks as 0 | 1 | -1 });
        answer.baseOffset = result.baseOffset;
        answer.logAppendTimeMs = result.logAppendTimeMs;
        answer.logStartOffset = result.logStartOffset;
      } catch (error) {
        const corrupt = error instanceof InvalidArgumentError && !(error instanceof ProtocolError);
        answer.errorCode = corrupt ? ErrorCode.CORRUPT_MESSAGE : errorCodeFor(error);
      }
    }
    topics.push({ topic: t.topic, partitions });
  }
  if (acks === 0) return false;
  encodeProduceResponse(writer, version, topics);
  return true;
}

/** Kafka's isolation level byte (0 READ_UNCOMMITTED, 1 READ_COMMITTED). */
function isolationOf(level: number): IsolationLevel {
  return level === 1 ? 'read_committed' : 'read_uncommitted';
}

export async function fetch(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const request = decodeFetchRequest(reader, version);
  const flat = [];
  for (const t of request.topics) {
    for (const p of t.partitions) flat.push({ topic: t.topic, partition: p.partition, offset: p.fetchOffset,
        maxBytes: p.partitionMaxBytes });
  }
  // Fetch v0–v2 has no KIP-74 minOneMessage: the planner sends a cut first batch as it is.
  const results = await ctx.broker.fetch(flat, { maxBytes: request.maxBytes, maxWaitMs: request.maxWaitMs,
      minBytes: request.minBytes, hardMaxBytesLimit: version <= 2, isolation: isolationOf(request.isolationLevel) });
  const topics: FetchTopicResponse[] = [];
  let at = 0;
  for (const t of request.topics) {
    const partitions = [];
    for (let i = 0; i < t.partitions.length; i++) {
      const r = results[at++];
      if (r === undefined) throw new ProtocolError('fetch result count mismatch');
      partitions.push({
        partition: r.partition,
        errorCode: r.error === null ? ErrorCode.NONE : errorCodeFor(r.error),
        highWatermark: r.highWatermark,
        lastStableOffset: r.lastStableOffset,
        logStartOffset: r.logStartOffset,
        abortedTransactions: r.abortedTransactions,
        records: r.regions[0] ?? null,
      });
    }
    topics.push({ topic: t.topic, partitions });
  }
  encodeFetchResponse(writer, version, topics);
  return true;
}

export function listOffsets(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const broker = ctx.broker;
  const request = decodeListOffsetsRequest(reader, version);
  const topics: ListOffsetsTopicResponse[] = request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      try {
        const hit = broker.listOffsets(t.topic, p.partition, p.timestampMs, isolationOf(request.isolationLevel));
        return { partition: p.partition, errorCode: ErrorCode.NONE, timestampMs: hit.timestampMs, offset: hit.offset };
      } catch (error) {
        return { partition: p.partition, errorCode: errorCodeFor(error), timestampMs: -1, offset: -1 };
      }
    }),
  }));
  encodeListOffsetsResponse(writer, version, topics);
  return true;
}
