/**
 * Byte layouts of the files that sit beside a partition's `.log` segments, in one place: the offset
 * and time indexes, the transaction index and the producer-state snapshot (Kafka's formats, all
 * big-endian, none with a header except the snapshot). Every position is chained from the one before,
 * so each block reads as the table it encodes. Readers and writers (the indexes, the snapshot codec,
 * the inspector, recovery) take their numbers from here.
 *
 *   .index       relativeOffset int32 | position int32
 *   .timeindex   timestamp int64 | relativeOffset int32
 *   .txnindex    version int16 | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
 *   .snapshot    version int16 | crc uint32 (CRC-32C of [count, end)) | count int32 | count entries of
 *                producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 | offsetDelta int32
 *                | timestamp int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64
 */

export const OFFSET_INDEX_RELATIVE_OFFSET = 0;
export const OFFSET_INDEX_POSITION = OFFSET_INDEX_RELATIVE_OFFSET + 4;
export const OFFSET_INDEX_ENTRY_BYTES = OFFSET_INDEX_POSITION + 4;

export const TIME_INDEX_TIMESTAMP = 0;
export const TIME_INDEX_RELATIVE_OFFSET = TIME_INDEX_TIMESTAMP + 8;
export const TIME_INDEX_ENTRY_BYTES = TIME_INDEX_RELATIVE_OFFSET + 4;

export const TXN_INDEX_VERSION = 0;
export const TXN_INDEX_PRODUCER_ID = TXN_INDEX_VERSION + 2;
export const TXN_INDEX_FIRST_OFFSET = TXN_INDEX_PRODUCER_ID + 8;
export const TXN_INDEX_LAST_OFFSET = TXN_INDEX_FIRST_OFFSET + 8;
export const TXN_INDEX_LAST_STABLE_OFFSET = TXN_INDEX_LAST_OFFSET + 8;
export const TXN_INDEX_ENTRY_BYTES = TXN_INDEX_LAST_STABLE_OFFSET + 8;

export const SNAPSHOT_VERSION = 0;
export const SNAPSHOT_CRC = SNAPSHOT_VERSION + 2;
export const SNAPSHOT_COUNT = SNAPSHOT_CRC + 4;
export const SNAPSHOT_ENTRIES = SNAPSHOT_COUNT + 4;
export const SNAPSHOT_PRODUCER_ID = 0;
export const SNAPSHOT_EPOCH = SNAPSHOT_PRODUCER_ID + 8;
export const SNAPSHOT_LAST_SEQUENCE = SNAPSHOT_EPOCH + 2;
export const SNAPSHOT_LAST_OFFSET = SNAPSHOT_LAST_SEQUENCE + 4;
export const SNAPSHOT_OFFSET_DELTA = SNAPSHOT_LAST_OFFSET + 8;
export const SNAPSHOT_TIMESTAMP = SNAPSHOT_OFFSET_DELTA + 4;
export const SNAPSHOT_COORDINATOR_EPOCH = SNAPSHOT_TIMESTAMP + 8;
export const SNAPSHOT_TXN_FIRST_OFFSET = SNAPSHOT_COORDINATOR_EPOCH + 4;
export const SNAPSHOT_ENTRY_BYTES = SNAPSHOT_TXN_FIRST_OFFSET + 8;
/** The snapshot version Kafka writes and reads (ProducerStateManager's PRODUCER_SNAPSHOT_VERSION). */
export const SNAPSHOT_CURRENT_VERSION = 1;
