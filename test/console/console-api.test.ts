// The console's JSON API and HTTP behaviour without a browser: the figures equal the broker's own
// (logs, committed offsets, retention's real deletions, the CLI's dump of the same segment), hostile
// requests get 4xx and never stop the server, a stopped directory is served without one byte written
// and without taking its lock, and `seglog ui` is a CLI command with one-line refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../lib/broker/index.js';
import { listenConsole, listenOfflineConsole, type ConsoleServer } from '../../lib/console/index.js';
import type { GroupView, OverviewView, TopicView } from '../../lib/console/index.js';
import type { SegmentView } from '../../lib/console/segment-view.js';
import { dumpLogAll } from '../../lib/inspect/index.js';
import { LogLockedError } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist/lib/cli/main.js');
const FIXTURE = join(ROOT, 'fixtures/kafka-broker');

test.after.each(() => removeTempDirs());

async function getJson<T>(server: ConsoleServer, path: string): Promise<T> {
  const response = await fetch(`${server.url}${path}`);
  assert.is(response.status, 200, `${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function status(server: ConsoleServer, path: string, init?: RequestInit): Promise<number> {
  return (await fetch(`${server.url}${path}`, init)).status;
}

/** Every file under `dir` with its bytes' hash, and the directory's names: what "nothing written" compares. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) {
        files.set(`${relative(dir, path)}/`, 'dir');
        walk(path);
      } else {
        files.set(relative(dir, path), `${statSync(path).mtimeMs}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
      }
    }
  };
  walk(dir);
  return files;
}

test('live: overview, topic, group and segment figures are the broker\'s own', async () => {
  const broker = await Broker.open(tempDir(), { initialRebalanceDelayMs: 0 });
  const server = await listenConsole(broker, { port: 0, sampleIntervalMs: 100 });
  try {
    await broker.createTopic('orders', { partitions: 2, config: { segmentBytes: 1024 } });
    // retention.bytes small enough that the next pass deletes the oldest segments.
    await broker.createTopic('capped', { partitions: 1, config: { segmentBytes: 1024, retentionBytes: 2048 } });
    for (let i = 0; i < 60; i++) await broker.produce('orders', i % 2, [{ key: `k${i}`, value: `value-${i}-${'x'.repeat(20)}` }]);
    for (let i = 0; i < 80; i++) await broker.produce('capped', 0, [{ key: `c${i}`, value: 'y'.repeat(60) }]);
    broker.commitOffsets('readers', [{ topic: 'orders', partition: 0, offset: 12 }, { topic: 'orders', partition: 1, offset: 30 }]);

    const overview = await getJson<OverviewView>(server, 'api/overview');
    assert.is(overview.mode, 'live');
    const figures = broker.partitionFigures();
    assert.is(overview.totals.sizeBytes, figures.reduce((sum, f) => sum + f.sizeBytes, 0));
    assert.is(overview.totals.messages, figures.reduce((sum, f) => sum + f.logEndOffset - f.logStartOffset, 0));
    assert.is(overview.topics.find((t) => t.name === 'orders')?.messages, 60);

    const orders = await getJson<TopicView>(server, 'api/topics/orders');
    for (const p of orders.partitions) {
      const log = broker.log('orders', p.partition);
      assert.equal([p.logStartOffset, p.highWatermark, p.lastStableOffset, p.logEndOffset, p.sizeBytes],
        [log.logStartOffset, log.highWatermark, log.lastStableOffset, log.logEndOffset, log.stats().sizeBytes]);
      assert.equal(p.segments.map((s) => s.baseOffset), log.segmentInfos().map((s) => s.baseOffset));
    }

    // What the page says the next retention pass deletes is what it deletes.
    const capped = await getJson<TopicView>(server, 'api/topics/capped');
    const preview = capped.partitions[0]?.retention.nextDeletes.map((d) => d.baseOffset) ?? [];
    assert.ok(preview.length > 0, 'retention.bytes is exceeded: something is due');
    const report = await broker.runMaintenance();
    const deleted = report.retention.flatMap((r) => r.result.deleted.map((s) => s.baseOffset));
    assert.equal(preview, deleted);
    const after = await getJson<TopicView>(server, 'api/topics/capped');
    assert.is(after.partitions[0]?.retention.lastDeletion?.segmentsDeleted, deleted.length);
    assert.equal(after.partitions[0]?.retention.nextDeletes, []);

    const group = await getJson<GroupView>(server, 'api/groups/readers');
    assert.equal(group.offsets.map((o) => [o.partition, o.committedOffset, o.lag]),
      [[0, 12, broker.log('orders', 0).highWatermark - 12], [1, 30, 0]]);
    assert.is(group.totalLag, broker.groupLags().filter((l) => l.groupId === 'readers').reduce((sum, l) => sum + l.lag, 0));

    // The segment page and `seglog dump` read the same batches with the same code.
    const info = broker.log('orders', 0).segmentInfos()[0];
    const segment = await getJson<SegmentView>(server, `api/segment?topic=orders&partition=0&base=${info?.baseOffset}`);
    const dumped = dumpLogAll(info?.path as string, { printData: true });
    assert.equal(segment.batches.map((b) => [b.baseOffset, b.crc, b.crcValid, b.records?.map((r) => r.value)]),
      dumped.batches.map((b) => [b.baseOffset, b.crc, b.crcValid, b.records?.map((r) => r.value)]));
    assert.is(segment.summary?.validBytes, dumped.summary.validBytes);
    // Paging: from an offset in the middle, the page starts at the batch holding it.
    const middle = dumped.batches[5]?.baseOffset as number;
    const page = await getJson<SegmentView>(server, `api/segment?topic=orders&partition=0&base=${info?.baseOffset}&from=${middle}&limit=2`);
    assert.equal(page.batches.map((b) => b.baseOffset), [middle, dumped.batches[6]?.baseOffset]);
    assert.is(page.nextOffset, dumped.batches[7]?.baseOffset ?? null);

    // Rates: the sampler saw the appends (samples every 100 ms).
    await new Promise((r) => setTimeout(r, 350));
    await broker.produce('orders', 0, [{ value: 'late' }]);
    await new Promise((r) => setTimeout(r, 350));
    const series = (await getJson<OverviewView>(server, 'api/overview')).series;
    assert.ok((series?.timesMs.length ?? 0) >= 2, 'samples are kept');
    assert.ok((series?.messagesInPerSec ?? []).some((v) => v > 0), 'the late append shows as a rate');
  } finally {
    await broker.close();
  }
});

