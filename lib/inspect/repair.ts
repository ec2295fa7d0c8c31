/**
 * `verify --repair`: exactly the recovery the Log performs — open it (cutting a torn or corrupt
 * tail, rebuilding indexes, resolving temporary files) and close it. Only called when the user asks;
 * the rest of the inspector never writes.
 *
 * What it promises:
 *  - nothing is lost: every byte recovery cuts is kept next to its segment as
 *    `<segment>.recovered-<n>` (the loader's own rule), and each action names that file;
 *  - it takes the directory lock (through Log.open), so it refuses a directory in use with
 *    SEGLOG_LOG_LOCKED instead of racing the writer;
 *  - it leaves only files Kafka itself writes in a partition directory: the per-directory
 *    checkpoints and clean-shutdown marker a seglog Log keeps are removed again when they were not
 *    there before (a Kafka partition keeps its checkpoints at the log directory's root);
 *  - `dryRun` runs the same recovery on a temporary copy (copy-on-write where the file system can)
 *    and reports what it would do, with the directory's own paths; the directory is not touched.
 */
import { constants, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  CLEAN_SHUTDOWN_FILE, CLEANER_OFFSET_CHECKPOINT, LOCK_FILE, LOG_START_OFFSET_CHECKPOINT, Log, RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT, type RecoveryReport,
} from '../index.js';

export interface RepairResult {
  dir: string;
  report: RecoveryReport;
  /** True when recovery changed something (report.actions is not empty). */
  changed: boolean;
  dryRun: boolean;
}

export interface RepairOptions {
  dryRun?: boolean;
}

/** Files a seglog Log writes into its own directory that Kafka keeps elsewhere (or not at all). */
const SEGLOG_ONLY_FILES = [
  CLEAN_SHUTDOWN_FILE, RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT, CLEANER_OFFSET_CHECKPOINT,
  LOCK_FILE,
];

export async function repairLogDir(dir: string, options: RepairOptions = {}): Promise<RepairResult> {
  if (options.dryRun === true) return dryRun(dir);
  const before = new Set(readdirSync(dir));
  const log = await Log.open(dir, {}, { recoverAllSegments: true });
  const report = log.recoveryReport;
  await log.close();
  for (const name of SEGLOG_ONLY_FILES) {
    if (before.has(name)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Not written (or already gone): nothing to undo.
    }
  }
  return { dir, report, changed: report.actions.length > 0, dryRun: false };
}

/** Recovery on a copy of `dir`; the report's paths are rewritten to `dir`'s. */
async function dryRun(dir: string): Promise<RepairResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'seglog-repair-dry-run-'));
  const copy = join(scratch, basename(dir));
  try {
    mkdirSync(copy);
    for (const name of readdirSync(dir)) {
      if (name === LOCK_FILE) continue;
      const from = join(dir, name);
      if (!statSync(from).isFile()) continue;
      copyFileSync(from, join(copy, name), constants.COPYFILE_FICLONE);
    }
    const log = await Log.open(copy, {}, { recoverAllSegments: true });
    const report = log.recoveryReport;
    await log.close();
    const mapped: RecoveryReport = { ...report, dir, actions: report.actions.map((a) => ({ ...a })) };
    return { dir, report: mapped, changed: report.actions.length > 0, dryRun: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

