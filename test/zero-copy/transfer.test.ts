/**
 * File regions over real 127.0.0.1 sockets: the bytes received equal the file's bytes (batch
 * boundaries, mid-segment, larger than the socket buffers, the active segment while appends go on);
 * a receiver that disconnects and a segment deleted mid-transfer give typed errors or complete, never
 * a crash or hang; file descriptors do not leak. Also stream(), toBuffer() and the fetch planner.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Log, planFetch, decodeBatches, platformReport, TransferAbortedError, type FileRegion } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const openFds = () => readdirSync('/proc/self/fd').length;
/** The fd count once the sockets of a finished send have closed (it stops changing). */
async function settledFds(): Promise<number> {
  let last = -1;
  for (let i = 0; i < 40 && openFds() !== last; i++) {
    last = openFds();
    await new Promise((r) => setTimeout(r, 50));
  }
  return openFds();
}
/** Waits (≤ 2 s) for the sockets' fds to close: both ends close a moment after the receiver has its bytes. */
async function fdsBackTo(fds: number): Promise<void> {
  for (let waitedMs = 0; openFds() > fds && waitedMs < 2000; waitedMs += 10) await new Promise((r) => setTimeout(r, 10));
}
const value = (i: number, size: number) => Buffer.alloc(size, i % 251);

async function filledLog(dir: string, batches: number, recordBytes: number, config = {}): Promise<Log> {
  const log = await Log.open(dir, { segmentBytes: 64 * 1024 * 1024, ...config });
  for (let b = 0; b < batches; b++) {
    log.append(Array.from({ length: 10 }, (_, i) => ({ key: `k${b * 10 + i}`, value: value(b * 10 + i, recordBytes),
        timestampMs: 1_700_000_000_000 + b })));
  }
  return log;
}

/** A receiver that collects everything; `slowMs` pauses reading to force backpressure. */
async function receiver(slowMs = 0): Promise<{ server: Server; port: number; received: Promise<Buffer>; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  let deliver: (b: Buffer) => void = () => undefined;
  const received = new Promise<Buffer>((resolve) => (deliver = resolve));
  const server = createServer((socket) => {
    sockets.push(socket);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (slowMs > 0) {
        socket.pause();
        setTimeout(() => socket.resume(), slowMs);
      }
    });
    socket.on('end', () => deliver(Buffer.concat(chunks)));
    socket.on('error', () => deliver(Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0, received, sockets };
}

async function send(region: FileRegion, slowMs = 0): Promise<Buffer> {
  const { server, port, received } = await receiver(slowMs);
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const sent = await region.transferTo(socket);
  assert.is(sent, region.sizeBytes);
  socket.end();
  const bytes = await received;
  server.close();
  return bytes;
}

function fileBytes(region: FileRegion): Buffer {
  return readFileSync(region.path).subarray(region.positionBytes, region.positionBytes + region.sizeBytes);
}

test('regions at batch boundaries and mid-segment arrive byte for byte; larger than socket buffers with backpressure', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 800, 1000); // ~8 MiB
  log.read(0).toBuffer(); // the pool keeps the segment's read fd open from here on, by design
  // The process's first listening server opens an fd for good (libuv's /dev/null reserve for EMFILE).
  await send(log.read(0, { maxBytes: 1 }));
  const fds = await settledFds();
  for (const [offset, maxBytes, slowMs] of [[0, 4096, 0], [1234, 100_000, 0], [3000, 6 * 1024 * 1024, 2]] as const) {
    const region = log.read(offset, { maxBytes });
    const got = await send(region, slowMs);
    assert.is(got.length, region.sizeBytes);
    assert.ok(got.equals(fileBytes(region)), `offset ${offset}: bytes equal the file's`);
    const [first] = [...decodeBatches(got)];
    assert.ok(first !== undefined && first.baseOffset <= offset && first.lastOffset >= offset, 'starts at the batch holding the offset');
  }
  await fdsBackTo(fds);
  assert.ok(openFds() <= fds, `no descriptor leaked (${openFds() - fds})`);
  await log.close();
});

test('the active segment while appends continue: the region is a stable snapshot', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 200, 500);
  const region = log.read(0, { maxBytes: 50 * 1024 * 1024 });
  const expected = fileBytes(region);
  const appending = setInterval(() => log.append([{ key: 'late', value: value(1, 5000), timestampMs: 1 }]), 1);
  const got = await send(region, 1);
  clearInterval(appending);
  assert.ok(got.equals(expected));
  assert.ok(log.logEndOffset > 2000, 'appends went on');
  await log.close();
});

test('the active segment rolls while its region is sent: exact bytes, and the sealed file is then sent mapped', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 150, 1000, { segmentBytes: 2 * 1024 * 1024 });
  const startOffset = log.logEndOffset - 300;
  const region = log.read(startOffset, { maxBytes: 4 * 1024 * 1024 });
  assert.not.ok(region.file!.sealed, 'the region is in the active segment');
  const expected = fileBytes(region);
  let appended = 0;
  const appending = setInterval(() => {
    for (let i = 0; i < 20; i++) log.append([{ key: 'late', value: value(appended++, 5000), timestampMs: 1 }]);
  }, 1);
  const got = await send(region, 2);
  clearInterval(appending);
  assert.ok(got.equals(expected), 'a stable snapshot of the bytes at read time');
  assert.ok(region.file!.sealed, 'appends rolled the segment during the transfer');
  const again = log.read(startOffset, { maxBytes: 4 * 1024 * 1024 });
  assert.ok((await send(again)).equals(fileBytes(again)));
  assert.is(again.file!.mapped, platformReport().mapFile === 'native:mmap-io');
  await log.close();
});

