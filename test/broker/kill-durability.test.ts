// Durability under kill -9 at the broker level, with an unmodified client (kafkajs, acks=all): a
// broker child on a fixed port is SIGKILLed at random moments and restarted on the same port at
// least 20 times while three producers run — idempotent (every acknowledged message exactly once),
// plain (at least once), and one on a compacted topic (the last acknowledged value of every key
// survives). Small segments and a 100 ms maintenance interval keep retention and the cleaner running
// through the kills. SEGLOG_KILLS sets the number of kills, SEGLOG_SEED replays the moments.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { Broker } from '../../lib/broker/index.js';
import { decodeBatches } from '../../lib/index.js';
import { removeTempDirs, seedFromEnv, seededRandom, tempDir } from '../helpers/tmp.js';
import { startBrokerChild, type BrokerChild } from './helpers.js';

const { Kafka, logLevel } = kafkajs;
const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const KILLS = Number(process.env.SEGLOG_KILLS ?? 20);
const KEYS = 20;

test.after.each(() => removeTempDirs());

interface ProducerRun {
  acked: Set<number>;
  /** key → last acknowledged value number (compacted topic only). */
  lastAcked: Map<string, number>;
  stop: () => Promise<void>;
}

/** Sends numbered messages one at a time until stopped; a failed send is not acknowledged and the producer is rebuilt. */
function runProducer(port: number, topic: string, idempotent: boolean, keyed: boolean): ProducerRun {
  const kafka = new Kafka({ clientId: `kill-${topic}`, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 }, connectionTimeout: 1000, requestTimeout: 5000 });
  const acked = new Set<number>();
  const lastAcked = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    let n = 0;
    while (!stopped) {
      const producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : 5, allowAutoTopicCreation: false,
          retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
      try {
        await producer.connect();
        while (!stopped) {
          const key = keyed ? `k${n % KEYS}` : null;
          await producer.send({ topic, acks: -1, messages: [{ key, value: String(n) }] });
          acked.add(n);
          if (key !== null) lastAcked.set(key, n);
          n += 1;
        }
      } catch {
        n += 1; // this number may or may not be stored: never reused
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    }
  })();
  return { acked, lastAcked, stop: async () => {
    stopped = true;
    await loop;
  } };
}

function readAll(broker: Broker, topic: string): { value: number; key: string | null }[] {
  const log = broker.log(topic, 0);
  const out: { value: number; key: string | null }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bytes = log.read(offset, { maxBytes: 1 << 20, minOneMessage: true }).toBuffer();
    if (bytes.length === 0) break;
    for (const batch of decodeBatches(bytes)) {
      for (const r of batch.records()) {
        const key = r.key === null ? null : Buffer.from(r.key).toString();
        if (r.value !== null) out.push({ value: Number(Buffer.from(r.value).toString()), key });
        offset = r.offset + 1;
      }
      offset = Math.max(offset, batch.lastOffset + 1);
    }
  }
  return out;
}

test(`kill -9 ${KILLS} times under kafkajs acks=all: acknowledged messages exactly once (idempotent), at least once (plain)`,
    async () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const dataDir = join(tempDir('seglog-kill-'), 'data');
  const small = { segmentBytes: 8 * 1024, segmentMs: 60_000 };
  const options = (port: number) => ({ listen: { port }, broker: { logCheckIntervalMs: 100, initialRebalanceDelayMs: 0 } });
  let child: BrokerChild = await startBrokerChild(dataDir, options(0));
  const port = child.port;
  {
    const admin = new Kafka({ clientId: 'kill-admin', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [
      { topic: 'idem', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: String(small.segmentBytes) }] },
      { topic: 'plain', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: String(small.segmentBytes) },
        { name: 'retention.ms', value: '-1' }] },
      { topic: 'compacted', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: String(small.segmentBytes) },
        { name: 'cleanup.policy', value: 'compact' }, { name: 'min.cleanable.dirty.ratio', value: '0.01' }] },
    ] });
    await admin.disconnect();
  }
  const producers = [runProducer(port, 'idem', true, false), runProducer(port, 'plain', false, false),
    runProducer(port, 'compacted', true, true)];
  const idem = producers[0] as ProducerRun;
  try {
    for (let kill = 0; kill < KILLS; kill++) {
      // Let some messages be acknowledged in this life, then kill at a random moment after that.
      const target = idem.acked.size + 1 + Math.floor(random() * 5);
      while (idem.acked.size < target) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 150)));
      const exited = new Promise((resolve) => child.child.once('exit', resolve));
      child.child.kill('SIGKILL');
      await exited;
      child = await startBrokerChild(dataDir, options(port));
    }
    const before = idem.acked.size;
    while (idem.acked.size < before + 3) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    for (const p of producers) await p.stop();
    assert.is(await child.stop(), 0, 'clean stop after the last restart');
  }
  execFileSync(process.execPath, [MAIN, 'verify', dataDir], { encoding: 'utf8' });
  const broker = await Broker.open(dataDir);
  try {
    const [plain, compacted] = [producers[1] as ProducerRun, producers[2] as ProducerRun];
    const counts = (topic: string) => {
      const c = new Map<number, number>();
      for (const r of readAll(broker, topic)) c.set(r.value, (c.get(r.value) ?? 0) + 1);
      return c;
    };
    const idemCounts = counts('idem');
    for (const n of idem.acked) {
      assert.is(idemCounts.get(n), 1, `seed ${seed}: idempotent message ${n} stored ${idemCounts.get(n) ?? 0} times`);
    }
    const plainCounts = counts('plain');
    for (const n of plain.acked) assert.ok((plainCounts.get(n) ?? 0) >= 1, `seed ${seed}: plain message ${n} lost`);
    const compactedValues = new Set(readAll(broker, 'compacted').map((r) => `${r.key}=${r.value}`));
    for (const [key, n] of compacted.lastAcked) assert.ok(compactedValues.has(`${key}=${n}`), `seed ${seed}: ${key}=${n} lost`);
    assert.ok(idem.acked.size >= KILLS && plain.acked.size > 0 && compacted.lastAcked.size > 0, 'every producer made progress');
  } finally {
    await broker.close();
  }
});

test.run();
