/**
 * Every error seglog raises for bad input or a hostile environment: one base class with a stable
 * `code` and the place it concerns (`path`, `positionBytes`, `offset`). Bugs are not errors here —
 * they are assertions (assert.ts). The library never prints; the CLI turns these into one line.
 *
 * docs/errors.md lists every code; test/errors.test.ts keeps the two in sync.
 */

export interface ErrorPlace {
  path?: string | undefined;
  positionBytes?: number | undefined;
  offset?: number | undefined;
  cause?: unknown;
}

export class SeglogError extends Error {
  readonly code: string;
  readonly path: string | undefined;
  readonly positionBytes: number | undefined;
  readonly offset: number | undefined;

  constructor(code: string, message: string, place: ErrorPlace = {}) {
    super(message, place.cause === undefined ? undefined : { cause: place.cause });
    this.name = new.target.name;
    this.code = code;
    this.path = place.path;
    this.positionBytes = place.positionBytes;
    this.offset = place.offset;
  }

  /** One line: code, message, and where. What the CLI prints. */
  toLine(): string {
    const where: string[] = [];
    if (this.path !== undefined) where.push(this.path);
    if (this.positionBytes !== undefined) where.push(`position ${this.positionBytes}`);
    if (this.offset !== undefined) where.push(`offset ${this.offset}`);
    return `${this.code}: ${this.message}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
  }
}

function defineError(code: string, name: string) {
  const cls = class extends SeglogError {
    static readonly code = code;
    constructor(message: string, place: ErrorPlace = {}) {
      super(code, message, place);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** Bytes that are not a valid record batch / record: bad magic, CRC, lengths, varints, counts, compression payload. */
export const CorruptRecordError = defineError('SEGLOG_CORRUPT_RECORD', 'CorruptRecordError');
export type CorruptRecordError = InstanceType<typeof CorruptRecordError>;
/** An int64 field (offset, timestamp, producer id) outside JavaScript's safe integer range. */
export const UnsafeIntegerError = defineError('SEGLOG_UNSAFE_INTEGER', 'UnsafeIntegerError');
export type UnsafeIntegerError = InstanceType<typeof UnsafeIntegerError>;
/** A compression codec whose package is not installed or did not load. */
export const CodecUnavailableError = defineError('SEGLOG_CODEC_UNAVAILABLE', 'CodecUnavailableError');
export type CodecUnavailableError = InstanceType<typeof CodecUnavailableError>;
/** A batch larger than maxMessageBytes or than a segment can hold. */
export const RecordTooLargeError = defineError('SEGLOG_RECORD_TOO_LARGE', 'RecordTooLargeError');
export type RecordTooLargeError = InstanceType<typeof RecordTooLargeError>;
/** A batch that is well formed but not acceptable for this append (control batch from a client, wrong base offset, bad timestamps,
    missing key on a compacted log). */
export const InvalidRecordError = defineError('SEGLOG_INVALID_RECORD', 'InvalidRecordError');
export type InvalidRecordError = InstanceType<typeof InvalidRecordError>;
/** A read below the log start offset or above the log end offset. */
export const OffsetOutOfRangeError = defineError('SEGLOG_OFFSET_OUT_OF_RANGE', 'OffsetOutOfRangeError');
export type OffsetOutOfRangeError = InstanceType<typeof OffsetOutOfRangeError>;
/** Another process (or another Log in this process) holds the directory lock. */
export const LogLockedError = defineError('SEGLOG_LOG_LOCKED', 'LogLockedError');
export type LogLockedError = InstanceType<typeof LogLockedError>;
/** The file system is full (ENOSPC, EDQUOT, EFBIG): the write failed and nothing half-written is visible. */
export const NoSpaceError = defineError('SEGLOG_NO_SPACE', 'NoSpaceError');
export type NoSpaceError = InstanceType<typeof NoSpaceError>;
/** Any other I/O failure, with the path and the system error as cause. */
export const StorageError = defineError('SEGLOG_IO', 'StorageError');
export type StorageError = InstanceType<typeof StorageError>;
/** A configuration key with a value of the wrong type or out of range; the message names the key. */
export const InvalidConfigError = defineError('SEGLOG_INVALID_CONFIG', 'InvalidConfigError');
export type InvalidConfigError = InstanceType<typeof InvalidConfigError>;
/** A wrong argument to a public function (negative size, non-integer offset, unknown option). */
export const InvalidArgumentError = defineError('SEGLOG_INVALID_ARGUMENT', 'InvalidArgumentError');
export type InvalidArgumentError = InstanceType<typeof InvalidArgumentError>;
/** An index file whose contents cannot be right (length not a multiple of its entry size, offsets going backwards). */
export const CorruptIndexError = defineError('SEGLOG_CORRUPT_INDEX', 'CorruptIndexError');
export type CorruptIndexError = InstanceType<typeof CorruptIndexError>;
/** A checkpoint file that is not in Kafka's offset-checkpoint text format. */
export const CorruptCheckpointError = defineError('SEGLOG_CORRUPT_CHECKPOINT', 'CorruptCheckpointError');
export type CorruptCheckpointError = InstanceType<typeof CorruptCheckpointError>;
/** Use of a Log (or a region of one) after close(). */
export const LogClosedError = defineError('SEGLOG_LOG_CLOSED', 'LogClosedError');
export type LogClosedError = InstanceType<typeof LogClosedError>;
/** A region whose file was deleted or truncated under it, or whose destination closed mid-transfer. */
export const TransferAbortedError = defineError('SEGLOG_TRANSFER_ABORTED', 'TransferAbortedError');
export type TransferAbortedError = InstanceType<typeof TransferAbortedError>;
/** A producer batch whose sequence number breaks the idempotent-producer rules. */
export const OutOfOrderSequenceError = defineError('SEGLOG_OUT_OF_ORDER_SEQUENCE', 'OutOfOrderSequenceError');
export type OutOfOrderSequenceError = InstanceType<typeof OutOfOrderSequenceError>;
/** A producer epoch older than the one already seen for that producer id. */
export const ProducerFencedError = defineError('SEGLOG_PRODUCER_FENCED', 'ProducerFencedError');
export type ProducerFencedError = InstanceType<typeof ProducerFencedError>;

/** A topic or partition the broker does not have. */
export const UnknownTopicError = defineError('SEGLOG_UNKNOWN_TOPIC', 'UnknownTopicError');
export type UnknownTopicError = InstanceType<typeof UnknownTopicError>;
/** A topic name Kafka would refuse (characters outside [a-zA-Z0-9._-], longer than 249, "." or ".."). */
export const InvalidTopicError = defineError('SEGLOG_INVALID_TOPIC', 'InvalidTopicError');
export type InvalidTopicError = InstanceType<typeof InvalidTopicError>;
/** createTopic for a name that already exists. */
export const TopicExistsError = defineError('SEGLOG_TOPIC_EXISTS', 'TopicExistsError');
export type TopicExistsError = InstanceType<typeof TopicExistsError>;
/** A path given as a log that holds nothing Kafka-shaped (no segments, no partition directories, not a log file). */
export const NotALogError = defineError('SEGLOG_NOT_A_LOG', 'NotALogError');
export type NotALogError = InstanceType<typeof NotALogError>;
/** An operation the log's cleanup.policy does not allow (compacting a `delete`-only log). */
export const CleanupPolicyError = defineError('SEGLOG_CLEANUP_POLICY', 'CleanupPolicyError');
export type CleanupPolicyError = InstanceType<typeof CleanupPolicyError>;
/** A partition the broker could not open (damaged files, unreadable directory): offline, while every other partition is served. */
export const PartitionOfflineError = defineError('SEGLOG_PARTITION_OFFLINE', 'PartitionOfflineError');
export type PartitionOfflineError = InstanceType<typeof PartitionOfflineError>;

/** A batch timestamp no clock can hold (beyond the safe integer range, or below -1). */
export const InvalidTimestampError = defineError('SEGLOG_INVALID_TIMESTAMP', 'InvalidTimestampError');
export type InvalidTimestampError = InstanceType<typeof InvalidTimestampError>;
/** A transaction step the producer's state does not allow (a marker without an open transaction, a plain write inside one). */
export const TransactionStateError = defineError('SEGLOG_INVALID_TXN_STATE', 'TransactionStateError');
export type TransactionStateError = InstanceType<typeof TransactionStateError>;
/** A Kafka cluster (seglog serve or Kafka) that could not be reached, or that answered an operator's request with an error. */
export const ClusterRequestError = defineError('SEGLOG_CLUSTER_REQUEST', 'ClusterRequestError');
export type ClusterRequestError = InstanceType<typeof ClusterRequestError>;
/** A topic's partition count that cannot be (CreatePartitions asked for fewer or as many as it has). */
export const InvalidPartitionsError = defineError('SEGLOG_INVALID_PARTITIONS', 'InvalidPartitionsError');
export type InvalidPartitionsError = InstanceType<typeof InvalidPartitionsError>;
/** A client request the broker refuses for what it asks, not its bytes (more partitions than its descriptor budget allows). */
export const RequestRefusedError = defineError('SEGLOG_REQUEST_REFUSED', 'RequestRefusedError');
export type RequestRefusedError = InstanceType<typeof RequestRefusedError>;
/** Broker.close() could not finish every step (each failure is in its cause and the 'closed' event); not marked clean. */
export const ShutdownError = defineError('SEGLOG_SHUTDOWN_INCOMPLETE', 'ShutdownError');
export type ShutdownError = InstanceType<typeof ShutdownError>;
/** The server could not listen on its address (EADDRINUSE, EACCES, EADDRNOTAVAIL); nothing was written. */
export const ListenError = defineError('SEGLOG_LISTEN', 'ListenError');
export type ListenError = InstanceType<typeof ListenError>;

/** Turns a Node system error from a write into NoSpaceError or StorageError. */
export function ioError(error: unknown, action: string, place: ErrorPlace): SeglogError {
  if (error instanceof SeglogError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
    return new NoSpaceError(`${action}: no space left (${code})`, { ...place, cause: error });
  }
  return new StorageError(`${action}: ${detail}`, { ...place, cause: error });
}
/** A transaction marker from a coordinator epoch older than one the partition has already seen for the producer. */
export const CoordinatorFencedError = defineError('SEGLOG_COORDINATOR_FENCED', 'CoordinatorFencedError');
export type CoordinatorFencedError = InstanceType<typeof CoordinatorFencedError>;
