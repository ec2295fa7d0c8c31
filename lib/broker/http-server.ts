/**
 * The broker's HTTP port (`seglog serve --http-port`): `GET /metrics` in Prometheus text format.
 * Read-only, no authentication, 127.0.0.1 unless told otherwise (as the Kafka port). Anything but
 * GET is 405 and an unknown path 404; a failure while collecting is 500 with one line, never a crash.
 */
import { createServer, type Server } from 'node:http';
import { ListenError } from '../errors.js';
import type { BrokerMetrics } from './broker-metrics.js';

export interface HttpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(metrics: BrokerMetrics, host: string, port: number,
    track: (server: { close(): Promise<void> }) => () => void): Promise<HttpServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.text().then((text) => {
      response.writeHead(200, { 'content-type': metrics.contentType }).end(request.method === 'HEAD' ? undefined : text);
    }, (error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new ListenError(`cannot listen on ${host}:${port}: ${error.code}`,
      { cause: error })));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const close = (): Promise<void> => new Promise((resolve) => {
    untrack();
    server.closeAllConnections();
    server.close(() => resolve());
  });
  const untrack = track({ close });
  return { host, port: bound, close };
}
