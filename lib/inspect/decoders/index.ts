/**
 * The decoders of Kafka's internal topics for `seglog dump`, by the name of their flag.
 */
import { clusterMetadataDecoder } from './cluster-metadata-decoder.js';
import type { DecoderName, RecordDecoder } from './decoded-record.js';
import { offsetsDecoder } from './offsets-decoder.js';
import { transactionLogDecoder } from './transaction-log-decoder.js';

export function recordDecoder(name: DecoderName): RecordDecoder {
  if (name === 'offsets') return offsetsDecoder;
  if (name === 'transaction-log') return transactionLogDecoder;
  return clusterMetadataDecoder;
}

export { controlLabel } from './cluster-metadata-decoder.js';
export { decodeConsumerAssignment } from './offsets-decoder.js';
export { WireReader } from './wire-reader.js';
export { decodeMessage, hasVersion, type JsonObject, type JsonValue, type MessageSchema } from './message-schema.js';
export { METADATA_RECORD_TYPES, metadataRecordType, controlMessageType } from './metadata-schemas.js';
export type { DecodedRecord, DecodedText, DecoderName, RecordDecoder } from './decoded-record.js';
