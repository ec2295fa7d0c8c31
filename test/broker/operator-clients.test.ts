// Consumer groups and topic administration with unmodified clients against a real `seglog serve` child
// on 127.0.0.1: kafka-python's KafkaAdminClient, kafkajs's admin, librdkafka (confluent-kafka) with
// cooperative-sticky rebalancing, kcat -G with `seglog groups`, and a broker killed in the middle of a
// group's life. The Python clients are Debian's (python3-kafka, python3-confluent-kafka, run with
// /usr/bin/python3); a missing one fails its test with the import error.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startServe, type ServeProcess } from './helpers.js';

const { Kafka, logLevel } = kafkajs;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const PYTHON = '/usr/bin/python3';

function python(script: string, args: string[]): unknown {
  const result = spawnSync(PYTHON, [`${ROOT}test/broker/clients/${script}`, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.is(result.status, 0, `${script}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() as string);
}

function seglog(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface DescribedLag {
  state: string;
  members: { memberId: string }[];
  partitions: { topic: string; partition: number; committedOffset: number | null; logEndOffset: number | null; lag: number | null }[];
}

function describeGroup(port: number, group: string): DescribedLag {
  const result = seglog(['groups', '--describe', '--group', group, '--bootstrap-server', `127.0.0.1:${port}`, '--json']);
  assert.is(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as DescribedLag;
}

function client(port: number) {
  return new Kafka({ clientId: 'seglog-operator-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING,
    retry: { retries: 12, initialRetryTime: 100, maxRetryTime: 1000 } });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let serve: ServeProcess;
test.before(async () => {
  serve = await startServe(tempDir('seglog-operator-'));
});
test.after(async () => {
  await serve.stop();
  removeTempDirs();
});

test('kafka-python KafkaAdminClient: create topic and partitions, describe configs, list and describe groups, group offsets', () => {
  const out = python('admin_kafka_python.py', [`127.0.0.1:${serve.port}`]) as {
    consumed: number; configs: Record<string, string>; groups: [string, string][];
    describe: { group: string; state: string; protocol: string; members: string[] }[]; offsets: [string, number, number][];
  };
  assert.is(out.consumed, 40);
  assert.is(out.configs['retention.ms'], '3600000');
  assert.is(out.configs['cleanup.policy'], 'delete');
  assert.ok(out.groups.some(([id, type]) => id === 'kp-group' && type === 'consumer'), JSON.stringify(out.groups));
  assert.is(out.describe[0]?.state, 'Stable');
  assert.is(out.describe[0]?.protocol, 'range');
  assert.is(out.describe[0]?.members.length, 1);
  assert.is(out.offsets.length, 4, 'the added partition is consumed and committed too');
  assert.is(out.offsets.reduce((sum, [, , offset]) => sum + offset, 0), 40);
});

test('kafkajs admin: listGroups, describeGroups, fetchOffsets, resetOffsets, describeConfigs, alterConfigs, deleteGroups', async () => {
  const kafka = client(serve.port);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'kj', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kj', messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'kj-group', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kj', fromBeginning: true });
    let consumed = 0;
    await consumer.run({ eachMessage: async () => { consumed += 1; } });
    await waitFor('20 messages', () => consumed === 20);
    await waitFor('commits', async () => {
      const [offsets] = await admin.fetchOffsets({ groupId: 'kj-group', topics: ['kj'] });
      return offsets!.partitions.reduce((sum, p) => sum + Number(p.offset), 0) === 20;
    });
    const listed = await admin.listGroups();
    assert.ok(listed.groups.some((g) => g.groupId === 'kj-group' && g.protocolType === 'consumer'));
    const described = await admin.describeGroups(['kj-group', 'no-such-group']);
    const live = described.groups.find((g) => g.groupId === 'kj-group')!;
    assert.is(live.state, 'Stable');
    assert.is(live.members.length, 1);
    assert.ok(live.members[0]!.memberAssignment.length > 0, 'the assignment the leader sent');
    assert.is(live.members[0]!.clientHost, '/127.0.0.1');
    assert.is(described.groups.find((g) => g.groupId === 'no-such-group')?.state, 'Dead');
    // Resetting an active group is Kafka's refusal, not a silent overwrite.
    await consumer.disconnect();
    await waitFor('the group empties', async () => (await admin.describeGroups(['kj-group'])).groups[0]!.state === 'Empty');
    // kafkajs commits its "earliest" sentinel (-2) and resolves it against the log start when asked.
    await admin.resetOffsets({ groupId: 'kj-group', topic: 'kj', earliest: true });
    const [sentinel] = await admin.fetchOffsets({ groupId: 'kj-group', topics: ['kj'] });
    assert.equal(sentinel!.partitions.map((p) => p.offset), ['-2', '-2']);
    const [reset] = await admin.fetchOffsets({ groupId: 'kj-group', topics: ['kj'], resolveOffsets: true });
    assert.equal(reset!.partitions.map((p) => p.offset), ['0', '0']);

    const configs = await admin.describeConfigs({ includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'kj' }] });
    const retention = configs.resources[0]!.configEntries.find((c) => c.configName === 'retention.ms')!;
    assert.is(retention.isDefault, true);
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'kj',
      configEntries: [{ name: 'retention.ms', value: '120000' }] }] });
    const after = await admin.describeConfigs({ includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'kj', configNames: ['retention.ms'] }] });
    assert.equal(after.resources[0]!.configEntries.map((c) => [c.configName, c.configValue, c.isDefault]),
      [['retention.ms', '120000', false]]);
    const bad = await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'kj',
      configEntries: [{ name: 'retention.ms', value: 'forever' }] }] }).then(() => null, (e: Error) => e);
    assert.ok(bad !== null, 'an invalid value is refused');

    await admin.deleteGroups(['kj-group']);
    assert.is((await admin.listGroups()).groups.some((g) => g.groupId === 'kj-group'), false);
    await admin.deleteTopicRecords({ topic: 'kj', partitions: [{ partition: 0, offset: '-1' }] });
    const offsets = await admin.fetchTopicOffsets('kj');
    const p0 = offsets.find((o) => o.partition === 0)!;
    assert.is(p0.low, p0.high, 'DeleteRecords moved the log start to the high watermark');
  } finally {
    await admin.disconnect();
  }
});

test('librdkafka cooperative-sticky: a member joining takes only some partitions, one leaving hands them back incrementally', () => {
  const out = python('cooperative_confluent.py', [`127.0.0.1:${serve.port}`, 'coop', 'coop-group', '3000']) as {
    consumed: number; byA: number; byB: number; events: [string, string, number[]][];
  };
  assert.is(out.consumed, 3000, JSON.stringify(out));
  assert.ok(out.byB > 0, `b consumed nothing: ${JSON.stringify(out.events)}`);
  const firstRevoke = out.events.find(([member, kind]) => member === 'a' && kind === 'revoke')!;
  assert.ok(firstRevoke[2].length > 0 && firstRevoke[2].length < 4, `a gave up only some partitions: ${JSON.stringify(out.events)}`);
  const bAssigned = out.events.filter(([member, kind]) => member === 'b' && kind === 'assign').flatMap(([, , p]) => p);
  assert.equal(bAssigned.sort(), [...firstRevoke[2]].sort(), 'b got exactly what a gave up');
  const group = describeGroup(serve.port, 'coop-group');
  assert.is(group.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0), 0, JSON.stringify(group.partitions));
});

test('librdkafka static members: one restarted with its group.instance.id gets its partitions back and nobody rebalances', () => {
  const out = python('static_member_confluent.py', [`127.0.0.1:${serve.port}`, 'static', 'static-group']) as {
    before: Record<string, number[]>; after: Record<string, number[]>; history: Record<string, number[][]>;
  };
  assert.is(Object.values(out.before).flat().length, 4, JSON.stringify(out));
  assert.equal(out.after, out.before, 'the same partitions for the same instances');
  assert.is(out.history['static-a']!.length, 2, 'the restarted member was assigned again');
  assert.is(out.history['static-b']!.length, 1, 'the other member saw no rebalance');
});

test('a member that stops heartbeating (kcat killed with SIGKILL) is removed within its session timeout, and not before', async () => {
  const produced = spawnSync('kcat', ['-P', '-b', `127.0.0.1:${serve.port}`, '-t', 'st-kill'], { input: 'a\nb\n', encoding: 'utf8' });
  assert.is(produced.status, 0, produced.stderr);
  const member = spawn('kcat', ['-b', `127.0.0.1:${serve.port}`, '-G', 'kill-group', '-X', 'session.timeout.ms=6000',
    '-X', 'heartbeat.interval.ms=500', 'st-kill'], { stdio: 'ignore' });
  try {
    await waitFor('kcat in the group', () => {
      const group = describeGroup(serve.port, 'kill-group');
      return group.state === 'Stable' && group.members.length === 1;
    });
    member.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('the member to expire', () => describeGroup(serve.port, 'kill-group').members.length === 0, 15_000);
    const elapsedMs = Date.now() - killedAt;
    assert.ok(elapsedMs >= 4_500, `removed after ${elapsedMs} ms, before its 6 s session timeout`);
    assert.ok(elapsedMs <= 10_000, `removed after ${elapsedMs} ms, long after its 6 s session timeout`);
    assert.is(describeGroup(serve.port, 'kill-group').state, 'Empty');
  } finally {
    member.kill('SIGKILL');
  }
});

test('kcat -G commits; seglog groups --describe shows the lag, --reset-offsets --execute moves it, --delete removes the group', () => {
  const produced = spawnSync('kcat', ['-P', '-b', `127.0.0.1:${serve.port}`, '-t', 'kc', '-K:'],
    { input: Array.from({ length: 50 }, (_, i) => `k${i}:v${i}`).join('\n'), encoding: 'utf8' });
  assert.is(produced.status, 0, produced.stderr);
  const consumed = spawnSync('kcat', ['-b', `127.0.0.1:${serve.port}`, '-G', 'kc-group', '-o', 'beginning', '-c', '50', '-X',
    'auto.commit.interval.ms=100', 'kc'], { encoding: 'utf8', timeout: 30_000 });
  assert.is(consumed.status, 0, consumed.stderr);
  const before = describeGroup(serve.port, 'kc-group');
  assert.is(before.partitions.reduce((sum, p) => sum + (p.committedOffset ?? 0), 0), 50);
  assert.is(before.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0), 0);
  const table = seglog(['groups', '--describe', '--group', 'kc-group', '--bootstrap-server', `127.0.0.1:${serve.port}`]);
  assert.match(table.stdout, /GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG/);
  const reset = seglog(['groups', '--reset-offsets', '--group', 'kc-group', '--topic', 'kc', '--shift-by', '-10', '--execute',
    '--bootstrap-server', `127.0.0.1:${serve.port}`, '--json']);
  assert.is(reset.status, 0, reset.stderr);
  const after = describeGroup(serve.port, 'kc-group');
  assert.is(after.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0), 10 * after.partitions.length);
  const deleted = seglog(['groups', '--delete', '--group', 'kc-group', '--bootstrap-server', `127.0.0.1:${serve.port}`]);
  assert.is(deleted.status, 0, deleted.stderr);
  const gone = seglog(['groups', '--describe', '--group', 'kc-group', '--bootstrap-server', `127.0.0.1:${serve.port}`]);
  assert.is(gone.status, 1);
  assert.match(gone.stderr, /^seglog: SEGLOG_INVALID_ARGUMENT: consumer group kc-group does not exist/);
});

test('SIGKILL in the middle of a group\'s life: group, members and offsets come back; the same lag; every record once', async () => {
  const dir = tempDir('seglog-group-restart-');
  const port = await freePort();
  let broker = await startServe(dir, ['--port', String(port)]);
  const kafka = client(port);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'life', numPartitions: 2 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'life', messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });
  const consumer = kafka.consumer({ groupId: 'life-group', sessionTimeout: 15_000, heartbeatInterval: 500, retry: { retries: 30 } });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'life', fromBeginning: true });
  await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
  await waitFor('100 records', () => values.length === 100);
  consumer.pause([{ topic: 'life' }]);
  const committedSum = () => describeGroup(port, 'life-group').partitions.reduce((s, p) => s + (p.committedOffset ?? 0), 0);
  await waitFor('commits of 100', () => committedSum() === 100);
  await producer.send({ topic: 'life', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `b${i}` })) });
  await producer.disconnect();
  await admin.disconnect();
  const before = describeGroup(port, 'life-group');
  assert.is(before.state, 'Stable');
  assert.is(before.partitions.reduce((s, p) => s + (p.lag ?? 0), 0), 30);

  broker.child.kill('SIGKILL');
  await broker.stop();
  broker = await startServe(dir, ['--port', String(port)]);
  try {
    const after = describeGroup(port, 'life-group');
    assert.is(after.state, 'Stable', 'the group is back as stored');
    assert.equal(after.members.map((m) => m.memberId), before.members.map((m) => m.memberId), 'with its members');
    assert.equal(after.partitions, before.partitions, 'the same committed offsets, log ends and lag');
    consumer.resume([{ topic: 'life' }]);
    await waitFor('130 records', () => values.length >= 130, 45_000);
    await waitFor('lag 0', () => describeGroup(port, 'life-group').partitions.reduce((s, p) => s + (p.lag ?? 0), 0) === 0, 20_000);
    assert.is(new Set(values).size, 130, 'no record lost');
    assert.is(values.length, 130, 'none read twice: the commit survived the kill');
  } finally {
    await consumer.disconnect();
    await broker.stop();
  }
});

test.run();
