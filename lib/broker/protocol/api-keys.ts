/**
 * The Kafka APIs this broker speaks and the version ranges it advertises in ApiVersions. A range is
 * advertised only when every version in it is implemented fully (request decoder and response
 * encoder). Produce starts at 0 because librdkafka enables compression only when Produce v0 is in the
 * range (v0–v2 requests, which carry legacy message sets, are answered UNSUPPORTED_FOR_MESSAGE_FORMAT);
 * Fetch starts at 4 (RecordBatch v2 needs Fetch ≥ 4 and we serve only v2 bytes).
 *
 * Request header (v1): apiKey int16, apiVersion int16, correlationId int32, clientId nullable STRING;
 * v2 (flexible versions) adds a tagged-field section. Response header v0: correlationId int32; v1 adds
 * tagged fields — except ApiVersions, whose response header is always v0 so any client can read it.
 */
import { ProtocolError, type Reader } from './wire.js';

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeGroups: 15,
  ListGroups: 16,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
} as const;

export interface VersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  /** First flexible version of this API (Kafka's), or Infinity. */
  firstFlexibleVersion: number;
}

export const SUPPORTED_APIS: readonly VersionRange[] = [
  { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 7, firstFlexibleVersion: 9 },
  { apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 11, firstFlexibleVersion: 12 },
  { apiKey: ApiKey.ListOffsets, minVersion: 1, maxVersion: 3, firstFlexibleVersion: 6 },
  { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 4, firstFlexibleVersion: 9 },
  { apiKey: ApiKey.OffsetCommit, minVersion: 2, maxVersion: 5, firstFlexibleVersion: 8 },
  { apiKey: ApiKey.OffsetFetch, minVersion: 1, maxVersion: 4, firstFlexibleVersion: 6 },
  { apiKey: ApiKey.FindCoordinator, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 3 },
  { apiKey: ApiKey.JoinGroup, minVersion: 0, maxVersion: 5, firstFlexibleVersion: 6 },
  { apiKey: ApiKey.Heartbeat, minVersion: 0, maxVersion: 3, firstFlexibleVersion: 4 },
  { apiKey: ApiKey.LeaveGroup, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 4 },
  { apiKey: ApiKey.SyncGroup, minVersion: 0, maxVersion: 3, firstFlexibleVersion: 4 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3, firstFlexibleVersion: 3 },
  { apiKey: ApiKey.CreateTopics, minVersion: 0, maxVersion: 3, firstFlexibleVersion: 5 },
  { apiKey: ApiKey.DeleteTopics, minVersion: 0, maxVersion: 3, firstFlexibleVersion: 4 },
  { apiKey: ApiKey.InitProducerId, minVersion: 0, maxVersion: 1, firstFlexibleVersion: 2 },
  { apiKey: ApiKey.AddPartitionsToTxn, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 3 },
  { apiKey: ApiKey.AddOffsetsToTxn, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 3 },
  { apiKey: ApiKey.EndTxn, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 3 },
  { apiKey: ApiKey.TxnOffsetCommit, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 3 },
  { apiKey: ApiKey.DescribeGroups, minVersion: 0, maxVersion: 4, firstFlexibleVersion: 5 },
  { apiKey: ApiKey.ListGroups, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 3 },
  { apiKey: ApiKey.DeleteRecords, minVersion: 0, maxVersion: 1, firstFlexibleVersion: 2 },
  { apiKey: ApiKey.DescribeConfigs, minVersion: 0, maxVersion: 2, firstFlexibleVersion: 4 },
  { apiKey: ApiKey.AlterConfigs, minVersion: 0, maxVersion: 1, firstFlexibleVersion: 2 },
  { apiKey: ApiKey.CreatePartitions, minVersion: 0, maxVersion: 1, firstFlexibleVersion: 2 },
  { apiKey: ApiKey.DeleteGroups, minVersion: 0, maxVersion: 1, firstFlexibleVersion: 2 },
  { apiKey: ApiKey.IncrementalAlterConfigs, minVersion: 0, maxVersion: 0, firstFlexibleVersion: 1 },
  { apiKey: ApiKey.OffsetDelete, minVersion: 0, maxVersion: 0, firstFlexibleVersion: Infinity },
];

const RANGE_BY_KEY = new Map(SUPPORTED_APIS.map((r) => [r.apiKey, r]));

/** Requests that carry no client data beyond names and numbers: a generous bound on their frames. */
const CONTROL_REQUEST_BYTES_MAX = 1024 * 1024;
/** Group requests carry member metadata and assignments (opaque client bytes, one per member). */
const GROUP_REQUEST_BYTES_MAX = 16 * 1024 * 1024;
const GROUP_APIS: ReadonlySet<number> = new Set([ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.OffsetCommit]);

/**
 * Largest frame accepted for `apiKey`, checked from the first bytes before the body is buffered:
 * only Produce carries record data up to `requestBytesMax`; an API this broker does not serve gets 0.
 */
export function requestBytesMaxFor(apiKey: number, requestBytesMax: number): number {
  if (!RANGE_BY_KEY.has(apiKey)) return 0;
  if (apiKey === ApiKey.Produce) return requestBytesMax;
  return Math.min(requestBytesMax, GROUP_APIS.has(apiKey) ? GROUP_REQUEST_BYTES_MAX : CONTROL_REQUEST_BYTES_MAX);
}

export function isSupported(apiKey: number, apiVersion: number): boolean {
  const range = RANGE_BY_KEY.get(apiKey);
  return range !== undefined && apiVersion >= range.minVersion && apiVersion <= range.maxVersion;
}

export function isFlexible(apiKey: number, apiVersion: number): boolean {
  const range = RANGE_BY_KEY.get(apiKey);
  return range !== undefined && apiVersion >= range.firstFlexibleVersion;
}

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

const API_KEY = 0;
const API_VERSION = API_KEY + 2;
const CORRELATION_ID = API_VERSION + 2;
/** apiKey + apiVersion + correlationId: the least a frame must hold to be answered at all. */
export const REQUEST_HEADER_MIN_BYTES = CORRELATION_ID + 4;

/**
 * Reads the request header. Tagged fields are read only for flexible versions this broker knows; for
 * an unknown key or version the body is never parsed, so the header's tail does not matter.
 */
export function readRequestHeader(reader: Reader): RequestHeader {
  if (reader.remaining < REQUEST_HEADER_MIN_BYTES) {
    throw new ProtocolError(`request of ${reader.remaining} bytes is shorter than a request header`);
  }
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const header: RequestHeader = { apiKey, apiVersion, correlationId, clientId: null };
  if (!isSupported(apiKey, apiVersion)) return header;
  header.clientId = reader.nullableString();
  if (isFlexible(apiKey, apiVersion)) reader.skipTaggedFields();
  return header;
}
