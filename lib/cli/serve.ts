/**
 * `seglog serve --data DIR [options]` (SERVE_USAGE in help.ts lists them): opens a Broker on DIR and
 * serves the Kafka wire protocol until SIGINT/SIGTERM, then shuts down cleanly (flush, checkpoints,
 * clean-shutdown marker). Prints one line `listening <host>:<port>` on stdout once ready (port 0
 * picks one: scripts read it); everything else is the log on stderr (serve-log.ts).
 *
 * Order, so that a run that cannot serve leaves the directory as it found it and a supervisor that
 * stops it at once gets a clean stop:
 *   1. arguments validated (a usage error is one line with a code, exit 2);
 *   2. the data directory checked without writing (a file there: exit 2);
 *   3. SIGINT/SIGTERM handlers installed: a signal from here on is a clean stop, a second one is
 *      logged and ignored (never the default action, which would skip the flush);
 *   4. the port bound (a probe socket holds it while the broker opens: in use → exit 1, nothing written);
 *   5. the broker opened (the first writes), the probe released and the server bound to that port in
 *      the same turn of the event loop;
 *   6. `listening` printed.
 * Exit status: 0 clean stop, 1 a runtime failure (listen, open, or a shutdown step that failed —
 * each logged), 2 usage.
 * No authentication, on either port (--http-port: the web console and GET /metrics): keep them on 127.0.0.1.
 */
import { createServer, type Server } from 'node:net';
import { statSync } from 'node:fs';
import { Broker } from '../broker/index.js';
import { listenConsole } from '../console/index.js';
import { InvalidArgumentError, ListenError, SeglogError, type LogConfig } from '../index.js';
import { SERVE_PARTITIONS_MAX } from '../limits.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, SERVE_USAGE } from './help.js';
import { LOG_LEVELS, createServeLogger, errorFields, logBrokerEvents, logOpenReport, logRecovery, type LogLevel } from './serve-log.js';

const PORT_MAX = 65_535;
/** Named durability levels: what an acknowledged write survives (README "Durability"). */
const DURABILITY_LEVELS = ['page-cache', 'fsync'] as const;
type Durability = (typeof DURABILITY_LEVELS)[number];

interface ServeArgs {
  dataDir: string;
  host: string;
  port: number;
  autoCreateTopics: boolean;
  partitions: number;
  requestBytesMax: number | undefined;
  initialRebalanceDelayMs: number | undefined;
  /** What Metadata tells clients to connect to (behind a proxy, port forward or container). */
  advertisedHost: string | undefined;
  advertisedPort: number | undefined;
  durability: Durability;
  flushMessages: number | undefined;
  flushMs: number | undefined;
  logLevel: LogLevel;
  /** Where GET /metrics is served (same host as the Kafka port); undefined: no HTTP port. */
  httpPort: number | undefined;
}

/** A command line we refuse: printed as one line with its code, exit 2. */
function usage(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`${message} (seglog serve --help)`);
}

