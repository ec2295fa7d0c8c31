// `seglog serve` through the real CLI entry (dist/lib/cli/main.js, what `npx seglog` runs): port 0
// prints the bound address, a client can use it (CreateTopics, DeleteTopics, auto-creation on by
// default), SIGINT/SIGTERM shut down cleanly (exit 0, the clean-shutdown marker written) even when sent
// before the server is ready or twice, a taken port is one error line with a code, exit 1 and nothing
// written, bad arguments are one line with a code and exit 2, `--help` prints the options, the log on
// stderr is one JSON object per line with a line per start, topic created, unsupported request and stop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { WireClient, requestFrame } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));

test.after(() => removeTempDirs());

interface Cli {
  child: ChildProcess;
  port: number;
  line: string;
  exited: Promise<number | null>;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  kill(s: NodeJS.Signals): void;
}

function spawnCli(args: string[]): { child: ChildProcess; exited: Promise<number | null>; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

function startCli(args: string[]): Promise<Cli> {
  const run = spawnCli(args);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address printed: ${run.out()} ${run.err()}`)), 15_000);
    run.child.stdout?.on('data', () => {
      const match = /^listening (127\.0\.0\.1):(\d+)$/m.exec(run.out());
      if (match === null) return;
      clearTimeout(timer);
      resolve({ child: run.child, port: Number(match[2]), line: match[0], exited: run.exited, stderr: run.err,
        kill: (s) => run.child.kill(s) });
    });
    void run.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${run.err()}`));
    });
  });
}

function logEntries(stderr: string): { [key: string]: unknown }[] {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { [key: string]: unknown });
}

/** Sends `values` to `topic` through a real kafkajs producer (auto-creating the topic). */
async function produceWithKafkajs(port: number, topic: string, values: string[]): Promise<void> {
  const producer = new kafkajs.Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 100 } }).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

/** The stderr lines that are not log entries: what a person reads when the command fails. */
function plainLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('{'));
}

test('serve --port 0 prints the bound address; a client uses it; SIGINT exits 0 with the clean-shutdown marker', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const serve = await startCli(['--data', dir, '--port', '0']);
  assert.ok(serve.port > 0, serve.line);
  const admin = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  assert.ok(await admin.createTopics({ topics: [{ topic: 'cli', numPartitions: 2 }] }));
  assert.ok((await admin.listTopics()).includes('cli'));
  await admin.createTopics({ topics: [{ topic: 'gone', numPartitions: 1 }] });
  await admin.deleteTopics({ topics: ['gone'] });
  assert.not.ok((await admin.listTopics()).includes('gone'), 'DeleteTopics removed it');
  assert.not.ok(existsSync(join(dir, 'gone-0')));
  await admin.disconnect();
  serve.kill('SIGINT');
  assert.is(await serve.exited, 0);
  assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')));
  assert.ok(existsSync(join(dir, 'cli-1')));
  const messages = logEntries(serve.stderr()).map((e) => e.msg);
  for (const expected of ['starting', 'listening', 'topic created', 'topic deleted', 'stopping', 'stopped']) {
    assert.ok(messages.includes(expected), `log has "${expected}": ${messages.join(' | ')}`);
  }
  const created = logEntries(serve.stderr()).find((e) => e.msg === 'topic created' && e.topic === 'cli');
  assert.is(created?.partitions, 2);
});

test('a port already taken: one plain error line with its code, exit 1, and the data directory not created', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const first = await startCli(['--data', dir, '--port', '0']);
  const target = join(tempDir('seglog-serve-cli-'), 'not-yet');
  const second = spawnSync(process.execPath, [MAIN, 'serve', '--data', target, '--port', String(first.port)],
      { encoding: 'utf8', timeout: 15_000 });
  first.kill('SIGTERM');
  assert.is(await first.exited, 0);
  assert.is(second.status, 1, second.stderr);
  const plain = plainLines(second.stderr);
  assert.is(plain.length, 1, `one line, no stack trace: ${second.stderr}`);
  assert.match(plain[0] as string, /SEGLOG_LISTEN: .*EADDRINUSE/);
  assert.not.ok(existsSync(target), 'nothing written before the port was bound');
});

test('the same on an existing directory: a taken port leaves every file as it was, and no new one', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const holder = await startCli(['--data', tempDir('seglog-serve-cli-'), '--port', '0']);
  writeFileSync(join(dir, 'keep'), 'x');
  const before = readdirSync(dir).sort();
  const run = spawnSync(process.execPath, [MAIN, 'serve', '--data', dir, '--port', String(holder.port)],
      { encoding: 'utf8', timeout: 15_000 });
  holder.kill('SIGTERM');
  assert.is(await holder.exited, 0);
  assert.is(run.status, 1, run.stderr);
  assert.equal(readdirSync(dir).sort(), before);
});

