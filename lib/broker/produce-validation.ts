/**
 * Produce-request validation that must happen before anything of a partition's records is appended,
 * so an error answer always means "nothing stored" and a client's retry cannot store a batch twice.
 *
 * Kafka's rules for produce v3+ (ProduceRequest.validateRecords, LogValidator): the records of one
 * partition are exactly one v2 batch — stray bytes after it or a second batch refuse the whole
 * partition. On top of what Log.appendBatch checks (CRC, counts, records, size, keys, timestamps —
 * all before its own write), this adds the checks whose failures would otherwise surface as a generic
 * error: a codec id Kafka does not define (UNSUPPORTED_COMPRESSION_TYPE), int64 header fields a
 * double cannot hold (INVALID_TIMESTAMP for the timestamps, INVALID_RECORD for offset and producer
 * id), and a transactional batch without a producer id (INVALID_TXN_STATE; whether its transaction
 * added the partition is the transaction coordinator's check, in Broker.produce).
 */
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_TIMESTAMP,
  COMPRESSION_BY_ID,
  COMPRESSION_MASK,
  CodecUnavailableError,
  InvalidTopicError,
  CorruptRecordError,
  CURRENT_MAGIC,
  InvalidRecordError,
  InvalidTimestampError,
  MAGIC,
  MAX_TIMESTAMP,
  NO_TIMESTAMP,
  PRODUCER_ID,
  TRANSACTIONAL_MASK,
  TransactionStateError,
  computeBatchCrc,
  frameBatch,
  framingProblem,
  storedBatchCrc,
} from '../index.js';
import { RECORD_BATCH_OVERHEAD_BYTES } from '../limits.js';

/**
 * Checks that `bytes` hold exactly one producer batch that the header rules above accept; returns
 * nothing and throws a typed error (CorruptRecordError, InvalidRecordError, InvalidTimestampError,
 * CodecUnavailableError, TransactionStateError) otherwise. Reads only the 61-byte header and the CRC.
 */
export function validateProduceRecords(bytes: Uint8Array, path: string): void {
  const where = { path, positionBytes: 0 };
  if (bytes.length < RECORD_BATCH_OVERHEAD_BYTES) {
    throw new CorruptRecordError(`produce records of ${bytes.length} bytes are shorter than one 61-byte batch header`, where);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The shared framing rule: a length that runs past the request is as corrupt here as a bad one.
  const sizeBytes = frameBatch(bytes, 0, bytes.length);
  if (sizeBytes <= 0) throw new CorruptRecordError(`produce records: ${framingProblem(sizeBytes, bytes, 0, bytes.length)}`, where);
  if (sizeBytes !== bytes.length) {
    const rest = bytes.length - sizeBytes;
    throw rest < RECORD_BATCH_OVERHEAD_BYTES
      ? new CorruptRecordError(`${rest} stray bytes after the batch`, { path, positionBytes: sizeBytes })
      : new InvalidRecordError('produce requests may hold exactly one record batch per partition', { path, positionBytes: sizeBytes });
  }
  if (bytes[MAGIC] !== CURRENT_MAGIC) throw new CorruptRecordError(`unsupported magic ${bytes[MAGIC]} (expected 2)`, where);
  if (computeBatchCrc(bytes, 0, sizeBytes) !== storedBatchCrc(bytes, 0)) throw new CorruptRecordError('batch CRC mismatch', where);
  const attributes = view.getInt16(ATTRIBUTES) & 0xff;
  const codec = attributes & COMPRESSION_MASK;
  if (COMPRESSION_BY_ID[codec] === undefined) {
    throw new CodecUnavailableError(`compression codec id ${codec} is not one Kafka defines`, where);
  }
  if (!isSafeInt64(view, BASE_OFFSET)) {
    throw new InvalidRecordError('batch base offset is outside the safe integer range', where);
  }
  for (const [name, at] of [['base', BASE_TIMESTAMP], ['max', MAX_TIMESTAMP]] as const) {
    if (!isSafeInt64(view, at) || Number(view.getBigInt64(at)) < NO_TIMESTAMP) {
      throw new InvalidTimestampError(`batch ${name} timestamp ${view.getBigInt64(at)} is not a usable time`, where);
    }
  }
  const producerId = isSafeInt64(view, PRODUCER_ID) ? Number(view.getBigInt64(PRODUCER_ID)) : Number.NaN;
  if (!(producerId >= -1)) {
    throw new InvalidRecordError(`producer id ${view.getBigInt64(PRODUCER_ID)} is not one this broker hands out`, where);
  }
  if ((attributes & TRANSACTIONAL_MASK) !== 0 && producerId < 0) {
    throw new TransactionStateError('transactional batch without a producer id', where);
  }
}

function isSafeInt64(view: DataView, at: number): boolean {
  const value = view.getBigInt64(at);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER);
}

/** Topics only the broker itself writes (Kafka's Topic.INTERNAL_TOPICS): clients get INVALID_TOPIC_EXCEPTION. */
const BROKER_WRITTEN_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/** Throws InvalidTopicError for a produce to a topic whose records the broker must be able to decode on replay. */
export function refuseClientProduce(topic: string): void {
  if (BROKER_WRITTEN_TOPICS.has(topic)) throw new InvalidTopicError(`clients may not produce to the internal topic ${topic}`);
}
