/**
 * Child process for the compaction crash test: opens the compacted log in argv[2] and runs one
 * cleaning round at nowMs argv[3]. SEGLOG_CRASH_AT=<step>[:<n>] makes it stop dead (SIGKILL) right
 * after the n-th (default first) occurrence of that cleaner step; without it, the parent kills it
 * at a random moment. Prints "cleaning" before the round and "done" after it.
 */
import { Log } from '../../lib/index.js';
import { cleanLog, type CleanStep } from '../../lib/compaction/cleaner.js';
import { CRASH_LOG_CONFIG } from './crash-config.js';

const dir = process.argv[2] as string;
const nowMs = Number(process.argv[3]);
const [crashStep, crashNth] = (process.env.SEGLOG_CRASH_AT ?? '').split(':');
let seen = 0;
const log = await Log.open(dir, CRASH_LOG_CONFIG);
process.stdout.write('cleaning\n');
await cleanLog(log, {
  nowMs,
  offsetMapBytes: 24 * 100_000,
  sliceMs: 1,
  onStep: (step: CleanStep) => {
    if (step === crashStep && ++seen === Number(crashNth ?? 1)) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('done\n');
await log.close();
