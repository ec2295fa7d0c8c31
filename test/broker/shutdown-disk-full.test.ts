// SIGTERM to `seglog serve` on a full disk (a real 4 MiB tmpfs, filled to ENOSPC): shutdown tries
// every step — each log's close, the dir checkpoints — logs each failure, does not write the
// clean-shutdown marker, and exits 1 (never killed, never hung). Once space is back, the next open
// finds every record of every topic.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { Broker } from '../../lib/broker/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const TOPICS = ['a', 'b', 'c'];
const mounts: string[] = [];

test.after(() => {
  for (const m of mounts.splice(0)) spawnSync('umount', ['-l', m]);
  removeTempDirs();
});

function mountTmpfs(sizeBytes: number): string {
  const dir = tempDir('seglog-full-');
  const run = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { encoding: 'utf8' });
  assert.is(run.status, 0, `mount tmpfs (needs root): ${run.stderr}`);
  mounts.push(dir);
  return dir;
}

/** Writes to `path` until the file system says ENOSPC, down to single bytes. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (let chunk = 1 << 16; chunk >= 1; chunk >>= 1) {
      const bytes = Buffer.alloc(chunk, 1);
      for (;;) {
        try {
          writeSync(fd, bytes);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

test('SIGTERM on a full disk: every log is closed or reported, exit 1, and no record is lost', async () => {
  const mount = mountTmpfs(4 * 1024 * 1024);
  const data = join(mount, 'data');
  mkdirSync(data);
  const child = spawn(process.execPath, [MAIN, 'serve', '--data', data, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', () => {
        const match = /^listening [^:]+:(\d+)$/m.exec(out);
        if (match !== null) resolve(Number(match[1]));
      });
      void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const kafka = new kafkajs.Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: TOPICS.map((topic) => ({ topic, numPartitions: 1 })) });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (const topic of TOPICS) {
      for (const n of [1, 2]) await producer.send({ topic, messages: [{ key: 'k', value: `${topic}-${n}` }] });
    }
    await producer.disconnect();

    fillUp(join(mount, 'filler'));
    child.kill('SIGTERM');
    assert.is(await exited, 1, err);
    const entries = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { [key: string]: unknown });
    const failedLogs = entries.filter((e) => e.msg === 'shutdown step failed' && e.step === 'log').map((e) => String(e.path));
    for (const topic of [...TOPICS, '__consumer_offsets']) {
      assert.ok(failedLogs.some((p) => p.endsWith(`${topic}-0`)), `${topic}-0's close was tried and reported: ${failedLogs.join(', ')}`);
    }
    assert.ok(entries.some((e) => e.msg === 'stopped; shutdown incomplete' && e.code === 'SEGLOG_SHUTDOWN_INCOMPLETE'));
    assert.ok(err.split('\n').some((l) => /^seglog serve: SEGLOG_SHUTDOWN_INCOMPLETE: /.test(l)), err);
    assert.not.ok(existsSync(join(data, '.kafka_cleanshutdown')), 'not marked clean');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }

  rmSync(join(mount, 'filler'));
  const broker = await Broker.open(data);
  try {
    for (const topic of TOPICS) assert.is(broker.log(topic, 0).logEndOffset, 2, `${topic}: both records`);
  } finally {
    await broker.close();
  }
});

test('embedded: close() on a full disk rejects with SEGLOG_SHUTDOWN_INCOMPLETE yet releases every log; reopening works', async () => {
  const mount = mountTmpfs(4 * 1024 * 1024);
  const data = join(mount, 'data');
  const broker = await Broker.open(data);
  for (const topic of TOPICS) {
    await broker.createTopic(topic, { partitions: 1 });
    for (const n of [1, 2]) await broker.produce(topic, 0, [{ key: 'k', value: `${topic}-${n}` }]);
  }
  fillUp(join(mount, 'filler'));
  const failure = await broker.close().then(() => null, (error: unknown) => error as { code?: string });
  assert.is(failure?.code, 'SEGLOG_SHUTDOWN_INCOMPLETE');
  rmSync(join(mount, 'filler'));
  // A log that kept its lock after a failed close would make this a SEGLOG_LOG_LOCKED.
  const again = await Broker.open(data);
  try {
    for (const topic of TOPICS) assert.is(again.log(topic, 0).logEndOffset, 2, `${topic}: both records`);
  } finally {
    await again.close();
  }
});

test.run();
