/**
 * FileRegion over real files and real 127.0.0.1 sockets, below the Log: seeded random regions arrive
 * byte for byte (mapped sealed file on the native side, positioned reads on the fallback and for
 * active files), backpressure with regions many times the socket buffers, any Writable (copies),
 * concurrent transfers of one file; and the hazards — receiver gone, destination destroyed before
 * the start, file unlinked mid-transfer, file truncated under a mapped transfer — end in a typed
 * error or a correct completion, never a crash or a hang, with no fd or pool buffer leaked.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ftruncateSync, openSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { FileHandle, FilePool } from '../../lib/segment/file-handle.js';
import { FileRegion, TransferAbortedError, platformReport } from '../../lib/index.js';
import { pooledBufferCount } from '../../native-free-fallback/file-sender.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { client, finish, openFds, pause, receiver, writeRandomFile } from './helpers.js';

test.after.each(removeTempDirs);

const seed = seedFromEnv();
const nativeMapping = platformReport().mapFile === 'native:mmap-io';
const MiB = 1024 * 1024;

function sealedFile(sizeBytes: number, sealed = true): { handle: FileHandle; bytes: Buffer; pool: FilePool; path: string } {
  const path = join(tempDir(), '00000000000000000000.log');
  const bytes = writeRandomFile(path, sizeBytes, seededRandom(seed));
  const pool = new FilePool();
  const handle = new FileHandle(path, pool);
  if (sealed) handle.markSealed(sizeBytes);
  return { handle, bytes, pool, path };
}

async function sendOver(region: FileRegion, slowMs = 0): Promise<Buffer> {
  const target = await receiver(slowMs);
  const socket = await client(target.port);
  const sent = await region.transferTo(socket);
  assert.is(sent, region.sizeBytes);
  const got = await finish(socket, target);
  await target.close();
  return got;
}

test(`seeded random regions of a sealed and an active file arrive byte for byte (seed ${seed})`, async () => {
  const random = seededRandom(seed);
  for (const sealed of [true, false]) {
    const { handle, bytes, pool } = sealedFile(6 * MiB + 123, sealed);
    for (let i = 0; i < 12; i++) {
      const positionBytes = Math.floor(random() * bytes.length);
      const sizeBytes = Math.floor(random() * (bytes.length - positionBytes + 1));
      const region = new FileRegion(handle, positionBytes, sizeBytes, 0);
      const got = await sendOver(region);
      assert.ok(got.equals(bytes.subarray(positionBytes, positionBytes + sizeBytes)),
        `seed ${seed} sealed=${sealed}: region [${positionBytes}, +${sizeBytes}) differs`);
    }
    assert.is(handle.mapped, sealed && nativeMapping, `seed ${seed}: the mapped path is taken iff sealed and native`);
    assert.is(handle.referenceCount, 0);
    pool.closeAll();
  }
});

test('a region many times the socket buffers, slow receiver: backpressure, exact bytes, bounded memory', async () => {
  const { handle, bytes, pool } = sealedFile(24 * MiB);
  const rssBefore = process.memoryUsage().rss;
  const got = await sendOver(new FileRegion(handle, 1000, bytes.length - 2000, 0), 1);
  assert.ok(got.equals(bytes.subarray(1000, bytes.length - 1000)));
  // The file's bytes are 24 MiB already in this process (the oracle); a buffering sender would add more.
  const grownMiB = (process.memoryUsage().rss - rssBefore) / MiB;
  assert.ok(grownMiB < 64, `rss grew ${grownMiB.toFixed(1)} MiB`);
  pool.closeAll();
});

test('any Writable gets copies (never views of a mapping); stream() and toBuffer() agree', async () => {
  const { handle, bytes, pool } = sealedFile(3 * MiB + 7);
  const region = new FileRegion(handle, 5, bytes.length - 10, 0);
  const kept: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      kept.push(Buffer.from(chunk)); // a copy: the sender reuses its buffers after the callback
      setImmediate(callback);
    },
  });
  assert.is(await region.transferTo(sink), region.sizeBytes);
  assert.ok(Buffer.concat(kept).equals(bytes.subarray(5, bytes.length - 5)));
  const through = new PassThrough();
  const streamed: Buffer[] = [];
  through.on('data', (chunk: Buffer) => streamed.push(Buffer.from(chunk)));
  await region.transferTo(through);
  assert.ok(Buffer.concat(streamed).equals(region.toBuffer()));
  const chunks: Buffer[] = [];
  for await (const chunk of region.stream()) chunks.push(chunk as Buffer);
  assert.ok(Buffer.concat(chunks).equals(region.toBuffer()));
  assert.is(FileRegion.empty(42).toBuffer().length, 0);
  assert.is(await FileRegion.empty(42).transferTo(sink), 0);
  pool.closeAll();
});

test('views of the mapping go only to plain sockets; a Socket subclass (as TLSSocket is) gets copies', async () => {
  const { handle, bytes, pool } = sealedFile(4 * MiB);
  class WrappedSocket extends Socket {}
  for (const subclass of [false, true]) {
    const target = await receiver();
    const socket = subclass ? new WrappedSocket() : new Socket();
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.connect(target.port, '127.0.0.1', () => resolve(undefined)));
    const backing = new Set<number>();
    const write = socket.write.bind(socket) as (chunk: Buffer, callback: (error?: Error | null) => void) => boolean;
    Object.defineProperty(socket, 'write', {
      value: (chunk: Buffer, callback: (error?: Error | null) => void) => {
        backing.add(chunk.buffer.byteLength);
        return write(chunk, callback);
      },
      writable: true,
      configurable: true,
    });
    await new FileRegion(handle, 0, bytes.length, 0).transferTo(socket);
    assert.ok((await finish(socket, target)).equals(bytes), `subclass=${subclass}`);
    await target.close();
    const viaMapping = backing.has(bytes.length);
    assert.is(viaMapping, nativeMapping && !subclass, `subclass=${subclass}: chunk backings ${[...backing].join(',')}`);
  }
  pool.closeAll();
});

test('four concurrent transfers of one file share its fd and mapping and all arrive', async () => {
  const { handle, bytes, pool } = sealedFile(8 * MiB);
  const regions = [0, 1, 2, 3].map((i) => new FileRegion(handle, i * 2 * MiB, 2 * MiB, 0));
  const got = await Promise.all(regions.map((r) => sendOver(r, 1)));
  got.forEach((g, i) => assert.ok(g.equals(bytes.subarray(i * 2 * MiB, (i + 1) * 2 * MiB)), `region ${i}`));
  assert.is(handle.referenceCount, 0);
  pool.closeAll();
});

test('the receiver disconnects mid-transfer: TransferAbortedError, fds and pool buffers back', async () => {
  for (const sealed of [true, false]) {
    const { handle, bytes, pool } = sealedFile(32 * MiB, sealed);
    const fds = openFds();
    const target = await receiver(20);
    const socket = await client(target.port);
    const transfer = new FileRegion(handle, 0, bytes.length, 0).transferTo(socket);
    setTimeout(() => target.sockets[0]?.destroy(), 30);
    const outcome = await transfer.then(() => 'completed', (error: unknown) => error);
    assert.instance(outcome, TransferAbortedError, `sealed=${sealed}`);
    assert.is((outcome as TransferAbortedError).code, 'SEGLOG_TRANSFER_ABORTED');
    socket.destroy();
    await target.close();
    await pause(20);
    assert.is(handle.referenceCount, 0);
    pool.closeAll();
    assert.ok(openFds() <= fds, `sealed=${sealed}: no descriptor leaked (${openFds() - fds})`);
  }
  assert.ok(pooledBufferCount() >= 2, `the read buffers went back to the pool (${pooledBufferCount()})`);
});

test('a destination already destroyed or ended: rejects at once, nothing held', async () => {
  const { handle, pool } = sealedFile(MiB);
  const target = await receiver();
  const socket = await client(target.port);
  socket.destroy();
  const region = new FileRegion(handle, 0, MiB, 0);
  await region.transferTo(socket).then(() => assert.unreachable('destroyed'), (e: unknown) => assert.instance(e, TransferAbortedError));
  const ended = new PassThrough();
  ended.end();
  await region.transferTo(ended).then(() => assert.unreachable('ended'), (e: unknown) => assert.instance(e, TransferAbortedError));
  assert.is(handle.referenceCount, 0);
  await target.close();
  pool.closeAll();
});

test('file renamed .deleted, retired, unlinked mid-transfer: completes with the right bytes; later transfers fail typed', async () => {
  for (const sealed of [true, false]) {
    const { handle, bytes, pool, path } = sealedFile(16 * MiB, sealed);
    const fds = openFds();
    const target = await receiver(1);
    const socket = await client(target.port);
    const region = new FileRegion(handle, 0, bytes.length, 0);
    const transfer = region.transferTo(socket);
    await pause(5);
    handle.renameTo(`${path}.deleted`);
    handle.retire();
    unlinkSync(`${path}.deleted`);
    assert.is(await transfer, bytes.length, `sealed=${sealed}`);
    const got = await finish(socket, target);
    assert.ok(got.equals(bytes), `sealed=${sealed}: the open file still had every byte`);
    socket.destroy();
    await target.close();
    await pause(20);
    await region.transferTo(new PassThrough()).then(() => assert.unreachable('gone'),
      (e: unknown) => assert.instance(e, TransferAbortedError));
    assert.throws(() => region.toBuffer(), (e: unknown) => e instanceof TransferAbortedError);
    pool.closeAll();
    assert.ok(openFds() <= fds, `sealed=${sealed}: fd closed after the last reader (${openFds() - fds})`);
  }
});

test('the file truncated under a transfer (mapped on the native side): typed error, no SIGBUS, no wrong bytes claimed', async () => {
  for (const cutBytes of [MiB, MiB + 1234]) {
    for (const sealed of [true, false]) {
      const { handle, bytes, pool, path } = sealedFile(32 * MiB, sealed);
      const target = await receiver(5);
      const socket = await client(target.port);
      const transfer = new FileRegion(handle, 0, bytes.length, 0).transferTo(socket);
      await pause(15);
      // What Segment.truncateFile does: tell the handle, then cut the file.
      handle.beforeTruncate(cutBytes);
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, cutBytes);
      closeSync(fd);
      const outcome = await transfer.then(() => 'completed', (error: unknown) => error);
      assert.instance(outcome, TransferAbortedError, `cut ${cutBytes}, sealed=${sealed}`);
      socket.destroy();
      const got = await target.received;
      // Bytes before the cut are the file's; nothing is claimed beyond it.
      const checked = Math.min(got.length, cutBytes);
      assert.ok(got.subarray(0, checked).equals(bytes.subarray(0, checked)), `cut ${cutBytes}, sealed=${sealed}: prefix`);
      await target.close();
      assert.is(handle.referenceCount, 0);
      pool.closeAll();
    }
  }
});

test('a truncation inside the last page of a mapped region after it was sent whole is still reported', async () => {
  const { handle, bytes, pool, path } = sealedFile(64 * 1024);
  const target = await receiver(30);
  const socket = await client(target.port);
  // Small enough to be written at once; the cut lands in the region's last page before the callback.
  const region = new FileRegion(handle, 0, bytes.length, 0);
  const transfer = region.transferTo(socket);
  handle.beforeTruncate(bytes.length - 100);
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, bytes.length - 100);
  closeSync(fd);
  const outcome = await transfer.then((n) => n, (error: unknown) => error);
  // The mapped side cannot know which bytes the kernel read: it must not claim success. The read
  // side read everything before the cut (synchronously, in transferTo) and may complete.
  if (nativeMapping) assert.instance(outcome, TransferAbortedError);
  else assert.ok(outcome === bytes.length || outcome instanceof TransferAbortedError);
  socket.destroy();
  await target.close();
  pool.closeAll();
});

test.run();
