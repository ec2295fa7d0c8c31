/**
 * `seglog/inspect`: read-only inspection of Kafka-format log files — dump (kafka-dump-log's data as
 * objects), verify (every problem with file, byte position and offset), stats (per partition) — and
 * repair, which is the Log's own recovery. Functions return data; lib/cli/ only formats and prints.
 */
export {
  dumpLog, dumpLogAll, indexSanityCheck, dumpPartitionFile, dumpOffsetIndex, dumpTimeIndex, dumpTxnIndex, dumpProducerSnapshot,
  dumpFileKind, encodeBytes,
  type BatchDump, type RecordDump, type HeaderDump, type ControlDump, type LogDumpSummary, type DumpLogOptions, type DataEncoding,
  type DumpFileKind, type OffsetIndexDump, type TimeIndexDump, type RecordSink,
} from './dump.js';
export {
  recordDecoder, controlLabel, decodeConsumerAssignment, METADATA_RECORD_TYPES,
  type DecodedRecord, type DecodedText, type DecoderName, type RecordDecoder,
  type JsonObject, type JsonValue,
} from './decoders/index.js';
export {
  readPartitionFile, checkPartitionFiles, partitionFileKind, readLeaderEpochCheckpoint, readPartitionMetadata, readMetaProperties,
  readQuorumState, type PartitionFileDump, type PartitionFileKind, type PartitionFileProblem, type LeaderEpochEntry,
} from './partition-files.js';
export { verifyPaths, type VerifyReport, type VerifyOptions, type PartitionVerify } from './verify.js';
export { collectStats, type StatsReport, type StatsOptions, type PartitionStats, type CodecShare } from './stats.js';
export { repairLogDir, type RepairOptions, type RepairResult } from './repair.js';
export { formatProblem, type Problem, type ProblemKind } from './problems.js';
export { HyperLogLog, murmur3 } from './hyperloglog.js';
export { SegmentReader, CHUNK_BYTES_DEFAULT, type SegmentReaderOptions } from './segment-reader.js';
export {
  baseOffsetOfFile, readOffsetIndex, readTimeIndex, readTxnIndex, readProducerSnapshot,
  type IndexFile, type OffsetIndexEntry, type TimeIndexEntry, type TxnIndexEntry, type ProducerSnapshot, type ProducerSnapshotEntry,
} from './index-files.js';
export { scanPath, type PathLayout, type PartitionLayout, type SegmentFiles } from './layout-scan.js';
