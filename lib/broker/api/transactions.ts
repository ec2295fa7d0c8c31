/**
 * The transaction APIs, non-flexible versions (v3 of each is flexible and not offered):
 *   AddPartitionsToTxn (24) v0–2: transactionalId STRING, producerId int64, producerEpoch int16,
 *     topics [name STRING, partitions [int32]] → throttleTimeMs int32, results [name STRING,
 *     results [partition int32, errorCode int16]]
 *   AddOffsetsToTxn (25) v0–2: transactionalId STRING, producerId int64, producerEpoch int16, groupId STRING
 *     → throttleTimeMs int32, errorCode int16
 *   EndTxn (26) v0–2: transactionalId STRING, producerId int64, producerEpoch int16, committed BOOLEAN
 *     → throttleTimeMs int32, errorCode int16
 *   TxnOffsetCommit (28) v0–2: transactionalId STRING, groupId STRING, producerId int64, producerEpoch int16,
 *     topics [name STRING, partitions [partition int32, committedOffset int64, committedLeaderEpoch int32 (v2+),
 *     committedMetadata nullable STRING]] → throttleTimeMs int32, topics [name STRING, partitions [partition int32,
 *     errorCode int16]]
 */
import type { Reader, Writer } from '../protocol/wire.js';

/** Smallest encodings, for the readers' array bounds. */
const PARTITION_ID_BYTES = 4;
const TOPIC_ENTRY_MIN_BYTES = 2 + 4;
const OFFSET_ENTRY_MIN_BYTES = 4 + 8 + 2;

interface TxnProducer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

interface AddPartitionsToTxnRequest extends TxnProducer {
  topics: { name: string; partitions: number[] }[];
}

export function decodeAddPartitionsToTxnRequest(reader: Reader, _version: number): AddPartitionsToTxnRequest {
  const transactionalId = reader.string();
  const producerId = reader.int64();
  const producerEpoch = reader.int16();
  const topics = reader.array((r) => ({ name: r.string(), partitions: r.array((p) => p.int32(), PARTITION_ID_BYTES) }),
    TOPIC_ENTRY_MIN_BYTES);
  return { transactionalId, producerId, producerEpoch, topics };
}

export function encodeAddPartitionsToTxnResponse(writer: Writer, _version: number,
    results: readonly { name: string; partitions: { partition: number; errorCode: number }[] }[]): void {
  writer.int32(0).array(results, (w, t) => {
    w.string(t.name).array(t.partitions, (pw, p) => pw.int32(p.partition).int16(p.errorCode));
  });
}

export function decodeAddOffsetsToTxnRequest(reader: Reader, _version: number): TxnProducer & { groupId: string } {
  return { transactionalId: reader.string(), producerId: reader.int64(), producerEpoch: reader.int16(), groupId: reader.string() };
}

export function decodeEndTxnRequest(reader: Reader, _version: number): TxnProducer & { committed: boolean } {
  return { transactionalId: reader.string(), producerId: reader.int64(), producerEpoch: reader.int16(), committed: reader.boolean() };
}

/** AddOffsetsToTxn and EndTxn answer the same shape. */
export function encodeTxnErrorResponse(writer: Writer, _version: number, errorCode: number): void {
  writer.int32(0).int16(errorCode);
}

interface TxnOffsetCommitRequest extends TxnProducer {
  groupId: string;
  topics: { name: string; partitions: { partition: number; offset: number; leaderEpoch: number; metadata: string | null }[] }[];
}

export function decodeTxnOffsetCommitRequest(reader: Reader, version: number): TxnOffsetCommitRequest {
  const transactionalId = reader.string();
  const groupId = reader.string();
  const producerId = reader.int64();
  const producerEpoch = reader.int16();
  const topics = reader.array((r) => ({
    name: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), offset: p.int64(), leaderEpoch: version >= 2 ? p.int32() : -1,
      metadata: p.nullableString() }), OFFSET_ENTRY_MIN_BYTES),
  }), TOPIC_ENTRY_MIN_BYTES);
  return { transactionalId, groupId, producerId, producerEpoch, topics };
}

export function encodeTxnOffsetCommitResponse(writer: Writer, _version: number,
    topics: readonly { name: string; partitions: { partition: number; errorCode: number }[] }[]): void {
  writer.int32(0).array(topics, (w, t) => {
    w.string(t.name).array(t.partitions, (pw, p) => pw.int32(p.partition).int16(p.errorCode));
  });
}
