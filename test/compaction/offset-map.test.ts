import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { md5Into } from '../../lib/compaction/md5.js';
import { OffsetMap } from '../../lib/compaction/offset-map.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';

const seed = seedFromEnv();

test('md5Into equals node:crypto md5 for every length 0..300 and random bytes', () => {
  const random = seededRandom(seed);
  const out = new Uint8Array(20);
  for (let length = 0; length <= 300; length++) {
    const bytes = new Uint8Array(length + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    md5Into(bytes, 3, length, out, 2);
    const expected = createHash('md5').update(bytes.subarray(3, 3 + length)).digest();
    assert.equal(Buffer.from(out.subarray(2, 18)).toString('hex'), expected.toString('hex'), `length ${length}, seed ${seed}`);
  }
  md5Into(new TextEncoder().encode('abc'), 0, 3, out, 0);
  assert.is(Buffer.from(out.subarray(0, 16)).toString('hex'), '900150983cd24fb0d6963f7d28e17f72');
});

test('put/get against a Map oracle, later puts win, absent keys give -1', () => {
  const random = seededRandom(seed);
  const map = new OffsetMap(24 * 4096);
  const oracle = new Map<string, number>();
  const enc = new TextEncoder();
  let offset = 0;
  while (map.size < map.entriesMax - 1) {
    const key = `k${Math.floor(random() * 5000)}`;
    const bytes = enc.encode(key);
    if (!oracle.has(key) && map.size + 1 > map.entriesMax) break;
    map.put(bytes, 0, bytes.length, offset);
    oracle.set(key, offset);
    offset += 1 + Math.floor(random() * 3);
  }
  assert.is(map.size, oracle.size, `seed ${seed}`);
  for (const [key, value] of oracle) {
    const bytes = enc.encode(key);
    assert.is(map.get(bytes, 0, bytes.length), value, `key ${key}, seed ${seed}`);
  }
  const absent = enc.encode('not-there');
  assert.is(map.get(absent, 0, absent.length), -1);
  assert.is(map.latestOffset, Math.max(...oracle.values()));
});

test('capacity: 0.9 of the slots; clear empties it', () => {
  const map = new OffsetMap(24 * 100);
  assert.is(map.slots, 100);
  assert.is(map.entriesMax, 90);
  const key = new Uint8Array(4);
  for (let i = 0; i < 90; i++) {
    new DataView(key.buffer).setUint32(0, i);
    map.put(key, 0, 4, i);
  }
  assert.ok(map.isFull);
  map.clear();
  assert.is(map.size, 0);
  assert.is(map.latestOffset, -1);
  assert.is(map.get(key, 0, 4), -1);
  map.put(key, 0, 4, 7);
  assert.is(map.get(key, 0, 4), 7);
});

test('large offsets round-trip', () => {
  const map = new OffsetMap(24 * 16);
  const key = new Uint8Array([1, 2, 3]);
  map.put(key, 0, 3, Number.MAX_SAFE_INTEGER - 5);
  assert.is(map.get(key, 0, 3), Number.MAX_SAFE_INTEGER - 5);
  map.put(key, 0, 3, 2 ** 32 + 1);
  assert.is(map.get(key, 0, 3), 2 ** 32 + 1);
});

test('bad memory sizes are typed errors', () => {
  assert.throws(() => new OffsetMap(10), (e: Error & { code?: string }) => e.code === 'SEGLOG_INVALID_ARGUMENT');
  assert.throws(() => new OffsetMap(2 ** 32), (e: Error & { code?: string }) => e.code === 'SEGLOG_INVALID_ARGUMENT');
});

test.run();