function integerIn(flag: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(`${flag} needs an integer in [${min}, ${max}], got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return n;
}

function parseServeArgs(argv: readonly string[]): ServeArgs | 'help' {
  const args: ServeArgs = { dataDir: '', host: '127.0.0.1', port: 9092, autoCreateTopics: true, partitions: 1, requestBytesMax: undefined,
      initialRebalanceDelayMs: undefined, advertisedHost: undefined, advertisedPort: undefined, durability: 'page-cache',
      flushMessages: undefined, flushMs: undefined, logLevel: 'info', httpPort: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string | undefined => (eq === -1 ? argv[++i] : arg.slice(eq + 1));
    const text = (what: string): string => {
      const v = value();
      if (v === undefined || v === '') throw usage(`${flag} needs ${what}`);
      return v;
    };
    switch (flag) {
      case '--help': case '-h': return 'help';
      case '--data': args.dataDir = text('a directory'); break;
      case '--host': args.host = text('an address'); break;
      case '--port': args.port = integerIn(flag, value(), 0, PORT_MAX); break;
      case '--http-port': args.httpPort = integerIn(flag, value(), 0, PORT_MAX); break;
      case '--partitions': args.partitions = integerIn(flag, value(), 1, SERVE_PARTITIONS_MAX); break;
      case '--request-bytes-max': args.requestBytesMax = integerIn(flag, value(), 1, 2_147_483_647); break;
      case '--initial-rebalance-delay-ms': args.initialRebalanceDelayMs = integerIn(flag, value(), 0, 2_147_483_647); break;
      case '--advertised-host': args.advertisedHost = text('an address'); break;
      case '--advertised-port': args.advertisedPort = integerIn(flag, value(), 1, PORT_MAX); break;
      case '--auto-create-topics': args.autoCreateTopics = true; break;
      case '--no-auto-create-topics': args.autoCreateTopics = false; break;
      case '--flush-messages': args.flushMessages = integerIn(flag, value(), 1, Number.MAX_SAFE_INTEGER); break;
      case '--flush-ms': args.flushMs = integerIn(flag, value(), 0, Number.MAX_SAFE_INTEGER); break;
      case '--durability': {
        const level = text(DURABILITY_LEVELS.join(' or '));
        if (!(DURABILITY_LEVELS as readonly string[]).includes(level)) {
          throw usage(`--durability is ${DURABILITY_LEVELS.join(' or ')}, got ${JSON.stringify(level)}`);
        }
        args.durability = level as Durability;
        break;
      }
      case '--log-level': {
        const level = text(LOG_LEVELS.join(', '));
        if (!(LOG_LEVELS as readonly string[]).includes(level)) {
          throw usage(`--log-level is one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
        }
        args.logLevel = level as LogLevel;
        break;
      }
      default:
        throw usage(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  if (args.dataDir === '') throw usage('--data DIR is required');
  return args;
}

/** Kafka's log.flush.interval.messages / .ms for every topic, from --durability and the explicit flags. */
function flushDefaults(args: ServeArgs): Partial<LogConfig> {
  const defaults: Partial<LogConfig> = args.durability === 'fsync' ? { flushMessages: 1 } : {};
  if (args.flushMessages !== undefined) defaults.flushMessages = args.flushMessages;
  if (args.flushMs !== undefined) defaults.flushMs = args.flushMs;
  return defaults;
}

/** Refuses a data path that exists and is not a directory, before anything is bound or written. */
function checkDataDir(dataDir: string): void {
  try {
    if (!statSync(dataDir).isDirectory()) throw new InvalidArgumentError('--data is not a directory', { path: dataDir });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    // Missing is fine (created on open); anything else surfaces from Broker.open as a typed error.
  }
}

/** Holds host:port while the broker opens, so a taken port fails before the directory is touched. */
function bindProbe(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const probe = createServer((socket) => socket.destroy());
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(new ListenError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
    });
    probe.listen(port, host, () => resolve(probe));
  });
}

function line(error: unknown): string {
  return `seglog serve: ${error instanceof SeglogError ? error.toLine() : (error as Error).message}`;
}

