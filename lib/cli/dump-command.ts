/**
 * `seglog dump <file…>`: kafka-dump-log without a JVM. Text output reproduces kafka-dump-log's lines
 * (reference §15.2) so existing greps and muscle memory keep working; `--json` prints NDJSON, one
 * object per batch (or index entry). Per-file problems print one line on stderr and make the exit
 * status 1; the other files are still dumped. Summaries kafka-dump-log prints on stderr (index
 * mismatches, non-consecutive offsets) go there here too.
 *
 * Decoders (`--offsets-decoder`, `--transaction-log-decoder`, `--cluster-metadata-decoder`) print
 * keys and payloads as kafka-dump-log's parsers do and add `decoded` to each record in `--json`; a
 * record they cannot decode shows its raw key and value with `undecoded: <why>` and is not an error.
 * `--index-sanity-check` checks indexes on their own; `--verify-index-only` checks them against the
 * log without listing entries (exit 1 on a mismatch). The side files of a partition directory
 * (leader-epoch-checkpoint, partition.metadata, offset checkpoints, meta.properties, quorum-state)
 * dump by name; a rule they break prints on stderr and makes the exit status 1.
 */
import { basename } from 'node:path';
import { SeglogError } from '../errors.js';
import {
  baseOffsetOfFile, controlLabel, dumpFileKind, dumpLog, dumpOffsetIndex, dumpPartitionFile, dumpProducerSnapshot, dumpTimeIndex,
  dumpTxnIndex, indexSanityCheck, recordDecoder,
  type BatchDump, type DataEncoding, type DecoderName, type LogDumpSummary, type PartitionFileDump, type RecordDecoder, type RecordDump,
  type RecordSink,
} from '../inspect/index.js';
import { nonNegativeInteger, parseArgs, UsageError, flagValue, type FlagSpec } from './args.js';
import { LineWriter, type Progress } from './output.js';

const DUMP_FLAGS: readonly FlagSpec[] = [
  { name: 'deep', takesValue: false, aliases: ['deep-iteration'] },
  { name: 'print-data', takesValue: false, aliases: ['print-data-log'] },
  { name: 'encoding', takesValue: true },
  { name: 'max-bytes', takesValue: true },
  { name: 'json', takesValue: false },
  { name: 'files', takesValue: true },
  { name: 'offsets-decoder', takesValue: false },
  { name: 'transaction-log-decoder', takesValue: false },
  { name: 'cluster-metadata-decoder', takesValue: false },
  { name: 'index-sanity-check', takesValue: false },
  { name: 'verify-index-only', takesValue: false },
  { name: 'help', takesValue: false },
];

interface DumpContext {
  stdout: LineWriter;
  stderr: LineWriter;
  progress: Progress;
}

interface DumpSettings {
  deep: boolean;
  printData: boolean;
  encoding: DataEncoding;
  maxBytes: number | undefined;
  json: boolean;
  decoder: DecoderName | undefined;
  indexSanityCheck: boolean;
  verifyIndexOnly: boolean;
}

const DECODER_FLAGS: ReadonlyArray<[string, DecoderName]> = [
  ['offsets-decoder', 'offsets'], ['transaction-log-decoder', 'transaction-log'], ['cluster-metadata-decoder', 'cluster-metadata'],
];

function optionalLong(value: number | null): string {
  return value === null ? 'OptionalLong.empty' : `OptionalLong[${value}]`;
}

function formatBatchLine(b: BatchDump): string {
  const tail = `position: ${b.positionBytes} ${b.timestampType}: ${b.maxTimestampMs} size: ${b.sizeBytes} magic: ${b.magic} ` +
    `compresscodec: ${b.compression} crc: ${b.crc} isvalid: ${b.crcValid}`;
  if (b.magic < 2) return `offset: ${b.lastOffset} ${tail}`;
  return `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.count} baseSequence: ${b.baseSequence} ` +
    `lastSequence: ${b.lastSequence} producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} ` +
    `partitionLeaderEpoch: ${b.partitionLeaderEpoch} isTransactional: ${b.isTransactional} isControl: ${b.isControl} ` +
    `deleteHorizonMs: ${optionalLong(b.deleteHorizonMs)} ${tail}`;
}

/** The decoded part of a record line: `key: … payload: …` as the decoder prints them, or the raw bytes and why. */
function decodedText(r: RecordDump, decoder: RecordDecoder): string {
  const decoded = r.decoded!;
  let line = '';
  if (decoded.note !== null) {
    if (r.key !== undefined && r.key !== null) line += ` key: ${r.key}`;
    if (r.value !== undefined && r.value !== null) line += ` payload: ${r.value}`;
    return `${line} undecoded: ${decoded.note}`;
  }
  const text = decoder.text(decoded);
  if (text.key !== null) line += ` key: ${text.key}`;
  if (text.payload !== null) line += ` payload: ${text.payload}`;
  return line;
}

