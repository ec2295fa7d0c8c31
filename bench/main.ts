/**
 * `npm run bench`: the benchmark suite. Every case measures seglog next to the raw baseline for the
 * same work in the same process run and reports the ratio; the whole suite runs twice, once per
 * side, each in its own child process (native packages; `SEGLOG_NATIVE=0` for the fallbacks), so
 * the two sides start equal and `platformReport()` in each says what was active.
 *
 *   npm run bench                    quick run (about a minute)
 *   npm run bench -- --full          long run (100 MiB → 2 GiB logs)
 *   npm run bench -- --smoke         tiny sizes, < 10 s (the test suite runs this)
 *   npm run bench -- --only <case>   one case (see the table's case column)
 *   npm run bench -- --out <file>    write the JSON there instead of bench/results/<iso-date>.json
 *   npm run bench -- --update-readme regenerate the results table in bench/README.md from this run
 *
 * Cases: bench/cases/*.ts (ours) and any `bench/<folder>/*.case.ts` exporting `benchCases`
 * (bench/case.ts is the interface). Folders that only hold stand-alone scripts
 * (transfer, compaction, broker, codec, inspect, platform) are run as child processes in the quick
 * and full runs and their JSON output folded in; `--smoke` runs only case modules.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { platformReport } from '../lib/platform/index.js';
import type { BenchCase, BenchContext, BenchRow, BenchSide, BenchSize, BenchTarget, CaseResult } from './case.js';
import { externalScripts, newestResultsFile, type ExternalScript } from './external.js';
import { formatMarkdown, formatTable } from './report.js';
import { lastJsonObject, runNode } from './spawn.js';
import { fold } from './util.js';

export interface CaseOutcome extends CaseResult {
  name: string;
  side: BenchSide;
  ms: number;
  /** Set when the case threw; rows and targets are then empty. */
  error?: string;
}

export interface SideOutcome {
  side: BenchSide;
  platform: ReturnType<typeof platformReport>;
  cases: CaseOutcome[];
}

