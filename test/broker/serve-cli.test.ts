// `seglog serve` through the real CLI entry (dist/lib/cli/main.js, what `npx seglog` runs): port 0
// prints the bound address, a client can use it (CreateTopics, DeleteTopics, auto-creation), SIGINT
// shuts down cleanly (exit 0, the clean-shutdown marker written), a taken port is one error line and
// exit 1, bad arguments are usage and exit 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));

test.after(() => removeTempDirs());

function startCli(args: string[]): Promise<{ port: number; line: string; exited: Promise<number | null>; kill(s: NodeJS.Signals): void }> {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => reject(new Error(`no address printed: ${out} ${err}`)), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      const match = /^listening (127\.0\.0\.1):(\d+)$/m.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ port: Number(match[2]), line: match[0], exited, kill: (s) => child.kill(s) });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
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
});

test('a port already taken is one error line and exit 1; bad arguments print usage and exit 2', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const first = await startCli(['--data', dir, '--port', '0']);
  const second = spawnSync(process.execPath, [MAIN, 'serve', '--data', tempDir('seglog-serve-cli-'), '--port', String(first.port)],
      { encoding: 'utf8', timeout: 15_000 });
  assert.is(second.status, 1, second.stderr);
  assert.is(second.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  assert.match(second.stderr, /EADDRINUSE/);
  first.kill('SIGTERM');
  assert.is(await first.exited, 0);
  const bad = spawnSync(process.execPath, [MAIN, 'serve', '--port', 'x'], { encoding: 'utf8', timeout: 15_000 });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /usage: seglog serve/);
});

test('--auto-create-topics --partitions 3: producing to an unknown topic creates it with 3 partitions', async () => {
  const dir = tempDir('seglog-serve-cli-');
  const serve = await startCli(['--data', dir, '--port', '0', '--auto-create-topics', '--partitions', '3']);
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

test.run();
