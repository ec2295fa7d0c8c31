// A broker in a child process for tests that need a process of its own (descriptor limits, RSS):
// `node broker-child.js <dataDir> '<json {broker?: BrokerOptions, listen?: ListenOptions}>'`. Prints
// `listening <port>`; on each stdin line `stats` it prints one JSON line (RSS after a GC, request
// memory, offset replay report); exits cleanly on stdin end or SIGTERM. `killAfterTransactionMarker: n`
// kills the process with SIGKILL right after the n-th marker (from 0) a transaction's end writes.
import { createInterface } from 'node:readline';
import { Broker } from '../../lib/broker/index.js';

const [dataDir, json] = process.argv.slice(2);
const options = JSON.parse(json ?? '{}') as { broker?: Record<string, unknown>; listen?: Record<string, unknown>;
  killAfterTransactionMarker?: number };
const killAt = options.killAfterTransactionMarker;
let markersWritten = 0;
const broker = await Broker.open(dataDir as string, {
  ...(options.broker ?? {}),
  ...(killAt === undefined ? {} : {
    afterTransactionMarker: () => {
      if (markersWritten++ === killAt) process.kill(process.pid, 'SIGKILL');
    },
  }),
});
const server = await broker.listen({ port: 0, ...(options.listen ?? {}) });
process.stdout.write(`listening ${server.port}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await broker.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  gc?.();
  process.stdout.write(`${JSON.stringify({ rssBytes: process.memoryUsage().rss, memory: server.requestMemory,
      connections: server.connectionCount, partitionsMax: broker.partitionsMax })}\n`);
});
lines.on('close', () => void stop());
