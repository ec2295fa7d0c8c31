// librdkafka through kcat: produce (-P) with every codec kcat offers, consume (-C -o beginning -e), and
// librdkafka's group consumer (-G) committing and resuming.
// kcat is a Debian package (apt-get install -y kcat); when it is absent this file says so loudly and
// registers no test, which scripts/test.mjs reports as a failed (zero-test) file — never a silent pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import kafkajs from 'kafkajs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBatches } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startServe, type ServeProcess } from './helpers.js';

const kcatPath = ['kcat', 'kafkacat'].find((name) => spawnSync(name, ['-V']).status === 0);

function kcat(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(kcatPath as string, args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

if (kcatPath === undefined) {
  console.log('kcat is NOT installed: the librdkafka round trip did not run (apt-get install -y kcat).');
} else {
  let serve: ServeProcess;
  let dataDir: string;
  test.before(async () => {
    dataDir = tempDir('seglog-kcat-');
    serve = await startServe(dataDir);
  });
  test.after(async () => {
    await serve.stop();
    removeTempDirs();
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    test(`kcat produce/consume round trip with ${codec}`, async () => {
      const topic = `kcat-${codec}`;
      const admin = new kafkajs.Kafka({ brokers: [`127.0.0.1:${serve.port}`], logLevel: kafkajs.logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      await admin.disconnect();
      const lines = Array.from({ length: 200 }, (_, i) => `k${i}:value-${i}-${'x'.repeat(i % 50)}`);
      const broker = `127.0.0.1:${serve.port}`;
      const produced = kcat(['-P', '-b', broker, '-t', topic, '-K', ':', '-z', codec, '-X', 'linger.ms=50'], `${lines.join('\n')}\n`);
      assert.is(produced.status, 0, produced.stderr);
      const consumed = kcat(['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k:%s\n']);
      assert.is(consumed.status, 0, consumed.stderr);
      const got = consumed.stdout.split('\n').filter((l) => l.length > 0).sort();
      assert.equal(got, [...lines].sort());
      // The stored batches carry the codec asked for: librdkafka really compressed (it silently sends
      // uncompressed batches when ApiVersions lacks what it needs).
      const codecs = new Set<string>();
      for (const partition of [0, 1]) {
        const bytes = readFileSync(join(dataDir, `${topic}-${partition}`, '00000000000000000000.log'));
        for (const batch of decodeBatches(bytes)) codecs.add(batch.compression);
      }
      assert.equal([...codecs], [codec]);
    });
  }
  test('kcat balanced consumer (-G): consumes in a group, commits, and a second run resumes after the commit', async () => {
    const topic = 'kcat-group';
    const broker = `127.0.0.1:${serve.port}`;
    const admin = new kafkajs.Kafka({ brokers: [broker], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const produce = (from: number, count: number): void => {
      const lines = Array.from({ length: count }, (_, i) => `g${from + i}:v${from + i}`);
      const produced = kcat(['-P', '-b', broker, '-t', topic, '-K', ':'], `${lines.join('\n')}\n`);
      assert.is(produced.status, 0, produced.stderr);
    };
    // -G ends (-e) at the end of every assigned partition and commits what it consumed on close.
    const consume = (): string[] => {
      const out = kcat(['-b', broker, '-G', 'kcat-g', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%k\n', topic]);
      assert.is(out.status, 0, out.stderr);
      return out.stdout.split('\n').filter((l) => l.length > 0).sort();
    };
    produce(0, 40);
    assert.is(consume().length, 40);
    produce(40, 7);
    assert.equal(consume(), Array.from({ length: 7 }, (_, i) => `g${40 + i}`).sort(), 'only what came after the commit');
  });

  test.run();
}
