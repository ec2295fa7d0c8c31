/**
 * Renders a run's results: a fixed-width table for the terminal (rows: seglog figure, baseline
 * figure, ratio; then every target with met/missed) and the same as Markdown for bench/README.md.
 * Ratios read one way everywhere: above 1 seglog beats the baseline, below 1 it is slower.
 */
import type { RunResults } from './main.js';

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

function pad(columns: string[][]): string {
  const widths = columns[0]!.map((_, i) => Math.max(...columns.map((row) => row[i]!.length)));
  return columns.map((row) => row.map((cell, i) => (i >= 3
    && i <= 6 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Load average over the run: above the core count, other processes took CPU from the bench (p99s first). */
function loadText(results: RunResults): string {
  const m = results.machine;
  return `load average ${fmt(m.loadAvg1mStart)} → ${fmt(m.loadAvg1mEnd)} on ${m.cpus} cores`;
}

/** Smoke sizes are too small to say anything about a target: the figures are shown, not judged. */
const SMOKE_NOTE = 'smoke run: sizes too small to judge targets; run `npm run bench` (quick) or `-- --full` for verdicts';

function verdict(results: RunResults, met: boolean, missed: string): string {
  if (results.size === 'smoke') return 'not judged (smoke)';
  return met ? 'met' : missed;
}

export function formatTable(results: RunResults): string {
  const rows: string[][] = [['side', 'case', 'measure', 'seglog', 'baseline', 'ratio', '', 'unit / baseline']];
  const failures: string[] = [];
  for (const c of results.cases) {
    if (c.error !== undefined) failures.push(`[${c.side}] ${c.name}: ${c.error}`);
    for (const r of c.rows) rows.push([c.side, c.name, r.label, fmt(r.value), fmt(r.baseline), `${r.ratio.toFixed(2)}×`, '',
      `${r.unit} vs ${r.baselineLabel}`]);
  }
  const targets: string[][] = [['side', 'case', 'target', 'actual', 'goal', 'verdict', '', '']];
  for (const c of results.cases) {
    for (const t of c.targets) targets.push([c.side, c.name, t.label, fmt(t.actual), `${t.kind === 'min' ? '≥' : '≤'} ${t.goal}`,
      verdict(results, t.met, 'MISSED'), '', '']);
  }
  const platform = Object.entries(results.platform).map(([side,
    p]) => `${side}: crc32c ${p.crc32c}, record walk ${p.recordWalk}, mapFile ${p.mapFile}, lock ${p.lockDirectory}`);
  return [
    `seglog bench (${results.size}) ${results.startedAt}  node ${results.node}  ${results.machine.cpus}× ${results.machine.cpuModel}`
      + `  ${loadText(results)}`,
    ...platform,
    '',
    pad(rows),
    '',
    pad(targets),
    ...(results.size === 'smoke' ? ['', SMOKE_NOTE] : []),
    ...(failures.length > 0 ? ['', 'FAILED CASES', ...failures] : []),
    '',
  ].join('\n');
}

export function formatMarkdown(results: RunResults): string {
  const lines = [
    `Run: ${results.size}, ${results.startedAt}, Node ${results.node}, ${results.machine.cpus}× ${results.machine.cpuModel},`
      + ` ${loadText(results)}.`,
    '',
    '| side | case | measure | seglog | baseline | ratio | unit vs baseline |',
    '|---|---|---|---:|---:|---:|---|',
  ];
  for (const c of results.cases) {
    for (const r of c.rows) {
      const cells = [c.side, c.name, r.label, fmt(r.value), fmt(r.baseline), `${r.ratio.toFixed(2)}×`, `${r.unit} vs ${r.baselineLabel}`];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    if (c.error !== undefined) lines.push(`| ${c.side} | ${c.name} | FAILED: ${c.error.replace(/\|/g, '/')} | | | | |`);
  }
  lines.push('', '| side | target | actual | goal | verdict |', '|---|---|---:|---:|---|');
  for (const c of results.cases) {
    for (const t of c.targets) {
      const cells = [c.side, t.label, fmt(t.actual), `${t.kind === 'min' ? '≥' : '≤'} ${t.goal}`, verdict(results, t.met, '**missed**')];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
