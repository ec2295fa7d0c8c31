// Produce and consume throughput through `Broker.listen` with kafkajs on loopback (1 KiB messages),
// next to the in-process speed of light in the same run: Log.append of the same batches and
// FileRegion.transferTo of the same bytes into a loopback socket. Prints one JSON line and writes it
// to bench/results/broker-throughput-<time>.json. Usage: node dist/bench/broker/throughput.js [messages]
//
// Twice: with the server in this process (`Broker.listen`, client and server share one thread, as an
// embedded test broker does) and as a `seglog serve` child process (client and server on their own
// cores), where the server's own CPU time per phase is read from /proc/<pid>/stat: that is the
// protocol layer's cost without the client's.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Broker } from '../../lib/broker/index.js';
import { RateSampler } from '../../lib/console/rate-sampler.js';
import { CONSOLE_SAMPLE_INTERVAL_MS_DEFAULT } from '../../lib/limits.js';
import { Log, encodeBatch, setBaseOffset } from '../../lib/index.js';
import { startSeglogServe } from '../spawn.js';

const messages = Number(process.argv[2] ?? 20_000);
const BATCH = 100;
const value = Buffer.alloc(1024, 'x');
const root = mkdtempSync(join(tmpdir(), 'seglog-bench-broker-'));

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// In-process baselines.
const log = await Log.open(join(root, 'baseline-0'));
const batch = Array.from({ length: BATCH }, (_, i) => ({ key: `k${i}`, value }));
let batchBytes = 0;
let t = process.hrtime.bigint();
let cpu0 = process.cpuUsage();
for (let i = 0; i < messages; i += BATCH) batchBytes = log.append(batch).sizeBytes;
const appendPerSec = messages / seconds(t);
const appendCpuMs = cpuMsSince(cpu0);
const sink = createServer((s) => s.resume());
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
const sinkPort = (sink.address() as { port: number }).port;
const socket = connect(sinkPort, '127.0.0.1');
await new Promise((r) => socket.once('connect', r));
t = process.hrtime.bigint();
cpu0 = process.cpuUsage();
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
// Includes the counting receiver's CPU (same process): an upper bound for the sender's.
const transferCpuMs = cpuMsSince(cpu0);
socket.destroy();
sink.close();
await log.close();

interface KafkajsRates {
  producePerSec: number;
  producePipelinedPerSec: number;
  consumePerSec: number;
  consumed: number;
  /** Server CPU milliseconds per MB of message values in each phase (child-process server only). */
  serverCpuMsPerMB: { produce: number; producePipelined: number; consume: number } | null;
}

const PIPELINE = 4;

/** kafkajs against a server on `port`; `serverCpuMs` reads the server's CPU time when it is a separate process. */
async function runKafkajs(port: number, serverCpuMs: (() => number) | null): Promise<KafkajsRates> {
  const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: 1 }] });
  await admin.disconnect();
  const megabytes = (messages * value.length) / 1e6;
  const cpu = (): number => serverCpuMs?.() ?? 0;
  const producer = kafka.producer();
  await producer.connect();
  const kafkaBatch = Array.from({ length: BATCH }, (_, i) => ({ key: `k${i}`, value }));
  let cpuStart = cpu();
  let t = process.hrtime.bigint();
  for (let i = 0; i < messages; i += BATCH) await producer.send({ topic: 'bench', acks: 1, messages: kafkaBatch });
  const producePerSec = messages / seconds(t);
  const produceCpuMs = cpu() - cpuStart;
  // PIPELINE sends in flight (a busy application, or a Java producer's in-flight window).
  cpuStart = cpu();
  t = process.hrtime.bigint();
  for (let i = 0; i < messages; i += BATCH * PIPELINE) {
    const sends = [];
    for (let k = 0; k < PIPELINE && i + k * BATCH < messages; k++) {
      sends.push(producer.send({ topic: 'bench', acks: 1, messages: kafkaBatch }));
    }
    await Promise.all(sends);
  }
  const producePipelinedPerSec = messages / seconds(t);
  const pipelinedCpuMs = cpu() - cpuStart;
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'bench', maxBytes: 10 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'bench', fromBeginning: true });
  let consumed = 0;
  // The clock starts when the group join completes: joining is a fixed cost, not throughput.
  consumer.on(consumer.events.GROUP_JOIN, () => {
    t = process.hrtime.bigint();
    cpuStart = cpu();
  });
  await new Promise<void>((resolve) => {
    void consumer.run({ eachBatch: async ({ batch: b }) => {
      consumed += b.messages.length;
      if (consumed >= messages) resolve();
    } });
  });
  const consumePerSec = messages / seconds(t);
  const consumeCpuMs = cpu() - cpuStart;
  await consumer.disconnect();
  const perMB = (ms: number): number => +(ms / megabytes).toFixed(2);
  return {
    producePerSec: Math.round(producePerSec), producePipelinedPerSec: Math.round(producePipelinedPerSec),
    consumePerSec: Math.round(consumePerSec), consumed,
    serverCpuMsPerMB: serverCpuMs === null ? null
      : { produce: perMB(produceCpuMs), producePipelined: perMB(pipelinedCpuMs), consume: perMB(consumeCpuMs) },
  };
}