function formatRecordLine(b: BatchDump, r: RecordDump, decoder: RecordDecoder | null = null): string {
  let line = `| offset: ${r.offset} ${b.timestampType}: ${r.timestampMs} keySize: ${r.keySize} valueSize: ${r.valueSize}`;
  if (b.magic >= 2) line += ` sequence: ${r.sequence} headerKeys: [${r.headers.map((h) => h.key).join(',')}]`;
  else line += ` isValid: ${b.crcValid} crc: ${b.crc}}`;
  if (r.control !== undefined && r.decoded !== undefined) {
    const d = r.decoded;
    const label = controlLabel(d.type);
    line += d.note === null && label !== null ? ` ${label} ${JSON.stringify(d.data)}`
      : ` controlType: ${r.control?.controlType ?? 'UNKNOWN'}(${r.control?.controlTypeId ?? -1}) undecoded: ${d.note ?? ''}`;
  } else if (r.control !== undefined) {
    const c = r.control;
    if (c === null) line += ' controlType: UNKNOWN(-1)';
    else if ((c.controlType === 'COMMIT' || c.controlType === 'ABORT') && c.coordinatorEpoch !== null) {
      line += ` endTxnMarker: ${c.controlType} coordinatorEpoch: ${c.coordinatorEpoch}`;
    } else line += ` controlType: ${c.controlType}(${c.controlTypeId})`;
  } else if (r.decoded !== undefined && decoder !== null) {
    line += decodedText(r, decoder);
  } else {
    if (r.key !== undefined && r.key !== null) line += ` key: ${r.key}`;
    if (r.value !== undefined && r.value !== null) line += ` payload: ${r.value}`;
  }
  return line;
}

function settingsFrom(argv: readonly string[]): { settings: DumpSettings; files: string[]; help: boolean } {
  const args = parseArgs(argv, DUMP_FLAGS, 'dump');
  const encoding = flagValue(args, 'encoding') ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'hex' && encoding !== 'base64') {
    throw new UsageError(`--encoding must be utf8, hex or base64, got ${JSON.stringify(encoding)}`, 'dump');
  }
  const decoders = DECODER_FLAGS.filter(([flag]) => args.flags.has(flag));
  if (decoders.length > 1) throw new UsageError(`choose one decoder, got ${decoders.map(([f]) => `--${f}`).join(' and ')}`, 'dump');
  const decoder = decoders[0]?.[1];
  // As in kafka-dump-log, a decoder implies the records are printed; their raw bytes only with --print-data.
  const printData = args.flags.has('print-data');
  const files = [...args.positionals, ...(flagValue(args, 'files')?.split(',').filter((f) => f.length > 0) ?? [])];
  const settings: DumpSettings = {
    deep: printData || decoder !== undefined || args.flags.has('deep'), printData, encoding,
    maxBytes: nonNegativeInteger(args, 'max-bytes', 'dump'), json: args.flags.has('json'), decoder,
    indexSanityCheck: args.flags.has('index-sanity-check'), verifyIndexOnly: args.flags.has('verify-index-only'),
  };
  return { settings, files, help: args.flags.has('help') };
}

/**
 * Prints each record as the dump produces it (a batch's records are never all alive at once): text
 * lines directly, JSON as pieces of the batch's line — the same bytes JSON.stringify(batch) makes,
 * with `records` last and a record error after it.
 */
class RecordPrinter implements RecordSink {
  jsonLine = '';
  private current: BatchDump | null = null;
  private first = true;
  private readonly s: DumpSettings;
  private readonly out: DumpContext['stdout'];
  private readonly decoder: RecordDecoder | null;

  constructor(s: DumpSettings, out: DumpContext['stdout'], decoder: RecordDecoder | null) {
    this.s = s;
    this.out = out;
    this.decoder = decoder;
  }

  batch(dump: BatchDump): void {
    this.current = dump;
    this.first = true;
    if (this.s.json) this.jsonLine = `${JSON.stringify(dump).slice(0, -1)},"records":[`;
    else this.out.line(formatBatchLine(dump));
  }

  record(dump: RecordDump): void {
    if (!this.s.json) this.out.line(formatRecordLine(this.current!, dump, this.decoder));
    else {
      this.jsonLine += this.first ? JSON.stringify(dump) : `,${JSON.stringify(dump)}`;
      this.first = false;
    }
  }

  /** The batch's JSON line, once its records are all in. */
  endJson(dump: BatchDump): string {
    const error = dump.recordError === undefined ? '' : `,"recordError":${JSON.stringify(dump.recordError)}`;
    const line = `${this.jsonLine}]${error}}`;
    this.jsonLine = '';
    return line;
  }
}

