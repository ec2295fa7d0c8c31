/**
 * `--offsets-decoder`: records of `__consumer_offsets` as Kafka's OffsetsMessageParser shows them —
 * offset commits (key v0/v1, value v0-4) and classic group metadata (key v2, value v0-4) with each
 * member's subscription and assignment decoded as consumer-protocol topics and partitions when the
 * group's protocol type is "consumer" (left as base64 bytes when they do not decode, as Kafka does).
 * The newer group protocols' records (key versions 3-16: consumer groups, share groups, regular
 * expressions) decode with their own schemas (coordinator-schemas.ts). A null value is a tombstone
 * (`<DELETE>`). Key versions Kafka has not defined here and values that do not fit their schema are
 * notes, never errors.
 */
import {
  CONSUMER_PROTOCOL_ASSIGNMENT, CONSUMER_PROTOCOL_SUBSCRIPTION, GROUP_METADATA_KEY, GROUP_METADATA_VALUE, GROUP_RECORD_TYPES,
  OFFSET_COMMIT_KEY, OFFSET_COMMIT_VALUE,
} from './coordinator-schemas.js';
import {
  decodedRecord, noteOf, undecoded, type DecodedRecord, type DecodedText, type RecordDecoder,
} from './decoded-record.js';
import { decodeMessage, hasVersion, type JsonObject, type JsonValue, type MessageSchema } from './message-schema.js';
import { expectEnd, readVersion, WireReader } from './wire-reader.js';

const GROUP_METADATA_KEY_VERSION = 2;
const CONSUMER_PROTOCOL_TYPE = 'consumer';
/** One reader for every key and value: a decode finishes with it before the next starts. */
const reader = new WireReader(new Uint8Array(0), '');

function decodeVersioned(bytes: Uint8Array, schema: MessageSchema): { version: number; data: JsonObject } {
  const version = readVersion(reader, bytes, schema.name);
  if (!hasVersion(schema, version)) reader.fail(`unknown version ${version}`);
  const data = decodeMessage(reader, schema, version);
  expectEnd(reader);
  return { version, data };
}

/** The member's base64 bytes replaced by the consumer-protocol message they hold, when they decode. */
function replaceWithProtocol(member: JsonObject, fieldName: string, schema: MessageSchema): void {
  const text = member[fieldName];
  if (typeof text !== 'string') return;
  try {
    member[fieldName] = decodeVersioned(Buffer.from(text, 'base64'), schema).data;
  } catch {
    // Kafka keeps the original bytes when they are not a consumer-protocol message; so do we.
  }
}

/**
 * A consumer-protocol member assignment (a "consumer" group's SyncGroup bytes) as topics and
 * partitions; null when the bytes are not one (another protocol type, or damage).
 */
export function decodeConsumerAssignment(bytes: Uint8Array): { topic: string; partitions: number[] }[] | null {
  try {
    const assigned = decodeVersioned(bytes, CONSUMER_PROTOCOL_ASSIGNMENT).data['assignedPartitions'];
    if (!Array.isArray(assigned)) return null;
    return assigned.map((a) => {
      const entry = a as JsonObject;
      return { topic: String(entry['topic']), partitions: (entry['partitions'] as JsonValue[]).map(Number) };
    });
  } catch {
    return null;
  }
}

function decodeGroupValue(value: Uint8Array): { version: number; data: JsonObject } {
  const decoded = decodeVersioned(value, GROUP_METADATA_VALUE);
  const members: JsonValue | undefined = decoded.data['members'];
  if (decoded.data['protocolType'] === CONSUMER_PROTOCOL_TYPE && Array.isArray(members)) {
    for (const member of members) {
      if (member === null || typeof member !== 'object' || Array.isArray(member)) continue;
      replaceWithProtocol(member, 'subscription', CONSUMER_PROTOCOL_SUBSCRIPTION);
      replaceWithProtocol(member, 'assignment', CONSUMER_PROTOCOL_ASSIGNMENT);
    }
  }
  return decoded;
}

/** The schemas and printed type of a key version: offset commit, classic group metadata, or a newer group record. */
function recordTypeOf(keyVersion: number): { type: string; key: MessageSchema; value: MessageSchema | null } | null {
  if (hasVersion(OFFSET_COMMIT_KEY, keyVersion)) return { type: 'OFFSET_COMMIT', key: OFFSET_COMMIT_KEY, value: OFFSET_COMMIT_VALUE };
  if (keyVersion === GROUP_METADATA_KEY_VERSION) return { type: 'GROUP_METADATA', key: GROUP_METADATA_KEY, value: null };
  const record = GROUP_RECORD_TYPES.find((r) => r.keyVersion === keyVersion);
  return record === undefined ? null : { type: record.type, key: record.key, value: record.value };
}

function decode(key: Uint8Array | null, value: Uint8Array | null, offset: number): DecodedRecord {
  if (key === null || key.byteLength < 2) return undecoded('UNKNOWN', `record at offset ${offset} has no key version`);
  const keyVersion = (key[0]! << 8 | key[1]!) << 16 >> 16;
  const recordType = recordTypeOf(keyVersion);
  if (recordType === null) return undecoded('UNKNOWN', `unknown record type ${keyVersion} at offset ${offset}`, keyVersion);
  const type = recordType.type;
  try {
    const decodedKey = decodeVersioned(key, recordType.key).data;
    if (value === null) return decodedRecord(type, keyVersion, decodedKey, null, null);
    // Classic group metadata (value schema null here) decodes its members' consumer-protocol bytes too.
    const decodedValue = recordType.value === null ? decodeGroupValue(value) : decodeVersioned(value, recordType.value);
    return decodedRecord(type, keyVersion, decodedKey, decodedValue.version, decodedValue.data);
  } catch (error) {
    return undecoded(type, `offset ${offset}: ${noteOf(error)}`, keyVersion);
  }
}

/** Kafka's text: key `{"type":"<keyVersion>","data":{…}}`, payload `{"version":"<v>","data":{…}}` or `<DELETE>`. */
function text(decoded: DecodedRecord): DecodedText {
  const key = decoded.key === null ? null : JSON.stringify({ type: String(decoded.keyVersion), data: decoded.key });
  if (decoded.tombstone) return { key, payload: '<DELETE>' };
  const payload = decoded.data === null ? null : JSON.stringify({ version: String(decoded.version), data: decoded.data });
  return { key, payload };
}

export const offsetsDecoder: RecordDecoder = {
  name: 'offsets',
  decode,
  decodeControl: () => null,
  text,
};
