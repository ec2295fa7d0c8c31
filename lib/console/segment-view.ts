/**
 * The console's segment page: one segment's batches and records (from a given offset, a page at a
 * time), each batch's CRC verdict, the summary `seglog dump` prints (trailing bytes, the framing
 * that stopped the walk) and the segment's index entries with what checking them against the log
 * found. Everything comes from lib/inspect's dump, the CLI's own code, so the page and
 * `seglog dump --deep-iteration --print-data-log` agree. Internal topics' records are decoded with the
 * matching decoder. Reads only; the path is one the source resolved from a known partition.
 */
import { existsSync, statSync } from 'node:fs';
import {
  dumpLog, dumpOffsetIndex, dumpTimeIndex, dumpTxnIndex, readOffsetIndex, readTimeIndex,
  type BatchDump, type DecoderName, type LogDumpSummary, type OffsetIndexEntry, type TimeIndexEntry, type TxnIndexEntry,
} from '../inspect/index.js';
import { CONSOLE_INDEX_CHECK_BYTES_MAX, CONSOLE_RECORD_TEXT_CHARS_MAX, CONSOLE_SEGMENT_BATCHES_MAX } from '../limits.js';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC, KAFKA_METADATA_TOPIC } from '../broker/index.js';

/** Index entries shown per file; the counts say how many there are in all. */
const INDEX_ENTRIES_SHOWN_MAX = 1000;

const DECODERS: ReadonlyMap<string, DecoderName> = new Map([
  [OFFSETS_TOPIC, 'offsets'], [TRANSACTION_STATE_TOPIC, 'transaction-log'], [KAFKA_METADATA_TOPIC, 'cluster-metadata'],
]);

export interface SegmentView {
  topic: string;
  partition: number;
  baseOffset: number;
  fromOffset: number;
  batches: BatchDump[];
  /** The offset to ask for the next page; null when this page reached the end of the segment. */
  nextOffset: number | null;
  /** Only when the page reached the end (the walk's verdict on the whole rest of the file). */
  summary: LogDumpSummary | null;
  crcInvalidBatches: number;
  /** Entries checked against the log (`seglog dump`'s check); null: not checked, the segment is too large for a page. */
  offsetIndex: IndexView<OffsetIndexEntry> & { mismatches: number | null };
  timeIndex: IndexView<TimeIndexEntry> & { errors: number | null };
  txnIndex: IndexView<TxnIndexEntry> | null;
}

interface IndexView<E> {
  entries: E[];
  entryCount: number;
  fileSizeBytes: number;
}

function shown<E>(entries: E[], fileSizeBytes: number): IndexView<E> {
  return { entries: entries.slice(0, INDEX_ENTRIES_SHOWN_MAX), entryCount: entries.length, fileSizeBytes };
}

function clip<T extends string | null | undefined>(text: T): T | string {
  if (typeof text !== 'string' || text.length <= CONSOLE_RECORD_TEXT_CHARS_MAX) return text;
  return `${text.slice(0, CONSOLE_RECORD_TEXT_CHARS_MAX)}… (${text.length} chars)`;
}

/** Where to start reading for `fromOffset`: the last offset index entry at or below it (0 without one). */
function startPosition(indexPath: string, fromOffset: number): number {
  if (!existsSync(indexPath)) return 0;
  let position = 0;
  for (const e of readOffsetIndex(indexPath).entries) if (e.offset <= fromOffset) position = Math.max(position, e.positionBytes);
  return position;
}

export function segmentView(logPath: string, topic: string, partition: number, baseOffset: number, fromOffset: number,
    limit: number): SegmentView {
  const stem = logPath.slice(0, -'.log'.length);
  const pageBatches = Math.max(1, Math.min(CONSOLE_SEGMENT_BATCHES_MAX, limit));
  const decoder = DECODERS.get(topic);
  const walk = dumpLog(logPath, { printData: true, encoding: 'utf8', startBytes: startPosition(`${stem}.index`, fromOffset),
    ...(decoder === undefined ? {} : { decoder }) });
  const batches: BatchDump[] = [];
  let nextOffset: number | null = null;
  let summary: LogDumpSummary | null = null;
  for (;;) {
    const step = walk.next();
    if (step.done === true) {
      summary = step.value;
      break;
    }
    const batch = step.value;
    if (batch.lastOffset < fromOffset) continue;
    if (batches.length === pageBatches) {
      nextOffset = batch.baseOffset;
      walk.return(undefined as never);
      break;
    }
    for (const r of batch.records ?? []) {
      if (r.key !== undefined) r.key = clip(r.key);
      if (r.value !== undefined) r.value = clip(r.value);
      for (const h of r.headers) if (h.value !== undefined) h.value = clip(h.value);
    }
    batches.push(batch);
  }
  // Checking the indexes reads the whole segment: on a live broker that is the serving thread's time, so a
  // page does it only for segments up to CONSOLE_INDEX_CHECK_BYTES_MAX (seglog verify checks any size).
  const check = statSync(logPath).size <= CONSOLE_INDEX_CHECK_BYTES_MAX;
  const offsets = !existsSync(`${stem}.index`) ? null
    : check ? dumpOffsetIndex(`${stem}.index`) : { index: readOffsetIndex(`${stem}.index`), mismatches: null };
  const times = !existsSync(`${stem}.timeindex`) ? null
    : check ? dumpTimeIndex(`${stem}.timeindex`) : { index: readTimeIndex(`${stem}.timeindex`), errors: null };
  const txns = existsSync(`${stem}.txnindex`) ? dumpTxnIndex(`${stem}.txnindex`) : null;
  const timeErrors = times === null ? 0 : times.errors === null ? null
    : times.errors.notFound.length + times.errors.timestampMismatches.length + times.errors.outOfOrder.length;
  return {
    topic, partition, baseOffset, fromOffset, batches, nextOffset, summary,
    crcInvalidBatches: batches.filter((b) => !b.crcValid).length,
    offsetIndex: { ...shown(offsets?.index.entries ?? [], offsets?.index.fileSizeBytes ?? 0),
      mismatches: offsets === null ? 0 : offsets.mismatches?.length ?? null },
    timeIndex: { ...shown(times?.index.entries ?? [], times?.index.fileSizeBytes ?? 0), errors: timeErrors },
    txnIndex: txns === null ? null : shown(txns.entries, txns.fileSizeBytes),
  };
}