async function dumpLogFile(path: string, s: DumpSettings, ctx: DumpContext): Promise<LogDumpSummary> {
  const out = ctx.stdout;
  const decoder = s.decoder === undefined ? null : recordDecoder(s.decoder);
  const printer = new RecordPrinter(s, out, decoder);
  const generator = dumpLog(path, {
    deep: s.deep, printData: s.printData, encoding: s.encoding, maxBytes: s.maxBytes, onProgress: ctx.progress.callback(),
    ...(s.decoder === undefined ? {} : { decoder: s.decoder }), recordSink: printer,
  });
  if (!s.json) {
    out.line(`Dumping ${path}`);
    out.line(`Log starting offset: ${baseOffsetOfFile(path)}`);
  }
  for (;;) {
    const step = generator.next();
    if (step.done === true) {
      ctx.progress.done();
      const summary = step.value;
      const trailing = `Found ${summary.trailingBytes} invalid bytes at the end of ${basename(path)}`;
      if (summary.trailingBytes > 0 && !summary.maxBytesGiven && summary.corruption === null) {
        if (s.json) ctx.stderr.line(trailing);
        else out.line(trailing);
      }
      return summary;
    }
    const batch = step.value;
    if (!s.deep) out.line(s.json ? JSON.stringify(batch) : formatBatchLine(batch));
    else if (s.json) out.line(printer.endJson(batch));
    if (batch.recordError !== undefined) ctx.stderr.line(`seglog: ${batch.recordError}`);
    await out.maybeFlush();
  }
}

/** `--index-sanity-check`: kafka-dump-log's "<file> passed sanity check." or the problems on stderr. */
function sanityCheckIndexFile(path: string, kind: 'index' | 'timeindex', s: DumpSettings, ctx: DumpContext): boolean {
  const problems = indexSanityCheck(path, kind);
  if (s.json) ctx.stdout.line(JSON.stringify({ path, sanityCheck: problems.length === 0 ? 'passed' : 'failed', problems }));
  else if (problems.length === 0) ctx.stdout.line(`${path} passed sanity check.`);
  for (const problem of problems) ctx.stderr.line(`seglog: ${path}: ${problem}`);
  return problems.length === 0;
}

function dumpIndexFile(path: string, kind: 'index' | 'timeindex', s: DumpSettings, ctx: DumpContext): boolean {
  if (s.indexSanityCheck) return sanityCheckIndexFile(path, kind, s, ctx);
  // --verify-index-only: the same checks against the log, without the entries (kafka-dump-log's verifyOnly).
  const out = s.verifyIndexOnly ? new DiscardingWriter() : ctx.stdout;
  const err = ctx.stderr;
  if (!s.json) ctx.stdout.line(`Dumping ${path}`);
  if (kind === 'index') {
    const dump = dumpOffsetIndex(path);
    if (dump.index.fileSizeBytes === 0 && !s.json) out.line(`${path} is empty.`);
    for (const e of dump.index.entries) out.line(s.json ? JSON.stringify(e) : `offset: ${e.offset} position: ${e.positionBytes}`);
    if (dump.mismatches.length > 0) {
      err.line(`Mismatches in :${path}`);
      for (const m of dump.mismatches) err.line(`  Index offset: ${m.indexOffset}, log offset: ${m.logOffset}`);
    }
    return dump.mismatches.length === 0;
  }
  const dump = dumpTimeIndex(path);
  if (dump.index.fileSizeBytes === 0 && !s.json) out.line(`${path} is empty.`);
  for (const e of dump.index.entries) out.line(s.json ? JSON.stringify(e) : `timestamp: ${e.timestampMs} offset: ${e.offset}`);
  const { notFound, timestampMismatches, outOfOrder } = dump.errors;
  if (notFound.length > 0) {
    err.line('The following indexed offsets are not found in the log.');
    for (const n of notFound) err.line(`Indexed offset: ${n.indexOffset}, found log offset: ${n.logOffset}`);
  }
  if (timestampMismatches.length > 0) {
    err.line(`Found timestamp mismatch in :${path}`);
    for (const m of timestampMismatches) err.line(`  Index timestamp: ${m.indexTimestampMs}, log timestamp: ${m.logTimestampMs}`);
  }
  if (outOfOrder.length > 0) {
    err.line(`Found out of order timestamp in :${path}`);
    for (const o of outOfOrder) {
      err.line(`  Index timestamp: ${o.indexTimestampMs}, Previously indexed timestamp: ${o.previousTimestampMs}`);
    }
  }
  return notFound.length + timestampMismatches.length + outOfOrder.length === 0;
}

/** Drops what it is given: the entries --verify-index-only does not list. */
class DiscardingWriter {
  line(_text: string): void {}
}

