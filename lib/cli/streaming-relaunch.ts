/**
 * The inspector's streaming commands (dump, verify, stats) run with a small V8 young generation.
 * They allocate a stream of short-lived objects (decoded records, output lines) at a high rate, and
 * V8 answers that by growing the young generation to tens of MiB, which is most of the difference
 * in peak RSS between `dump --deep --json` with and without a decoder (127 vs 89 MiB on a 256 MiB
 * `__consumer_offsets` segment). With 4 MiB semi-spaces a plain dump stays near 66 MiB and runs
 * faster; a decoding dump also grows its old generation in bursts (67-104 MiB over runs), which V8's
 * --optimize-for-size heap policy keeps down (61-68 MiB, about 10 % slower), so decoding dumps get
 * that too. The flags must be given at start (V8 ignores them later), so the command re-executes
 * itself once with them, stdio inherited, signals forwarded and exit status passed on; a process that already has the
 * flag (or was started with SEGLOG_NO_RELAUNCH=1) runs the command itself.
 */
import { spawn } from 'node:child_process';
import { INSPECT_SEMI_SPACE_MB } from '../limits.js';

const STREAMING_COMMANDS: ReadonlySet<string> = new Set(['dump', 'verify', 'stats']);
const DECODER_FLAGS: readonly string[] = ['--offsets-decoder', '--transaction-log-decoder', '--cluster-metadata-decoder'];
const SEMI_SPACE_FLAG = '--max-semi-space-size';

/** The V8 flags a streaming command runs with (none for other commands): also what benchmarks start it with. */
export function streamingFlags(argv: readonly string[]): string[] {
  const command = argv[0];
  if (command === undefined || !STREAMING_COMMANDS.has(command)) return [];
  const flags = [`${SEMI_SPACE_FLAG}=${INSPECT_SEMI_SPACE_MB}`];
  if (argv.some((a) => DECODER_FLAGS.includes(a))) flags.push('--optimize-for-size');
  return flags;
}

/** Signals a terminal, a service manager or `kill` sends the launcher: passed on, so the child never outlives it. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The exit status of the command run again in a child with the streaming flags, or null when this
 * process should run it (not a streaming command, already relaunched, or the child could not start).
 * Signals to this process are forwarded; a child killed by a signal ends this process the same way.
 */
export function relaunchForStreaming(entryPath: string, argv: readonly string[]): Promise<number | null> {
  const flags = streamingFlags(argv);
  if (flags.length === 0 || argv.includes('--help') || argv.includes('-h')) return Promise.resolve(null);
  if (process.execArgv.some((a) => a.startsWith(SEMI_SPACE_FLAG)) || process.env['SEGLOG_NO_RELAUNCH'] === '1') {
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...flags, entryPath, ...argv], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const stopForwarding = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once('error', () => {
      stopForwarding();
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      // Our handlers are gone, so re-raising the child's signal ends this process as it ended the child.
      if (signal !== null) process.kill(process.pid, signal);
      else resolve(code);
    });
  });
}
