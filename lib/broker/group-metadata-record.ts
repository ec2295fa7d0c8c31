/**
 * A group's membership as a record of `__consumer_offsets`, in Kafka's GroupMetadata schemas, so a
 * restarted broker finds its groups where they were (generation, protocol, leader, members and their
 * assignments) and a real Kafka reads the same records:
 *   key   v2: VERSION int16 (=2), group STRING
 *   value v3: VERSION int16 (=3), protocolType STRING, generation int32, protocol nullable STRING,
 *             leader nullable STRING, currentStateTimestamp int64,
 *             members [memberId STRING, groupInstanceId nullable STRING, clientId STRING,
 *                      clientHost STRING, rebalanceTimeout int32, sessionTimeout int32,
 *                      subscription BYTES, assignment BYTES]
 * Older values are read too (v0: no rebalanceTimeout, no timestamp, no instance id; v1 adds
 * rebalanceTimeout; v2 adds currentStateTimestamp; v3 adds groupInstanceId). A null value is a
 * tombstone: the group was deleted. Offset commits share the topic under key versions 0 and 1.
 */
import { CorruptRecordError } from '../errors.js';

export const GROUP_METADATA_KEY_VERSION = 2;
const GROUP_METADATA_VALUE_VERSION = 3;
/** STRING and BYTES length prefixes. */
const STRING_LENGTH_BYTES = 2;
const BYTES_LENGTH_BYTES = 4;

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface StoredGroup {
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  currentStateTimestampMs: number;
  members: StoredMember[];
}

export function encodeGroupMetadataKey(groupId: string): Buffer {
  const bytes = Buffer.alloc(2 + STRING_LENGTH_BYTES + Buffer.byteLength(groupId));
  const at = bytes.writeInt16BE(GROUP_METADATA_KEY_VERSION, 0);
  writeString(bytes, at, groupId);
  return bytes;
}

/** The group id of a key version 2 record; null for other key versions (offset commits). */
export function decodeGroupMetadataKey(bytes: Buffer): string | null {
  if (bytes.length < 2 || bytes.readInt16BE(0) !== GROUP_METADATA_KEY_VERSION) return null;
  const cursor = { at: 2 };
  return readString(bytes, cursor);
}

function stringBytes(value: string | null): number {
  return STRING_LENGTH_BYTES + (value === null ? 0 : Buffer.byteLength(value));
}

export function encodeGroupMetadataValue(group: StoredGroup): Buffer {
  let size = 2 + stringBytes(group.protocolType) + 4 + stringBytes(group.protocolName) + stringBytes(group.leaderId) + 8 + 4;
  for (const m of group.members) {
    size += stringBytes(m.memberId) + stringBytes(m.groupInstanceId) + stringBytes(m.clientId) + stringBytes(m.clientHost) + 4 + 4
      + BYTES_LENGTH_BYTES + m.subscription.length + BYTES_LENGTH_BYTES + m.assignment.length;
  }
  const bytes = Buffer.alloc(size);
  let at = bytes.writeInt16BE(GROUP_METADATA_VALUE_VERSION, 0);
  at = writeString(bytes, at, group.protocolType);
  at = bytes.writeInt32BE(group.generationId, at);
  at = writeString(bytes, at, group.protocolName);
  at = writeString(bytes, at, group.leaderId);
  at = bytes.writeBigInt64BE(BigInt(group.currentStateTimestampMs), at);
  at = bytes.writeInt32BE(group.members.length, at);
  for (const m of group.members) {
    at = writeString(bytes, at, m.memberId);
    at = writeString(bytes, at, m.groupInstanceId);
    at = writeString(bytes, at, m.clientId);
    at = writeString(bytes, at, m.clientHost);
    at = bytes.writeInt32BE(m.rebalanceTimeoutMs, at);
    at = bytes.writeInt32BE(m.sessionTimeoutMs, at);
    at = writeBytes(bytes, at, m.subscription);
    at = writeBytes(bytes, at, m.assignment);
  }
  return bytes;
}

