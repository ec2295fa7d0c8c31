/**
 * `dump`: the data kafka-dump-log prints, as plain objects (the CLI formats them as Kafka's text or
 * as NDJSON). A `.log` is streamed batch by batch through a generator — one BatchDump alive at a
 * time, so a 1 GiB segment dumps in the memory of one chunk plus one batch — and the generator's
 * return value is the per-file summary (trailing invalid bytes, non-consecutive offsets, corruption).
 *
 * Index dumps follow kafka-dump-log: entries up to the first unused slot, then (when the segment's
 * `.log` sits beside the index) the mismatches it finds checking each entry against the log.
 * `indexSanityCheck` is kafka-dump-log's `--index-sanity-check`: the index on its own, no log.
 *
 * With a decoder (decoders/: `__consumer_offsets`, `__transaction_state`, `__cluster_metadata`)
 * each record also carries `decoded`; decoding happens per record inside the batch step, so it
 * streams exactly as the plain deep dump does. The side files of a partition directory
 * (leader-epoch-checkpoint, partition.metadata, checkpoints, meta.properties, quorum-state) dump
 * through partition-files.ts. Nothing here writes to any file.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { SeglogError } from '../errors.js';
import { INSPECT_PROBLEMS_MAX } from '../limits.js';
import type { RecordBatch, LogRecord } from '../record/index.js';
import { parseControlRecord } from '../record/index.js';
import { recordDecoder, type DecodedRecord, type DecoderName, type RecordDecoder } from './decoders/index.js';
import { OffsetIndexCheck, TimeIndexCheck, type OffsetIndexMismatch, type TimeIndexErrors } from './index-check.js';
import {
  baseOffsetOfFile, readOffsetIndex, readProducerSnapshot, readTimeIndex, readTxnIndex,
  type IndexFile, type OffsetIndexEntry, type ProducerSnapshot, type TimeIndexEntry, type TxnIndexEntry,
} from './index-files.js';
import { INDEX_SUFFIX, KRAFT_SNAPSHOT_NAME, LOG_SUFFIX, SNAPSHOT_SUFFIX, TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX } from '../segment/file-names.js';
import { ProblemList } from './problems.js';
import { partitionFileKind, readPartitionFile, type PartitionFileDump, type PartitionFileKind } from './partition-files.js';
import { scanSegment } from './segment-scan.js';
import { SegmentReader, type SegmentReaderOptions } from './segment-reader.js';

export type DataEncoding = 'utf8' | 'hex' | 'base64';
export type DumpFileKind = 'log' | 'index' | 'timeindex' | 'txnindex' | 'snapshot' | PartitionFileKind;

export interface DumpLogOptions extends SegmentReaderOptions {
  /** One entry per record (kafka-dump-log --deep-iteration). */
  deep?: boolean;
  /** Keys, values and header values (implies deep). */
  printData?: boolean;
  encoding?: DataEncoding;
  /**
   * Receives each record as it is decoded instead of `BatchDump.records` (left unset): the caller
   * prints it and lets it go, so only one record's objects are alive at a time, not a batch's.
   */
  recordSink?: RecordSink;
  /** Decode keys and values as this internal topic's records (implies deep). The raw key and value are kept
   *  beside `decoded` only with printData or when the record does not decode. */
  decoder?: DecoderName;
}

export interface RecordSink {
  /** The batch's header fields, before its records. */
  batch(dump: BatchDump): void;
  record(dump: RecordDump): void;
}

export interface ControlDump {
  controlType: string;
  controlTypeId: number;
  coordinatorEpoch: number | null;
}

export interface HeaderDump {
  key: string;
  /** Present only with printData; null for a null header value. */
  value?: string | null;
}

export interface RecordDump {
  offset: number;
  timestampMs: number;
  keySize: number;
  valueSize: number;
  /** Present only with printData (and never for control records); null for a null key / value. */
  key?: string | null;
  value?: string | null;
  headers: HeaderDump[];
  sequence: number;
  /** Control batches: the decoded control record. */
  control?: ControlDump | null;
  /** With a decoder: the record as its internal topic's schema reads it (control records: only the metadata log's). */
  decoded?: DecodedRecord;
}

export interface BatchDump {
  baseOffset: number;
  lastOffset: number;
  count: number;
  positionBytes: number;
  sizeBytes: number;
  magic: number;
  crc: number;
  crcValid: boolean;
  compression: string;
  timestampType: 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';
  baseTimestampMs: number;
  maxTimestampMs: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  partitionLeaderEpoch: number;
  isTransactional: boolean;
  isControl: boolean;
  /** null when the batch has no delete horizon (Java's OptionalLong.empty). */
  deleteHorizonMs: number | null;
  records?: RecordDump[];
  /** Why the records could not be listed (corrupt records, codec unavailable), as one line. */
  recordError?: string;
}

