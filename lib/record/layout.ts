/**
 * RecordBatch v2 (magic 2) byte layout — the bytes in `.log` files and on the wire (reference §2).
 * Every position is chained from the one before, so the layout reads as the table it encodes:
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
 *   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
 *   producerId int64 | producerEpoch int16 | baseSequence int32 | recordsCount int32 | records…
 *
 * The CRC-32C covers [ATTRIBUTES, end of batch); baseOffset, batchLength, partitionLeaderEpoch and
 * magic are outside it, which is what lets the Log assign offsets and epochs in place.
 */

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = BASE_OFFSET + 8;
export const PARTITION_LEADER_EPOCH = BATCH_LENGTH + 4;
export const MAGIC = PARTITION_LEADER_EPOCH + 4;
export const CRC = MAGIC + 1;
export const ATTRIBUTES = CRC + 4;
export const LAST_OFFSET_DELTA = ATTRIBUTES + 2;
export const BASE_TIMESTAMP = LAST_OFFSET_DELTA + 4;
export const MAX_TIMESTAMP = BASE_TIMESTAMP + 8;
export const PRODUCER_ID = MAX_TIMESTAMP + 8;
export const PRODUCER_EPOCH = PRODUCER_ID + 8;
export const BASE_SEQUENCE = PRODUCER_EPOCH + 2;
export const RECORDS_COUNT = BASE_SEQUENCE + 4;
export const RECORDS = RECORDS_COUNT + 4;
/** Bytes counted by batchLength start after it. */
export const LENGTH_COVERED_FROM = PARTITION_LEADER_EPOCH;
export const CRC_COVERED_FROM = ATTRIBUTES;

/** Attribute bits (only the low byte is meaningful). */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;
export const DELETE_HORIZON_MASK = 0x40;

export const CURRENT_MAGIC = 2;
export const NO_TIMESTAMP = -1;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** Codec id (attribute bits 0–2) → name; ids 5–7 are invalid. */
export const COMPRESSION_BY_ID: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export const COMPRESSION_IDS: Readonly<Record<CompressionType, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** Largest fixed overhead of one record: length 5 + attributes 1 + timestampDelta 10 + offsetDelta 5. */
export const MAX_RECORD_OVERHEAD_BYTES = 21;