export function decodeGroupMetadataValue(bytes: Buffer): StoredGroup {
  if (bytes.length < 2) throw new CorruptRecordError('group metadata value shorter than its version');
  const version = bytes.readInt16BE(0);
  if (version < 0 || version > GROUP_METADATA_VALUE_VERSION) {
    throw new CorruptRecordError(`group metadata value version ${version} is not one this broker reads `
      + `(0-${GROUP_METADATA_VALUE_VERSION})`);
  }
  const cursor = { at: 2 };
  const protocolType = readString(bytes, cursor) ?? '';
  const generationId = readInt32(bytes, cursor);
  const protocolName = readString(bytes, cursor);
  const leaderId = readString(bytes, cursor);
  const currentStateTimestampMs = version >= 2 ? readInt64(bytes, cursor) : -1;
  const count = readInt32(bytes, cursor);
  // Each member takes at least its four strings' prefixes, two timeouts (v1+) and two BYTES prefixes.
  if (count < 0 || count * 16 > bytes.length - cursor.at) throw new CorruptRecordError(`group metadata member count ${count}`);
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = readString(bytes, cursor) ?? '';
    const groupInstanceId = version >= 3 ? readString(bytes, cursor) : null;
    const clientId = readString(bytes, cursor) ?? '';
    const clientHost = readString(bytes, cursor) ?? '';
    const rebalanceTimeoutMs = version >= 1 ? readInt32(bytes, cursor) : -1;
    const sessionTimeoutMs = readInt32(bytes, cursor);
    const subscription = readBytes(bytes, cursor);
    const assignment = readBytes(bytes, cursor);
    members.push({ memberId, groupInstanceId, clientId, clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs, sessionTimeoutMs, subscription, assignment });
  }
  return { protocolType, generationId, protocolName, leaderId, currentStateTimestampMs, members };
}

function writeString(bytes: Buffer, at: number, value: string | null): number {
  if (value === null) return bytes.writeInt16BE(-1, at);
  const length = Buffer.byteLength(value);
  const after = bytes.writeInt16BE(length, at);
  bytes.write(value, after, 'utf8');
  return after + length;
}

function writeBytes(bytes: Buffer, at: number, value: Buffer): number {
  const after = bytes.writeInt32BE(value.length, at);
  value.copy(bytes, after);
  return after + value.length;
}

function need(bytes: Buffer, cursor: { at: number }, sizeBytes: number, what: string): number {
  const at = cursor.at;
  if (sizeBytes < 0 || at + sizeBytes > bytes.length) {
    throw new CorruptRecordError(`group metadata ${what} at byte ${at} runs past the record's end (${bytes.length} bytes)`);
  }
  cursor.at = at + sizeBytes;
  return at;
}

function readInt32(bytes: Buffer, cursor: { at: number }): number {
  return bytes.readInt32BE(need(bytes, cursor, 4, 'int32'));
}

function readInt64(bytes: Buffer, cursor: { at: number }): number {
  return Number(bytes.readBigInt64BE(need(bytes, cursor, 8, 'int64')));
}

function readString(bytes: Buffer, cursor: { at: number }): string | null {
  const length = bytes.readInt16BE(need(bytes, cursor, STRING_LENGTH_BYTES, 'string length'));
  if (length < 0) return null;
  const at = need(bytes, cursor, length, 'string');
  return bytes.toString('utf8', at, at + length);
}

function readBytes(bytes: Buffer, cursor: { at: number }): Buffer {
  const length = bytes.readInt32BE(need(bytes, cursor, BYTES_LENGTH_BYTES, 'bytes length'));
  if (length < 0) return Buffer.alloc(0);
  const at = need(bytes, cursor, length, 'bytes');
  return Buffer.from(bytes.subarray(at, at + length));
}
