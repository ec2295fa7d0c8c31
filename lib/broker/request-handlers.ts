/**
 * From a request frame to its response: the header is read, ApiVersions is answered (even at an
 * unsupported version, as Kafka does, with UNSUPPORTED_VERSION and the list), any other unsupported
 * API or version is reported and closes the connection, and a supported one goes to its handler in
 * the table below (lib/broker/handlers/). A handler returns false when the request gets no response
 * (acks=0 produce). Anything thrown closes the connection, never the server.
 */
import { decodeApiVersionsRequest, encodeApiVersionsResponse } from './api/api-versions.js';
import { alterConfigs, createPartitions, createTopics, deleteRecords, deleteTopics, describeConfigs,
  initProducerId } from './handlers/admin-handlers.js';
import { fetch, listOffsets, metadata, produce } from './handlers/data-handlers.js';
import { deleteGroups, describeGroups, findCoordinator, heartbeat, joinGroup, leaveGroup, listGroups, offsetCommit, offsetDelete,
  offsetFetch, syncGroup } from './handlers/group-handlers.js';
import { addOffsetsToTxn, addPartitionsToTxn, endTxn, txnOffsetCommit } from './handlers/transaction-handlers.js';
import { ApiKey, SUPPORTED_APIS, isFlexible, isSupported, readRequestHeader, type RequestHeader } from './protocol/api-keys.js';
import { ErrorCode } from './protocol/error-codes.js';
import { ProtocolError, Reader, type ResponseChunk, type Writer } from './protocol/wire.js';
import type { ServerContext } from './server-context.js';

/** Decodes the request from `reader`, answers into `writer`; false: no response. */
type RequestHandler = (ctx: ServerContext, header: RequestHeader, reader: Reader, writer: Writer, remoteAddress: string | null) =>
    boolean | Promise<boolean>;

const HANDLERS: ReadonlyMap<number, RequestHandler> = new Map<number, RequestHandler>([
  [ApiKey.Metadata, (ctx, h, r, w) => metadata(ctx, r, w, h.apiVersion)],
  [ApiKey.Produce, (ctx, h, r, w) => produce(ctx, r, w, h.apiVersion)],
  [ApiKey.Fetch, (ctx, h, r, w) => fetch(ctx, r, w, h.apiVersion)],
  [ApiKey.ListOffsets, (ctx, h, r, w) => listOffsets(ctx, r, w, h.apiVersion)],
  [ApiKey.CreateTopics, (ctx, h, r, w) => createTopics(ctx, r, w, h.apiVersion)],
  [ApiKey.DeleteTopics, (ctx, h, r, w) => deleteTopics(ctx, r, w, h.apiVersion)],
  [ApiKey.InitProducerId, (ctx, h, r, w) => initProducerId(ctx, r, w, h.apiVersion)],
  [ApiKey.FindCoordinator, (ctx, h, r, w) => findCoordinator(ctx, r, w, h.apiVersion)],
  [ApiKey.JoinGroup, (ctx, h, r, w, remote) => joinGroup(ctx, r, w, h.apiVersion, h.clientId, remote)],
  [ApiKey.SyncGroup, (ctx, h, r, w) => syncGroup(ctx, r, w, h.apiVersion)],
  [ApiKey.Heartbeat, (ctx, h, r, w) => heartbeat(ctx, r, w, h.apiVersion)],
  [ApiKey.LeaveGroup, (ctx, h, r, w) => leaveGroup(ctx, r, w, h.apiVersion)],
  [ApiKey.OffsetCommit, (ctx, h, r, w) => offsetCommit(ctx, r, w, h.apiVersion)],
  [ApiKey.OffsetFetch, (ctx, h, r, w) => offsetFetch(ctx, r, w, h.apiVersion)],
  [ApiKey.DescribeGroups, (ctx, h, r, w) => describeGroups(ctx, r, w, h.apiVersion)],
  [ApiKey.ListGroups, (ctx, h, r, w) => listGroups(ctx, r, w, h.apiVersion)],
  [ApiKey.DeleteGroups, (ctx, h, r, w) => deleteGroups(ctx, r, w, h.apiVersion)],
  [ApiKey.OffsetDelete, (ctx, h, r, w) => offsetDelete(ctx, r, w, h.apiVersion)],
  [ApiKey.DescribeConfigs, (ctx, h, r, w) => describeConfigs(ctx, r, w, h.apiVersion)],
  [ApiKey.AlterConfigs, (ctx, h, r, w) => alterConfigs(ctx, r, w, h.apiVersion, false)],
  [ApiKey.IncrementalAlterConfigs, (ctx, h, r, w) => alterConfigs(ctx, r, w, h.apiVersion, true)],
  [ApiKey.CreatePartitions, (ctx, h, r, w) => createPartitions(ctx, r, w, h.apiVersion)],
  [ApiKey.DeleteRecords, (ctx, h, r, w) => deleteRecords(ctx, r, w, h.apiVersion)],
  [ApiKey.AddPartitionsToTxn, (ctx, h, r, w) => addPartitionsToTxn(ctx, r, w, h.apiVersion)],
  [ApiKey.AddOffsetsToTxn, (ctx, h, r, w) => addOffsetsToTxn(ctx, r, w, h.apiVersion)],
  [ApiKey.EndTxn, (ctx, h, r, w) => endTxn(ctx, r, w, h.apiVersion)],
  [ApiKey.TxnOffsetCommit, (ctx, h, r, w) => txnOffsetCommit(ctx, r, w, h.apiVersion)],
]);

/** The response frame for one request frame (`writer` is reset and reused); null: no response. Throws to close the connection. */
export async function handleRequest(ctx: ServerContext, frame: Buffer, writer: Writer, remoteAddress: string | null):
    Promise<ResponseChunk[] | null> {
  const reader = new Reader(frame);
  const header = readRequestHeader(reader);
  writer.reset();
  writer.int32(0); // size, patched by finishFrame
  writer.int32(header.correlationId);
  const supported = isSupported(header.apiKey, header.apiVersion);
  if (!supported) {
    ctx.broker.emit('unsupportedRequest', { apiKey: header.apiKey, apiVersion: header.apiVersion, clientId: header.clientId,
        remoteAddress });
  }
  if (header.apiKey === ApiKey.ApiVersions) {
    if (!supported) {
      encodeApiVersionsResponse(writer, 0, ErrorCode.UNSUPPORTED_VERSION, SUPPORTED_APIS);
      return writer.finishFrame();
    }
    decodeApiVersionsRequest(reader, header.apiVersion);
    encodeApiVersionsResponse(writer, header.apiVersion, ErrorCode.NONE, SUPPORTED_APIS);
    return writer.finishFrame();
  }
  if (!supported) throw new ProtocolError(`unsupported api ${header.apiKey} version ${header.apiVersion}`);
  const handler = HANDLERS.get(header.apiKey);
  if (handler === undefined) throw new ProtocolError(`api ${header.apiKey} has no handler`);
  if (isFlexible(header.apiKey, header.apiVersion)) writer.emptyTaggedFields();
  const answered = await handler(ctx, header, reader, writer, remoteAddress);
  return answered ? writer.finishFrame() : null;
}