// In this process.
const broker = await Broker.open(join(root, 'broker'), { initialRebalanceDelayMs: 0 });
const server = await broker.listen({ port: 0 });
const embedded = await runKafkajs(server.port, null);
await broker.close();

// A `seglog serve` child process.
const CLK_TCK = 100;
const served = await startSeglogServe(join(root, 'child'), 'inherit');
const { child, port: childPort } = served;
// utime + stime, fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name).
const childCpuMs = (): number => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
};
const separate = await runKafkajs(childPort, process.platform === 'linux' ? childCpuMs : null);
await served.stop();
rmSync(root, { recursive: true, force: true });
// What the in-process baselines cost per MB, for comparison with the server's CPU per MB.
const valueMegabytes = (messages * value.length) / 1e6;
const appendCpuMsPerMB = +(appendCpuMs / valueMegabytes).toFixed(2);
const transferCpuMsPerMB = +(transferCpuMs / valueMegabytes).toFixed(2);
const ratio = (a: number, b: number): number => +(a / b).toFixed(3);

// What metrics collection costs a produce: the per-request work it adds (a counter and a histogram
// observe, plus the two clock reads around the request), against one produce request of BATCH 1 KiB
// records handled by the broker in this process (validation, append, producer state), same run.
const metered = await Broker.open(join(root, 'metrics'));
await metered.createTopic('m', { partitions: 1 });
void metered.metrics; // created: from now on every request is observed
const produceBytes = encodeBatch(batch, { nowMs: Date.now() });
const produceRounds = Math.max(200, Math.floor(messages / BATCH));
let started = process.hrtime.bigint();
for (let i = 0; i < produceRounds; i++) {
  setBaseOffset(produceBytes, 0, 0); // the append assigned offsets in place; a client's batch starts at 0
  await metered.produce('m', 0, produceBytes);
}
const produceNsPerRequest = Number(process.hrtime.bigint() - started) / produceRounds;
const observeRounds = 200_000;
started = process.hrtime.bigint();
for (let i = 0; i < observeRounds; i++) {
  const t0 = process.hrtime.bigint();
  metered.observeRequest(0, Number(process.hrtime.bigint() - t0) / 1e9);
}
const observeNsPerRequest = Number(process.hrtime.bigint() - started) / observeRounds;
await metered.metrics.text(); // one scrape, so the collectors run in this bench too
// The console's sampler (seglog serve --http-port): one pass over the partitions every
// CONSOLE_SAMPLE_INTERVAL_MS_DEFAULT, shared by every request produced in that interval.
const sampler = new RateSampler(metered, CONSOLE_SAMPLE_INTERVAL_MS_DEFAULT);
const sampleRounds = 200;
started = process.hrtime.bigint();
for (let i = 0; i < sampleRounds; i++) await sampler.sample();
const sampleNs = Number(process.hrtime.bigint() - started) / sampleRounds;
sampler.close();
const requestsPerSampleInterval = (CONSOLE_SAMPLE_INTERVAL_MS_DEFAULT * 1e6) / produceNsPerRequest;
const consoleNsPerRequest = observeNsPerRequest + sampleNs / requestsPerSampleInterval;
await metered.close();

const result = {
  messages, messageBytes: value.length, checksum: embedded.consumed + separate.consumed + sentBytes,
  inProcess: { appendPerSec: Math.round(appendPerSec), transferToPerSec: Math.round(transferPerSec), appendCpuMsPerMB,
      transferCpuMsPerMB },
  kafkajs: { embeddedServer: embedded, childServer: separate },
  metrics: { observeNsPerRequest: Math.round(observeNsPerRequest), produceNsPerRequest: Math.round(produceNsPerRequest),
    consoleSampleNs: Math.round(sampleNs) },
  ratios: {
    metricsCostPerProduceRequest: ratio(observeNsPerRequest, produceNsPerRequest),
    metricsAndConsoleCostPerProduceRequest: ratio(consoleNsPerRequest, produceNsPerRequest),
    produceVsAppend: ratio(embedded.producePerSec, appendPerSec),
    producePipelinedVsAppend: ratio(embedded.producePipelinedPerSec, appendPerSec),
    consumeVsTransferTo: ratio(embedded.consumePerSec, transferPerSec),
    childProduceVsAppend: ratio(separate.producePerSec, appendPerSec),
    childProducePipelinedVsAppend: ratio(separate.producePipelinedPerSec, appendPerSec),
    childConsumeVsTransferTo: ratio(separate.consumePerSec, transferPerSec),
  },
};
console.log(JSON.stringify(result));
const resultsDir = new URL('../../../bench/results/', import.meta.url).pathname;
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, `broker-throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(result, null, 2)}\n`);
