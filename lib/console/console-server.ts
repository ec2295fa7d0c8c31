/**
 * The console's HTTP port: the pages and their assets (built into dist/console by
 * scripts/build-console.mjs, served from memory: no path from a request ever reaches the file
 * system), the JSON API the pages poll, and, for a running broker, `GET /metrics` in Prometheus text
 * format. Read-only and without authentication, on 127.0.0.1 unless told otherwise, like the Kafka
 * port. A bad request is a 4xx with a one-line JSON error; a failure while answering is a 500 with
 * one line; neither ever stops the server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ListenError, SeglogError, StorageError } from '../errors.js';
import type { Broker } from '../broker/index.js';
import { ConsoleNotFoundError, type ConsoleSource } from './console-source.js';
import { LiveSource } from './live-source.js';
import { OfflineSource } from './offline-source.js';
import { RateSampler } from './rate-sampler.js';
import { segmentView } from './segment-view.js';

export interface ConsoleOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Live only: how often the charts' sample is taken (default 5 s; 15 minutes are kept). */
  sampleIntervalMs?: number;
}

export interface ConsoleServer {
  host: string;
  port: number;
  /** `http://host:port/`. */
  url: string;
  close(): Promise<void>;
}

/** A request the server refuses (400): a parameter that is missing or malformed. */
class BadRequest extends Error {}

interface Asset {
  bytes: Buffer;
  contentType: string;
}

const ASSET_FILES: ReadonlyArray<[string, string, string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/drop', 'drop.html', 'text/html; charset=utf-8'],
  ['/assets/app.js', 'assets/app.js', 'text/javascript; charset=utf-8'],
  ['/assets/app.css', 'assets/app.css', 'text/css; charset=utf-8'],
];
const SEGMENT_PAGE_BATCHES_DEFAULT = 100;
const HTML_SECURITY = {
  // The drop page is one self-contained file: its script and style are inline.
  'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    + "img-src 'self' data:",
  'x-frame-options': 'DENY',
};

/** The built pages, read once; a missing build is a typed error naming the file. */
function loadAssets(): Map<string, Asset> {
  // dist/console, from this file as tsc writes it (dist/lib/console/) or as the package bundles it (dist/pkg/).
  const root = [new URL('../../console/', import.meta.url), new URL('../console/', import.meta.url)]
    .find((url) => existsSync(new URL('index.html', url))) ?? new URL('../../console/', import.meta.url);
  const assets = new Map<string, Asset>();
  for (const [route, file, contentType] of ASSET_FILES) {
    const url = new URL(file, root);
    try {
      assets.set(route, { bytes: readFileSync(url), contentType });
    } catch (error) {
      throw new StorageError('console page missing (npm run build builds dist/console)', { path: url.pathname, cause: error });
    }
  }
  assets.set('/index.html', assets.get('/') as Asset);
  assets.set('/drop.html', assets.get('/drop') as Asset);
  return assets;
}

/** Serves the console for a running broker (also `GET /metrics`); closed with the broker. */
export async function listenConsole(broker: Broker, options: ConsoleOptions = {}): Promise<ConsoleServer> {
  if (broker.isClosed) throw new ListenError('broker is closed');
  const sampler = new RateSampler(broker, options.sampleIntervalMs);
  const metrics = broker.metrics;
  let untrack = (): void => undefined;
  const server = await serve(new LiveSource(broker, sampler), options, async () => ({ text: await metrics.text(),
    contentType: metrics.contentType }), () => {
    sampler.close();
    untrack();
  });
  untrack = broker.trackServer(server);
  return server;
}

/** Serves the console read-only for a stopped data directory: nothing is written, no lock is taken. */
export function listenOfflineConsole(dataDir: string, options: ConsoleOptions = {}): Promise<ConsoleServer> {
  return serve(new OfflineSource(dataDir), options, null, () => undefined);
}

type MetricsText = () => Promise<{ text: string; contentType: string }>;