export interface LogDumpSummary {
  path: string;
  baseOffset: number;
  fileSizeBytes: number;
  limitBytes: number;
  maxBytesGiven: boolean;
  validBytes: number;
  trailingBytes: number;
  /** Framing that ended the dump early, as one line, with its position. */
  corruption: { message: string; positionBytes: number } | null;
  /** Deep only: pairs (a, b) where record offset b followed a and b !== a + 1 (first INSPECT_PROBLEMS_MAX). */
  nonConsecutive: Array<[number, number]>;
  nonConsecutiveCount: number;
  recordErrors: number;
}

const SUFFIX_KINDS: ReadonlyArray<[string, DumpFileKind]> = [
  [LOG_SUFFIX, 'log'], [INDEX_SUFFIX, 'index'], [TIME_INDEX_SUFFIX, 'timeindex'], [TXN_INDEX_SUFFIX, 'txnindex'],
  [SNAPSHOT_SUFFIX, 'snapshot'],
];

/** Dispatch by suffix, as kafka-dump-log does; null for a file it would ignore. */
export function dumpFileKind(path: string): DumpFileKind | null {
  for (const [suffix, kind] of SUFFIX_KINDS) if (path.endsWith(suffix)) return kind;
  // A KRaft snapshot is record batches, dumped (and verified) as a log, as kafka-dump-log does.
  if (KRAFT_SNAPSHOT_NAME.test(basename(path))) return 'log';
  return partitionFileKind(path);
}

export function encodeBytes(bytes: Uint8Array | null, encoding: DataEncoding): string | null {
  if (bytes === null) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);
}

function batchDump(batch: RecordBatch): BatchDump {
  return {
    baseOffset: batch.baseOffset,
    lastOffset: batch.lastOffset,
    count: batch.recordsCount,
    positionBytes: batch.positionBytes,
    sizeBytes: batch.sizeBytes,
    magic: batch.magic,
    crc: batch.crc,
    crcValid: batch.isValid(),
    compression: batch.compression,
    timestampType: batch.magic === 0 ? 'NoTimestampType' : batch.timestampType,
    baseTimestampMs: batch.baseTimestampMs,
    maxTimestampMs: batch.maxTimestampMs,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    lastSequence: batch.lastSequence,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    isTransactional: batch.isTransactional,
    isControl: batch.isControl,
    deleteHorizonMs: batch.hasDeleteHorizon ? batch.deleteHorizonMs : null,
  };
}

function recordDump(record: LogRecord, isControl: boolean, printData: boolean, encoding: DataEncoding,
  decoder: RecordDecoder | null): RecordDump {
  const dump: RecordDump = {
    offset: record.offset,
    timestampMs: record.timestampMs,
    keySize: record.keySizeBytes,
    valueSize: record.valueSizeBytes,
    headers: [],
    sequence: record.sequence,
  };
  if (isControl) {
    const info = parseControlRecord(record.key, record.value);
    dump.control = info === null ? null : { controlType: info.controlType, controlTypeId: info.controlTypeId,
        coordinatorEpoch: info.coordinatorEpoch };
    const decoded = info === null || decoder === null ? null : decoder.decodeControl(info.controlTypeId, record.value, record.offset);
    if (decoded !== null) dump.decoded = decoded;
  } else {
    const decoded = decoder === null ? null : decoder.decode(record.key, record.value, record.offset);
    if (decoded !== null) dump.decoded = decoded;
    if (printData || (decoded !== null && decoded.note !== null)) {
      dump.key = encodeBytes(record.key, encoding);
      dump.value = encodeBytes(record.value, encoding);
    }
  }
  for (const header of record.headers) {
    dump.headers.push(printData ? { key: header.key, value: encodeBytes(header.value, encoding) } : { key: header.key });
  }
  return dump;
}

/**
 * Streams the batches of a `.log` (one BatchDump per step); the return value is the summary.
 * Throws SeglogError only for a file that cannot be opened or read; bad bytes end up in the summary.
 */
export function dumpLog(path: string, options: DumpLogOptions = {}): Generator<BatchDump, LogDumpSummary, undefined> {
  // Opened here, not inside the generator: a missing file fails at the call, before any output.
  return dumpBatches(new SegmentReader(path, options), path, options);
}

function* dumpBatches(reader: SegmentReader, path: string, options: DumpLogOptions): Generator<BatchDump, LogDumpSummary, undefined> {
  const decoder = options.decoder === undefined ? null : recordDecoder(options.decoder);
  const printData = options.printData ?? false;
  const deep = printData || decoder !== null || (options.deep ?? false);
  const encoding = options.encoding ?? 'utf8';
  const summary: LogDumpSummary = {
    path, baseOffset: baseOffsetOfFile(path), fileSizeBytes: reader.fileSizeBytes, limitBytes: reader.limitBytes,
    maxBytesGiven: options.maxBytes !== undefined, validBytes: 0, trailingBytes: 0, corruption: null,
    nonConsecutive: [], nonConsecutiveCount: 0, recordErrors: 0,
  };
  const sink = options.recordSink ?? null;
  let previousOffset = -1;
  for (const batch of reader) {
    const dump = batchDump(batch);
    if (deep) {
      const records: RecordDump[] = [];
      if (sink !== null) sink.batch(dump);
      try {
        for (const record of batch.records()) {
          const offset = record.offset;
          if (previousOffset !== -1 && offset !== previousOffset + 1) {
            summary.nonConsecutiveCount++;
            if (summary.nonConsecutive.length < INSPECT_PROBLEMS_MAX) summary.nonConsecutive.push([previousOffset, offset]);
          }
          previousOffset = offset;
          const one = recordDump(record, batch.isControl, printData, encoding, decoder);
          if (sink === null) records.push(one);
          else sink.record(one);
        }
      } catch (error) {
        if (!(error instanceof SeglogError)) throw error;
        dump.recordError = error.toLine();
        summary.recordErrors++;
      }
      if (sink === null) dump.records = records;
    }
    yield dump;
  }
  summary.validBytes = reader.validBytes;
  summary.trailingBytes = reader.trailingBytes;
  if (reader.corruption !== null) {
    summary.corruption = { message: reader.corruption.toLine(), positionBytes: reader.corruption.positionBytes ?? reader.validBytes };
  }
  return summary;
}

