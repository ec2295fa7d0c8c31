/**
 * The stand-alone bench scripts (bench/transfer, bench/compaction, bench/broker, bench/transactions,
 * bench/codec, bench/inspect) that the runner folds into a quick or full run. A script that is missing from
 * dist/ is run all the same and fails as a case, so a renamed file cannot drop out unnoticed.
 * Each is run as a child process per side; its last JSON object on stdout is read and every
 * numeric field whose name contains "ratio" becomes a row (the rest go to details); for scripts
 * whose fields are known (transfer, compaction) named rows with absolute figures and their target
 * are added. A script that prints a table and writes its JSON to a results folder instead
 * (bench/codec) is read from the newest file there written during the run. Sizes are cut for the
 * quick run so it stays near a minute and a half.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { higherIsBetter, lowerIsBetter, targetMax, targetMin, type BenchRow, type BenchSize, type BenchTarget } from './case.js';
import { MIB } from './util.js';

/** Rows and targets read from a script's JSON (flattened to dotted keys); null when a field is missing. */
export type ScriptFigures = (fields: ReadonlyMap<string, number>, parsed: Record<string, unknown>) => { rows: BenchRow[];
  targets: BenchTarget[] } | null;

export interface ExternalScript {
  name: string;
  folder: string;
  path: string;
  args(size: BenchSize): string[];
  env(size: BenchSize): NodeJS.ProcessEnv;
  timeoutMs(size: BenchSize): number;
  /** Named rows (absolute figures and baseline) and the target, where the script's fields are known. */
  figures: ScriptFigures | null;
  /** Also turn every numeric `*ratio*` field into a row (off when `figures` already names them all). */
  genericRatios: boolean;
  /** Where the script writes its JSON when it does not print it (absolute), else null. */
  resultsDir: string | null;
}

interface Known {
  name: string;
  folder: string;
  file: string;
  args?: (size: BenchSize) => string[];
  env?: (size: BenchSize) => NodeJS.ProcessEnv;
  figures?: ScriptFigures;
  genericRatios?: boolean;
  /** Relative to the repository root. */
  resultsDir?: string;
}

/** Issue 8: fetch transfer ≥ 0.9× the best raw transfer of the zero-copy issue (C sendfile or C read+write). */
const transferFigures: ScriptFigures = (f) => {
  const seglog = f.get('gbps.seglog-transferTo');
  const sendfile = f.get('gbps.c-sendfile');
  const readWrite = f.get('gbps.c-readwrite');
  const nodeLoop = f.get('gbps.node-readsync-write');
  if (seglog === undefined || sendfile === undefined || readWrite === undefined) return null;
  const best = Math.max(sendfile, readWrite);
  const rows = [higherIsBetter('transferTo vs best raw (C)', seglog * 1000, best * 1000, 'MB/s', 'best of C sendfile, read+write')];
  if (nodeLoop !== undefined) {
    rows.push(higherIsBetter('transferTo vs Node loop', seglog * 1000, nodeLoop * 1000, 'MB/s', 'readSync+write'));
  }
  return { rows, targets: [targetMin('fetch transfer ≥ 0.9× best raw transfer', seglog / best, 0.9)] };
};

/** Issue 8: compaction MB/s vs raw read + write of the same log (no numeric goal in the issue). */
const compactionFigures: ScriptFigures = (f) => {
  const clean = f.get('cleanMBps');
  const raw = f.get('rawReadWriteMBps');
  if (clean === undefined || raw === undefined) return null;
  return { rows: [higherIsBetter('clean vs raw read+write', clean, raw, 'MB/s', 'read+write')], targets: [] };
};

/** Issue 14: collecting metrics costs ≤ 2% of produce (per-request work vs a produce request's own, same run). */
const brokerFigures: ScriptFigures = (f) => {
  const cost = f.get('ratios.metricsCostPerProduceRequest');
  const withConsole = f.get('ratios.metricsAndConsoleCostPerProduceRequest');
  if (cost === undefined || withConsole === undefined) return null;
  return { rows: [], targets: [targetMax('metrics cost ≤ 2% of a produce request', cost, 0.02),
    targetMax('metrics + console sampler ≤ 2% of a produce request', withConsole, 0.02)] };
};

/**
 * bench/inspect: verify against a raw read, and peak RSS of a decoding dump of `__consumer_offsets`
 * against a plain `dump --deep --json` of the same segment (decoding must stay streaming).
 */
