/**
 * Kafka protocol error codes (the int16 every response carries), the subset this broker returns,
 * and the mapping from seglog's typed errors to them. Numbers are Kafka's (clients switch on them).
 */
import {
  CodecUnavailableError,
  CorruptRecordError,
  InvalidTimestampError,
  NoSpaceError,
  StorageError,
  TransactionStateError,
  UnsafeIntegerError,
  InvalidConfigError,
  InvalidPartitionsError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  PartitionOfflineError,
  ProducerFencedError,
  RecordTooLargeError,
  InvalidTopicError,
  TopicExistsError,
  UnknownTopicError,
} from '../../errors.js';

export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  OPERATION_NOT_ATTEMPTED: 55,
  PRODUCER_FENCED: 90,
  KAFKA_STORAGE_ERROR: 56,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_TIMESTAMP: 32,
  UNKNOWN_PRODUCER_ID: 59,
  INVALID_RECORD: 87,
  POLICY_VIOLATION: 44,
  GROUP_ID_NOT_FOUND: 69,
  NON_EMPTY_GROUP: 68,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  FENCED_INSTANCE_ID: 82,
} as const;

/** The Kafka error code a failed append, read or admin call turns into on the wire. */
export function errorCodeFor(error: unknown): number {
  if (error instanceof OffsetOutOfRangeError) return ErrorCode.OFFSET_OUT_OF_RANGE;
  if (error instanceof CorruptRecordError || error instanceof UnsafeIntegerError) return ErrorCode.CORRUPT_MESSAGE;
  if (error instanceof InvalidTimestampError) return ErrorCode.INVALID_TIMESTAMP;
  if (error instanceof TransactionStateError) return ErrorCode.INVALID_TXN_STATE;
  if (error instanceof CodecUnavailableError) return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  // The log refused the write and nothing half-written is visible: Kafka's "storage failed, retry elsewhere".
  if (error instanceof NoSpaceError || error instanceof StorageError) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (error instanceof RecordTooLargeError) return ErrorCode.MESSAGE_TOO_LARGE;
  if (error instanceof InvalidRecordError) return ErrorCode.INVALID_RECORD;
  if (error instanceof OutOfOrderSequenceError) return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
  if (error instanceof ProducerFencedError) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (error instanceof InvalidConfigError) return ErrorCode.INVALID_CONFIG;
  if (error instanceof InvalidPartitionsError) return ErrorCode.INVALID_PARTITIONS;
  if (error instanceof UnknownTopicError) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (error instanceof InvalidTopicError) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (error instanceof TopicExistsError) return ErrorCode.TOPIC_ALREADY_EXISTS;
  if (error instanceof PartitionOfflineError) return ErrorCode.KAFKA_STORAGE_ERROR;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}
