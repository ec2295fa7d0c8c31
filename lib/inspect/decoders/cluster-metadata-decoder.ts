/**
 * `--cluster-metadata-decoder`: records of the KRaft metadata log `__cluster_metadata`. A value is
 * framed as Kafka's MetadataRecordSerde writes it —
 *
 *   frameVersion uvarint (1) | apiKey uvarint | version uvarint | the record, flexible, to the end
 *
 * — and printed as kafka-dump-log prints it: `{"type":"TOPIC_RECORD","version":0,"data":{…}}`. The
 * key is unused. Control records of the metadata log (leader change, snapshot header and footer,
 * kraft.version, voters) are decoded too; each of those messages starts with its own int16 version.
 * An unknown frame version, type or version, or bytes that do not fit, is a note, never an error.
 */
import {
  decodedRecord, noteOf, undecoded, type DecodedRecord, type DecodedText, type RecordDecoder,
} from './decoded-record.js';
import { decodeMessage, hasVersion } from './message-schema.js';
import { controlMessageType, metadataRecordType } from './metadata-schemas.js';
import { expectEnd, WireReader } from './wire-reader.js';

const FRAME_VERSION = 1;
/** One reader for every value: a decode finishes with it before the next starts. */
const reader = new WireReader(new Uint8Array(0), '');

function decode(_key: Uint8Array | null, value: Uint8Array | null, offset: number): DecodedRecord {
  if (value === null) return undecoded('UNKNOWN', `metadata record at offset ${offset} has a null value`);
  reader.reset(value, 'metadata record');
  let type = 'UNKNOWN';
  try {
    const frameVersion = reader.unsignedVarint();
    if (frameVersion !== FRAME_VERSION) reader.fail(`unknown frame version ${frameVersion} (only ${FRAME_VERSION} is known)`);
    const apiKey = reader.unsignedVarint();
    const version = reader.unsignedVarint();
    const recordType = metadataRecordType(apiKey);
    if (recordType === null) return undecoded(type, `unknown metadata record type ${apiKey} (version ${version}) at offset ${offset}`);
    type = recordType.type;
    if (!hasVersion(recordType.schema, version)) return undecoded(type, `unknown version ${version} of ${type} at offset ${offset}`);
    reader.what = recordType.schema.name;
    reader.version = version;
    const data = decodeMessage(reader, recordType.schema, version);
    expectEnd(reader);
    return decodedRecord(type, null, null, version, data);
  } catch (error) {
    return undecoded(type, `offset ${offset}: ${noteOf(error)}`);
  }
}

function decodeControl(controlTypeId: number, value: Uint8Array | null, offset: number): DecodedRecord | null {
  const control = controlMessageType(controlTypeId);
  if (control === null) return null;
  if (value === null || value.byteLength < 2) return undecoded(control.type, `control record at offset ${offset} has no value`);
  const version = (value[0]! << 8 | value[1]!) << 16 >> 16;
  if (!hasVersion(control.schema, version)) {
    return undecoded(control.type, `unknown version ${version} of ${control.type} at offset ${offset}`);
  }
  try {
    const data = decodeMessage(reader.reset(value, control.schema.name, version), control.schema, version);
    return decodedRecord(control.type, null, null, version, data);
  } catch (error) {
    return undecoded(control.type, `offset ${offset}: ${noteOf(error)}`);
  }
}

function text(decoded: DecodedRecord): DecodedText {
  if (decoded.data === null) return { key: null, payload: null };
  return { key: null, payload: JSON.stringify({ type: decoded.type, version: decoded.version, data: decoded.data }) };
}

/** The label kafka-dump-log prints before a control message's JSON ("SnapshotHeader"), or null. */
export function controlLabel(type: string): string | null {
  for (let id = 2; id <= 6; id++) {
    const control = controlMessageType(id);
    if (control !== null && control.type === type) return control.label;
  }
  return null;
}

export const clusterMetadataDecoder: RecordDecoder = {
  name: 'cluster-metadata',
  decode,
  decodeControl,
  text,
};
