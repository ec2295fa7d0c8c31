/**
 * Committed consumer-group offsets, kept as records of the compacted internal topic
 * `__consumer_offsets` (one partition here) in Kafka's own key/value schemas, so the latest commit per
 * (group, topic, partition) survives compaction and a restart replays it:
 *   key   v1: VERSION int16 (=1), group STRING, topic STRING, partition int32
 *   value v1: VERSION int16 (=1), offset int64, metadata STRING, commitTimestampMs int64,
 *             expireTimestampMs int64 (-1)
 * Written in v1; read in every version Kafka writes (decodeOffsetValue), so a Kafka data dir replays.
 * (STRING = int16 length + UTF-8). A null value is a tombstone (offsets deleted).
 */
import { CorruptRecordError } from '../errors.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
const KEY_VERSION = 1;
const VALUE_VERSION = 1;

interface OffsetKey {
  groupId: string;
  topic: string;
  partition: number;
}

export interface CommittedOffset {
  offset: number;
  metadata: string;
  commitTimestampMs: number;
}

function stringBytes(value: string): number {
  return 2 + Buffer.byteLength(value, 'utf8');
}

export function encodeOffsetKey(key: OffsetKey): Buffer {
  const bytes = Buffer.alloc(2 + stringBytes(key.groupId) + stringBytes(key.topic) + 4);
  let at = bytes.writeInt16BE(KEY_VERSION, 0);
  at = bytes.writeInt16BE(Buffer.byteLength(key.groupId), at);
  at += bytes.write(key.groupId, at, 'utf8');
  at = bytes.writeInt16BE(Buffer.byteLength(key.topic), at);
  at += bytes.write(key.topic, at, 'utf8');
  bytes.writeInt32BE(key.partition, at);
  return bytes;
}

export function encodeOffsetValue(value: CommittedOffset): Buffer {
  const bytes = Buffer.alloc(2 + 8 + stringBytes(value.metadata) + 8 + 8);
  let at = bytes.writeInt16BE(VALUE_VERSION, 0);
  at = bytes.writeBigInt64BE(BigInt(value.offset), at);
  at = bytes.writeInt16BE(Buffer.byteLength(value.metadata), at);
  at += bytes.write(value.metadata, at, 'utf8');
  at = bytes.writeBigInt64BE(BigInt(value.commitTimestampMs), at);
  bytes.writeBigInt64BE(-1n, at);
  return bytes;
}

function readString(bytes: Buffer, at: number): [string, number] {
  if (at + 2 > bytes.length) throw new CorruptRecordError('offset record string runs past its end');
  const length = bytes.readInt16BE(at);
  if (length < 0 || at + 2 + length > bytes.length) throw new CorruptRecordError('offset record string runs past its end');
  return [bytes.toString('utf8', at + 2, at + 2 + length), at + 2 + length];
}

/** null for keys of other kinds (Kafka stores group metadata under key version 2). */
export function decodeOffsetKey(bytes: Buffer): OffsetKey | null {
  if (bytes.length < 2 || bytes.readInt16BE(0) > KEY_VERSION) return null;
  const [groupId, afterGroup] = readString(bytes, 2);
  const [topic, afterTopic] = readString(bytes, afterGroup);
  if (afterTopic + 4 > bytes.length) throw new CorruptRecordError('offset key partition runs past its end');
  return { groupId, topic, partition: bytes.readInt32BE(afterTopic) };
}

/**
 * Any of Kafka's OffsetCommitValue versions, so a directory a real Kafka wrote replays:
 *   v0, v2  offset int64, metadata STRING, commitTimestamp int64
 *   v1      offset int64, metadata STRING, commitTimestamp int64, expireTimestamp int64
 *   v3      offset int64, leaderEpoch int32, metadata STRING, commitTimestamp int64
 *   v4+     v3's fields with a COMPACT_STRING metadata (unsigned varint length + 1), then tagged fields
 */
export function decodeOffsetValue(bytes: Buffer): CommittedOffset {
  if (bytes.length < 10) throw new CorruptRecordError('offset value shorter than its header');
  const version = bytes.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`offset value version ${version}`);
  const offset = Number(bytes.readBigInt64BE(2));
  const metadataAt = version >= 3 ? 14 : 10;
  const [metadata, after] = version >= 4 ? readCompactString(bytes, metadataAt) : readString(bytes, metadataAt);
  const commitTimestampMs = after + 8 <= bytes.length ? Number(bytes.readBigInt64BE(after)) : -1;
  return { offset, metadata, commitTimestampMs };
}

function readCompactString(bytes: Buffer, at: number): [string, number] {
  let lengthPlusOne = 0;
  let shift = 0;
  let cursor = at;
  for (;;) {
    if (cursor >= bytes.length || shift > 28) throw new CorruptRecordError('offset record string length runs past its end');
    const byte = bytes[cursor++] as number;
    lengthPlusOne |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  const length = lengthPlusOne - 1;
  if (length < 0) return ['', cursor];
  if (cursor + length > bytes.length) throw new CorruptRecordError('offset record string runs past its end');
  return [bytes.toString('utf8', cursor, cursor + length), cursor + length];
}

export function offsetMapKey(groupId: string, topic: string, partition: number): string {
  return `${groupId}\u0000${topic}\u0000${partition}`;
}
