/**
 * Damaged directories open, recover and say what they did: bit flips in the active segment, a torn
 * tail, zero-filled preallocated tails, a truncated .index, a deleted .timeindex, garbage index files.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync, truncateSync, unlinkSync,
  writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Log, decodeBatches } from '../../lib/index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { checkIndexes, readAll, value } from './log-helpers.js';

test.after.each(removeTempDirs);

const CONFIG = { segmentBytes: 32 * 1024, indexIntervalBytes: 512 };

async function writeLog(dir: string, batches: number): Promise<void> {
  const log = await Log.open(dir, CONFIG);
  for (let b = 0; b < batches; b++) {
    const from = log.logEndOffset;
    log.append([0, 1, 2].map((i) => ({ key: `k${from + i}`, value: value(from + i, 100), timestampMs: 1000 + from + i })));
  }
  await log.close();
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^\d{20}\.log$/.test(n)).sort();
}

/** Removes the clean-shutdown marker so the next open recovers, as after a crash. */
function crash(dir: string): void {
  unlinkSync(join(dir, '.kafka_cleanshutdown'));
}

function checkPrefix(log: Log, expected: number): void {
  const all = readAll(log);
  assert.is(all.length, expected);
  all.forEach((r, o) => {
    assert.is(r.offset, o);
    assert.ok(Buffer.from(r.value!).equals(value(o, 100)), `record ${o}`);
  });
}

test('a torn tail is cut at the last whole batch', async () => {
  const dir = tempDir();
  await writeLog(dir, 40);
  const last = segmentFiles(dir).pop()!;
  const size = statSync(join(dir, last)).size;
  truncateSync(join(dir, last), size - 50);
  crash(dir);
  const log = await Log.open(dir, CONFIG);
  assert.ok(log.recoveryReport.bytesTruncated > 0);
  assert.is(log.logEndOffset, 117, 'the torn batch (3 records) is gone');
  checkPrefix(log, 117);
  log.append([{ key: 'k117', value: value(117, 100) }]);
  await log.close();
  checkIndexes(dir);
});

test('a flipped bit in the active segment truncates from that batch on and later segments go', async () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  for (let round = 0; round < 5; round++) {
    const dir = tempDir();
    await writeLog(dir, 60);
    const files = segmentFiles(dir);
    const victim = files[Math.floor(random() * files.length)]!;
    const path = join(dir, victim);
    // Only CRC-covered bytes: a flip in the leader epoch (bytes 12-15) is undetectable by design.
    const batches = [...decodeBatches(readFileSync(path))];
    const batch = batches[Math.floor(random() * batches.length)]!;
    const position = batch.positionBytes + 21 + Math.floor(random() * (batch.sizeBytes - 21));
    const fd = openSync(path, 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, position);
    byte[0]! ^= 1 << Math.floor(random() * 8);
    writeSync(fd, byte, 0, 1, position);
    closeSync(fd);
    writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n');
    crash(dir);
    const log = await Log.open(dir, CONFIG);
    const report = log.recoveryReport;
    assert.ok(report.bytesTruncated > 0 || report.recovered.some((r) => r.reason !== null), `seed ${seed}: recovery noticed`);
    assert.ok(log.logEndOffset < 180, `seed ${seed}: the damaged batch is gone`);
    checkPrefix(log, log.logEndOffset);
    await log.close();
    checkIndexes(dir);
  }
});

test('zero-filled tail (preallocated or never-written pages) is cut', async () => {
  const dir = tempDir();
  await writeLog(dir, 20);
  const last = segmentFiles(dir).pop()!;
  appendFileSync(join(dir, last), Buffer.alloc(8192));
  crash(dir);
  const log = await Log.open(dir, CONFIG);
  assert.is(log.recoveryReport.bytesTruncated, 8192);
  assert.is(log.logEndOffset, 60);
  checkPrefix(log, 60);
  await log.close();
});

test('truncated .index, deleted .timeindex and garbage indexes are rebuilt', async () => {
  const dir = tempDir();
  await writeLog(dir, 200);
  const files = segmentFiles(dir).map((n) => n.slice(0, 20));
  assert.ok(files.length >= 3);
  truncateSync(join(dir, `${files[0]}.index`), 5);
  unlinkSync(join(dir, `${files[1]}.timeindex`));
  writeFileSync(join(dir, `${files[2]}.index`), Buffer.alloc(13, 0xff));
  const log = await Log.open(dir, CONFIG);
  assert.ok(log.recoveryReport.indexesRebuilt.includes(Number(files[0])));
  assert.ok(log.recoveryReport.indexesRebuilt.includes(Number(files[2])));
  assert.ok(existsSync(join(dir, `${files[1]}.timeindex`)));
  checkPrefix(log, 600);
  for (let o = 0; o < 600; o += 37) {
    const region = log.read(o);
    assert.ok(region.sizeBytes > 0);
  }
  await log.close();
  checkIndexes(dir);
});

test.run();
