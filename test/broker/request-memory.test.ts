// D6: a broker-wide bound on buffered request bytes. Twelve connections each send most of a large
// Produce frame and stall; the broker (a child process, so its RSS is its own) keeps one frame's
// worth buffered, stops reading the others, still answers small requests, and gives the memory back
// when they close. Frames too large for their API are refused from their first eight bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Reader } from '../../lib/broker/protocol/wire.js';
import { ApiKey } from '../../lib/broker/protocol/api-keys.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { WireClient, requestFrame, startBrokerChild, type BrokerChild, type ChildStats } from './helpers.js';

const MIB = 1024 * 1024;
const CLAIMED_BYTES = 20 * MIB;
const SENT_BYTES = 16 * MIB;
const POOL_BYTES = 24 * MIB;
const CONNECTIONS = 12;

test.after.each(() => removeTempDirs());

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Asks the child for stats until `done` holds (each answer is a fresh reading; bounded by `attempts`). */
async function statsWhen(child: BrokerChild, done: (s: ChildStats) => boolean, attempts = 2000): Promise<ChildStats> {
  let last = await child.stats();
  for (let i = 0; i < attempts && !done(last); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    last = await child.stats();
  }
  assert.ok(done(last), `condition never held: ${JSON.stringify(last)}`);
  return last;
}

test('D6: 12 stalled 20 MiB frames keep the broker within its request memory pool; the memory returns when they close', async () => {
  const child = await startBrokerChild(join(tempDir('seglog-memory-'), 'data'), { listen: { queuedRequestBytesMax: POOL_BYTES } });
  const sockets: Socket[] = [];
  try {
    const baseline = await child.stats();
    // One shared body buffer: the client side does not grow with the connection count.
    const body = Buffer.alloc(SENT_BYTES);
    body.writeInt16BE(ApiKey.Produce, 0);
    body.writeInt16BE(7, 2);
    const size = Buffer.alloc(4);
    size.writeInt32BE(CLAIMED_BYTES);
    for (let i = 0; i < CONNECTIONS; i++) {
      const s = await open(child.port);
      s.on('error', () => undefined);
      s.write(size);
      s.write(body);
      sockets.push(s);
    }
    const full = await statsWhen(child, (s) => s.connections === CONNECTIONS && s.memory.waitingConnections === CONNECTIONS - 1
        && s.memory.bufferedBytes === SENT_BYTES);
    assert.ok(full.memory.reservedBytes <= POOL_BYTES, `reserved ${full.memory.reservedBytes}`);
    const grownBytes = full.rssBytes - baseline.rssBytes;
    assert.ok(grownBytes < POOL_BYTES + 40 * MIB, `RSS grew by ${(grownBytes / MIB).toFixed(0)} MiB (pool ${POOL_BYTES / MIB} MiB)`);
    // Small requests are still answered while the large ones wait.
    const client = await WireClient.open(child.port);
    const answer = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 0, 5, () => undefined)));
    assert.is(answer.int32(), 5);
    client.close();
    for (const s of sockets) s.destroy();
    const after = await statsWhen(child, (s) => s.connections === 0 && s.memory.reservedBytes === 0 && s.memory.waitingConnections === 0);
    const keptBytes = after.rssBytes - baseline.rssBytes;
    assert.ok(keptBytes < 32 * MIB, `RSS still ${(keptBytes / MIB).toFixed(0)} MiB above the baseline after close`);
  } finally {
    for (const s of sockets) s.destroy();
    assert.is(await child.stop(), 0);
  }
});

test('a Metadata frame claiming 50 MiB closes its connection from the first eight bytes; others are served', async () => {
  const child = await startBrokerChild(join(tempDir('seglog-memory-'), 'data'));
  try {
    const hostile = await WireClient.open(child.port);
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(50 * MIB);
    prefix.writeInt16BE(ApiKey.Metadata, 4);
    prefix.writeInt16BE(4, 6);
    hostile.send(prefix);
    await hostile.closed;
    assert.is((await child.stats()).memory.reservedBytes, 0);
    const client = await WireClient.open(child.port);
    assert.is(new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 0, 6, () => undefined))).int32(), 6);
    client.close();
  } finally {
    assert.is(await child.stop(), 0);
  }
});

test.run();
