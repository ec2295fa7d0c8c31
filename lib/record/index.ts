/**
 * The record layer's public surface: Kafka RecordBatch v2 encoding and decoding, the codecs, and the
 * in-place edits the append path uses. Depends only on platform (CRC-32C) and the leaves.
 */
export { crc32c } from '../platform/index.js';
export * from './layout.js';
export { readInt64, writeInt64, readInt32 } from './int64.js';
export { RecordCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';
export { BatchHeaderView, readHeader, peekBatchSize, peekMagic, computeBatchCrc, storedBatchCrc,
    type BatchHeaderFields } from './batch-header.js';
export { FRAME_BAD_LENGTH, FRAME_BAD_MAGIC, FRAME_END, FRAME_PEEK_BYTES, FRAME_TORN, CRC_MISMATCH, batchCrcMatches, frameBaseOffset,
    frameBatch, framingProblem } from './batch-framing.js';
export { compress, decompress, codecAvailable } from './compression.js';
export { parseControlRecord, controlKey, endTxnMarkerValue, type ControlType, type ControlRecordInfo } from './control-record.js';
export type { LogRecord, RecordHeader, RecordInput, RecordBytes } from './record.js';
export { RecordBatch, BatchIterator, decodeBatches, type DecodeOptions } from './batch-decoder.js';
export { BatchEncoder, encodeBatch, encodeControlBatch, type EncodeOptions, type ControlBatchOptions,
  type RecordMarks } from './batch-encoder.js';
export { setBaseOffset, setPartitionLeaderEpoch, setLogAppendTime, setMaxTimestamp, validateBatchRecords,
  walkBatchRecords } from './batch-mutate.js';
export { crc32Ieee } from './legacy.js';
export { RecordSeeker, SEEK_FIRST_WINDOW_BYTES, type RecordStart } from './record-seek.js';
