/**
 * The transaction APIs' handlers: decode, ask the transaction coordinator (or, for TxnOffsetCommit,
 * the coordinator's check then the broker's offsets), encode. Codecs in api/transactions.ts.
 */
import { decodeAddOffsetsToTxnRequest, decodeAddPartitionsToTxnRequest, decodeEndTxnRequest, decodeTxnOffsetCommitRequest,
  encodeAddPartitionsToTxnResponse, encodeTxnErrorResponse, encodeTxnOffsetCommitResponse } from '../api/transactions.js';
import { ErrorCode, errorCodeFor } from '../protocol/error-codes.js';
import type { Reader, Writer } from '../protocol/wire.js';
import type { ServerContext } from '../server-context.js';

export function addPartitionsToTxn(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeAddPartitionsToTxnRequest(reader, version);
  const flat = request.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const codes = ctx.broker.transactions.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, version, flat);
  let at = 0;
  encodeAddPartitionsToTxnResponse(writer, version, request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((partition) => ({ partition, errorCode: codes[at++] ?? ErrorCode.NONE })),
  })));
  return true;
}

export function addOffsetsToTxn(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeAddOffsetsToTxnRequest(reader, version);
  const answer = ctx.broker.transactions.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, version);
  encodeTxnErrorResponse(writer, version, answer.errorCode);
  return true;
}

export function endTxn(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeEndTxnRequest(reader, version);
  let errorCode: number;
  try {
    errorCode = ctx.broker.transactions.endTransaction(request.transactionalId, request.producerId, request.producerEpoch,
      request.committed, version).errorCode;
  } catch (error) {
    // A marker that could not be written (a full disk): the transaction stays Prepare*, finished at the next open.
    errorCode = errorCodeFor(error);
  }
  encodeTxnErrorResponse(writer, version, errorCode);
  return true;
}

export function txnOffsetCommit(ctx: ServerContext, reader: Reader, writer: Writer, version: number): boolean {
  const request = decodeTxnOffsetCommitRequest(reader, version);
  const broker = ctx.broker;
  let errorCode = broker.transactions.checkOffsetCommit(request.transactionalId, request.producerId, request.producerEpoch,
    version).errorCode;
  if (errorCode === ErrorCode.NONE) {
    const offsets = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition, offset: p.offset,
      metadata: p.metadata ?? '' })));
    try {
      broker.commitOffsetsInTransaction(request.groupId, offsets, request.producerId, request.producerEpoch);
    } catch (error) {
      errorCode = errorCodeFor(error);
    }
  }
  encodeTxnOffsetCommitResponse(writer, version, request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })),
  })));
  return true;
}
