/**
 * What a decoder makes of one record of a Kafka internal topic: the schema-level key and value as
 * plain JSON-ready objects (field names camelCase, as Kafka's JSON converters print them), their
 * schema versions, and — when the record could not be decoded (an unknown type or version, bytes
 * that do not fit the schema) — a one-line note instead of an error: the dump then shows the raw
 * bytes beside it and carries on. `RecordDecoder` is the contract each decoder file implements.
 */
import type { JsonObject } from './message-schema.js';

export type DecoderName = 'offsets' | 'transaction-log' | 'cluster-metadata';

export interface DecodedRecord {
  /** 'OFFSET_COMMIT', 'GROUP_METADATA', 'TRANSACTION_METADATA', a KRaft record type such as 'TOPIC_RECORD',
   *  a control message such as 'LEADER_CHANGE', or 'UNKNOWN'. */
  type: string;
  keyVersion: number | null;
  key: JsonObject | null;
  /** The value's schema version; null for a tombstone or an undecoded value. */
  version: number | null;
  data: JsonObject | null;
  /** A null value: the key's state was deleted (Kafka prints `<DELETE>`). */
  tombstone: boolean;
  /** Why the record is not decoded (then `data` is null and the dump shows the raw bytes). */
  note: string | null;
}

/** kafka-dump-log's text for a decoded record: what follows `key:` and `payload:` (null: not printed). */
export interface DecodedText {
  key: string | null;
  payload: string | null;
}

export interface RecordDecoder {
  readonly name: DecoderName;
  decode(key: Uint8Array | null, value: Uint8Array | null, offset: number): DecodedRecord;
  /** The value of a control record of the given type, or null when this decoder leaves control records alone. */
  decodeControl(controlTypeId: number, value: Uint8Array | null, offset: number): DecodedRecord | null;
  text(decoded: DecodedRecord): DecodedText;
}

export function undecoded(type: string, note: string, keyVersion: number | null = null): DecodedRecord {
  return { type, keyVersion, key: null, version: null, data: null, tombstone: false, note };
}

export function decodedRecord(type: string, keyVersion: number | null, key: JsonObject | null, version: number | null,
  data: JsonObject | null): DecodedRecord {
  return { type, keyVersion, key, version, data, tombstone: data === null && version === null, note: null };
}

/** The message of a SeglogError (or anything thrown while decoding) as the note's text. */
export function noteOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