/** Resolves with the first SIGINT/SIGTERM; later ones are logged and ignored while shutdown runs. */
function stopSignal(onRepeat: (signal: string) => void): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (received) return onRepeat(signal);
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export async function serveCommand(argv: string[]): Promise<number> {
  let args: ServeArgs;
  try {
    const parsed = parseServeArgs(argv);
    if (parsed === 'help') {
      console.log(SERVE_USAGE);
      return EXIT_OK;
    }
    args = parsed;
    checkDataDir(args.dataDir);
  } catch (error) {
    console.error(line(error));
    return EXIT_USAGE;
  }
  const log = createServeLogger(args.logLevel);
  let stopRequested: string | null = null;
  const stopped = stopSignal((signal) => log.warn({ signal }, 'already stopping; signal ignored'));
  void stopped.then((signal) => {
    stopRequested = signal;
    log.info({ signal }, 'stopping');
  });
  const defaults = flushDefaults(args);
  log.info({ dataDir: args.dataDir, host: args.host, port: args.port, autoCreateTopics: args.autoCreateTopics, durability: args.durability,
    flushMessages: defaults.flushMessages ?? 'never', flushMs: defaults.flushMs ?? 'never' }, 'starting');
  let probe: Server | null = null;
  let httpProbe: Server | null = null;
  let broker: Broker | null = null;
  let bound: { host: string; port: number };
  let httpBound: { host: string; port: number; url: string } | null = null;
  try {
    probe = await bindProbe(args.host, args.port);
    const address = probe.address();
    const port = typeof address === 'object' && address !== null ? address.port : args.port;
    // The HTTP port too: taken, it fails the run before the broker writes anything.
    if (args.httpPort !== undefined) httpProbe = await bindProbe(args.host, args.httpPort);
    const httpAddress = httpProbe?.address();
    const httpPort = typeof httpAddress === 'object' && httpAddress !== null ? httpAddress.port : args.httpPort;
    broker = await Broker.open(args.dataDir, {
      defaults,
      onRecovery: (event) => logRecovery(log, event),
      ...(args.initialRebalanceDelayMs === undefined ? {} : { initialRebalanceDelayMs: args.initialRebalanceDelayMs }),
    });
    logBrokerEvents(log, broker);
    logOpenReport(log, broker.openReport, broker.listTopics().length, broker.offsetReplay);
    probe.close();
    probe = null;
    bound = await broker.listen({
      host: args.host,
      port,
      autoCreateTopics: args.autoCreateTopics,
      defaultPartitions: args.partitions,
      ...(args.requestBytesMax === undefined ? {} : { requestBytesMax: args.requestBytesMax }),
      ...(args.advertisedHost === undefined ? {} : { advertisedHost: args.advertisedHost }),
      ...(args.advertisedPort === undefined ? {} : { advertisedPort: args.advertisedPort }),
    });
    if (httpProbe !== null) {
      httpProbe.close();
      httpProbe = null;
      httpBound = await listenConsole(broker, { host: args.host, port: httpPort ?? 0 });
    }
  } catch (caught) {
    probe?.close();
    httpProbe?.close();
    const syscall = (caught as NodeJS.ErrnoException).syscall;
    // The port taken between the probe's release and the server's bind (a few microseconds): still SEGLOG_LISTEN.
    const error = syscall === 'listen' || syscall === 'bind'
      ? new ListenError(`cannot listen on ${args.host}:${args.port}: ${(caught as NodeJS.ErrnoException).code}`, { cause: caught })
      : caught;
    log.error(errorFields(error), 'could not start');
    console.error(line(error));
    // Opened but could not listen: release the logs cleanly before exiting.
    await broker?.close().catch(() => undefined);
    return error instanceof InvalidArgumentError ? EXIT_USAGE : EXIT_PROBLEMS;
  }
  if (stopRequested === null) {
    log.info({ host: bound.host, port: bound.port, topics: broker.listTopics().length }, 'listening');
    console.log(`listening ${bound.host}:${bound.port}`);
    if (httpBound !== null) {
      log.info({ host: httpBound.host, port: httpBound.port }, 'console and metrics listening');
      console.log(`console ${httpBound.url}`);
      console.log(`metrics ${httpBound.url}metrics`);
    }
  }
  await stopped;
  try {
    await broker.close();
    log.info({ clean: true }, 'stopped');
    return EXIT_OK;
  } catch (error) {
    log.error({ clean: false, ...errorFields(error) }, 'stopped; shutdown incomplete');
    console.error(line(error));
    return EXIT_PROBLEMS;
  }
}