test('live: a large segment\'s page shows its index entries without reading all of it to check them', async () => {
  const broker = await Broker.open(tempDir());
  const server = await listenConsole(broker, { port: 0 });
  try {
    // 17 MiB segments: the first one rolls (sealed: its index is on disk) holding more than 16 MiB.
    await broker.createTopic('big', { partitions: 1, config: { segmentBytes: 17 * 1024 * 1024 } });
    await broker.createTopic('small', { partitions: 1 });
    const value = Buffer.alloc(512 * 1024, 7);
    for (let i = 0; i < 36; i++) await broker.produce('big', 0, [{ value }]);
    await broker.produce('small', 0, [{ value: 'v' }]);
    const sealed = broker.log('big', 0).segmentInfos()[0];
    assert.ok(sealed !== undefined && !sealed.isActive && sealed.sizeBytes > 16 * 1024 * 1024);
    const big = await getJson<SegmentView>(server, 'api/segment?topic=big&partition=0&base=0&limit=3');
    assert.is(big.batches.length, 3);
    assert.is(big.offsetIndex.mismatches, null, 'not checked: the check would read the whole segment on the serving thread');
    assert.is(big.timeIndex.errors, null);
    assert.ok(big.offsetIndex.entryCount > 0, 'the entries are still shown');
    const small = await getJson<SegmentView>(server, 'api/segment?topic=small&partition=0&base=0');
    assert.is(small.offsetIndex.mismatches, 0, 'a small segment is checked');
    assert.is(small.timeIndex.errors, 0);
  } finally {
    await broker.close();
  }
});

