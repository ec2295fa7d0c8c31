/**
 * The Kafka wire-protocol server: node:net TCP, any number of connections served concurrently — a
 * long-poll fetch or a parked JoinGroup on one connection never delays another. Each connection
 * (connection.ts) frames and answers its requests in order; request-handlers.ts routes each request
 * to its handler (lib/broker/handlers/). The server sees the broker only as a ServedBroker
 * (server-context.ts), so it does not import the Broker class.
 *
 * Robustness rules: a frame whose size is negative, below a request header, above `requestBytesMax`
 * or above its API's own limit (only Produce carries bulk data; see requestBytesMaxFor) closes the
 * connection from its first eight bytes, before its body is buffered. A frame's bytes are reserved in a
 * broker-wide RequestMemoryPool (Kafka's queued.max.request.bytes) before they are read; while it is
 * spent, connections stop reading their sockets and wait their turn. An unparsable request, an
 * unknown API key or an unsupported version (other than ApiVersions, which is answered with
 * UNSUPPORTED_VERSION and the supported list) closes the connection; a failure inside one handler
 * becomes a Kafka error code when the API has a place for one, else a closed connection — never a
 * crash. Idle connections are closed after `idleTimeoutMs` (Kafka's connections.max.idle.ms).
 *
 * No authentication, no TLS: binds 127.0.0.1 unless told otherwise, and must not be exposed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { InvalidConfigError } from '../index.js';
import { CONNECTION_IDLE_MS_DEFAULT, QUEUED_REQUEST_BYTES_MAX_DEFAULT, REQUEST_BYTES_MAX_DEFAULT } from '../limits.js';
import { Connection } from './connection.js';
import { REQUEST_HEADER_MIN_BYTES } from './protocol/api-keys.js';
import { RequestMemoryPool } from './request-memory-pool.js';
import type { ServedBroker, ServerContext } from './server-context.js';

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9092; 0 picks a free port. */
  port?: number;
  /** The host clients are told to connect to (Metadata, FindCoordinator); default: the bound host. */
  advertisedHost?: string;
  /** The port clients are told to connect to (behind a proxy or port forward); default: the bound port. */
  advertisedPort?: number;
  /** Largest request frame accepted (default REQUEST_BYTES_MAX_DEFAULT). */
  requestBytesMax?: number;
  /** Request bytes buffered at once over all connections (Kafka's queued.max.request.bytes; default QUEUED_REQUEST_BYTES_MAX_DEFAULT). */
  queuedRequestBytesMax?: number;
  /** Metadata for a missing topic creates it (Kafka's auto.create.topics.enable). Default false. */
  autoCreateTopics?: boolean;
  /** Partitions of an auto-created topic or of CreateTopics with numPartitions -1. Default 1. */
  defaultPartitions?: number;
  /** Close connections idle this long (default 600000, Kafka's connections.max.idle.ms). */
  idleTimeoutMs?: number;
}

export interface BrokerServer {
  readonly host: string;
  readonly port: number;
  readonly connectionCount: number;
  /** Bytes reserved in the request memory pool now, and request bytes actually buffered. */
  readonly requestMemory: { reservedBytes: number; bufferedBytes: number; capacityBytes: number; waitingConnections: number };
  close(): Promise<void>;
}

export async function startServer(broker: ServedBroker, options: ListenOptions = {}): Promise<BrokerServer> {
  const host = options.host ?? '127.0.0.1';
  const requestBytesMax = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
  if (!Number.isSafeInteger(requestBytesMax) || requestBytesMax < REQUEST_HEADER_MIN_BYTES) {
    throw new InvalidConfigError(`requestBytesMax must be an integer ≥ ${REQUEST_HEADER_MIN_BYTES}, got ${requestBytesMax}`);
  }
  const advertisedPort = options.advertisedPort;
  if (advertisedPort !== undefined && (!Number.isSafeInteger(advertisedPort) || advertisedPort < 1 || advertisedPort > 65_535)) {
    throw new InvalidConfigError(`advertisedPort must be an integer in [1, 65535], got ${advertisedPort}`);
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? CONNECTION_IDLE_MS_DEFAULT;
  const sockets = new Set<Socket>();
  const queuedRequestBytesMax = options.queuedRequestBytesMax ?? QUEUED_REQUEST_BYTES_MAX_DEFAULT;
  if (!Number.isSafeInteger(queuedRequestBytesMax) || queuedRequestBytesMax < 1) {
    throw new InvalidConfigError(`queuedRequestBytesMax must be a positive integer, got ${queuedRequestBytesMax}`);
  }
  const connections = new Set<Connection>();
  const context: ServerContext = {
    broker,
    memory: new RequestMemoryPool(queuedRequestBytesMax),
    connections,
    host: options.advertisedHost ?? host,
    port: 0,
    autoCreateTopics: options.autoCreateTopics ?? false,
    defaultPartitions: options.defaultPartitions ?? 1,
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    connections.add(new Connection(socket, context, requestBytesMax, idleTimeoutMs));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9092, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => broker.emit('backgroundError', { task: 'server', error }));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  context.port = advertisedPort ?? port;
  let closing: Promise<void> | null = null;
  const handle: BrokerServer = {
    host,
    port,
    get connectionCount() {
      return sockets.size;
    },
    get requestMemory() {
      let bufferedBytes = 0;
      for (const c of connections) bufferedBytes += c.bufferedBytes;
      const pool = context.memory;
      return { reservedBytes: pool.usedBytes, bufferedBytes, capacityBytes: pool.capacityBytes, waitingConnections: pool.waiting };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        untrack();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
  const untrack = broker.trackServer(handle);
  return handle;
}
