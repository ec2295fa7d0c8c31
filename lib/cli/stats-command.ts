/**
 * `seglog stats <dir>`: a table for people (one row per partition, a total row when there are
 * several), or the StatsReport as one JSON line with `--json`.
 */
import { collectStats, type PartitionStats, type StatsReport } from '../inspect/index.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import type { LineWriter, Progress } from './output.js';

const STATS_FLAGS: readonly FlagSpec[] = [
  { name: 'json', takesValue: false },
  { name: 'help', takesValue: false },
];

interface StatsContext {
  stdout: LineWriter;
  progress: Progress;
}

const HEADINGS = ['partition', 'segments', 'bytes', 'offsets', 'records', 'batches', 'avg batch', 'keys~', 'first time', 'last time',
    'compression'];

function isoOrDash(ms: number): string {
  return ms < 0 ? '-' : new Date(ms).toISOString();
}

function row(label: string, s: PartitionStats): string[] {
  const mix = Object.entries(s.compression).map(([codec, share]) => `${codec}:${share.batches}`).join(' ') || '-';
  return [
    label, String(s.segments), String(s.sizeBytes), s.firstOffset < 0 ? '-' : `${s.firstOffset}..${s.lastOffset}`, String(s.records),
    String(s.batches), String(s.averageBatchBytes), String(s.keyCountEstimate),
    isoOrDash(s.minTimestampMs), isoOrDash(s.maxTimestampMs), mix,
  ];
}

function formatStatsTable(report: StatsReport): string[] {
  const rows = report.partitions.map((p) => row(p.topic === null ? p.dir : `${p.topic}-${p.partition}`, p));
  if (report.partitions.length > 1) rows.push(row('TOTAL', report.total));
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: readonly string[]) => cells.map((c,
      i) => (i === 0 || i >= 8 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const lines = [format(HEADINGS), ...rows.map(format)];
  const warnings: string[] = [];
  const t = report.total;
  if (t.invalidCrcBatches > 0) warnings.push(`${t.invalidCrcBatches} batches with a CRC mismatch`);
  if (t.undecodableBatches > 0) warnings.push(`${t.undecodableBatches} batches whose records could not be decoded`);
  if (t.trailingBytes > 0) warnings.push(`${t.trailingBytes} bytes after the last whole batch`);
  if (warnings.length > 0) lines.push(`warning: ${warnings.join('; ')} (run seglog verify)`);
  return lines;
}

export async function statsCommand(argv: readonly string[], ctx: StatsContext, usage: () => string): Promise<number> {
  const args = parseArgs(argv, STATS_FLAGS, 'stats');
  if (args.flags.has('help')) {
    ctx.stdout.line(usage());
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('stats needs exactly one directory (or .log file)', 'stats');
  const report = collectStats(args.positionals[0]!, { onProgress: ctx.progress.callback() });
  ctx.progress.done();
  if (args.flags.has('json')) ctx.stdout.line(JSON.stringify(report));
  else for (const line of formatStatsTable(report)) ctx.stdout.line(line);
  return 0;
}
