/**
 * `seglog serve --data DIR [--host 127.0.0.1] [--port 9092] [--auto-create-topics] [--partitions N]
 * [--request-bytes-max N] [--initial-rebalance-delay-ms N] [--advertised-host H] [--advertised-port N]`:
 * opens a Broker on DIR and serves the Kafka wire protocol until SIGINT/SIGTERM, then shuts down
 * cleanly (flush, checkpoints, clean-shutdown marker). Prints one line `listening <host>:<port>` once
 * bound (port 0 picks one: scripts read it).
 * No authentication: keep it on 127.0.0.1.
 */
import { Broker } from '../broker/index.js';
import { SeglogError } from '../index.js';

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
}

function parseServeArgs(argv: readonly string[]): ServeArgs | string {
  const args: ServeArgs = { dataDir: '', host: '127.0.0.1', port: 9092, autoCreateTopics: false, partitions: 1, requestBytesMax: undefined,
      initialRebalanceDelayMs: undefined, advertisedHost: undefined, advertisedPort: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = (): number | string => {
      i++;
      const n = Number(value);
      return value === undefined || !Number.isSafeInteger(n) || n < 0 ? `${flag} needs a non-negative integer` : n;
    };
    let n: number | string;
    switch (flag) {
      case '--data':
        if (value === undefined) return '--data needs a directory';
        args.dataDir = value;
        i++;
        break;
      case '--host':
        if (value === undefined) return '--host needs an address';
        args.host = value;
        i++;
        break;
      case '--port':
        if (typeof (n = number()) === 'string') return n;
        args.port = n;
        break;
      case '--partitions':
        if (typeof (n = number()) === 'string') return n;
        args.partitions = n;
        break;
      case '--request-bytes-max':
        if (typeof (n = number()) === 'string') return n;
        args.requestBytesMax = n;
        break;
      case '--initial-rebalance-delay-ms':
        if (typeof (n = number()) === 'string') return n;
        args.initialRebalanceDelayMs = n;
        break;
      case '--advertised-host':
        if (value === undefined) return '--advertised-host needs an address';
        args.advertisedHost = value;
        i++;
        break;
      case '--advertised-port':
        if (typeof (n = number()) === 'string') return n;
        args.advertisedPort = n;
        break;
      case '--auto-create-topics':
        args.autoCreateTopics = true;
        break;
      default:
        return `unknown option ${String(flag)}`;
    }
  }
  if (args.dataDir === '') return '--data DIR is required';
  return args;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseServeArgs(argv);
  if (typeof parsed === 'string') {
    console.error(`seglog serve: ${parsed}`);
    console.error('usage: seglog serve --data DIR [--host 127.0.0.1] [--port 9092] [--auto-create-topics] [--partitions N]');
    console.error('                    [--request-bytes-max N] [--initial-rebalance-delay-ms N]');
    console.error('                    [--advertised-host H] [--advertised-port N]');
    return 2;
  }
  let broker: Broker | null = null;
  try {
    broker = await Broker.open(parsed.dataDir,
        parsed.initialRebalanceDelayMs === undefined ? {} : { initialRebalanceDelayMs: parsed.initialRebalanceDelayMs });
    const server = await broker.listen({
      host: parsed.host,
      port: parsed.port,
      autoCreateTopics: parsed.autoCreateTopics,
      defaultPartitions: parsed.partitions,
      ...(parsed.requestBytesMax === undefined ? {} : { requestBytesMax: parsed.requestBytesMax }),
      ...(parsed.advertisedHost === undefined ? {} : { advertisedHost: parsed.advertisedHost }),
      ...(parsed.advertisedPort === undefined ? {} : { advertisedPort: parsed.advertisedPort }),
    });
    console.log(`listening ${server.host}:${server.port}`);
  } catch (error) {
    console.error(error instanceof SeglogError ? error.toLine() : `seglog serve: ${(error as Error).message}`);
    // Opened but could not listen (port taken, bad option): release the logs cleanly before exiting.
    await broker?.close().catch(() => undefined);
    return 1;
  }
  const opened = broker;
  opened.on('error', (error: unknown) => console.error(error instanceof SeglogError ? error.toLine() : String(error)));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      opened.close().then(() => resolve(0), (error: unknown) => {
        console.error(error instanceof SeglogError ? error.toLine() : String(error));
        resolve(1);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