async function serve(source: ConsoleSource, options: ConsoleOptions, metrics: MetricsText | null,
    onClose: () => void): Promise<ConsoleServer> {
  const assets = loadAssets();
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    answer(source, assets, metrics, request, response).catch((error: unknown) => fail(response, 500, errorLine(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new ListenError(`cannot listen on ${host}:${options.port ?? 0}: ${
      error.code}`, { cause: error })));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // A client that sends garbage or hangs up is its own problem: never an unhandled 'error'.
  server.on('clientError', (_error, socket) => socket.destroy());
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port ?? 0;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise((resolve) => {
      onClose();
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
  return { host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`, close };
}

async function answer(source: ConsoleSource, assets: Map<string, Asset>, metrics: MetricsText | null, request: IncomingMessage,
    response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: 'the console is read-only: GET and HEAD only' } }));
    return;
  }
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://console');
  } catch {
    fail(response, 400, 'malformed request target');
    return;
  }
  const path = url.pathname;
  const asset = assets.get(path);
  if (asset !== undefined) {
    response.writeHead(200, { 'content-type': asset.contentType, 'content-length': asset.bytes.length, 'x-content-type-options': 'nosniff',
      ...(asset.contentType.startsWith('text/html') ? HTML_SECURITY : {}) });
    response.end(request.method === 'HEAD' ? undefined : asset.bytes);
    return;
  }
  if (path === '/metrics') {
    if (metrics === null) {
      fail(response, 404, 'no metrics for a stopped data directory (seglog serve --http-port has them)');
      return;
    }
    const { text, contentType } = await metrics();
    response.writeHead(200, { 'content-type': contentType }).end(request.method === 'HEAD' ? undefined : text);
    return;
  }
  if (!path.startsWith('/api/')) {
    fail(response, 404, `no page ${path}`);
    return;
  }
  let body: unknown;
  try {
    body = route(source, path.slice('/api/'.length), url.searchParams);
  } catch (error) {
    if (error instanceof BadRequest) fail(response, 400, error.message);
    else if (error instanceof ConsoleNotFoundError) fail(response, 404, error.message);
    else fail(response, 500, errorLine(error));
    return;
  }
  const json = Buffer.from(JSON.stringify(body));
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length, 'cache-control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : json);
}

function route(source: ConsoleSource, path: string, query: URLSearchParams): unknown {
  const [resource, ...rest] = path.split('/');
  const name = rest.length === 0 ? null : decodeName(rest.join('/'));
  switch (resource) {
    case 'overview':
      return source.overview();
    case 'topics':
      if (name === null) return source.overview().topics;
      return source.topic(name);
    case 'groups':
      return name === null ? source.groups() : source.group(name);
    case 'producers':
      return source.producers();
    case 'segment': {
      const topic = query.get('topic');
      if (topic === null || topic === '') throw new BadRequest('segment needs ?topic=');
      const partition = integerParam(query, 'partition', null);
      const base = integerParam(query, 'base', null);
      const location = source.segment(topic, partition, base);
      return segmentView(location.logPath, topic, partition, base, integerParam(query, 'from', base),
        integerParam(query, 'limit', SEGMENT_PAGE_BATCHES_DEFAULT));
    }
    default:
      throw new ConsoleNotFoundError(`no API ${JSON.stringify(resource)}`);
  }
}

function decodeName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BadRequest('malformed percent-encoding in the path');
  }
}

function integerParam(query: URLSearchParams, name: string, fallback: number | null): number {
  const text = query.get(name);
  if (text === null || text === '') {
    if (fallback === null) throw new BadRequest(`segment needs ?${name}=`);
    return fallback;
  }
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new BadRequest(`${name} must be a non-negative integer, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Number(text);
}

function errorLine(error: unknown): string {
  if (error instanceof SeglogError) return error.toLine();
  return error instanceof Error ? error.message.split('\n')[0] ?? 'error' : String(error);
}

function fail(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const code = status === 400 ? 'BAD_REQUEST' : status === 404 ? 'NOT_FOUND' : 'INTERNAL';
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify({ error: { code, message } }));
}
