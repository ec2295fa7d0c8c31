/**
 * Handlers of the consumer-group requests: FindCoordinator (this node, for groups), JoinGroup,
 * SyncGroup, Heartbeat and LeaveGroup (the GroupCoordinator decides), OffsetCommit (checked against
 * the group's generation, then durable in `__consumer_offsets`) and OffsetFetch; the operator's
 * DescribeGroups, ListGroups, DeleteGroups and OffsetDelete.
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
import {
  decodeDeleteGroupsRequest,
  decodeDescribeGroupsRequest,
  decodeOffsetDeleteRequest,
  encodeDeleteGroupsResponse,
  encodeDescribeGroupsResponse,
  encodeListGroupsResponse,
  encodeOffsetDeleteResponse,
  type DescribedGroup,
} from '../api/group-admin.js';
import { decodeOffsetCommitRequest, decodeOffsetFetchRequest, encodeOffsetCommitResponse, encodeOffsetFetchResponse,
    type OffsetFetchPartition, type PartitionError } from '../api/offsets.js';
import { ErrorCode, errorCodeFor } from '../protocol/error-codes.js';
import type { Reader, Writer } from '../protocol/wire.js';
import type { ServerContext } from '../server-context.js';

export function findCoordinator(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeFindCoordinatorRequest(reader, version);
  // This node coordinates every group (key type 0) and every transactional id (key type 1).
  const code = request.keyType === 0 || request.keyType === 1 ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  encodeFindCoordinatorResponse(writer, version, code, ctx.broker.nodeId, ctx.host, ctx.port);
  return true;
}

export async function joinGroup(ctx: ServerContext, reader: Reader, writer: Writer, version: number, clientId: string | null,
    remoteAddress: string | null): Promise<boolean> {
  const request = decodeJoinGroupRequest(reader, version);
  // Kafka's client host is "/" + the peer's address.
  const response = await ctx.broker.groups.join(request, clientId ?? 'client', remoteAddress === null ? '' : `/${remoteAddress}`);
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

export function describeGroups(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeDescribeGroupsRequest(reader, version);
  const groups: DescribedGroup[] = request.groups.map((groupId) => {
    const described = ctx.broker.describeGroup(groupId);
    // Kafka answers an unknown group as Dead, without an error.
    if (described === null) return { errorCode: ErrorCode.NONE, groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] };
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: described.state,
      protocolType: described.protocolType,
      protocolData: described.protocolName,
      members: described.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId,
        clientHost: m.clientHost, metadata: m.metadata, assignment: m.assignment })),
    };
  });
  encodeDescribeGroupsResponse(writer, version, groups);
  return true;
}

export function listGroups(ctx: ServerContext, _reader: Reader, writer: Writer, version: number): boolean {
  encodeListGroupsResponse(writer, version, ErrorCode.NONE, ctx.broker.listGroups());
  return true;
}

export function deleteGroups(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeDeleteGroupsRequest(reader, version);
  const results = request.groups.map((groupId) => {
    try {
      return { groupId, errorCode: ctx.broker.deleteGroup(groupId) };
    } catch (error) {
      return { groupId, errorCode: errorCodeFor(error) };
    }
  });
  encodeDeleteGroupsResponse(writer, version, results);
  return true;
}

export function offsetDelete(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeOffsetDeleteRequest(reader, version);
  const wanted = request.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
  let result: ReturnType<ServerContext['broker']['deleteGroupOffsets']>;
  try {
    result = ctx.broker.deleteGroupOffsets(request.groupId, wanted);
  } catch (error) {
    const code = errorCodeFor(error);
    result = { errorCode: ErrorCode.NONE, partitions: wanted.map((p) => ({ ...p, errorCode: code })) };
  }
  const byTopic = new Map<string, { partition: number; errorCode: number }[]>();
  for (const p of result.partitions) {
    byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { partition: p.partition, errorCode: p.errorCode }]);
  }
  encodeOffsetDeleteResponse(writer, version, result.errorCode, [...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
  return true;
}