function partitionFileLines(d: PartitionFileDump): string[] {
  if (d.kind === 'leader-epoch-checkpoint') {
    return (d.entries as Array<{ epoch: number; startOffset: number }>).map((e) => `epoch: ${e.epoch} startOffset: ${e.startOffset}`);
  }
  if (d.kind === 'offset-checkpoint') {
    return (d.entries as Array<{ topic: string; partition: number; offset: number }>)
      .map((e) => `topic: ${e.topic} partition: ${e.partition} offset: ${e.offset}`);
  }
  return Object.entries(d.fields ?? {}).map(([key, value]) => `${key}: ${Array.isArray(value) ? `[${value.join(',')}]` : String(value)}`);
}

/** A partition directory's side file; false when it breaks a rule (each printed on stderr). */
function dumpSideFile(path: string, s: DumpSettings, ctx: DumpContext): boolean {
  const dump = dumpPartitionFile(path);
  if (dump === null) return true;
  if (s.json) ctx.stdout.line(JSON.stringify(dump));
  else {
    ctx.stdout.line(`Dumping ${path}`);
    for (const line of partitionFileLines(dump)) ctx.stdout.line(line);
  }
  for (const problem of dump.problems) ctx.stderr.line(`seglog: ${path}: ${problem}`);
  return dump.problems.length === 0;
}

function dumpSmallFile(path: string, kind: 'txnindex' | 'snapshot', s: DumpSettings, ctx: DumpContext): void {
  const out = ctx.stdout;
  if (!s.json) out.line(`Dumping ${path}`);
  if (kind === 'txnindex') {
    for (const e of dumpTxnIndex(path).entries) {
      out.line(s.json ? JSON.stringify(e)
        : `version: ${e.version} producerId: ${e.producerId} firstOffset: ${e.firstOffset} lastOffset: ${e.lastOffset} ` +
          `lastStableOffset: ${e.lastStableOffset}`);
    }
    return;
  }
  for (const e of dumpProducerSnapshot(path).entries) {
    out.line(s.json ? JSON.stringify(e)
      : `producerId: ${e.producerId} producerEpoch: ${e.producerEpoch} coordinatorEpoch: ${e.coordinatorEpoch} ` +
        `currentTxnFirstOffset: ${e.currentTxnFirstOffset} lastTimestamp: ${e.lastTimestampMs} firstSequence: ${e.firstSequence} ` +
        `lastSequence: ${e.lastSequence} lastOffset: ${e.lastOffset} offsetDelta: ${e.offsetDelta} timestamp: ${e.timestampMs}`);
  }
}

/** Runs `seglog dump`; returns the exit status (0 clean, 1 when a file was unreadable or corrupt). */
export async function dumpCommand(argv: readonly string[], ctx: DumpContext, usage: () => string): Promise<number> {
  const { settings, files, help } = settingsFrom(argv);
  if (help) {
    ctx.stdout.line(usage());
    return 0;
  }
  if (files.length === 0) throw new UsageError('dump needs at least one file', 'dump');
  let status = 0;
  const nonConsecutive: LogDumpSummary[] = [];
  for (const path of files) {
    const kind = dumpFileKind(path);
    try {
      if (kind === null) ctx.stderr.line(`Ignoring unknown file ${path}`);
      else if (kind === 'log') {
        const summary = await dumpLogFile(path, settings, ctx);
        if (summary.nonConsecutiveCount > 0) nonConsecutive.push(summary);
        if (summary.corruption !== null) {
          ctx.stderr.line(`seglog: ${summary.corruption.message}`);
          status = 1;
        }
        if (summary.recordErrors > 0) status = 1;
      } else if (kind === 'index' || kind === 'timeindex') {
        // Mismatches are reported, not fatal, as in kafka-dump-log (`seglog verify` is the gate) — unless
        // the dump was asked to check: --index-sanity-check or --verify-index-only.
        const clean = dumpIndexFile(path, kind, settings, ctx);
        if (!clean && (settings.indexSanityCheck || settings.verifyIndexOnly)) status = 1;
      } else if (kind === 'txnindex' || kind === 'snapshot') dumpSmallFile(path, kind, settings, ctx);
      else if (!dumpSideFile(path, settings, ctx)) status = 1;
    } catch (error) {
      if (!(error instanceof SeglogError)) throw error;
      ctx.progress.done();
      ctx.stderr.line(`seglog: ${error.toLine()}`);
      status = 1;
    }
    await ctx.stdout.flush();
    await ctx.stderr.flush();
  }
  for (const summary of nonConsecutive) {
    ctx.stderr.line(`Non-consecutive offsets in ${summary.path}`);
    for (const [a, b] of summary.nonConsecutive) ctx.stderr.line(`  ${a} is followed by ${b}`);
    const more = summary.nonConsecutiveCount - summary.nonConsecutive.length;
    if (more > 0) ctx.stderr.line(`  … and ${more} more`);
  }
  return status;
}