const inspectFigures: ScriptFigures = (f) => {
  const verify = f.get('verifyMiBps');
  const raw = f.get('rawReadMiBps');
  const decoderRss = f.get('offsetsDecoderPeakRssMiB');
  const plainRss = f.get('offsetsDumpPeakRssMiB');
  if (verify === undefined || raw === undefined || decoderRss === undefined || plainRss === undefined) return null;
  return {
    rows: [
      higherIsBetter('verify vs raw read', verify, raw, 'MiB/s', 'readSync 1 MiB'),
      lowerIsBetter('offsets decoder peak RSS', decoderRss, plainRss, 'MiB', 'dump --deep --json'),
    ],
    targets: [targetMax('dump --offsets-decoder peak RSS ≤ 1.15× dump --deep --json', decoderRss / plainRss, 1.15)],
  };
};

const quickOrFull = <T>(size: BenchSize, quick: T, full: T): T => (size === 'full' ? full : quick);

interface CodecRow { shape: string; case: string; mbPerS: number; ratioToCopy: number }

function isCodecRow(value: unknown): value is CodecRow {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return typeof r['shape'] === 'string' && typeof r['case'] === 'string' && typeof r['mbPerS'] === 'number'
    && typeof r['ratioToCopy'] === 'number';
}

/** bench/codec: `{ rows: [{ shape, case, mbPerS, ratioToCopy }] }`, each next to `Buffer.copy` of the same batch. */
const codecFigures: ScriptFigures = (_f, parsed) => {
  const raw = parsed['rows'];
  if (!Array.isArray(raw)) return null;
  const rows: BenchRow[] = [];
  for (const r of raw.filter(isCodecRow)) {
    if (r.ratioToCopy === 1 || r.ratioToCopy <= 0) continue; // the baseline itself
    rows.push({ label: `${r.shape} ${r.case}`, value: r.mbPerS, baseline: r.mbPerS / r.ratioToCopy, unit: 'MB/s',
      baselineLabel: 'Buffer.copy', ratio: r.ratioToCopy });
  }
  return { rows, targets: [] };
};

/** The newest `.json` in `dir` modified at or after `sinceMs`, parsed; null if none. */
export function newestResultsFile(dir: string, sinceMs: number): Record<string, unknown> | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => ({ path: join(dir, n), mtimeMs: statSync(join(dir,
    n)).mtimeMs })).filter((f) => f.mtimeMs >= sinceMs).sort((a, b) => b.mtimeMs - a.mtimeMs);
  const newest = files[0];
  if (newest === undefined) return null;
  const parsed: unknown = JSON.parse(readFileSync(newest.path, 'utf8'));
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : null;
}

const KNOWN: readonly Known[] = [
  { name: 'transfer', folder: 'transfer', file: 'main.js', args: (s) => ['--size-mib', quickOrFull(s, '64', '1024')],
    figures: transferFigures },
  { name: 'compaction', folder: 'compaction', file: 'compaction.bench.js', env: (s) => ({ SEGLOG_BENCH_BYTES: String(quickOrFull(s,
    48 * MIB, 1024 * MIB)) }), figures: compactionFigures },
  { name: 'broker', folder: 'broker', file: 'throughput.js', args: (s) => [quickOrFull(s, '10000', '200000')], figures: brokerFigures,
    genericRatios: true },
  { name: 'transactions', folder: 'transactions', file: 'transactions.js', args: (s) => [quickOrFull(s, '5000', '100000')] },
  { name: 'codec-script', folder: 'codec', file: 'main.js', figures: codecFigures, genericRatios: false,
    resultsDir: 'bench/codec/results' },
  { name: 'inspect', folder: 'inspect', file: 'inspect-bench.js', env: (s) => ({ SEGLOG_BENCH_BYTES: String(quickOrFull(s,
    64 * MIB, 1024 * MIB)) }), figures: inspectFigures },
];

export function externalScripts(distBenchDir: string): ExternalScript[] {
  return KNOWN.map((k) => ({
    name: k.name,
    folder: k.folder,
    path: join(distBenchDir, k.folder, k.file),
    args: k.args ?? (() => []),
    env: k.env ?? (() => ({})),
    timeoutMs: (size) => quickOrFull(size, 120_000, 3600_000),
    figures: k.figures ?? null,
    genericRatios: k.genericRatios ?? true,
    resultsDir: k.resultsDir === undefined ? null : join(distBenchDir, '..', '..', k.resultsDir),
  }));
}
