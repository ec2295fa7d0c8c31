// Produce and consume throughput through `Broker.listen` with kafkajs on loopback (1 KiB messages),
// next to the in-process speed of light in the same run: Log.append of the same batches and
// FileRegion.transferTo of the same bytes into a loopback socket. Prints one JSON line and writes it
// to bench/results/broker-throughput-<time>.json. Usage: node dist/bench/broker/throughput.js [messages]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Broker } from '../../lib/broker/index.js';
import { Log } from '../../lib/index.js';

const messages = Number(process.argv[2] ?? 20_000);
const BATCH = 100;
const value = Buffer.alloc(1024, 'x');
const root = mkdtempSync(join(tmpdir(), 'seglog-bench-broker-'));

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// In-process baselines.
const log = await Log.open(join(root, 'baseline-0'));
const batch = Array.from({ length: BATCH }, (_, i) => ({ key: `k${i}`, value }));
let batchBytes = 0;
let t = process.hrtime.bigint();
for (let i = 0; i < messages; i += BATCH) batchBytes = log.append(batch).sizeBytes;
const appendPerSec = messages / seconds(t);
const sink = createServer((s) => s.resume());
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
const sinkPort = (sink.address() as { port: number }).port;
const socket = connect(sinkPort, '127.0.0.1');
await new Promise((r) => socket.once('connect', r));
t = process.hrtime.bigint();
let offset = 0;
let sentBytes = 0;
// Every batch has the same records, so the same size: a region of k whole batches is k * batchBytes.
const batchesPerRead = Math.max(1, Math.floor((1 << 20) / batchBytes));
while (offset < log.logEndOffset) {
  const region = log.read(offset, { maxBytes: batchesPerRead * batchBytes });
  if (region.sizeBytes === 0) break;
  sentBytes += await region.transferTo(socket);
  offset += (region.sizeBytes / batchBytes) * BATCH;
}
const transferPerSec = messages / seconds(t);
socket.destroy();
sink.close();
await log.close();

// Through the server with kafkajs.
const broker = await Broker.open(join(root, 'broker'), { initialRebalanceDelayMs: 0 });
await broker.createTopic('bench', { partitions: 1 });
const server = await broker.listen({ port: 0 });
const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${server.port}`], logLevel: kafkajs.logLevel.NOTHING });
const producer = kafka.producer();
await producer.connect();
const kafkaBatch = Array.from({ length: BATCH }, (_, i) => ({ key: `k${i}`, value }));
t = process.hrtime.bigint();
for (let i = 0; i < messages; i += BATCH) await producer.send({ topic: 'bench', acks: 1, messages: kafkaBatch });
const producePerSec = messages / seconds(t);
await producer.disconnect();
const consumer = kafka.consumer({ groupId: 'bench', maxBytes: 10 << 20 });
await consumer.connect();
await consumer.subscribe({ topic: 'bench', fromBeginning: true });
let consumed = 0;
t = process.hrtime.bigint();
await new Promise<void>((resolve) => {
  void consumer.run({ eachBatch: async ({ batch: b }) => {
    consumed += b.messages.length;
    if (consumed >= messages) resolve();
  } });
});
const consumePerSec = messages / seconds(t);
await consumer.disconnect();
await broker.close();
rmSync(root, { recursive: true, force: true });

const result = {
  messages, messageBytes: value.length, checksum: consumed + sentBytes,
  inProcess: { appendPerSec: Math.round(appendPerSec), transferToPerSec: Math.round(transferPerSec) },
  kafkajs: { producePerSec: Math.round(producePerSec), consumePerSec: Math.round(consumePerSec) },
  ratios: { produceVsAppend: +(producePerSec / appendPerSec).toFixed(3),
      consumeVsTransferTo: +(consumePerSec / transferPerSec).toFixed(3) },
};
console.log(JSON.stringify(result));
const resultsDir = new URL('../../../bench/results/', import.meta.url).pathname;
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, `broker-throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(result, null, 2)}\n`);
