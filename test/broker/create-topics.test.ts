// CreateTopics against a broker's real limits: the partition count is bounded by the descriptor
// budget, creation is all-or-nothing when descriptors (EMFILE) or inodes (ENOSPC on a real tmpfs)
// run out half-way, and a long creation lets other connections be served meanwhile.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../lib/broker/index.js';
import { Reader } from '../../lib/broker/protocol/wire.js';
import { ApiKey } from '../../lib/broker/protocol/api-keys.js';
import { ErrorCode } from '../../lib/broker/protocol/error-codes.js';
import { PARTITION_DESCRIPTORS, PARTITION_DESCRIPTOR_SHARE } from '../../lib/limits.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { WireClient, requestFrame, startBrokerChild } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));

test.after.each(() => removeTempDirs());

function createTopicsFrame(correlationId: number, topic: string, partitions: number): Buffer {
  return requestFrame(ApiKey.CreateTopics, 3, correlationId, (w) => {
    w.int32(1).string(topic).int32(partitions).int16(1).int32(0).int32(0);
    w.int32(30_000).boolean(false);
  });
}

function createTopicsAnswer(frame: Buffer): { correlationId: number; errorCode: number; message: string | null } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  r.int32();
  r.arrayLength();
  r.string();
  return { correlationId, errorCode: r.int16(), message: r.nullableString() };
}

function partitionDirs(dataDir: string, topic: string): string[] {
  return readdirSync(dataDir).filter((name) => name.startsWith(`${topic}-`));
}

/** `seglog verify` exits 0 (throws otherwise, with its output). */
function verify(dataDir: string): void {
  execFileSync(process.execPath, [MAIN, 'verify', dataDir], { encoding: 'utf8' });
}

test('D2: the partition limit follows the descriptor limit; beyond it CreateTopics is INVALID_PARTITIONS and makes nothing', async () => {
  const dataDir = join(tempDir('seglog-create-'), 'data');
  // 200 descriptors: partitions may hold half, at PARTITION_DESCRIPTORS each.
  const partitionsMax = Math.floor((200 * PARTITION_DESCRIPTOR_SHARE) / PARTITION_DESCRIPTORS);
  const child = await startBrokerChild(dataDir, {}, ['--nofile=200:200']);
  const client = await WireClient.open(child.port);
  try {
    assert.is((await child.stats()).partitionsMax, partitionsMax);
    const huge = createTopicsAnswer(await client.request(createTopicsFrame(1, 'huge', 100_000)));
    assert.is(huge.errorCode, ErrorCode.INVALID_PARTITIONS, String(huge.message));
    assert.equal(partitionDirs(dataDir, 'huge'), []);
    // __consumer_offsets holds one: the rest fit, then nothing more.
    client.send(createTopicsFrame(2, 'fits', partitionsMax - 1));
    assert.is(createTopicsAnswer(await client.next(120_000)).errorCode, ErrorCode.NONE);
    assert.is(createTopicsAnswer(await client.request(createTopicsFrame(3, 'more', 1))).errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal(partitionDirs(dataDir, 'more'), []);
    const apiVersions = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 0, 4, () => undefined)));
    assert.is(apiVersions.int32(), 4);
  } finally {
    client.close();
    assert.is(await child.stop(), 0);
  }
  verify(dataDir);
});

test('D2: running out of descriptors half-way (EMFILE) leaves no partition directory and a directory verify accepts', async () => {
  const dataDir = join(tempDir('seglog-create-'), 'data');
  // The limit is overridden past what 200 descriptors can hold, so creation itself meets EMFILE.
  const child = await startBrokerChild(dataDir, { broker: { partitionsMax: 10_000 } }, ['--nofile=200:200']);
  const client = await WireClient.open(child.port);
  try {
    client.send(createTopicsFrame(1, 'many', 100));
    const answer = createTopicsAnswer(await client.next(120_000));
    assert.is.not(answer.errorCode, ErrorCode.NONE);
    assert.equal(partitionDirs(dataDir, 'many'), [], 'no partition directory left behind');
    assert.not.ok(readFileSync(join(dataDir, 'topics.json'), 'utf8').includes('"many"'));
    // The descriptors went back: a small topic still fits.
    assert.is(createTopicsAnswer(await client.request(createTopicsFrame(2, 'small', 2))).errorCode, ErrorCode.NONE);
  } finally {
    client.close();
    assert.is(await child.stop(), 0);
  }
  verify(dataDir);
});

test('D2: CreateTopics on a full file system (tmpfs out of inodes) leaves no half-made partition directory', async () => {
  const mountPoint = tempDir('seglog-create-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=60', 'tmpfs', mountPoint]);
  try {
    const dataDir = join(mountPoint, 'data');
    mkdirSync(dataDir);
    const broker = await Broker.open(dataDir);
    const server = await broker.listen({ port: 0 });
    const client = await WireClient.open(server.port);
    try {
      client.send(createTopicsFrame(1, 'full', 40));
      const answer = createTopicsAnswer(await client.next(120_000));
      assert.is(answer.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, String(answer.message));
      assert.equal(partitionDirs(dataDir, 'full'), []);
      assert.is(createTopicsAnswer(await client.request(createTopicsFrame(2, 'one', 1))).errorCode, ErrorCode.NONE);
    } finally {
      client.close();
      await broker.close();
    }
    verify(dataDir);
  } finally {
    execFileSync('umount', ['-l', mountPoint]);
  }
});

test('D2: a long CreateTopics yields: another connection is answered before it finishes', async () => {
  const broker = await Broker.open(join(tempDir('seglog-create-'), 'data'));
  const server = await broker.listen({ port: 0 });
  const creator = await WireClient.open(server.port);
  const other = await WireClient.open(server.port);
  try {
    const order: string[] = [];
    creator.send(createTopicsFrame(1, 'wide', 100));
    const created = creator.next(120_000).then((frame) => {
      order.push('create');
      return createTopicsAnswer(frame);
    });
    // Sent once the creation has begun (its directories exist); a creation that never yields would
    // hold this loop until it is done, and the answer order would say so.
    while (partitionDirs(broker.dataDir, 'wide').length === 0) await new Promise((resolve) => setImmediate(resolve));
    const answered = other.request(requestFrame(ApiKey.ApiVersions, 0, 2, () => undefined)).then(() => order.push('apiVersions'));
    assert.is((await created).errorCode, ErrorCode.NONE);
    await answered;
    assert.equal(order, ['apiVersions', 'create']);
    assert.is(broker.describe('wide').partitions, 100);
  } finally {
    creator.close();
    other.close();
    await broker.close();
  }
});

test('an idle open partition holds PARTITION_DESCRIPTORS descriptors (lock and active .log; indexes open only to write)', async () => {
  const broker = await Broker.open(join(tempDir('seglog-create-'), 'data'));
  try {
    const before = readdirSync('/proc/self/fd').length;
    await broker.createTopic('idle', { partitions: 100 });
    for (let p = 0; p < 100; p++) broker.log('idle', p).append([{ value: 'x' }]);
    await Promise.all(Array.from({ length: 100 }, (_, p) => broker.log('idle', p).flush()));
    const held = readdirSync('/proc/self/fd').length - before;
    assert.is(held, 100 * PARTITION_DESCRIPTORS, `${held} descriptors for 100 partitions`);
  } finally {
    await broker.close();
  }
});

test.run();
