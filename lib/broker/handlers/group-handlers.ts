/**
 * Handlers of the consumer-group requests: FindCoordinator (this node, for groups), JoinGroup,
 * SyncGroup, Heartbeat and LeaveGroup (the GroupCoordinator decides), OffsetCommit (checked against
 * the group's generation, then durable in `__consumer_offsets`) and OffsetFetch.
 */
import {
  decodeFindCoordinatorRequest,
  decodeHeartbeatRequest,
  decodeJoinGroupRequest,
  decodeLeaveGroupRequest,
  decodeSyncGroupRequest,
  encodeErrorOnlyResponse,
  encodeFindCoordinatorResponse,
  encodeJoinGroupResponse,
  encodeSyncGroupResponse,
} from '../api/group.js';
import { decodeOffsetCommitRequest, decodeOffsetFetchRequest, encodeOffsetCommitResponse, encodeOffsetFetchResponse,
    type OffsetFetchPartition, type PartitionError } from '../api/offsets.js';
import { ErrorCode, errorCodeFor } from '../protocol/error-codes.js';
import type { Reader, Writer } from '../protocol/wire.js';
import type { ServerContext } from '../server-context.js';

export function findCoordinator(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeFindCoordinatorRequest(reader, version);
  const code = request.keyType === 0 ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  encodeFindCoordinatorResponse(writer, version, code, ctx.broker.nodeId, ctx.host, ctx.port);
  return true;
}

export async function joinGroup(ctx: ServerContext, reader: Reader, writer: Writer, version: number, clientId: string | null):
    Promise<boolean> {
  const request = decodeJoinGroupRequest(reader, version);
  const response = await ctx.broker.groups.join(request, clientId ?? 'client');
  encodeJoinGroupResponse(writer, version, response);
  return true;
}

export async function syncGroup(ctx: ServerContext, reader: Reader, writer: Writer, version: number): Promise<boolean> {
  const request = decodeSyncGroupRequest(reader, version);
  const answer = await ctx.broker.groups.sync(request);
  encodeSyncGroupResponse(writer, version, answer.errorCode, answer.assignment);
  return true;
}

export function heartbeat(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeHeartbeatRequest(reader, version);
  encodeErrorOnlyResponse(writer, version, ctx.broker.groups.heartbeat(request.groupId, request.generationId, request.memberId));
  return true;
}

export function leaveGroup(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeLeaveGroupRequest(reader, version);
  encodeErrorOnlyResponse(writer, version, ctx.broker.groups.leave(request.groupId, request.memberId));
  return true;
}

export function offsetCommit(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeOffsetCommitRequest(reader, version);
  const broker = ctx.broker;
  const groupError = broker.groups.validateCommit(request.groupId, request.generationId, request.memberId);
  const topics: { topic: string; partitions: PartitionError[] }[] = [];
  for (const t of request.topics) {
    const partitions: PartitionError[] = [];
    const accepted = [];
    for (const p of t.partitions) {
      let errorCode: number = groupError;
      const known = broker.hasTopic(t.topic) && p.partition >= 0 && p.partition < broker.describe(t.topic).partitions;
      if (errorCode === ErrorCode.NONE && !known) {
        errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      partitions.push({ partition: p.partition, errorCode });
      if (errorCode === ErrorCode.NONE) accepted.push({ topic: t.topic, partition: p.partition, offset: p.offset,
          metadata: p.metadata ?? '' });
    }
    if (accepted.length > 0) {
      try {
        broker.commitOffsets(request.groupId, accepted);
      } catch (error) {
        const code = errorCodeFor(error);
        for (const p of partitions) p.errorCode = code;
      }
    }
    topics.push({ topic: t.topic, partitions });
  }
  encodeOffsetCommitResponse(writer, version, topics);
  return true;
}

export function offsetFetch(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const broker = ctx.broker;
  const request = decodeOffsetFetchRequest(reader, version);
  const byTopic = new Map<string, OffsetFetchPartition[]>();
  if (request.topics === null) {
    for (const c of broker.committedOffsets(request.groupId)) {
      const list = byTopic.get(c.topic) ?? [];
      list.push({ partition: c.partition, offset: c.committed.offset, metadata: c.committed.metadata, errorCode: ErrorCode.NONE });
      byTopic.set(c.topic, list);
    }
  } else {
    for (const t of request.topics) {
      byTopic.set(t.topic, t.partitions.map((partition) => {
        const committed = broker.committedOffset(request.groupId, t.topic, partition);
        return { partition, offset: committed?.offset ?? -1, metadata: committed?.metadata ?? '', errorCode: ErrorCode.NONE };
      }));
    }
  }
  encodeOffsetFetchResponse(writer, version, [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), ErrorCode.NONE);
  return true;
}
