/**
 * sendFileRange (native-free-fallback/file-sender.ts, the sender behind every transfer) on its own,
 * both sources — positioned reads through an fd, and views of an in-memory "mapping" — over real
 * sockets and plain Writables: exact bytes for seeded ranges, `done` exactly once with the right
 * outcome (file-ended, destination-closed, destination-failed), listeners removed afterwards, pool
 * buffers reused rather than allocated per send.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FileSendOutcome } from '../../lib/platform/contract.js';
import { sendFileRange } from '../../lib/platform/index.js';
import { CHUNK_BYTES, pooledBufferCount } from '../../native-free-fallback/file-sender.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { client, finish, receiver, writeRandomFile } from './helpers.js';

test.after.each(removeTempDirs);

const seed = seedFromEnv();

function send(fd: number, mapped: Buffer | null, positionBytes: number, sizeBytes: number,
  destination: Writable): Promise<FileSendOutcome> {
  return new Promise((resolve, reject) => {
    let calls = 0;
    sendFileRange({ fd, mapped }, positionBytes, sizeBytes, destination, (outcome) => {
      calls++;
      if (calls > 1) reject(new Error('done called twice'));
      // A second call would come on a later tick: wait one before resolving.
      setImmediate(() => resolve(outcome));
    });
  });
}

function collector(): { sink: Writable; bytes: () => Buffer } {
  const kept: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      kept.push(Buffer.from(chunk));
      callback();
    },
  });
  return { sink, bytes: () => Buffer.concat(kept) };
}

test(`seeded ranges, both sources, to a socket and to a Writable (seed ${seed})`, async () => {
  const random = seededRandom(seed);
  const path = join(tempDir(), 'f.log');
  const bytes = writeRandomFile(path, 5 * CHUNK_BYTES + 999, random);
  const fd = openSync(path, 'r');
  for (let i = 0; i < 8; i++) {
    const positionBytes = Math.floor(random() * bytes.length);
    const sizeBytes = Math.floor(random() * (bytes.length - positionBytes + 1));
    const expected = bytes.subarray(positionBytes, positionBytes + sizeBytes);
    for (const mapped of [null, bytes]) {
      const where = `seed ${seed} [${positionBytes}, +${sizeBytes}) ${mapped === null ? 'fd' : 'mapped'}`;
      const target = await receiver(i % 2);
      const socket = await client(target.port);
      const listeners = socket.listenerCount('close');
      const outcome = await send(fd, mapped, positionBytes, sizeBytes, socket);
      assert.equal(outcome, { sentBytes: sizeBytes, failure: null, cause: undefined }, where);
      assert.is(socket.listenerCount('close'), listeners, `${where}: listeners removed`);
      assert.ok((await finish(socket, target)).equals(expected), `${where}: socket bytes`);
      await target.close();
      const { sink, bytes: got } = collector();
      assert.is((await send(fd, mapped, positionBytes, sizeBytes, sink)).failure, null);
      assert.ok(got().equals(expected), `${where}: Writable bytes`);
    }
  }
  closeSync(fd);
});

test('outcomes: file ended early (fd source), destination closed, destination failed, zero bytes', async () => {
  const path = join(tempDir(), 'f.log');
  writeRandomFile(path, 3 * CHUNK_BYTES, seededRandom(seed));
  const fd = openSync(path, 'r');
  const short = await send(fd, null, CHUNK_BYTES, 4 * CHUNK_BYTES, collector().sink);
  assert.is(short.failure, 'file-ended');
  assert.ok(short.sentBytes > 0 && short.sentBytes <= 2 * CHUNK_BYTES, `acknowledged bytes before the short read (${short.sentBytes})`);

  const closed = collector().sink;
  closed.destroy();
  assert.is((await send(fd, null, 0, 10, closed)).failure, 'destination-closed');

  const failing = new Writable({
    write(_chunk, _encoding, callback) {
      callback(new Error('disk on fire'));
    },
  });
  failing.on('error', () => undefined);
  const failed = await send(fd, null, 0, 3 * CHUNK_BYTES, failing);
  assert.is(failed.failure, 'destination-failed');
  assert.match(String((failed.cause as Error).message), 'disk on fire');

  const empty = await send(fd, null, 0, 0, collector().sink);
  assert.equal(empty, { sentBytes: 0, failure: null, cause: undefined });
  closeSync(fd);
});

test('read buffers come from the pool and go back to it: sequential sends allocate none', async () => {
  const path = join(tempDir(), 'f.log');
  writeRandomFile(path, 2 * CHUNK_BYTES, seededRandom(seed));
  const fd = openSync(path, 'r');
  await send(fd, null, 0, 2 * CHUNK_BYTES, collector().sink);
  const pooled = pooledBufferCount();
  assert.ok(pooled >= 2, `two buffers back in the pool (${pooled})`);
  const seen = new Set<ArrayBufferLike>();
  for (let i = 0; i < 5; i++) {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        seen.add(chunk.buffer);
        callback();
      },
    });
    await send(fd, null, 0, 2 * CHUNK_BYTES, sink);
  }
  assert.is(pooledBufferCount(), pooled, 'the pool is as full as before');
  assert.ok(seen.size <= pooled, `every chunk was a pooled buffer (${seen.size} distinct)`);
  closeSync(fd);
});

test.run();
