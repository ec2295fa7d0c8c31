/**
 * `seglog verify <dir|file…>`: prints every problem as `path: position P: offset O: kind: message`,
 * then notes and a one-line verdict; exit 0 when clean, 1 when anything was found. `--json` prints
 * the VerifyReport as one JSON line. `--repair` runs the Log's own recovery (Log.open + close) on
 * each directory and verifies again, reporting what recovery did.
 */
import { statSync } from 'node:fs';
import { SeglogError } from '../errors.js';
import { describeRecovery } from '../log/log-loader.js';
import { formatProblem, repairLogDir, scanPath, verifyPaths, type VerifyReport } from '../inspect/index.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import type { LineWriter, Progress } from './output.js';

export const VERIFY_FLAGS: readonly FlagSpec[] = [
  { name: 'json', takesValue: false },
  { name: 'repair', takesValue: false },
  { name: 'help', takesValue: false },
];

export interface VerifyContext {
  stdout: LineWriter;
  stderr: LineWriter;
  progress: Progress;
}

function printReport(report: VerifyReport, out: LineWriter): void {
  for (const problem of report.problems) out.line(formatProblem(problem));
  const more = report.problemCount - report.problems.length;
  if (more > 0) out.line(`… and ${more} more problems`);
  for (const note of report.notes) out.line(`note: ${note}`);
  const counts = `${report.partitions.length} partitions, ${report.filesChecked} files, ` +
    `${report.bytesChecked} bytes, ${report.batchesChecked} batches checked`;
  out.line(report.ok ? `OK: ${counts}` : `FAILED: ${report.problemCount} problems; ${counts}`);
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
    else dirs.push(path);
  }
  return dirs;
}

async function repair(paths: readonly string[], ctx: VerifyContext, json: boolean): Promise<void> {
  for (const dir of repairTargets(paths)) {
    try {
      const { report } = await repairLogDir(dir);
      const rebuilt = report.indexesRebuilt.length;
      const line = `repaired ${dir}: ${report.recovered.length} segments recovered, ${report.bytesTruncated} bytes truncated, ` +
        `${rebuilt} indexes rebuilt, ${report.segmentsDeleted.length} segments deleted, ` +
        `${report.segmentsSetAside.length} segments set aside, ${report.temporaryFiles.length} temporary files resolved`;
      const out = json ? ctx.stderr : ctx.stdout;
      out.line(line);
      // What was cut or set aside, and where it is kept (`<name>.recovered-<n>`).
      for (const action of describeRecovery(report)) out.line(`  ${action}`);
    } catch (error) {
      if (!(error instanceof SeglogError)) throw error;
      ctx.stderr.line(`seglog: repair of ${dir} failed: ${error.toLine()}`);
    }
  }
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
  if (args.flags.has('repair')) await repair(args.positionals, ctx, json);
  const report = verifyPaths(args.positionals, { onProgress: ctx.progress.callback() });
  ctx.progress.done();
  if (json) ctx.stdout.line(JSON.stringify(report));
  else printReport(report, ctx.stdout);
  return report.ok ? 0 : 1;
}