test('a receiver that disconnects mid-transfer: TransferAbortedError, no hang, no fd leak', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 1000, 1000);
  log.read(0).toBuffer();
  const fds = openFds();
  const { server, port, sockets } = await receiver(50);
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const region = log.read(0, { maxBytes: 20 * 1024 * 1024 });
  const transfer = region.transferTo(socket);
  setTimeout(() => sockets[0]?.destroy(), 30);
  try {
    await transfer;
    assert.unreachable('the receiver was gone');
  } catch (error) {
    assert.instance(error, TransferAbortedError);
  }
  socket.destroy();
  server.close();
  await fdsBackTo(fds);
  assert.ok(openFds() <= fds, `no descriptor leaked (${openFds() - fds})`);
  await log.close();
});

test('a segment deleted by retention during the transfer: completes from the open file, later reads fail typed', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 600, 1000, { segmentBytes: 1024 * 1024, fileDeleteDelayMs: 0 });
  const region = log.read(0, { maxBytes: 900 * 1024 });
  const expected = fileBytes(region);
  const { server, port, received } = await receiver(2);
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const transfer = region.transferTo(socket);
  log.deleteRecordsBefore(log.highWatermark - 1);
  await new Promise((r) => setTimeout(r, 5)); // the deletion timer (fileDeleteDelayMs 0) unlinks the files
  const outcome = await transfer.then((n) => n, (error: unknown) => error);
  socket.end();
  const got = await received;
  server.close();
  if (typeof outcome === 'number') assert.ok(got.equals(expected), 'a completed transfer carries the right bytes');
  else assert.instance(outcome, TransferAbortedError);
  assert.throws(() => region.toBuffer(), (e: unknown) => e instanceof TransferAbortedError, 'the file is gone now');
  await log.close();
});

test('sealed segments (mapped on the native side): regions from batch starts and mid-batch offsets, whole-segment regions', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 900, 1000, { segmentBytes: 1024 * 1024 });
  assert.ok(log.stats().segments > 5, 'several sealed segments');
  for (const offset of [0, 5, 2000, 4444, 8000]) {
    const region = log.read(offset, { maxBytes: 3 * 1024 * 1024 });
    const got = await send(region);
    assert.ok(got.equals(fileBytes(region)), `offset ${offset}`);
    const batches = [...decodeBatches(got)];
    assert.ok(batches[0]!.baseOffset <= offset && batches[0]!.lastOffset >= offset, `offset ${offset}: starts at its batch`);
    if (region.file!.sealed) assert.is(region.file!.mapped, platformReport().mapFile === 'native:mmap-io', 'mapped iff native');
  }
  await log.close();
});

test('log.truncateTo into a sealed segment under a transfer of it: typed error or complete, never a crash', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 900, 1000, { segmentBytes: 4 * 1024 * 1024 });
  const region = log.read(0, { maxBytes: 4 * 1024 * 1024 });
  assert.ok(region.file!.sealed, 'the first segment is sealed');
  const expected = fileBytes(region);
  const { server, port, received } = await receiver(5);
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  const transfer = region.transferTo(socket);
  await new Promise((r) => setTimeout(r, 10));
  log.truncateTo(100);
  const outcome = await transfer.then((n) => n, (error: unknown) => error);
  socket.destroy();
  const got = await received;
  server.close();
  if (typeof outcome === 'number') assert.ok(got.equals(expected));
  else assert.instance(outcome, TransferAbortedError);
  assert.is(log.logEndOffset, 100);
  const after = log.read(0, { maxBytes: 1 << 20 });
  assert.ok((await send(after)).equals(fileBytes(after)), 'reads after the truncation are right');
  await log.close();
});

test('stream() and toBuffer() give the same bytes', async () => {
  const dir = tempDir();
  const log = await filledLog(dir, 100, 700);
  const region = log.read(55, { maxBytes: 300_000 });
  const chunks: Buffer[] = [];
  for await (const chunk of region.stream()) chunks.push(chunk as Buffer);
  assert.ok(Buffer.concat(chunks).equals(region.toBuffer()));
  assert.ok(region.toBuffer().equals(fileBytes(region)));
  await log.close();
});

test('fetch planner: response budget, minOneMessage until data, per-partition errors', async () => {
  const logs = await Promise.all([0, 1, 2].map(async (i) => filledLog(join(tempDir(), `t-${i}`), 50, 1000)));
  const batchBytes = logs[0]!.read(0, { maxBytes: 1 }).sizeBytes;
  const plan = planFetch([
    { log: logs[0]!, offset: 0, maxBytes: 10 }, // smaller than a batch: still one whole batch (minOneMessage)
    { log: logs[1]!, offset: 0, maxBytes: 1024 * 1024 },
    { log: logs[2]!, offset: 999_999, maxBytes: 1024 * 1024 },
  ], batchBytes * 3);
  assert.is(plan.partitions[0]!.region?.sizeBytes, batchBytes);
  assert.is(plan.partitions[1]!.region?.sizeBytes, batchBytes * 2, 'the rest of the budget, no minOneMessage any more');
  assert.is(plan.partitions[2]!.error?.code, 'SEGLOG_OFFSET_OUT_OF_RANGE');
  assert.is(plan.totalBytes, batchBytes * 3);
  for (const log of logs) await log.close();
});

test.run();
