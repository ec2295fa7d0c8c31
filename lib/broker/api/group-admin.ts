/**
 * Group administration: DescribeGroups (15) v0–v4, ListGroups (16) v0–v2, DeleteGroups (42) v0–v1
 * and OffsetDelete (47) v0. Layouts (non-flexible), as Kafka's message specs give them:
 * - DescribeGroups: groups STRING[], includeAuthorizedOperations bool (v3+) → throttleTimeMs (v1+),
 *   groups [errorCode, groupId, groupState, protocolType, protocolData, members [memberId,
 *   groupInstanceId nullable (v4+), clientId, clientHost, memberMetadata BYTES, memberAssignment
 *   BYTES], authorizedOperations int32 (v3+)].
 * - ListGroups: (empty) → throttleTimeMs (v1+), errorCode, groups [groupId, protocolType].
 * - DeleteGroups: groupsNames STRING[] → throttleTimeMs, results [groupId, errorCode].
 * - OffsetDelete: groupId, topics [name, partitions [partitionIndex int32]] → errorCode,
 *   throttleTimeMs, topics [name, partitions [partitionIndex, errorCode]].
 */
import type { Reader, Writer } from '../protocol/wire.js';

/** Kafka's "authorized operations not requested" (INT32_MIN). */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Uint8Array;
  assignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
}

export function decodeDescribeGroupsRequest(reader: Reader, version: number): { groups: string[] } {
  const groups = reader.array((r) => r.string(), 2);
  if (version >= 3) reader.boolean();
  return { groups };
}

export function encodeDescribeGroupsResponse(writer: Writer, version: number, groups: readonly DescribedGroup[]): void {
  if (version >= 1) writer.int32(0);
  writer.array(groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocolData);
    w.array(g.members, (mw, m) => {
      mw.string(m.memberId);
      if (version >= 4) mw.nullableString(m.groupInstanceId);
      mw.string(m.clientId).string(m.clientHost).bytesField(m.metadata).bytesField(m.assignment);
    });
    if (version >= 3) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
  });
}

export function encodeListGroupsResponse(writer: Writer, version: number, errorCode: number,
    groups: readonly { groupId: string; protocolType: string }[]): void {
  if (version >= 1) writer.int32(0);
  writer.int16(errorCode);
  writer.array(groups, (w, g) => {
    w.string(g.groupId).string(g.protocolType);
  });
}

export function decodeDeleteGroupsRequest(reader: Reader, _version: number): { groups: string[] } {
  return { groups: reader.array((r) => r.string(), 2) };
}

export function encodeDeleteGroupsResponse(writer: Writer, _version: number,
    results: readonly { groupId: string; errorCode: number }[]): void {
  writer.int32(0);
  writer.array(results, (w, r) => {
    w.string(r.groupId).int16(r.errorCode);
  });
}

interface OffsetDeleteRequest {
  groupId: string;
  topics: { topic: string; partitions: number[] }[];
}

export function decodeOffsetDeleteRequest(reader: Reader, _version: number): OffsetDeleteRequest {
  const groupId = reader.string();
  const topics = reader.array((r) => ({ topic: r.string(), partitions: r.array((p) => p.int32(), 4) }), 6);
  return { groupId, topics };
}

export function encodeOffsetDeleteResponse(writer: Writer, _version: number, errorCode: number,
    topics: readonly { topic: string; partitions: { partition: number; errorCode: number }[] }[]): void {
  writer.int16(errorCode).int32(0);
  writer.array(topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int16(p.errorCode);
    });
  });
}
