/**
 * Group membership APIs: FindCoordinator (10) v0–v2, JoinGroup (11) v0–v5, Heartbeat (12) v0–v3,
 * LeaveGroup (13) v0–v2, SyncGroup (14) v0–v3. Layouts (non-flexible):
 * - FindCoordinator: key STRING, keyType int8 (v1+) → throttleTimeMs (v1+), errorCode, errorMessage
 *   nullable (v1+), nodeId int32, host STRING, port int32.
 * - JoinGroup: groupId, sessionTimeoutMs int32, rebalanceTimeoutMs int32 (v1+), memberId,
 *   groupInstanceId nullable (v5+), protocolType, protocols [name, metadata BYTES] → throttleTimeMs
 *   (v2+), errorCode, generationId int32, protocolName, leader, memberId, members [memberId,
 *   groupInstanceId nullable (v5+), metadata BYTES].
 * - Heartbeat: groupId, generationId, memberId, groupInstanceId (v3+) → throttleTimeMs (v1+), errorCode.
 * - LeaveGroup: groupId, memberId → throttleTimeMs (v1+), errorCode.
 * - SyncGroup: groupId, generationId, memberId, groupInstanceId (v3+), assignments [memberId,
 *   assignment BYTES] → throttleTimeMs (v1+), errorCode, assignment BYTES.
 * Metadata and assignment bytes are opaque to the broker (the consumer protocol is client-side); they
 * are copied out of the request frame because the coordinator keeps them across requests.
 */
import type { Reader, Writer } from '../protocol/wire.js';

interface FindCoordinatorRequest {
  key: string;
  keyType: number;
}

export function decodeFindCoordinatorRequest(reader: Reader, version: number): FindCoordinatorRequest {
  const key = reader.string();
  const keyType = version >= 1 ? reader.int8() : 0;
  return { key, keyType };
}

export function encodeFindCoordinatorResponse(writer: Writer, version: number, errorCode: number, nodeId: number, host: string,
    port: number): void {
  if (version >= 1) writer.int32(0);
  writer.int16(errorCode);
  if (version >= 1) writer.nullableString(null);
  writer.int32(nodeId).string(host).int32(port);
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

export function decodeJoinGroupRequest(reader: Reader, version: number): JoinGroupRequest {
  const groupId = reader.string();
  const sessionTimeoutMs = reader.int32();
  const rebalanceTimeoutMs = version >= 1 ? reader.int32() : sessionTimeoutMs;
  const memberId = reader.string();
  const groupInstanceId = version >= 5 ? reader.nullableString() : null;
  const protocolType = reader.string();
  const protocols = reader.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytesField()) }), 6);
  return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType, protocols };
}

export interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

export function encodeJoinGroupResponse(writer: Writer, version: number, response: JoinGroupResponse): void {
  if (version >= 2) writer.int32(0);
  writer.int16(response.errorCode).int32(response.generationId).string(response.protocolName)
    .string(response.leader).string(response.memberId);
  writer.array(response.members, (w, m) => {
    w.string(m.memberId);
    if (version >= 5) w.nullableString(null);
    w.bytesField(m.metadata);
  });
}

interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
}

export function decodeHeartbeatRequest(reader: Reader, version: number): HeartbeatRequest {
  const groupId = reader.string();
  const generationId = reader.int32();
  const memberId = reader.string();
  if (version >= 3) reader.nullableString();
  return { groupId, generationId, memberId };
}

/** Heartbeat and LeaveGroup responses have the same shape. */
export function encodeErrorOnlyResponse(writer: Writer, version: number, errorCode: number): void {
  if (version >= 1) writer.int32(0);
  writer.int16(errorCode);
}

interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
}

export function decodeLeaveGroupRequest(reader: Reader, _version: number): LeaveGroupRequest {
  return { groupId: reader.string(), memberId: reader.string() };
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  assignments: { memberId: string; assignment: Buffer }[];
}

export function decodeSyncGroupRequest(reader: Reader, version: number): SyncGroupRequest {
  const groupId = reader.string();
  const generationId = reader.int32();
  const memberId = reader.string();
  if (version >= 3) reader.nullableString();
  const assignments = reader.array((r) => ({ memberId: r.string(), assignment: Buffer.from(r.bytesField()) }), 6);
  return { groupId, generationId, memberId, assignments };
}

export function encodeSyncGroupResponse(writer: Writer, version: number, errorCode: number, assignment: Uint8Array): void {
  if (version >= 1) writer.int32(0);
  writer.int16(errorCode).bytesField(assignment);
}
