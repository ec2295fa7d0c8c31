// Idempotent-producer retries from a real client: kafkajs talks to the broker through a loopback
// proxy that lets chosen Produce requests reach the broker, then drops the connection instead of
// passing the response on — the classic "appended but the ack was lost" case. kafkajs retries the
// same batch with the same sequence numbers; the broker must recognise it and append nothing. The
// same run with a non-idempotent producer shows the proxy really causes duplicates (so the first
// assertion can fail). The server advertises the proxy's port, so every connection goes through it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type Server, type Socket } from 'node:net';
import kafkajs from 'kafkajs';
import { Broker, type BrokerServer } from '../../lib/broker/index.js';
import { decodeBatches } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const PRODUCE_API_KEY = 0;

interface LossyProxy {
  server: Server;
  port: number;
  /** Produce requests seen, in arrival order (1-based); those listed in dropAt lose their response. */
  produceRequests: number;
  droppedResponses: number;
  setUpstream(port: number): void;
  close(): Promise<void>;
}

/** Calls `onFrame` for each whole size-prefixed frame in the stream; returns the leftover bytes. */
function splitFrames(pending: Buffer, onFrame: (frame: Buffer) => void): Buffer {
  let rest = pending;
  while (rest.length >= 4 && rest.length >= 4 + rest.readInt32BE(0)) {
    const size = 4 + rest.readInt32BE(0);
    onFrame(rest.subarray(0, size));
    rest = rest.subarray(size);
  }
  return rest;
}

async function startLossyProxy(dropAt: ReadonlySet<number>): Promise<LossyProxy> {
  let upstreamPort = 0;
  const sockets = new Set<Socket>();
  const proxy: LossyProxy = {
    server: createServer((client) => {
      const upstream = connect(upstreamPort, '127.0.0.1');
      sockets.add(client).add(upstream);
      const doomed = new Set<number>();
      let fromClient: Buffer = Buffer.alloc(0);
      let fromBroker: Buffer = Buffer.alloc(0);
      const kill = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', kill).on('close', kill);
      upstream.on('error', kill).on('close', kill);
      client.on('data', (chunk: Buffer) => {
        fromClient = splitFrames(Buffer.concat([fromClient, chunk]), (frame) => {
          if (frame.readInt16BE(4) === PRODUCE_API_KEY && dropAt.has(++proxy.produceRequests)) doomed.add(frame.readInt32BE(8));
          upstream.write(frame);
        });
      });
      upstream.on('data', (chunk: Buffer) => {
        fromBroker = splitFrames(Buffer.concat([fromBroker, chunk]), (frame) => {
          if (client.destroyed) return;
          if (doomed.has(frame.readInt32BE(4))) {
            proxy.droppedResponses += 1;
            kill();
            return;
          }
          client.write(frame);
        });
      });
    }),
    port: 0,
    produceRequests: 0,
    droppedResponses: 0,
    setUpstream: (port) => (upstreamPort = port),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => proxy.server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
  proxy.port = (proxy.server.address() as { port: number }).port;
  return proxy;
}

async function produceThroughProxy(idempotent: boolean): Promise<{ keys: string[]; proxy: LossyProxy }> {
  const broker = await Broker.open(tempDir('seglog-retry-'));
  const proxy = await startLossyProxy(new Set([2, 5, 6]));
  let server: BrokerServer | null = null;
  try {
    await broker.createTopic('r', { partitions: 1 });
    server = await broker.listen({ port: 0, advertisedPort: proxy.port });
    proxy.setUpstream(server.port);
    const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${proxy.port}`], logLevel: kafkajs.logLevel.NOTHING,
        retry: { retries: 10, initialRetryTime: 50 } });
    const producer = kafka.producer(idempotent ? { idempotent: true, maxInFlightRequests: 1 } : { allowAutoTopicCreation: false });
    await producer.connect();
    for (let batch = 0; batch < 10; batch++) {
      const messages = Array.from({ length: 20 }, (_, i) => ({ key: `b${batch}-${i}`, value: 'v' }));
      await producer.send({ topic: 'r', acks: -1, messages });
    }
    await producer.disconnect();
    const log = broker.log('r', 0);
    const keys: string[] = [];
    for (const batch of decodeBatches(log.read(0, { maxBytes: 1 << 20 }).toBuffer())) {
      for (const record of batch.records()) keys.push(Buffer.from(record.key ?? new Uint8Array()).toString());
    }
    return { keys, proxy };
  } finally {
    await proxy.close();
    await broker.close();
  }
}

test.after(() => removeTempDirs());

test('an idempotent kafkajs producer whose acks are lost retries without duplicating a record', async () => {
  const { keys, proxy } = await produceThroughProxy(true);
  assert.ok(proxy.droppedResponses >= 3, `the proxy dropped ${proxy.droppedResponses} produce responses`);
  assert.ok(proxy.produceRequests >= 13, 'kafkajs retried the unacknowledged batches');
  assert.is(keys.length, 200, 'every record exactly once');
  assert.is(new Set(keys).size, 200);
});

test('the same lost acks duplicate records for a non-idempotent producer (the proxy really bites)', async () => {
  const { keys, proxy } = await produceThroughProxy(false);
  assert.ok(proxy.droppedResponses >= 3);
  assert.is(new Set(keys).size, 200, 'nothing lost');
  assert.ok(keys.length >= 260, `retries appended again: ${keys.length} records for 200 sent`);
});

test.run();
