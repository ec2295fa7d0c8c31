/**
 * `seglog dump <file…>`: kafka-dump-log without a JVM. Text output reproduces kafka-dump-log's lines
 * (reference §15.2) so existing greps and muscle memory keep working; `--json` prints NDJSON, one
 * object per batch (or index entry). Per-file problems print one line on stderr and make the exit
 * status 1; the other files are still dumped. Summaries kafka-dump-log prints on stderr (index
 * mismatches, non-consecutive offsets) go there here too.
 */
import { basename } from 'node:path';
import { SeglogError } from '../errors.js';
import {
  baseOffsetOfFile, dumpFileKind, dumpLog, dumpOffsetIndex, dumpProducerSnapshot, dumpTimeIndex, dumpTxnIndex,
  type BatchDump, type DataEncoding, type LogDumpSummary, type RecordDump,
} from '../inspect/index.js';
import { nonNegativeInteger, parseArgs, UsageError, flagValue, type FlagSpec } from './args.js';
import { LineWriter, type Progress } from './output.js';

export const DUMP_FLAGS: readonly FlagSpec[] = [
  { name: 'deep', takesValue: false, aliases: ['deep-iteration'] },
  { name: 'print-data', takesValue: false, aliases: ['print-data-log'] },
  { name: 'encoding', takesValue: true },
  { name: 'max-bytes', takesValue: true },
  { name: 'json', takesValue: false },
  { name: 'files', takesValue: true },
  { name: 'help', takesValue: false },
];

export interface DumpContext {
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
}

function optionalLong(value: number | null): string {
  return value === null ? 'OptionalLong.empty' : `OptionalLong[${value}]`;
}

export function formatBatchLine(b: BatchDump): string {
  const tail = `position: ${b.positionBytes} ${b.timestampType}: ${b.maxTimestampMs} size: ${b.sizeBytes} magic: ${b.magic} ` +
    `compresscodec: ${b.compression} crc: ${b.crc} isvalid: ${b.crcValid}`;
  if (b.magic < 2) return `offset: ${b.lastOffset} ${tail}`;
  return `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.count} baseSequence: ${b.baseSequence} ` +
    `lastSequence: ${b.lastSequence} producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} ` +
    `partitionLeaderEpoch: ${b.partitionLeaderEpoch} isTransactional: ${b.isTransactional} isControl: ${b.isControl} ` +
    `deleteHorizonMs: ${optionalLong(b.deleteHorizonMs)} ${tail}`;
}

export function formatRecordLine(b: BatchDump, r: RecordDump): string {
  let line = `| offset: ${r.offset} ${b.timestampType}: ${r.timestampMs} keySize: ${r.keySize} valueSize: ${r.valueSize}`;
  if (b.magic >= 2) line += ` sequence: ${r.sequence} headerKeys: [${r.headers.map((h) => h.key).join(',')}]`;
  else line += ` isValid: ${b.crcValid} crc: ${b.crc}}`;
  if (r.control !== undefined) {
    const c = r.control;
    if (c === null) line += ' controlType: UNKNOWN(-1)';
    else if ((c.controlType === 'COMMIT' || c.controlType === 'ABORT') && c.coordinatorEpoch !== null) {
      line += ` endTxnMarker: ${c.controlType} coordinatorEpoch: ${c.coordinatorEpoch}`;
    } else line += ` controlType: ${c.controlType}(${c.controlTypeId})`;
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
  const printData = args.flags.has('print-data');
  const files = [...args.positionals, ...(flagValue(args, 'files')?.split(',').filter((f) => f.length > 0) ?? [])];
  const settings: DumpSettings = {
    deep: printData || args.flags.has('deep'), printData, encoding,
    maxBytes: nonNegativeInteger(args, 'max-bytes', 'dump'), json: args.flags.has('json'),
  };
  return { settings, files, help: args.flags.has('help') };
}

async function dumpLogFile(path: string, s: DumpSettings, ctx: DumpContext): Promise<LogDumpSummary> {
  const out = ctx.stdout;
  const generator = dumpLog(path, {
    deep: s.deep, printData: s.printData, encoding: s.encoding, maxBytes: s.maxBytes, onProgress: ctx.progress.callback(),
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
    if (s.json) out.line(JSON.stringify(batch));
    else {
      out.line(formatBatchLine(batch));
      for (const record of batch.records ?? []) out.line(formatRecordLine(batch, record));
    }
    if (batch.recordError !== undefined) ctx.stderr.line(`seglog: ${batch.recordError}`);
    await out.maybeFlush();
  }
}

function dumpIndexFile(path: string, kind: 'index' | 'timeindex', s: DumpSettings, ctx: DumpContext): boolean {
  const out = ctx.stdout;
  const err = ctx.stderr;
  if (!s.json) out.line(`Dumping ${path}`);
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
        // Mismatches are reported, not fatal, as in kafka-dump-log: `seglog verify` is the gate.
        dumpIndexFile(path, kind, settings, ctx);
      } else dumpSmallFile(path, kind, settings, ctx);
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