test('live: /metrics has the retention and compaction counters and the mapped bytes', async () => {
  const broker = await Broker.open(tempDir());
  const server = await listenConsole(broker, { port: 0 });
  try {
    await broker.createTopic('keys', { partitions: 1,
      config: { segmentBytes: 1024, cleanupPolicy: 'compact', minCleanableDirtyRatio: 0.01 } });
    for (let i = 0; i < 120; i++) await broker.produce('keys', 0, [{ key: `k${i % 4}`, value: `v${i}` }]);
    const report = await broker.runMaintenance();
    assert.ok(report.compaction?.result.cleaned === true, 'the log was cleaned');
    const text = await (await fetch(`${server.url}metrics`)).text();
    const value = (name: string): number =>
      Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2]);
    assert.is(value('seglog_compaction_runs_total'), 1);
    assert.is(value('seglog_compaction_records_removed_total'), report.compaction?.result.recordsDropped);
    assert.is(value('seglog_compaction_read_bytes_total'), report.compaction?.result.bytesRead);
    assert.is(value('seglog_retention_segments_deleted_total'), 0);
    assert.ok(value('seglog_mapped_bytes') >= 0, 'the mapped bytes gauge is exported');
    const topic = await getJson<TopicView>(server, 'api/topics/keys');
    assert.is(topic.partitions[0]?.compaction?.lastClean?.recordsDropped, report.compaction?.result.recordsDropped);
  } finally {
    await broker.close();
  }
});

test('hostile requests: 4xx with one line, and the server keeps answering', async () => {
  const broker = await Broker.open(tempDir());
  const server = await listenConsole(broker, { port: 0 });
  try {
    await broker.createTopic('t', { partitions: 1 });
    await broker.produce('t', 0, [{ value: 'x' }]);
    const cases: [string, number][] = [
      ['api/topics/no-such', 404], ['api/groups/nobody', 404], ['api/nothing', 404], ['nothing', 404],
      ['api/groups/%E0%A4%A', 400], ['api/topics/%', 400],
      ['api/segment', 400], ['api/segment?topic=t', 400], ['api/segment?topic=t&partition=0', 400],
      ['api/segment?topic=t&partition=0&base=abc', 400], ['api/segment?topic=t&partition=-1&base=0', 400],
      ['api/segment?topic=t&partition=0&base=99999999999999999999', 400],
      ['api/segment?topic=t&partition=7&base=0', 404], ['api/segment?topic=t&partition=0&base=5', 404],
      ['api/segment?topic=..%2F..%2Fetc&partition=0&base=0', 404],
      ['assets/..%2F..%2Fpackage.json', 404], ['assets/../../package.json', 404], ['index.html/..', 200],
      [`api/topics/${'a'.repeat(10_000)}`, 404],
    ];
    for (const [path, expected] of cases) {
      const response = await fetch(`${server.url}${path}`);
      assert.is(response.status, expected, path.slice(0, 80));
      if (expected >= 400) {
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.ok(body.error.message.length > 0 && !body.error.message.includes('\n'), 'one line');
      }
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) assert.is(await status(server, 'api/topics/t', { method }), 405);
    // Bytes that are not HTTP, and a request cut off mid-header: the socket goes, the server stays.
    for (const raw of ['\u0000\u0001garbage\r\n\r\n', 'GET /api/overview HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      'GET /api/overview HTTP/1.1\r\nHo']) {
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(raw);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    }
    // Many at once.
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => status(server, i % 2 === 0 ? 'api/overview' : 'api/topics/t')));
    assert.ok(answers.every((s) => s === 200));
    assert.is(await status(server, 'api/overview'), 200, 'still serving');
  } finally {
    await broker.close();
  }
  // The broker's close stopped the console with it.
  await fetch(server.url).then(() => assert.unreachable('the console outlived its broker'), () => undefined);
});