test('a taken --http-port also fails before the directory is touched', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const holder = await startCli(['--data', tempDir('seglog-serve-cli-'), '--port', '0']);
  writeFileSync(join(dir, 'keep'), 'x');
  const before = readdirSync(dir).sort();
  const run = spawnSync(process.execPath, [MAIN, 'serve', '--data', dir, '--port', '0', '--http-port', String(holder.port)],
      { encoding: 'utf8', timeout: 15_000 });
  holder.kill('SIGTERM');
  assert.is(await holder.exited, 0);
  assert.is(run.status, 1, run.stderr);
  const plain = plainLines(run.stderr);
  assert.is(plain.length, 1, `one line, no stack trace: ${run.stderr}`);
  assert.match(plain[0] as string, /SEGLOG_LISTEN: .*EADDRINUSE/);
  assert.equal(readdirSync(dir).sort(), before, 'nothing written, no file added');
});

test('usage errors are one line with a code and exit 2, and write nothing', () => {
  const dir = tempDir('seglog-serve-cli-');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  const cases: [string[], RegExp][] = [
    [['--port', 'x'], /--port needs an integer in \[0, 65535\]/],
    [['--data', join(dir, 'd'), '--port', '70000'], /--port needs an integer in \[0, 65535\], got "70000"/],
    [['--data', join(dir, 'd'), '--partitions', '0'], /--partitions needs an integer in \[1, 100000\], got "0"/],
    [['--data', file, '--port', '0'], /--data is not a directory \(.*a-file\)/],
    [['--data', join(dir, 'd'), '--durability', 'maybe'], /--durability is page-cache or fsync/],
    [['--data', join(dir, 'd'), '--bogus'], /unknown option "--bogus"/],
    [['--port', '0'], /--data DIR is required/],
  ];
  for (const [args, pattern] of cases) {
    const run = spawnSync(process.execPath, [MAIN, 'serve', ...args], { encoding: 'utf8', timeout: 15_000 });
    assert.is(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.is(lines.length, 1, `${args.join(' ')}: one line: ${run.stderr}`);
    assert.match(lines[0] as string, /^seglog serve: SEGLOG_INVALID_ARGUMENT: /);
    assert.match(lines[0] as string, pattern);
  }
  assert.equal(readdirSync(dir), ['a-file'], 'no directory created by a refused command line');
});

test('serve --help and seglog help serve print the options, exit 0', () => {
  for (const args of [['serve', '--help'], ['help', 'serve']]) {
    const run = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 15_000 });
    assert.is(run.status, 0, run.stderr);
    const flags = ['--data', '--no-auto-create-topics', '--durability', '--flush-messages', '--flush-ms', '--log-level', 'Exit status'];
    for (const flag of flags) {
      assert.ok(run.stdout.includes(flag), `${args.join(' ')} mentions ${flag}`);
    }
  }
});

test('auto-creation is on by default: producing to an unknown topic creates it with --partitions of them', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const serve = await startCli(['--data', dir, '--port', '0', '--partitions', '3']);
  const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 100 } });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const [result] = await producer.send({ topic: 'fresh', messages: [{ key: 'a', value: '1' }] });
  await producer.disconnect();
  assert.is(result?.errorCode, 0);
  serve.kill('SIGTERM');
  assert.is(await serve.exited, 0);
  for (const p of [0, 1, 2]) assert.ok(existsSync(join(dir, `fresh-${p}`)), `fresh-${p} exists`);
  assert.not.ok(existsSync(join(dir, 'fresh-3')));
});

test('--no-auto-create-topics: an unknown topic stays unknown', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const serve = await startCli(['--data', dir, '--port', '0', '--no-auto-create-topics']);
  const admin = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 0 } }).admin();
  await admin.connect();
  await admin.fetchTopicMetadata({ topics: ['nope'] }).then(() => assert.unreachable('metadata for an unknown topic'), () => undefined);
  await admin.disconnect();
  serve.kill('SIGTERM');
  assert.is(await serve.exited, 0);
  assert.not.ok(existsSync(join(dir, 'nope-0')));
});

test('an unsupported API or version is a warning in the log naming it', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const serve = await startCli(['--data', dir, '--port', '0']);
  const client = await WireClient.open(serve.port);
  // SaslHandshake (17) is not spoken (no authentication): the server logs it and closes the connection.
  client.send(requestFrame(17, 0, 1, (w) => w.string('PLAIN')));
  await client.closed;
  serve.kill('SIGTERM');
  assert.is(await serve.exited, 0);
  const warning = logEntries(serve.stderr()).find((e) => e.msg === 'client sent an unsupported API or version; connection closed');
  assert.ok(warning, serve.stderr());
  assert.is(warning?.apiKey, 17);
  assert.is(warning?.level, 40);
});

