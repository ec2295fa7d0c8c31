// GET /metrics through a real HTTP request, after a real client produced and consumed: the figures
// match the broker's own state; other paths and methods are 4xx; `seglog serve --http-port` serves it.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kafka, logLevel } from 'kafkajs';
import { Broker } from '../../lib/broker/index.js';
import { listenConsole } from '../../lib/console/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(() => removeTempDirs());

/** The value of one sample line (`name{labels} value`), or null. */
function sample(text: string, nameAndLabels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${nameAndLabels} `));
  return line === undefined ? null : Number(line.slice(nameAndLabels.length + 1));
}

test('metrics match the broker after kafkajs produced, consumed and committed', async () => {
  const broker = await Broker.open(tempDir(), { initialRebalanceDelayMs: 0 });
  const server = await broker.listen({ port: 0 });
  const http = await listenConsole(broker, { port: 0 });
  try {
    await broker.createTopic('m', { partitions: 1 });
    const kafka = new Kafka({ brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'm', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'lagging', topic: 'm', partitions: [{ partition: 0, offset: '4' }] });
    await admin.disconnect();
    const response = await fetch(`http://127.0.0.1:${http.port}/metrics`);
    assert.is(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    const log = broker.log('m', 0);
    const labels = '{topic="m",partition="0"}';
    assert.is(sample(text, `seglog_partition_messages_in_total${labels}`), 10);
    assert.is(sample(text, `seglog_partition_bytes_in_total${labels}`), log.stats().appendedBytes);
    assert.is(sample(text, `seglog_partition_log_end_offset${labels}`), 10);
    assert.is(sample(text, `seglog_partition_high_watermark${labels}`), 10);
    assert.is(sample(text, `seglog_partition_last_stable_offset${labels}`), 10);
    assert.is(sample(text, `seglog_partition_size_bytes${labels}`), log.stats().sizeBytes);
    assert.is(sample(text, 'seglog_consumer_group_lag{group="lagging",topic="m",partition="0"}'), 6);
    assert.ok((sample(text, 'seglog_requests_total{api="Produce"}') ?? 0) >= 1, 'the produce was counted');
    assert.ok((sample(text, 'seglog_request_duration_seconds_count{api="Produce"}') ?? 0) >= 1);
    assert.match(text, /^seglog_process_open_fds \d+/m);
    assert.is((await fetch(`http://127.0.0.1:${http.port}/other`)).status, 404);
    assert.is((await fetch(`http://127.0.0.1:${http.port}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await broker.close();
  }
});

test('seglog serve --http-port prints where /metrics is, and serves it', async () => {
  const main = new URL('../../lib/cli/main.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, 'serve', '--data', tempDir(), '--port', '0', '--http-port', '0'],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const match = /metrics (http:\/\/\S+)/.exec(out);
        if (match !== null) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const text = await (await fetch(url)).text();
    assert.match(text, /# TYPE seglog_requests_total counter/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

test.run();
