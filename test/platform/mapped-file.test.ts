/** mapFile contract: the same cases against the native mapping, the Buffer fallback and the chosen side. */
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AssertionError } from '../../lib/assert.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { mapFileSides } from './sides.js';

const seed = seedFromEnv();
const openFds: number[] = [];

function openSized(path: string, sizeBytes: number, flags = 'w+'): number {
  const fd = openSync(path, flags);
  openFds.push(fd);
  if (flags === 'w+') ftruncateSync(fd, sizeBytes);
  return fd;
}

test.after.each(() => {
  for (const fd of openFds.splice(0)) closeSync(fd);
  removeTempDirs();
});

for (const { name, impl: mapFile } of mapFileSides) {
  test(`${name}: writes land in the file at the same positions`, () => {
    const path = join(tempDir(), 'file.index');
    const fd = openSized(path, 4096);
    const mapped = mapFile(fd, 4096, true);
    assert.is(mapped.sizeBytes, 4096);
    assert.ok(mapped.writable);
    const entry = Buffer.from([0, 0, 0, 7, 0, 0, 0x10, 0]);
    mapped.write(0, entry);
    mapped.write(4088, entry);
    mapped.flush();
    const onDisk = readFileSync(path);
    assert.equal([...onDisk.subarray(0, 8)], [...entry]);
    assert.equal([...onDisk.subarray(4088)], [...entry]);
    assert.equal([...mapped.bytes.subarray(4088)], [...entry]);
    assert.ok(onDisk.subarray(8, 4088).every((b) => b === 0));
    mapped.close();
  });

  test(`${name}: random writes match an in-memory oracle byte for byte (seed ${seed})`, () => {
    const random = seededRandom(seed);
    const sizeBytes = 64 * 1024;
    const path = join(tempDir(), 'random.index');
    const fd = openSized(path, sizeBytes);
    const mapped = mapFile(fd, sizeBytes, true);
    const oracle = Buffer.alloc(sizeBytes);
    for (let i = 0; i < 500; i++) {
      const lengthBytes = 1 + Math.floor(random() * 64);
      const positionBytes = Math.floor(random() * (sizeBytes - lengthBytes));
      const source = Buffer.alloc(lengthBytes);
      for (let j = 0; j < lengthBytes; j++) source[j] = Math.floor(random() * 256);
      mapped.write(positionBytes, source);
      source.copy(oracle, positionBytes);
    }
    mapped.flush();
    assert.ok(readFileSync(path).equals(oracle), `seed ${seed}: file differs from oracle`);
    assert.ok(mapped.bytes.equals(oracle), `seed ${seed}: bytes differ from oracle`);
    mapped.close();
  });

  test(`${name}: a mapping shows the bytes already in the file`, () => {
    const path = join(tempDir(), 'existing.index');
    const content = Buffer.alloc(8192);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31) & 0xff;
    writeFileSync(path, content);
    const fd = openSized(path, 0, 'r');
    const mapped = mapFile(fd, 8192, false);
    assert.ok(mapped.bytes.equals(content));
    assert.not.ok(mapped.writable);
    mapped.flush();
    mapped.close();
  });

  test(`${name}: mapping a prefix shows only the prefix`, () => {
    const path = join(tempDir(), 'prefix.index');
    writeFileSync(path, Buffer.alloc(4096, 0xab));
    const fd = openSized(path, 0, 'r+');
    const mapped = mapFile(fd, 100, true);
    assert.is(mapped.bytes.length, 100);
    mapped.write(92, Buffer.alloc(8, 0x01));
    assert.throws(() => mapped.write(96, Buffer.alloc(8)), (e: unknown) => e instanceof AssertionError);
    mapped.close();
    const onDisk = readFileSync(path);
    assert.is(onDisk.length, 4096);
    assert.ok(onDisk.subarray(92, 100).every((b) => b === 1));
    assert.ok(onDisk.subarray(100).every((b) => b === 0xab));
  });

  test(`${name}: a file of size 0 maps to an empty view`, () => {
    const fd = openSized(join(tempDir(), 'empty.index'), 0);
    const mapped = mapFile(fd, 0, true);
    assert.is(mapped.sizeBytes, 0);
    assert.is(mapped.bytes.length, 0);
    mapped.write(0, new Uint8Array(0));
    mapped.flush();
    assert.throws(() => mapped.write(0, new Uint8Array(1)), (e: unknown) => e instanceof AssertionError);
    mapped.close();
  });

  test(`${name}: a 10 MiB file maps, writes at both ends and reads back`, () => {
    const sizeBytes = 10 * 1024 * 1024;
    const path = join(tempDir(), 'big.index');
    const fd = openSized(path, sizeBytes);
    const mapped = mapFile(fd, sizeBytes, true);
    assert.is(mapped.bytes.length, sizeBytes);
    mapped.write(0, Buffer.from('head'));
    mapped.write(sizeBytes - 4, Buffer.from('tail'));
    mapped.write(5 * 1024 * 1024, Buffer.from('middle'));
    mapped.flush();
    const onDisk = readFileSync(path);
    assert.is(onDisk.length, sizeBytes);
    assert.is(onDisk.toString('latin1', 0, 4), 'head');
    assert.is(onDisk.toString('latin1', sizeBytes - 4), 'tail');
    assert.is(onDisk.toString('latin1', 5 * 1024 * 1024, 5 * 1024 * 1024 + 6), 'middle');
    assert.is(mapped.bytes.toString('latin1', sizeBytes - 4), 'tail');
    mapped.close();
  });

  test(`${name}: a read-only mapping refuses write()`, () => {
    const path = join(tempDir(), 'ro.index');
    writeFileSync(path, Buffer.alloc(4096, 7));
    const fd = openSized(path, 0, 'r');
    const mapped = mapFile(fd, 4096, false);
    assert.throws(() => mapped.write(0, Buffer.from([1])), (e: unknown) => e instanceof AssertionError);
    assert.ok(readFileSync(path).every((b) => b === 7));
    assert.is(mapped.bytes[0], 7);
    mapped.close();
  });

  test(`${name}: writes outside the mapping are refused`, () => {
    const fd = openSized(join(tempDir(), 'bounds.index'), 64);
    const mapped = mapFile(fd, 64, true);
    const isBug = (e: unknown): boolean => e instanceof AssertionError;
    assert.throws(() => mapped.write(-1, Buffer.alloc(1)), isBug);
    assert.throws(() => mapped.write(60, Buffer.alloc(8)), isBug);
    assert.throws(() => mapped.write(1.5, Buffer.alloc(1)), isBug);
    mapped.close();
  });

  test(`${name}: mapping more than the file holds is refused`, () => {
    const fd = openSized(join(tempDir(), 'short.index'), 100);
    assert.throws(() => mapFile(fd, 4096, true), (e: unknown) => e instanceof AssertionError);
    assert.throws(() => mapFile(fd, -1, true), (e: unknown) => e instanceof AssertionError);
  });

  test(`${name}: close() makes the mapping unusable`, () => {
    const fd = openSized(join(tempDir(), 'closed.index'), 4096);
    const mapped = mapFile(fd, 4096, true);
    mapped.close();
    const isBug = (e: unknown): boolean => e instanceof AssertionError;
    assert.throws(() => mapped.bytes, isBug);
    assert.throws(() => mapped.write(0, Buffer.alloc(1)), isBug);
    assert.throws(() => mapped.flush(), isBug);
    mapped.close();
  });

  test(`${name}: close() leaves the caller's fd open`, () => {
    const path = join(tempDir(), 'fd.index');
    const fd = openSized(path, 16);
    const mapped = mapFile(fd, 16, true);
    mapped.close();
    ftruncateSync(fd, 32);
    assert.is(readFileSync(path).length, 32);
  });
}

test('native and fallback leave identical files after the same writes', () => {
  const dir = tempDir();
  const random = seededRandom(seed ^ 0x77);
  const writes: Array<[number, Buffer]> = [];
  for (let i = 0; i < 200; i++) {
    const source = Buffer.alloc(8);
    source.writeUInt32BE(i, 0);
    source.writeUInt32BE(Math.floor(random() * 2 ** 31), 4);
    writes.push([i * 8, source]);
  }
  const files = mapFileSides.map(({ name, impl }) => {
    const path = join(dir, `${name}.index`);
    const fd = openSized(path, 4096);
    const mapped = impl(fd, 4096, true);
    for (const [positionBytes, source] of writes) mapped.write(positionBytes, source);
    mapped.flush();
    mapped.close();
    return readFileSync(path);
  });
  const first = files[0];
  assert.ok(first !== undefined);
  for (const file of files) assert.ok(file.equals(first), `seed ${seed}`);
});

test.run();
