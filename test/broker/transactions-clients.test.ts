// Transactions with real clients against a real server on 127.0.0.1: kafkajs (in this process) and
// librdkafka through Debian's python3-confluent-kafka (/usr/bin/python3; a missing module fails the
// test with its import error). Crashes are real: the broker runs in a child process that is killed
// with SIGKILL in the middle of a transaction, and between the markers of a commit.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Broker } from '../../lib/broker/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startBrokerChild } from './helpers.js';

test.after.each(() => removeTempDirs());

const ROOT = new URL('../../../', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';

function kafkaAt(port: number): Kafka {
  return new Kafka({ clientId: 'txn-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

/** Every value a consumer of `topic` (from the beginning) sees within `ms`, sorted. */
async function consumeAll(kafka: Kafka, topic: string, readUncommitted: boolean, ms = 2500): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${Math.random()}`, readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
  await new Promise((r) => setTimeout(r, ms));
  await consumer.disconnect();
  return seen.sort();
}

async function transactional(kafka: Kafka, transactionalId: string, transactionTimeout = 30_000): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  await producer.connect();
  return producer;
}

test('kafkajs: committed data visible, aborted data only to read_uncommitted, an open transaction holds read_committed', async () => {
  const broker = await Broker.open(tempDir(), { initialRebalanceDelayMs: 0 });
  const server = await broker.listen({ port: 0 });
  const kafka = kafkaAt(server.port);
  try {
    await broker.createTopic('t', { partitions: 2 });
    const producer = await transactional(kafka, 'kjs-1');
    let txn = await producer.transaction();
    await txn.send({ topic: 't', messages: [{ key: 'a', value: 'c1' }, { key: 'b', value: 'c2' }] });
    await txn.commit();
    txn = await producer.transaction();
    await txn.send({ topic: 't', messages: [{ key: 'a', value: 'x1' }, { key: 'b', value: 'x2' }] });
    await txn.abort();
    // Open: read_committed consumers are held at the last stable offset until it ends.
    txn = await producer.transaction();
    await txn.send({ topic: 't', messages: [{ key: 'a', value: 'late' }] });
    assert.equal(await consumeAll(kafka, 't', false), ['c1', 'c2']);
    assert.equal(await consumeAll(kafka, 't', true), ['c1', 'c2', 'late', 'x1', 'x2']);
    const log = broker.log('t', [0, 1].find((p) => broker.log('t', p).producers.hasOpenTransaction(
      broker.transactions.describe()[0]!.producerId))!);
    assert.ok(log.lastStableOffset < log.highWatermark, 'the open transaction holds the LSO below the high watermark');
    await txn.commit();
    assert.is(log.lastStableOffset, log.highWatermark);
    assert.equal(await consumeAll(kafka, 't', false), ['c1', 'c2', 'late']);
    // ListOffsets with isolation: latest is the LSO for read_committed.
    assert.is(broker.listOffsets('t', 0, -1, 'read_committed').offset, broker.log('t', 0).lastStableOffset);
    await producer.disconnect();
  } finally {
    await broker.close();
  }
});

test('kafkajs: a second producer with the same transactional id fences the first; its open transaction is aborted', async () => {
  const broker = await Broker.open(tempDir(), { initialRebalanceDelayMs: 0 });
  const server = await broker.listen({ port: 0 });
  const kafka = kafkaAt(server.port);
  try {
    await broker.createTopic('z', { partitions: 1 });
    const zombie = await transactional(kafka, 'shared');
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic: 'z', messages: [{ value: 'zombie-1' }] });
    const successor = await transactional(kafka, 'shared');
    const txn = await successor.transaction(); // kafkajs asks for its producer id here: InitProducerId fences the zombie
    let error: unknown = null;
    try {
      await zombieTxn.send({ topic: 'z', messages: [{ value: 'zombie-2' }] });
      await zombieTxn.commit();
    } catch (e) {
      error = e;
    }
    assert.ok(error !== null, 'the fenced producer cannot go on');
    assert.match(String((error as { type?: string }).type ?? error), /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/);
    await txn.send({ topic: 'z', messages: [{ value: 'successor' }] });
    await txn.commit();
    assert.equal(await consumeAll(kafka, 'z', false), ['successor']);
    await successor.disconnect();
    await zombie.disconnect().catch(() => undefined);
  } finally {
    await broker.close();
  }
});

test('a transaction past its timeout is aborted by the coordinator, and its producer is fenced', async () => {
  const broker = await Broker.open(tempDir(), { initialRebalanceDelayMs: 0 });
  const server = await broker.listen({ port: 0 });
  const kafka = kafkaAt(server.port);
  try {
    await broker.createTopic('slow', { partitions: 1 });
    const producer = await transactional(kafka, 'slow-1', 1000);
    const txn = await producer.transaction();
    await txn.send({ topic: 'slow', messages: [{ value: 'never' }] });
    const log = broker.log('slow', 0);
    assert.is(log.lastStableOffset, 0);
    const deadline = Date.now() + 5000;
    while (log.lastStableOffset === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.is(log.lastStableOffset, log.highWatermark, 'the expired transaction was aborted');
    assert.is(broker.transactions.describe()[0]!.state, 'CompleteAbort');
    let error: unknown = null;
    try {
      await txn.commit();
    } catch (e) {
      error = e;
    }
    assert.ok(error !== null, 'the producer that let it expire is fenced');
    assert.equal(await consumeAll(kafka, 'slow', false), []);
    await producer.disconnect().catch(() => undefined);
  } finally {
    await broker.close();
  }
});

test('librdkafka (confluent-kafka): commit, abort, consume-transform-produce exactly once with offsets in the transaction', async () => {
  const broker = await Broker.open(tempDir(), { initialRebalanceDelayMs: 0 });
  const server = await broker.listen({ port: 0 });
  try {
    await broker.createTopic('in', { partitions: 1 });
    await broker.createTopic('out', { partitions: 1 });
    // Asynchronously: the broker answers in this process's event loop.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(PYTHON, [`${ROOT}test/broker/clients/transactions_confluent.py`, `127.0.0.1:${server.port}`, 'in', 'out',
        'ctp'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
      child.on('exit', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
    assert.is(result.status, 0, String(result.stderr));
    const seen = JSON.parse(String(result.stdout).trim().split('\n').pop()!) as Record<string, string[] | number[][]>;
    const round = (r: number) => Array.from({ length: 10 }, (_, i) => `r${r}-${i}`);
    assert.equal(seen.committed, [...round(0), ...round(2)].sort());
    assert.equal(seen.uncommitted, [...round(0), ...round(1), ...round(2)].sort());
    assert.equal(seen.out, [...round(0), ...round(2)].map((v) => `copy-${v}`).sort(), 'every input copied exactly once');
    assert.is((seen.outUncommitted as string[]).length, 30, 'the aborted worker\'s copies are there for read_uncommitted');
    const offsets = seen.offsets as number[][];
    assert.ok(offsets[0]![1]! >= 32, `the group's offset moved past every input (${JSON.stringify(offsets)})`);
    assert.ok(broker.committedOffset('ctp', 'in', 0)!.offset >= 32);
  } finally {
    await broker.close();
  }
});

test('SIGKILL mid-transaction and between the markers of a commit: nothing committed is lost, nothing aborted shows', async () => {
  const dir = tempDir();
  // 1. A committed transaction, then one left open when the broker dies.
  let child = await startBrokerChild(dir, { broker: { initialRebalanceDelayMs: 0 } });
  let kafka = kafkaAt(child.port);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'k', numPartitions: 2 }] });
  await admin.disconnect();
  let producer = await transactional(kafka, 'crash-1');
  let txn = await producer.transaction();
  await txn.send({ topic: 'k', messages: [{ key: 'a', value: 'kept-1' }, { key: 'b', value: 'kept-2' }] });
  await txn.commit();
  txn = await producer.transaction();
  await txn.send({ topic: 'k', messages: [{ partition: 0, value: 'open-1' }, { partition: 1, value: 'open-2' }] });
  child.child.kill('SIGKILL');
  await new Promise((r) => child.child.once('exit', r));
  await producer.disconnect().catch(() => undefined);
  // 2. Restart; the next producer with the id aborts what was open (markers 0 and 1). Its own commit
  // dies right after its first marker (marker 2): one partition committed, the other still open.
  child = await startBrokerChild(dir, { broker: { initialRebalanceDelayMs: 0 }, killAfterTransactionMarker: 2 });
  kafka = kafkaAt(child.port);
  assert.equal(await consumeAll(kafka, 'k', false), ['kept-1', 'kept-2'], 'the open transaction holds nothing committed back');
  producer = await transactional(kafka, 'crash-1');
  txn = await producer.transaction();
  await txn.send({ topic: 'k', messages: [{ partition: 0, value: 'two-1' }, { partition: 1, value: 'two-2' }] });
  const exited = new Promise((r) => child.child.once('exit', r));
  await txn.commit().catch(() => undefined);
  await exited;
  await producer.disconnect().catch(() => undefined);
  // 3. Restart: the coordinator finds PrepareCommit and writes the missing marker.
  child = await startBrokerChild(dir, { broker: { initialRebalanceDelayMs: 0 } });
  kafka = kafkaAt(child.port);
  try {
    assert.equal(await consumeAll(kafka, 'k', false), ['kept-1', 'kept-2', 'two-1', 'two-2']);
    assert.equal(await consumeAll(kafka, 'k', true), ['kept-1', 'kept-2', 'open-1', 'open-2', 'two-1', 'two-2']);
  } finally {
    await child.stop();
  }
});

test.run();
