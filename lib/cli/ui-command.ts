/**
 * `seglog ui --data DIR [--host H] [--port N]`: the web console, read-only, for a stopped data
 * directory (seglog's or a Kafka broker's). Nothing is written and no lock is taken. Prints one line
 * `console <url>` when ready and serves until SIGINT or SIGTERM (exit 0). A directory that does not
 * exist or a port that is taken is one line and exit 1.
 */
import { listenOfflineConsole } from '../console/index.js';
import { EXIT_OK, usageFor } from './help.js';
import { flagValue, parseArgs, UsageError, type FlagSpec } from './args.js';
import type { LineWriter } from './output.js';

const UI_FLAGS: readonly FlagSpec[] = [
  { name: 'data', takesValue: true },
  { name: 'host', takesValue: true },
  { name: 'port', takesValue: true },
  { name: 'help', takesValue: false, aliases: ['h'] },
];
/** The console's default port (the Kafka port is 9092; this one is the usual web console's). */
const UI_PORT_DEFAULT = 8080;
const PORT_MAX = 65_535;

export async function uiCommand(argv: readonly string[], stdout: LineWriter): Promise<number> {
  const args = parseArgs(argv, UI_FLAGS, 'ui');
  if (args.flags.has('help')) {
    stdout.line(usageFor('ui'));
    return EXIT_OK;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`, 'ui');
  const dataDir = flagValue(args, 'data');
  if (dataDir === undefined || dataDir === '') throw new UsageError('--data DIR is required', 'ui');
  const portText = flagValue(args, 'port') ?? String(UI_PORT_DEFAULT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > PORT_MAX) {
    throw new UsageError(`--port needs an integer in [0, ${PORT_MAX}], got ${JSON.stringify(portText)}`, 'ui');
  }
  const server = await listenOfflineConsole(dataDir, { host: flagValue(args, 'host') ?? '127.0.0.1', port });
  stdout.line(`console ${server.url}`);
  await stdout.flush();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return EXIT_OK;
}