export interface RunResults {
  startedAt: string;
  size: BenchSize;
  seed: number;
  node: string;
  /** `loadAvg1m` at the start and end of the run: other work on the machine skews latencies (p99 most). */
  machine: { cpus: number; cpuModel: string; totalMemBytes: number; loadAvg1mStart: number; loadAvg1mEnd: number };
  /** Every case the runner meant to run, per side, so a reader can check none is missing. */
  expected: Array<{ name: string; side: BenchSide }>;
  cases: CaseOutcome[];
  platform: Partial<Record<BenchSide, ReturnType<typeof platformReport>>>;
  checksum: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = join(HERE, '..', '..');
const SIDES: readonly BenchSide[] = ['native', 'fallback'];
/**
 * Our case modules, loaded lazily: a module that fails to load (a layer below still in progress)
 * fails only its own cases, each reported with the import error, instead of the whole run.
 */
const OWN_CASE_MODULES: ReadonlyArray<{ file: string; cases: ReadonlyArray<Pick<BenchCase, 'name' | 'smoke' | 'sides'>> }> = [
  { file: './cases/append.js', cases: [{ name: 'append', smoke: true }] },
  { file: './cases/lookup.js', cases: [{ name: 'lookup', smoke: true }] },
  { file: './cases/recovery.js', cases: [{ name: 'recovery', smoke: true }] },
  { file: './cases/start.js', cases: [{ name: 'start', smoke: true }] },
  { file: './cases/memory.js', cases: [{ name: 'memory', smoke: true }] },
  { file: './cases/index-write.js', cases: [{ name: 'index-write', smoke: true }] },
  { file: './cases/decode-memory.js', cases: [{ name: 'decode-memory', smoke: true, sides: ['native'] }] },
  { file: './cases/micro.js', cases: [{ name: 'crc', smoke: true, sides: ['native'] }, { name: 'codec', smoke: true }] },
  { file: './cases/handoff.js', cases: [{ name: 'handoff', smoke: true, sides: ['native'] }] },
];
/** Folders whose modules are ours or hold no cases. */
const NOT_CASE_FOLDERS = new Set(['cases', 'results']);

interface Args {
  size: BenchSize;
  only: string | null;
  side: BenchSide | null;
  out: string | null;
  seed: number;
  updateReadme: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { size: 'quick', only: null, side: null, out: null, seed: 0x5e6109, updateReadme: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--full') args.size = 'full';
    else if (a === '--smoke') args.size = 'smoke';
    else if (a === '--quick') args.size = 'quick';
    else if (a === '--size') args.size = next() as BenchSize;
    else if (a === '--only') args.only = next();
    else if (a === '--side') args.side = next() as BenchSide;
    else if (a === '--out') args.out = next();
    else if (a === '--seed') args.seed = Number(next()) >>> 0;
    else if (a === '--update-readme') args.updateReadme = true;
    else throw new Error(`unknown argument ${a} (try --full, --smoke, --only <case>, --out <file>, --update-readme)`);
  }
  if (!['smoke', 'quick', 'full'].includes(args.size)) throw new Error(`unknown size ${args.size}`);
  if (args.side !== null && !SIDES.includes(args.side)) throw new Error(`unknown side ${args.side}`);
  return args;
}

function isBenchCase(value: unknown): value is BenchCase {
  if (value === null || typeof value !== 'object') return false;
  const c = value as Record<string, unknown>;
  return typeof c['name'] === 'string' && typeof c['run'] === 'function';
}

/** Case modules in bench's subfolders: `dist/bench/<folder>/*.case.js` with `benchCases`. */
async function discoverCaseModules(): Promise<{ cases: BenchCase[]; folders: Set<string> }> {
  const cases: BenchCase[] = [];
  const folders = new Set<string>();
  for (const folder of readdirSync(HERE, { withFileTypes: true })) {
    if (!folder.isDirectory() || NOT_CASE_FOLDERS.has(folder.name)) continue;
    for (const file of readdirSync(join(HERE, folder.name)).filter((f) => f.endsWith('.case.js')).sort()) {
      let mod: { benchCases?: unknown };
      try {
        mod = (await import(pathToFileURL(join(HERE, folder.name, file)).href)) as { benchCases?: unknown };
      } catch (error) {
        const message = `cannot load bench/${folder.name}/${file}: ${errorText(error)}`;
        cases.push({ name: `${folder.name}/${file.replace(/\.case\.js$/, '')}`, smoke: false,
          run: () => Promise.reject(new Error(message)) });
        folders.add(folder.name);
        continue;
      }
      if (!Array.isArray(mod.benchCases)) continue;
      for (const c of mod.benchCases) {
        if (isBenchCase(c)) {
          cases.push({ ...c, smoke: c.smoke === true });
          folders.add(folder.name);
        }
      }
    }
  }
  return { cases, folders };
}

async function ownCases(): Promise<BenchCase[]> {
  const cases: BenchCase[] = [];
  for (const m of OWN_CASE_MODULES) {
    try {
      const mod = (await import(m.file)) as { benchCases: BenchCase[] };
      cases.push(...mod.benchCases);
    } catch (error) {
      const message = `cannot load ${m.file}: ${errorText(error)}`;
      for (const c of m.cases) {
        cases.push({ ...c, run: () => Promise.reject(new Error(message)) });
      }
    }
  }
  return cases;
}

async function allCases(): Promise<{ cases: BenchCase[]; scripts: ExternalScript[] }> {
  const discovered = await discoverCaseModules();
  // bench/codec's own case modules, when it has some, replace the minimal codec micro-benchmark.
  const own = (await ownCases()).filter((c) => !(c.name === 'codec' && discovered.folders.has('codec')));
  const cases = [...own, ...discovered.cases];
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`two bench cases are named ${c.name}`);
    names.add(c.name);
  }
  const scripts = externalScripts(HERE).filter((s) => !discovered.folders.has(s.folder) && !names.has(s.name));
  return { cases, scripts };
}

function progressWriter(prefix: string): (message: string) => void {
  if (process.stderr.isTTY !== true) return () => {};
  return (message) => process.stderr.write(`\x1b[2K\r${prefix} ${message}`);
}

