/**
 * `verify --repair`: exactly the recovery the Log performs — open it (truncating a torn tail,
 * rebuilding indexes, resolving temporary files) and close it. Only called when the user asks; the
 * rest of the inspector never writes. Takes the directory lock, so it refuses a log in use.
 */
import { Log, type RecoveryReport } from '../index.js';

export interface RepairResult {
  dir: string;
  report: RecoveryReport;
}

export async function repairLogDir(dir: string): Promise<RepairResult> {
  const log = await Log.open(dir);
  const report = log.recoveryReport;
  await log.close();
  return { dir, report };
}