test('SIGTERM as soon as the process logs its start (before it is ready) is a clean stop', async () => {
  for (let i = 0; i < 2; i++) {
    const dir = tempDir('seglog-serve-cli-');
    const run = spawnCli(['--data', dir, '--port', '0']);
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!run.err().includes('"msg":"starting"')) return;
        run.child.stderr?.off('data', check);
        resolve();
      };
      run.child.stderr?.on('data', check);
      const timer = setTimeout(() => reject(new Error(`no start line logged: ${run.err()}`)), 15_000);
      void run.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited ${code} before logging its start: ${run.err()}`));
      });
    });
    run.child.kill('SIGTERM');
    const code = await run.exited;
    assert.is(code, 0, `exit ${code} (null: killed by the signal): ${run.err()}`);
    assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')), 'clean-shutdown marker');
  }
});

test('a second SIGTERM during shutdown is ignored: still exit 0 and a clean-shutdown marker', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const serve = await startCli(['--data', dir, '--port', '0']);
  serve.kill('SIGTERM');
  serve.kill('SIGTERM');
  serve.kill('SIGINT');
  assert.is(await serve.exited, 0, serve.stderr());
  assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')));
});

test("--durability fsync: an acks=all write is fsync'd before it is acknowledged; page-cache (default) is not", async () => {
  for (const [flags, expected] of [[['--durability', 'fsync'], 3], [[], 0], [['--flush-messages', '1'], 3]] as [string[], number][]) {
    const dir = tempDir('seglog-serve-cli-');
    const serve = await startCli(['--data', dir, '--port', '0', ...flags]);
    const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'd', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (const value of ['1', '2', '3']) await producer.send({ topic: 'd', acks: -1, messages: [{ value }] });
    await producer.disconnect();
    // No clean stop: what is on disk is what an acknowledgement had made durable.
    serve.kill('SIGKILL');
    await serve.exited;
    // The partition's own checkpoint moves after each fsync; never fsync'd, it was never written.
    const path = join(dir, 'd-0', 'recovery-point-offset-checkpoint');
    const checkpoint = existsSync(path) ? readFileSync(path, 'utf8') : '0\n1\nd 0 0\n';
    assert.is(Number(checkpoint.trim().split('\n')[2]?.split(' ')[2]), expected, `${flags.join(' ') || 'default'}: ${checkpoint}`);
    const start = logEntries(serve.stderr()).find((e) => e.msg === 'starting');
    assert.is(start?.flushMessages, expected === 3 ? 1 : 'never');
  }
});

test('a restart after an unclean stop logs each partition it recovered', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const first = await startCli(['--data', dir, '--port', '0']);
  await produceWithKafkajs(first.port, 'r', ['1']);
  first.kill('SIGKILL');
  await first.exited;
  const second = await startCli(['--data', dir, '--port', '0']);
  second.kill('SIGTERM');
  assert.is(await second.exited, 0);
  const recovered = logEntries(second.stderr()).filter((e) => e.msg === 'recovered partition after an unclean stop');
  assert.ok(recovered.some((e) => e.topic === 'r' && e.partition === 0 && e.level === 40), second.stderr());
  const firstRecovered = logEntries(first.stderr()).some((e) => e.msg === 'recovered partition after an unclean stop');
  assert.not.ok(firstRecovered, 'a fresh directory recovers nothing');
});

test('a restart that repairs a torn tail logs what it cut and where it kept the bytes', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const first = await startCli(['--data', dir, '--port', '0']);
  await produceWithKafkajs(first.port, 't', ['1', '2']);
  first.kill('SIGTERM');
  assert.is(await first.exited, 0);
  const segment = join(dir, 't-0', '00000000000000000000.log');
  appendFileSync(segment, Buffer.from('torn tail bytes'));
  const second = await startCli(['--data', dir, '--port', '0']);
  second.kill('SIGTERM');
  assert.is(await second.exited, 0);
  const lines = logEntries(second.stderr()).filter((e) => typeof e.msg === 'string' && e.msg.startsWith('recovery: '));
  assert.ok(lines.some((e) => e.topic === 't' && e.partition === 0 && String(e.msg).includes(segment) && String(e.msg).includes('15 bytes')
    && String(e.msg).includes('kept as')), second.stderr());
});

test.run();
