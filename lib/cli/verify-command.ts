/**
 * `seglog verify <dir|file…>`: prints every problem as `path: position P: offset O: kind: message`,
 * then notes and a one-line verdict; exit 0 when clean, 1 when anything was found. `--json` prints
 * the VerifyReport as one JSON line. `--repair` runs the Log's own recovery (Log.open + close) on
 * each partition directory, then verifies, reporting what recovery did and where it kept what it
 * cut; exit 4 when it changed something and the result is clean, 1 when a directory was refused
 * (locked) or still has problems. `--dry-run` does the same on a copy. Paths with nothing
 * Kafka-shaped at all are refused with one line.
 */
import { statSync } from 'node:fs';
import { NotALogError, SeglogError } from '../errors.js';
import { describeRecovery } from '../log/log-loader.js';
import { formatProblem, repairLogDir, scanPath, verifyPaths, type VerifyReport } from '../inspect/index.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import type { LineWriter, Progress } from './output.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_REPAIRED } from './help.js';

const VERIFY_FLAGS: readonly FlagSpec[] = [
  { name: 'json', takesValue: false },
  { name: 'repair', takesValue: false },
  { name: 'dry-run', takesValue: false },
  { name: 'help', takesValue: false },
];

interface VerifyContext {
  stdout: LineWriter;
  stderr: LineWriter;
  progress: Progress;
}

function printReport(report: VerifyReport, out: LineWriter, repairFailures: number): void {
  for (const problem of report.problems) out.line(formatProblem(problem));
  const more = report.problemCount - report.problems.length;
  if (more > 0) out.line(`… and ${more} more problems`);
  for (const note of report.notes) out.line(`note: ${note}`);
  const counts = `${report.partitions.length} partitions, ${report.filesChecked} files, ` +
    `${report.bytesChecked} bytes, ${report.batchesChecked} batches checked`;
  const refused = repairFailures > 0 ? `; repair refused or failed for ${repairFailures} directories` : '';
  if (report.ok && repairFailures === 0) out.line(`OK: ${counts}`);
  else out.line(`FAILED: ${report.problemCount} problems${refused}; ${counts}`);
}

/** Nothing Kafka-shaped anywhere in the arguments: one line, not a report. */
function refuseNonLogs(report: VerifyReport): void {
  const nothingChecked = report.partitions.length === 0 && report.filesChecked === 0;
  if (!nothingChecked || report.problems.length === 0 || !report.problems.every((p) => p.kind === 'not-a-log')) return;
  const first = report.problems[0]!;
  throw new NotALogError(`${first.message}${report.problems.length > 1 ? ` (and ${report.problems.length - 1} more paths)` : ''}`,
    { path: first.path });
}

/** The directories --repair hands to the Log: each partition directory under the given paths. */
function repairTargets(paths: readonly string[]): string[] {
  const dirs: string[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      isDirectory = false;
    }
    if (!isDirectory) throw new UsageError(`--repair needs directories; ${path} is not one`, 'verify');
    const layout = scanPath(path);
    if (layout.kind === 'log-dir') dirs.push(...layout.partitions.map((p) => p.dir));
    else if (layout.kind === 'partition') dirs.push(path);
    else throw new NotALogError('no segments and no partition directories: not a Kafka log, nothing to repair', { path });
  }
  return dirs;
}

interface RepairOutcome {
  changed: number;
  failed: number;
}

async function repair(paths: readonly string[], ctx: VerifyContext, json: boolean, dryRun: boolean): Promise<RepairOutcome> {
  const outcome: RepairOutcome = { changed: 0, failed: 0 };
  for (const dir of repairTargets(paths)) {
    try {
      const { report, changed } = await repairLogDir(dir, { dryRun });
      if (changed) outcome.changed++;
      const rebuilt = report.indexesRebuilt.length;
      const verb = dryRun ? (changed ? 'would repair' : 'nothing to repair in') : changed ? 'repaired' : 'nothing to repair in';
      const line = `${verb} ${dir}: ${report.recovered.length} segments recovered, ${report.bytesTruncated} bytes cut, ` +
        `${rebuilt} indexes rebuilt, ${report.segmentsDeleted.length} segments deleted, ` +
        `${report.segmentsSetAside.length} segments set aside, ${report.temporaryFiles.length} temporary files resolved`;
      const out = json ? ctx.stderr : ctx.stdout;
      out.line(line);
      // What was (or would be) cut or set aside, and where it is (would be) kept (`<name>.recovered-<n>`).
      for (const action of describeRecovery(report)) out.line(`  ${action}`);
    } catch (error) {
      if (!(error instanceof SeglogError)) throw error;
      outcome.failed++;
      ctx.stderr.line(`seglog: repair of ${dir} refused: ${error.toLine()}`);
    }
  }
  return outcome;
}

/** Runs `seglog verify`; returns 0 when clean, 1 when problems were found. */
export async function verifyCommand(argv: readonly string[], ctx: VerifyContext, usage: () => string): Promise<number> {
  const args = parseArgs(argv, VERIFY_FLAGS, 'verify');
  if (args.flags.has('help')) {
    ctx.stdout.line(usage());
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('verify needs at least one directory or file', 'verify');
  const json = args.flags.has('json');
  const dryRun = args.flags.has('dry-run');
  if (dryRun && !args.flags.has('repair')) throw new UsageError('--dry-run goes with --repair', 'verify');
  const repaired = args.flags.has('repair') ? await repair(args.positionals, ctx, json, dryRun) : { changed: 0, failed: 0 };
  const report = verifyPaths(args.positionals, { onProgress: ctx.progress.callback() });
  ctx.progress.done();
  refuseNonLogs(report);
  if (json) ctx.stdout.line(JSON.stringify({ ...report, repair: { ...repaired, dryRun } }));
  else printReport(report, ctx.stdout, repaired.failed);
  if (!report.ok || repaired.failed > 0) return EXIT_PROBLEMS;
  return repaired.changed > 0 && !dryRun ? EXIT_REPAIRED : EXIT_OK;
}