/** Every batch of a small `.log` at once, with the summary (tests, small files). */
export function dumpLogAll(path: string, options: DumpLogOptions = {}): { batches: BatchDump[]; summary: LogDumpSummary } {
  const batches: BatchDump[] = [];
  const generator = dumpLog(path, options);
  for (;;) {
    const step = generator.next();
    if (step.done === true) return { batches, summary: step.value };
    batches.push(step.value);
  }
}

function siblingLog(path: string): string | null {
  const dot = path.lastIndexOf('.');
  const logPath = `${path.slice(0, dot)}.log`;
  return existsSync(logPath) ? logPath : null;
}

export interface OffsetIndexDump {
  index: IndexFile<OffsetIndexEntry>;
  /** The `.log` the entries were checked against; null when there is none beside the index. */
  logPath: string | null;
  mismatches: OffsetIndexMismatch[];
}

export function dumpOffsetIndex(path: string): OffsetIndexDump {
  const index = readOffsetIndex(path);
  const logPath = siblingLog(path);
  const check = new OffsetIndexCheck(index, new ProblemList());
  if (logPath !== null) scanSegment(logPath, { problems: new ProblemList(), offsetIndex: check });
  return { index, logPath, mismatches: logPath === null ? [] : check.mismatches };
}

export interface TimeIndexDump {
  index: IndexFile<TimeIndexEntry>;
  logPath: string | null;
  errors: TimeIndexErrors;
}

export function dumpTimeIndex(path: string): TimeIndexDump {
  const index = readTimeIndex(path);
  const logPath = siblingLog(path);
  const check = new TimeIndexCheck(index, new ProblemList());
  if (logPath !== null) scanSegment(logPath, { problems: new ProblemList(), timeIndex: check });
  else check.errors.notFound.length = 0;
  return { index, logPath, errors: check.errors };
}

export function dumpTxnIndex(path: string): IndexFile<TxnIndexEntry> {
  return readTxnIndex(path);
}

export function dumpProducerSnapshot(path: string): ProducerSnapshot {
  return readProducerSnapshot(path);
}

/**
 * kafka-dump-log's `--index-sanity-check`: the index alone, without its log — entries whole (else
 * the read throws CorruptIndexError), offsets not below the base offset and rising, positions
 * rising (`.index`) or timestamps not falling (`.timeindex`). Returns the problems, one line each.
 */
export function indexSanityCheck(path: string, kind: 'index' | 'timeindex'): string[] {
  const problems: string[] = [];
  if (kind === 'index') {
    const index = readOffsetIndex(path);
    let previous: OffsetIndexEntry | null = null;
    for (const [i, e] of index.entries.entries()) {
      if (e.offset < index.baseOffset) problems.push(`entry ${i}: offset ${e.offset} below the base offset ${index.baseOffset}`);
      if (previous !== null && e.offset <= previous.offset) {
        problems.push(`entry ${i}: offset ${e.offset} does not rise above ${previous.offset}`);
      }
      if (previous !== null && e.positionBytes <= previous.positionBytes) {
        problems.push(`entry ${i}: position ${e.positionBytes} does not rise above ${previous.positionBytes}`);
      }
      previous = e;
    }
    return problems;
  }
  const index = readTimeIndex(path);
  let previous: TimeIndexEntry | null = null;
  for (const [i, e] of index.entries.entries()) {
    if (e.offset < index.baseOffset) problems.push(`entry ${i}: offset ${e.offset} below the base offset ${index.baseOffset}`);
    if (previous !== null && e.timestampMs < previous.timestampMs) {
      problems.push(`entry ${i}: timestamp ${e.timestampMs} falls below ${previous.timestampMs}`);
    }
    if (previous !== null && e.offset < previous.offset) problems.push(`entry ${i}: offset ${e.offset} falls below ${previous.offset}`);
    previous = e;
  }
  return problems;
}

/** A partition directory's side file (leader-epoch-checkpoint, partition.metadata, checkpoints, meta.properties, quorum-state). */
export function dumpPartitionFile(path: string): PartitionFileDump | null {
  return readPartitionFile(path);
}
