/**
 * The batch walker's read-ahead walk (recovery next to the fallback CRC) against its plain walk: the
 * same batches, the same stop at the same byte for the same reason, over files whose batches cross
 * chunk ends, are longer than a chunk, are damaged, torn, or cut short while the walk runs. Small
 * chunks make every case cross many chunk ends; `waiting` must have been seen, so the read ahead is
 * really used, and a hit must not read its bytes twice.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBatch } from '../../lib/record/index.js';
import { BatchWalker, type WalkStop } from '../../lib/segment/batch-walker.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const seed = seedFromEnv();
const CHUNK_BYTES = 4096;

interface Walked {
  batches: string[];
  stop: WalkStop | null;
  validBytes: number;
  waits: number;
  bytesRead: number;
}

async function walk(path: string, readAhead: boolean, duringWait?: (waits: number) => void): Promise<Walked> {
  const walker = new BatchWalker({ verifyCrc: true, readAhead, chunkBytes: CHUNK_BYTES }).open(path);
  const batches: string[] = [];
  let waits = 0;
  try {
    for (;;) {
      if (!walker.next()) {
        if (!walker.waiting) break;
        waits++;
        duringWait?.(waits);
        await walker.wait();
        continue;
      }
      // The batch's own bytes, whichever buffer holds them now.
      const bytes = walker.batchBytes();
      batches.push(`${walker.positionBytes}+${walker.sizeBytes}:${bytes.readBigInt64BE(0)}:${bytes[bytes.length - 1]}`);
    }
  } finally {
    await walker.settle();
    walker.close();
  }
  return { batches, stop: walker.stop, validBytes: walker.validBytes, waits, bytesRead: walker.bytesRead };
}

/** A .log of `count` batches of 1 to 40 records of 1 to 300 bytes, with (unless `short`) a few batches longer than a chunk. */
function writeLog(path: string, count: number, short = false): number[] {
  const random = seededRandom(seed);
  const positions: number[] = [];
  let offset = 0;
  let position = 0;
  writeFileSync(path, Buffer.alloc(0));
  for (let b = 0; b < count; b++) {
    const long = !short && b % 17 === 5;
    const records = Array.from({ length: long ? 30 : 1 + Math.floor(random() * (short ? 10 : 40)) }, (_, r) => ({
      value: Buffer.alloc(long ? 400 : 1 + Math.floor(random() * (short ? 200 : 300)), (b + r) & 0xff),
      timestampMs: 1_700_000_000_000 + b }));
    const batch = encodeBatch(records, { baseOffset: offset });
    appendFileSync(path, batch);
    positions.push(position);
    position += batch.length;
    offset += records.length;
  }
  return positions;
}

async function sameWalk(path: string, what: string): Promise<Walked> {
  const plain = await walk(path, false);
  const ahead = await walk(path, true);
  assert.equal(ahead.batches, plain.batches, `seed ${seed}: ${what}: same batches`);
  assert.equal(ahead.stop, plain.stop, `seed ${seed}: ${what}: same stop`);
  assert.is(ahead.validBytes, plain.validBytes, `${what}: same valid end`);
  assert.ok(ahead.waits > 0, `${what}: the walk waited on a chunk read ahead`);
  return ahead;
}

test('read-ahead walk of a whole file: every batch, nothing read twice on a hit, in chunks that end mid-batch', async () => {
  const path = join(tempDir(), '0.log');
  const positions = writeLog(path, 300);
  const walked = await sameWalk(path, 'whole file');
  assert.is(walked.batches.length, 300);
  assert.is(walked.stop, null);
  assert.is(walked.validBytes, statSync(path).size);
  assert.equal(walked.batches.map((b) => Number(b.split('+')[0])), positions);
});

test('batches shorter than a chunk: each chunk read ahead is the one the plain walk reads, so no byte is read twice', async () => {
  const path = join(tempDir(), '0.log');
  writeLog(path, 400, true);
  const plain = await walk(path, false);
  const ahead = await sameWalk(path, 'short batches');
  assert.is(ahead.bytesRead, plain.bytesRead, 'the same chunks, each read once');
  assert.ok(ahead.waits >= plain.bytesRead / CHUNK_BYTES - 2, 'every chunk after the first came from a read ahead');
});

test('read-ahead walk stops at a CRC mismatch, a bad length and a torn tail exactly where the plain walk does', async () => {
  const dir = tempDir();
  const positions = writeLog(join(dir, 'clean.log'), 200);
  const clean = readFileSync(join(dir, 'clean.log'));
  const crcFlip = Buffer.from(clean);
  crcFlip[positions[150]! + 100]! ^= 0x10;
  writeFileSync(join(dir, 'crc.log'), crcFlip);
  const badLength = Buffer.from(clean);
  badLength.writeInt32BE(-5, positions[90]! + 8);
  writeFileSync(join(dir, 'length.log'), badLength);
  writeFileSync(join(dir, 'torn.log'), clean.subarray(0, positions[180]! + 30));
  const crc = await sameWalk(join(dir, 'crc.log'), 'crc');
  assert.is(crc.stop?.positionBytes, positions[150]);
  assert.is(crc.stop?.torn, false);
  const length = await sameWalk(join(dir, 'length.log'), 'bad length');
  assert.is(length.stop?.positionBytes, positions[90]);
  const torn = await sameWalk(join(dir, 'torn.log'), 'torn');
  assert.is(torn.stop?.positionBytes, positions[180]);
  assert.is(torn.stop?.torn, true);
});

test('a file cut short while the read-ahead walk runs ends in a torn stop, never a read past the end', async () => {
  const path = join(tempDir(), '0.log');
  const positions = writeLog(path, 300);
  const cutAt = positions[200]! + 7;
  const walked = await walk(path, true, (waits) => {
    if (waits === 3) truncateSync(path, cutAt);
  });
  assert.ok(walked.stop !== null && walked.stop.torn, 'a torn stop');
  assert.ok(walked.validBytes <= cutAt, 'no batch past the cut');
  assert.is(walked.validBytes, positions[walked.batches.length]);
});

test.run();