test('offline: a stopped Kafka directory is served without a byte written or a lock taken', async () => {
  const dataDir = tempDir('seglog-ui-');
  cpSync(FIXTURE, dataDir, { recursive: true });
  const before = snapshot(dataDir);
  const server = await listenOfflineConsole(dataDir, { port: 0 });
  try {
    const overview = await getJson<OverviewView>(server, 'api/overview');
    assert.is(overview.mode, 'offline');
    assert.is(overview.series, null);
    assert.equal(overview.topics.map((t) => t.name), ['TestTopicPatient'],
      'Kafka\'s __consumer_offsets-6 is read for groups, not served as a topic');
    const topic = await getJson<TopicView>(server, 'api/topics/TestTopicPatient');
    assert.equal([topic.partitions[0]?.logStartOffset, topic.partitions[0]?.logEndOffset], [0, 3]);
    const groups = await getJson<{ groupId: string; partitions: number }[]>(server, 'api/groups');
    assert.equal(groups.map((g) => g.groupId), ['DEVSmileCDR']);
    const group = await getJson<GroupView>(server, 'api/groups/DEVSmileCDR');
    assert.ok(group.offsets.length > 0 && group.members.length > 0, 'Kafka\'s group records are read');
    assert.ok(group.members.some((m) => m.assignment.length > 0), 'member assignments are decoded');
    const segment = await getJson<SegmentView>(server, 'api/segment?topic=TestTopicPatient&partition=0&base=0');
    assert.is(segment.batches.length, 3);
    await getJson(server, 'api/producers');
    assert.is(await status(server, 'metrics'), 404, 'a stopped directory has no live metrics');
  } finally {
    await server.close();
  }
  assert.equal(snapshot(dataDir), before, 'nothing in the directory changed, nothing was added');
});

test('offline: the console reads a directory a running broker holds, and the broker keeps its lock', async () => {
  const dataDir = tempDir('seglog-ui-locked-');
  const broker = await Broker.open(dataDir);
  try {
    await broker.createTopic('held', { partitions: 1 });
    await broker.produce('held', 0, [{ value: 'a' }, { value: 'b' }]);
    const server = await listenOfflineConsole(dataDir, { port: 0 });
    try {
      const topic = await getJson<TopicView>(server, 'api/topics/held');
      assert.is(topic.partitions[0]?.logEndOffset, 2);
    } finally {
      await server.close();
    }
    await Broker.open(dataDir).then(async (other) => {
      await other.close();
      assert.unreachable('a second broker opened a directory whose lock should still be held');
    }, (error: unknown) => assert.instance(error, LogLockedError));
    await broker.produce('held', 0, [{ value: 'c' }]);
  } finally {
    await broker.close();
  }
});

test('seglog ui: console line, one-line refusals, clean stop', async () => {
  const missing = spawnSync(process.execPath, [CLI, 'ui', '--data', join(tempDir(), 'absent'), '--port', '0'], { encoding: 'utf8' });
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /^seglog: SEGLOG_INVALID_ARGUMENT: data directory does not exist/);
  assert.is(missing.stderr.trim().split('\n').length, 1);
  const usage = spawnSync(process.execPath, [CLI, 'ui'], { encoding: 'utf8' });
  assert.is(usage.status, 2);
  assert.match(usage.stderr, /--data DIR is required/);
  const badPort = spawnSync(process.execPath, [CLI, 'ui', '--data', FIXTURE, '--port', '70000'], { encoding: 'utf8' });
  assert.is(badPort.status, 2);

  const dataDir = tempDir('seglog-ui-cli-');
  cpSync(FIXTURE, dataDir, { recursive: true });
  const child = spawn(process.execPath, [CLI, 'ui', '--data', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /^console (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (match !== null) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`ui exited with ${code}`)));
  });
  const overview = (await (await fetch(`${url}api/overview`)).json()) as OverviewView;
  assert.is(overview.mode, 'offline');
  // The port taken: one line, exit 1.
  const taken = spawnSync(process.execPath, [CLI, 'ui', '--data', dataDir, '--port', new URL(url).port], { encoding: 'utf8' });
  assert.is(taken.status, 1);
  assert.match(taken.stderr, /^seglog: SEGLOG_LISTEN: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE\n$/);
  child.kill('SIGTERM');
  assert.is(await exited, 0);
});

test.run();
