#!/usr/bin/env node
/**
 * The `seglog` executable: picks the command, runs it, and owns the one top-level handler — a
 * SeglogError becomes its `toLine()` on stderr (exit 1), a UsageError the message plus usage (exit
 * 2), anything else one line `seglog: internal error: …` (exit 3). Never a stack trace. A closed
 * stdout (`seglog dump … | head`) ends the process quietly.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SeglogError } from '../errors.js';
import { systemClock } from '../clock.js';
import { platformReport } from '../platform/index.js';
import { UsageError } from './args.js';
import { dumpCommand } from './dump-command.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, usageFor } from './help.js';
import { LineWriter, Progress } from './output.js';
import { statsCommand } from './stats-command.js';
import { verifyCommand } from './verify-command.js';
import { relaunchForStreaming } from './streaming-relaunch.js';

/** The operator's commands load kafkajs; the inspector's commands do not pay for it. */
async function operatorCommand(command: 'topics' | 'groups' | 'configs', argv: readonly string[], stdout: LineWriter): Promise<number> {
  const usage = () => usageFor(command);
  if (command === 'topics') return (await import('./topics-command.js')).topicsCommand(argv, { stdout }, usage);
  if (command === 'groups') return (await import('./groups-command.js')).groupsCommand(argv, { stdout }, usage);
  return (await import('./configs-command.js')).configsCommand(argv, { stdout }, usage);
}

function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

function versionLines(): string[] {
  const report = platformReport();
  const lines = [`seglog ${packageVersion()} (node ${process.versions.node})`];
  lines.push(`crc32c: ${report.crc32c}`, `recordWalk: ${report.recordWalk}`, `mapFile: ${report.mapFile}`,
    `lockDirectory: ${report.lockDirectory}`);
  if (report.forcedFallback) lines.push('native modules disabled by SEGLOG_NATIVE=0');
  for (const [what, why] of Object.entries(report.reasons)) lines.push(`  ${what}: ${why}`);
  return lines;
}

export async function main(argv: readonly string[]): Promise<number> {
  const stdout = new LineWriter(process.stdout);
  const stderr = new LineWriter(process.stderr);
  const progress = new Progress(process.stderr, systemClock);
  const [command, ...rest] = argv;
  try {
    let status: number;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      stdout.line(usageFor(rest[0] ?? null));
      status = command === undefined ? EXIT_USAGE : EXIT_OK;
    } else if (command === '--version' || command === '-V' || command === 'version') {
      for (const line of versionLines()) stdout.line(line);
      status = EXIT_OK;
    } else if (command === 'dump') status = await dumpCommand(rest, { stdout, stderr, progress }, () => usageFor('dump'));
    else if (command === 'verify') status = await verifyCommand(rest, { stdout, stderr, progress }, () => usageFor('verify'));
    else if (command === 'stats') status = await statsCommand(rest, { stdout, progress }, () => usageFor('stats'));
    else if (command === 'topics' || command === 'groups' || command === 'configs') {
      status = await operatorCommand(command, rest, stdout);
    } else if (command === 'ui') {
      const { uiCommand } = await import('./ui-command.js');
      status = await uiCommand(rest, stdout);
    } else if (command === 'serve') {
      const { serveCommand } = await import('./serve.js');
      status = await serveCommand([...rest]);
    } else throw new UsageError(`unknown command ${JSON.stringify(command)}`, null);
    await stdout.flush();
    await stderr.flush();
    return status;
  } catch (error) {
    progress.done();
    await stdout.flush();
    if (error instanceof UsageError) {
      stderr.line(`seglog: ${error.message}`);
      stderr.line(usageFor(error.command));
      await stderr.flush();
      return EXIT_USAGE;
    }
    if (error instanceof SeglogError) {
      stderr.line(`seglog: ${error.toLine()}`);
      await stderr.flush();
      return EXIT_PROBLEMS;
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    stderr.line(`seglog: internal error: ${detail.split('\n')[0]}`);
    await stderr.flush();
    return EXIT_INTERNAL;
  }
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // The reader went away (`| head`): stop quietly, as cat does.
  process.exit(error.code === 'EPIPE' ? EXIT_OK : EXIT_PROBLEMS);
});

const relaunchedStatus = await relaunchForStreaming(fileURLToPath(import.meta.url), process.argv.slice(2));
if (relaunchedStatus !== null) process.exitCode = relaunchedStatus;
else main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`seglog: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_INTERNAL;
  },
);
