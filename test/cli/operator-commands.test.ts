// `seglog topics`, `groups` and `configs` through the real binary: against a running `seglog serve`
// (--bootstrap-server), read-only on a copy of a real Kafka data directory (--data, every file left as
// it was), and their refusals: one line with a code, exit 1 for a refused request, exit 2 for usage.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startServe, type ServeProcess } from '../broker/helpers.js';

const CLI = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../fixtures/kafka-broker', import.meta.url));

function seglog(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(args: string[]): T {
  const result = seglog([...args, '--json']);
  assert.is(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

function filesUnder(root: string, dir = root, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(root, path, out);
    else out.set(path.slice(root.length + 1), readFileSync(path));
  }
  return out;
}

/** A refusal: exit 1 and exactly one line on stderr, starting with the code. */
function assertRefused(result: { status: number | null; stderr: string }, code: string): void {
  assert.is(result.status, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.is(lines.length, 1, result.stderr);
  assert.ok(lines[0]!.startsWith(`seglog: ${code}: `), result.stderr);
}

let serve: ServeProcess;
let bootstrap: string[];
test.before(async () => {
  serve = await startServe(tempDir('seglog-operator-cli-'));
  bootstrap = ['--bootstrap-server', `127.0.0.1:${serve.port}`];
});
test.after(async () => {
  await serve.stop();
  removeTempDirs();
});

test('topics: create with configs, list, describe, add partitions, delete; refusals are one line', () => {
  const created = seglog(['topics', '--create', '--topic', 'ops', '--partitions', '2', '--config', 'retention.ms=60000',
    '--config', 'cleanup.policy=compact', ...bootstrap]);
  assert.is(created.status, 0, created.stderr);
  assert.is(created.stdout.trim(), 'Created topic ops.');
  assert.ok(json<{ topics: string[] }>(['topics', '--list', ...bootstrap]).topics.includes('ops'));
  assert.not.ok(json<{ topics: string[] }>(['topics', '--list', '--exclude-internal', ...bootstrap]).topics.includes('__consumer_offsets'));
  assertRefused(seglog(['topics', '--create', '--topic', 'ops', ...bootstrap]), 'SEGLOG_CLUSTER_REQUEST');
  assert.is(seglog(['topics', '--alter', '--topic', 'ops', '--partitions', '3', ...bootstrap]).status, 0);
  assertRefused(seglog(['topics', '--alter', '--topic', 'ops', '--partitions', '2', ...bootstrap]), 'SEGLOG_CLUSTER_REQUEST');
  const described = json<{ topics: { name: string; partitions: { partition: number; highWatermark: number }[];
    configs: Record<string, string> }[] }>(['topics', '--describe', '--topic', 'ops', ...bootstrap]);
  assert.is(described.topics[0]!.partitions.length, 3);
  assert.equal(described.topics[0]!.configs, { 'cleanup.policy': 'compact', 'retention.ms': '60000' });
  const table = seglog(['topics', '--describe', '--topic', 'ops', ...bootstrap]);
  assert.match(table.stdout, /^Topic: ops\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=60000$/m);
  assert.match(table.stdout, /^TOPIC\s+PARTITION\s+LOG-START\s+HIGH-WATERMARK\s+LOG-END\s+SIZE-BYTES\s+LEADER$/m);
  assertRefused(seglog(['topics', '--describe', '--topic', 'nope', ...bootstrap]), 'SEGLOG_UNKNOWN_TOPIC');
  assert.is(seglog(['topics', '--delete', '--topic', 'ops', ...bootstrap]).status, 0);
  assert.not.ok(json<{ topics: string[] }>(['topics', '--list', ...bootstrap]).topics.includes('ops'));
});

test('configs: describe the topic\'s own and all, add and delete configs; an invalid value changes nothing', () => {
  assert.is(seglog(['topics', '--create', '--topic', 'cfg', ...bootstrap]).status, 0);
  const name = ['--entity-type', 'topics', '--entity-name', 'cfg'];
  assert.equal(json<{ configs: unknown[] }>(['configs', '--describe', ...name, ...bootstrap]).configs, []);
  const altered = seglog(['configs', '--alter', ...name, '--add-config', 'retention.ms=1000,segment.bytes=1048576', ...bootstrap]);
  assert.is(altered.status, 0, altered.stderr);
  assert.equal(json<{ configs: { name: string; value: string }[] }>(['configs', '--describe', ...name, ...bootstrap]).configs
    .map((c) => [c.name, c.value]), [['retention.ms', '1000'], ['segment.bytes', '1048576']]);
  assert.is(seglog(['configs', '--alter', '--topic', 'cfg', '--delete-config', 'segment.bytes', ...bootstrap]).status, 0);
  const all = json<{ configs: { name: string; value: string; source: string }[] }>(['configs', '--describe', ...name, '--all',
    ...bootstrap]).configs;
  assert.equal(all.filter((c) => c.source === 'topic').map((c) => c.name), ['retention.ms']);
  assert.is(all.find((c) => c.name === 'segment.bytes')?.source, 'default');
  assertRefused(seglog(['configs', '--alter', ...name, '--add-config', 'retention.ms=soon', ...bootstrap]), 'SEGLOG_CLUSTER_REQUEST');
  assertRefused(seglog(['configs', '--alter', ...name, '--delete-config', 'flush.ms', ...bootstrap]), 'SEGLOG_REQUEST_REFUSED');
  assert.equal(json<{ configs: { name: string; value: string }[] }>(['configs', '--describe', ...name, ...bootstrap]).configs
    .map((c) => [c.name, c.value]), [['retention.ms', '1000']], 'the refused changes left the configs as they were');
});

test('groups: resetting an active group is refused; --dry-run changes nothing; --execute moves the offsets', async () => {
  const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'rs', numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'rs', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'rs-group', sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'rs', fromBeginning: true });
  let seen = 0;
  await consumer.run({ autoCommitInterval: 50, eachMessage: async () => { seen += 1; } });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const [offsets] = await admin.fetchOffsets({ groupId: 'rs-group', topics: ['rs'] });
    if (seen === 10 && offsets!.partitions[0]!.offset === '10') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const reset = ['groups', '--reset-offsets', '--group', 'rs-group', '--topic', 'rs', '--to-earliest', ...bootstrap];
  assertRefused(seglog([...reset, '--execute']), 'SEGLOG_REQUEST_REFUSED');
  await consumer.disconnect();
  const plan = json<{ executed: boolean; partitions: { committedOffset: number; newOffset: number }[] }>([...reset, '--dry-run']);
  assert.equal(plan, { groupId: 'rs-group', executed: false,
    partitions: [{ topic: 'rs', partition: 0, committedOffset: 10, newOffset: 0 }] });
  const [still] = await admin.fetchOffsets({ groupId: 'rs-group', topics: ['rs'] });
  assert.is(still!.partitions[0]!.offset, '10', 'a dry run commits nothing');
  assert.is(seglog([...reset.slice(0, 6), '--to-offset', '99', '--execute', ...bootstrap]).status, 0);
  const [clamped] = await admin.fetchOffsets({ groupId: 'rs-group', topics: ['rs'] });
  assert.is(clamped!.partitions[0]!.offset, '10', 'an offset past the high watermark is clamped to it');
  assert.is(seglog([...reset, '--execute']).status, 0);
  const [moved] = await admin.fetchOffsets({ groupId: 'rs-group', topics: ['rs'] });
  assert.is(moved!.partitions[0]!.offset, '0');
  const listed = json<{ groups: { groupId: string; state: string }[] }>(['groups', '--list', ...bootstrap]);
  assert.equal(listed.groups.find((g) => g.groupId === 'rs-group'), { groupId: 'rs-group', protocolType: 'consumer', state: 'Empty' });
  await admin.disconnect();
});

test('usage errors exit 2; an unreachable server is one line and exit 1', () => {
  for (const args of [['topics'], ['topics', '--list', '--describe', ...bootstrap],
    ['topics', '--create', '--topic', 'x', '--data', '/tmp'],
    ['groups', '--reset-offsets', '--group', 'g', '--topic', 't', '--to-earliest', ...bootstrap],
    ['groups', '--list', '--bootstrap-server', 'no-port'], ['configs', '--describe', ...bootstrap], ['groups', '--list']]) {
    const result = seglog(args);
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^seglog: /);
  }
  assertRefused(seglog(['topics', '--list', '--data', '/nonexistent/seglog-data']), 'SEGLOG_INVALID_ARGUMENT');
  const refused = seglog(['groups', '--list', '--bootstrap-server', '127.0.0.1:1']);
  assertRefused(refused, 'SEGLOG_CLUSTER_REQUEST');
  assert.match(refused.stderr, /127\.0\.0\.1:1/);
});