function contextFor(size: BenchSize, side: BenchSide, dir: string, seed: number, name: string): BenchContext {
  return {
    size,
    side,
    dir,
    seed,
    pick: (smoke, quick, full) => (size === 'smoke' ? smoke : size === 'quick' ? quick : full),
    progress: progressWriter(`[${side}] ${name}:`),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** One side, in this process: runs the cases that apply and writes the outcome to `out`. */
async function runSide(args: Args, side: BenchSide): Promise<SideOutcome> {
  const { cases } = await allCases();
  const outcomes: CaseOutcome[] = [];
  for (const c of selectCases(cases, args, side)) {
    const dir = mkdtempSync(join(tmpdir(), `seglog-bench-${c.name}-`));
    const started = performance.now();
    try {
      const result = await c.run(contextFor(args.size, side, dir, args.seed, c.name));
      outcomes.push({ name: c.name, side, ms: performance.now() - started, ...result });
    } catch (error) {
      outcomes.push({ name: c.name, side, ms: performance.now() - started, rows: [], targets: [], checksum: 0, details: {},
        error: errorText(error) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (process.stderr.isTTY === true) {
      const last = outcomes[outcomes.length - 1]!;
      const verdict = last.error === undefined ? 'done' : 'FAILED';
      process.stderr.write(`\x1b[2K\r[${side}] ${c.name}: ${verdict} in ${(last.ms / 1000).toFixed(1)} s\n`);
    }
  }
  return { side, platform: platformReport(), cases: outcomes };
}

function selectCases(cases: readonly BenchCase[], args: Args, side: BenchSide): BenchCase[] {
  return cases.filter((c) => (args.only === null || c.name === args.only) && (args.size !== 'smoke' || c.smoke)
    && (c.sides ?? SIDES).includes(side));
}

function sideEnv(side: BenchSide): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (side === 'fallback') env['SEGLOG_NATIVE'] = '0';
  else delete env['SEGLOG_NATIVE'];
  return env;
}

const SIDE_TIMEOUT_MS: Record<BenchSize, number> = { smoke: 100_000, quick: 15 * 60_000, full: 4 * 3600_000 };

async function spawnSide(args: Args, side: BenchSide, scratchDir: string): Promise<SideOutcome> {
  const out = join(scratchDir, `${side}.json`);
  const childArgs = ['--size', args.size, '--side', side, '--out', out, '--seed', String(args.seed)];
  if (args.only !== null) childArgs.push('--only', args.only);
  const outcome = await runNode(SELF, childArgs, { env: sideEnv(side), timeoutMs: SIDE_TIMEOUT_MS[args.size], inheritStderr: true });
  if (outcome.code !== 0 || !existsSync(out)) {
    throw new Error(`the ${side} side exited with ${String(outcome.code)}${outcome.timedOut ? ' (timed out)' : ''}`);
  }
  return JSON.parse(readFileSync(out, 'utf8')) as SideOutcome;
}

/** Stand-alone scripts (bench/external.ts): run per side, numeric `ratio*` fields become rows. */
async function runScript(script: ExternalScript, size: BenchSize, side: BenchSide): Promise<CaseOutcome> {
  const started = performance.now();
  const base = { name: script.name, side, rows: [] as BenchRow[], targets: [] as BenchTarget[], checksum: 0,
    details: {} as CaseResult['details'] };
  progressWriter(`[${side}] ${script.name}:`)(`running ${script.path}`);
  try {
    const env = { ...sideEnv(side), ...script.env(size) };
    const startedWallMs = Date.now() - 1000; // file mtimes have coarse clocks on some file systems
    const outcome = await runNode(script.path, script.args(size), { env, timeoutMs: script.timeoutMs(size) });
    const parsed = lastJsonObject(outcome.stdout) ?? (script.resultsDir === null ? null : newestResultsFile(script.resultsDir,
      startedWallMs));
    if (outcome.code !== 0 || parsed === null) {
      const lines = (outcome.stderr || outcome.stdout).trim().split('\n');
      const tail = lines.find((l) => /\b\w*Error\b/.test(l)) ?? lines.slice(-3).join(' | ');
      const why = `exit ${String(outcome.code)}${outcome.timedOut ? ' (timed out)' : ''}${parsed === null ? ', no JSON on stdout' : ''}`;
      throw new Error(`${why}: ${tail}`);
    }
    const rows: BenchRow[] = [];
    let checksum = 0;
    const fields = new Map(flattenNumbers(parsed));
    const named = script.figures?.(fields, parsed) ?? null;
    if (named !== null) rows.push(...named.rows);
    for (const [key, value] of fields) {
      if (script.genericRatios && /ratio/i.test(key)) {
        rows.push({ label: key, value, baseline: 1, unit: '×', baselineLabel: 'script baseline', ratio: value });
      } else base.details[key] = value;
      checksum = fold(checksum, value);
    }
    return { ...base, rows, targets: named?.targets ?? [], checksum, ms: performance.now() - started };
  } catch (error) {
    return { ...base, ms: performance.now() - started, error: errorText(error) };
  }
}

function flattenNumbers(value: unknown, prefix = ''): Array<[string, number]> {
  if (typeof value === 'number') return Number.isFinite(value) ? [[prefix, value]] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flattenNumbers(v, prefix === '' ? k : `${prefix}.${k}`));
}

async function runParent(args: Args): Promise<number> {
  const { cases, scripts } = await allCases();
  if (args.only !== null && !cases.some((c) => c.name === args.only) && !scripts.some((s) => s.name === args.only)) {
    throw new Error(`no case named ${args.only}; cases: ${[...cases.map((c) => c.name), ...scripts.map((s) => s.name)].join(', ')}`);
  }
  const startedAt = new Date().toISOString();
  const scratchDir = mkdtempSync(join(tmpdir(), 'seglog-bench-run-'));
  const results: RunResults = {
    startedAt,
    size: args.size,
    seed: args.seed,
    node: process.version,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemBytes: totalmem(), loadAvg1mStart: loadavg()[0]!,
      loadAvg1mEnd: Number.NaN },
    expected: [],
    cases: [],
    platform: {},
    checksum: 0,
  };
  try {
    for (const side of SIDES) {
      const selected = selectCases(cases, args, side);
      for (const c of selected) results.expected.push({ name: c.name, side });
      if (selected.length > 0) {
        try {
          const outcome = await spawnSide(args, side, scratchDir);
          results.platform[side] = outcome.platform;
          results.cases.push(...outcome.cases);
        } catch (error) {
          for (const c of selected) results.cases.push({ name: c.name, side, ms: 0, rows: [], targets: [], checksum: 0, details: {},
            error: errorText(error) });
        }
      }
      if (args.size === 'smoke') continue;
      for (const script of scripts.filter((s) => args.only === null || s.name === args.only)) {
        results.expected.push({ name: script.name, side });
        results.cases.push(await runScript(script, args.size, side));
      }
    }
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  results.machine.loadAvg1mEnd = loadavg()[0]!;
  results.checksum = results.cases.reduce((sum, c) => fold(sum, c.checksum), 0);
  const out = args.out ?? join(REPO_ROOT, 'bench', 'results', `${startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(formatTable(results));
  process.stdout.write(`\nchecksum ${results.checksum.toString(16).padStart(8, '0')}  seed ${args.seed}  results ${out}\n`);
  if (args.updateReadme) updateReadme(results);
  return results.cases.some((c) => c.error !== undefined) ? 1 : 0;
}

const README_START = '<!-- results:start -->';
const README_END = '<!-- results:end -->';

function updateReadme(results: RunResults): void {
  const path = join(REPO_ROOT, 'bench', 'README.md');
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`${path} has no ${README_START} … ${README_END} section`);
  writeFileSync(path, `${text.slice(0, start + README_START.length)}\n${formatMarkdown(results)}${text.slice(end)}`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.side === null) return runParent(args);
  const outcome = await runSide(args, args.side);
  if (args.out === null) process.stdout.write(`${JSON.stringify(outcome)}\n`);
  else writeFileSync(args.out, JSON.stringify(outcome));
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: ${errorText(error)}\n`);
  process.exitCode = 2;
}
