/**
 * The contract between the bench runner (bench/main.ts) and every benchmark case, including cases
 * kept in their own folders (bench/transfer, bench/compaction, bench/broker,
 * bench/inspect, bench/codec). A case module is any `bench/<folder>/*.case.ts` that exports
 * `benchCases: BenchCase[]`; the runner imports it, calls `run(ctx)` once per side (native and
 * fallback run in separate processes) and puts every row it returns in the table and the JSON.
 *
 * Every row compares seglog with the raw baseline for the same work measured in the same run:
 * machines are noisy, ratios hold. `ratio` is always "seglog relative to the baseline, higher is
 * better" (for latencies: baseline / seglog), so one column reads the same way for every row.
 */

export type BenchSize = 'smoke' | 'quick' | 'full';
export type BenchSide = 'native' | 'fallback';

export interface BenchContext {
  size: BenchSize;
  side: BenchSide;
  /** A fresh temporary directory for this case, removed by the runner afterwards. */
  dir: string;
  /** The seed for any randomness in the case; printed with the results so a run can be replayed. */
  seed: number;
  /** Picks a number by size: `ctx.pick(1_000, 100_000, 1_000_000)`. */
  pick(smoke: number, quick: number, full: number): number;
  /** One progress line (stderr, only on a terminal). */
  progress(message: string): void;
}

export interface BenchRow {
  /** What was measured, e.g. "append 1 KiB × 100". */
  label: string;
  /** seglog's figure in `unit`. */
  value: number;
  /** The baseline's figure for the same work, same unit. */
  baseline: number;
  /** e.g. "MB/s", "rec/s", "µs p50", "MiB". */
  unit: string;
  /** Short name of the baseline, e.g. "writeSync", "readSync 1 KiB", "crc32c". */
  baselineLabel: string;
  /** seglog / baseline when higher is better, baseline / seglog when lower is better. */
  ratio: number;
}

export interface BenchTarget {
  /** e.g. "appendBatch ≥ 0.85× raw write". */
  label: string;
  /** The ratio (or absolute figure) compared with `goal`. */
  actual: number;
  goal: number;
  /** 'min': actual must be ≥ goal; 'max': actual must be ≤ goal. */
  kind: 'min' | 'max';
  met: boolean;
}

export interface CaseResult {
  rows: BenchRow[];
  targets: BenchTarget[];
  /** Folded from the results of the timed work so it cannot be optimised away. */
  checksum: number;
  /** Free-form extra figures (p50/p99 pairs, sizes, counts) kept in the JSON. */
  details: Record<string, number | string>;
}

export interface BenchCase {
  /** Stable, unique, kebab-case; `--only <name>` selects it. */
  name: string;
  /** Runs in `--smoke` as well (must then finish in a couple of seconds). */
  smoke: boolean;
  /** Which sides it runs on; default both. A case comparing native with fallback itself needs one. */
  sides?: readonly BenchSide[];
  run(ctx: BenchContext): Promise<CaseResult>;
}

/** A row where higher figures are better (throughput). */
export function higherIsBetter(label: string, value: number, baseline: number, unit: string, baselineLabel: string): BenchRow {
  return { label, value, baseline, unit, baselineLabel, ratio: value / baseline };
}

/** A row where lower figures are better (latency, memory). */
export function lowerIsBetter(label: string, value: number, baseline: number, unit: string, baselineLabel: string): BenchRow {
  return { label, value, baseline, unit, baselineLabel, ratio: baseline / value };
}

export function targetMin(label: string, actual: number, goal: number): BenchTarget {
  return { label, actual, goal, kind: 'min', met: actual >= goal };
}

export function targetMax(label: string, actual: number, goal: number): BenchTarget {
  return { label, actual, goal, kind: 'max', met: actual <= goal };
}