test('--data on a copy of a real Kafka directory: topics, offsets, sizes, configs, groups with members and lag; nothing written', () => {
  const dir = tempDir('seglog-operator-offline-');
  cpSync(FIXTURE, dir, { recursive: true });
  const before = filesUnder(dir);
  const data = ['--data', dir];
  const topics = json<{ topics: { name: string; partitions: { logStartOffset: number; highWatermark: number; logEndOffset: number;
    sizeBytes: number }[] }[] }>(['topics', '--describe', ...data]).topics;
  const patient = topics.find((t) => t.name === 'TestTopicPatient')!;
  const logBytes = statSync(join(dir, 'TestTopicPatient-0', '00000000000000000000.log')).size;
  assert.is(patient.partitions[0]!.logEndOffset, 3);
  assert.is(patient.partitions[0]!.highWatermark, 3);
  assert.ok(patient.partitions[0]!.sizeBytes >= logBytes);
  assert.equal(json<{ configs: { name: string; value: string }[] }>(['configs', '--describe', '--topic', 'TestTopicPatient', ...data])
    .configs.map((c) => [c.name, c.value]), [['retention.ms', '-1']], 'an adopted topic keeps everything until told otherwise');
  const groups = json<{ groups: { groupId: string }[] }>(['groups', '--list', ...data]).groups;
  assert.ok(groups.some((g) => g.groupId === 'DEVSmileCDR'), JSON.stringify(groups));
  const group = json<{ protocol: string; members: unknown[]; partitions: { topic: string; committedOffset: number; lag: number }[] }>(
    ['groups', '--describe', '--group', 'DEVSmileCDR', ...data]);
  assert.is(group.protocol, 'range');
  assert.is(group.members.length, 17, 'the members of Kafka\'s last stored generation');
  const row = group.partitions.find((p) => p.topic === 'TestTopicPatient')!;
  assert.is(row.committedOffset, 3);
  assert.is(row.lag, 0);
  assert.equal(filesUnder(dir), before, 'every file as it was, and no new one');
});

test('--data does not take the lock: it reads a directory a running broker holds', () => {
  const listed = json<{ topics: string[] }>(['topics', '--list', '--data', serve.dataDir]);
  assert.ok(listed.topics.includes('__consumer_offsets'));
});

test.run();
