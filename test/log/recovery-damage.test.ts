/**
 * Recovery never destroys intact data: damaged copies of real directories (written by Log, and Kafka's
 * own fixture partition) open with every fsynced segment kept, whatever is cut set aside as
 * `<name>.recovered-<n>`, leftover swaps applied only when whole, and every action in the report.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Log, StorageError, decodeBatches, describeRecovery, type RecoveryReport } from '../../lib/index.js';
import { clearFaults, injectFsyncFault, injectWriteFault } from '../../lib/platform/faults.js';
import { verifyPaths } from '../../lib/inspect/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { checkIndexes, readAll, value } from './log-helpers.js';

test.after.each(() => {
  clearFaults();
  removeTempDirs();
});

const CONFIG = { segmentBytes: 32 * 1024, indexIntervalBytes: 512 };
const RECORDS = 3000;

/** 3,000 records in 3-record batches over about a dozen 32 KiB segments, cleanly closed. */
async function writeLog(dir: string, records = RECORDS): Promise<void> {
  const log = await Log.open(dir, CONFIG);
  while (log.logEndOffset < records) {
    const from = log.logEndOffset;
    log.append([0, 1, 2].map((i) => ({ key: `k${from + i}`, value: value(from + i, 100), timestampMs: 1000 + from + i })));
  }
  await log.close();
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^\d{20}\.log$/.test(n)).sort();
}

/** Batches of one .log file: position, size and offsets. */
function batchesOf(path: string): { positionBytes: number; sizeBytes: number; baseOffset: number; lastOffset: number }[] {
  return [...decodeBatches(readFileSync(path))].map((b) => ({ positionBytes: b.positionBytes, sizeBytes: b.sizeBytes,
    baseOffset: b.baseOffset, lastOffset: b.lastOffset }));
}

function flipByte(path: string, positionBytes: number, mask = 0x10): void {
  const bytes = readFileSync(path);
  bytes[positionBytes] = (bytes[positionBytes] as number) ^ mask;
  writeFileSync(path, bytes);
}

/** Every record readable, and each one's value the one written at its offset. */
function checkRecords(log: Log): number[] {
  const offsets: number[] = [];
  for (const r of readAll(log)) {
    assert.ok(Buffer.from(r.value!).equals(value(r.offset, 100)), `record ${r.offset}`);
    offsets.push(r.offset);
  }
  return offsets;
}

function action(report: RecoveryReport, kind: string): RecoveryReport['actions'][number] {
  const found = report.actions.find((a) => a.action === kind);
  assert.ok(found !== undefined, `report has a ${kind} action: ${describeRecovery(report).join(' | ')}`);
  return found!;
}

async function damagedOldSegment(breakIndex: (indexPath: string) => void, crashAfter: boolean): Promise<void> {
  const dir = tempDir();
  await writeLog(dir);
  const files = segmentFiles(dir);
  assert.ok(files.length >= 6, `enough segments (${files.length})`);
  const victim = join(dir, files[1]!);
  const batches = batchesOf(victim);
  const bad = batches[Math.floor(batches.length / 2)]!;
  const original = readFileSync(victim);
  breakIndex(join(dir, `${files[1]!.slice(0, 20)}.index`));
  flipByte(victim, bad.positionBytes + 61 + 20); // inside a record: the CRC no longer matches
  if (crashAfter) unlinkSync(join(dir, '.kafka_cleanshutdown'));
  const log = await Log.open(dir, CONFIG);
  const report = log.recoveryReport;
  const offsets = checkRecords(log);
  const lost = bad.baseOffset;
  const expected = [...Array(RECORDS).keys()].filter((o) => o < lost || o > batches[batches.length - 1]!.lastOffset);
  assert.equal(offsets, expected, 'only the damaged segment lost its tail; every later segment is intact');
  assert.is(log.logEndOffset, RECORDS);
  assert.equal(segmentFiles(dir), files, 'no segment removed');
  const cut = action(report, 'truncated');
  assert.is(cut.file, files[1]);
  assert.is(cut.bytes, original.length - bad.positionBytes);
  assert.is(cut.records, batches[batches.length - 1]!.lastOffset - bad.baseOffset + 1, 'records counted from the cut headers');
  assert.ok(cut.keptAs !== null && existsSync(join(dir, cut.keptAs)), 'the cut bytes are kept');
  const kept = readFileSync(join(dir, cut.keptAs!));
  assert.ok(kept.subarray(61 + 21).equals(original.subarray(bad.positionBytes + 61 + 21)), 'kept bytes are the cut tail');
  assert.is(report.segmentsDeleted.length, 0);
  assert.is(log.stats().lastRecovery, report);
  await log.close();
  checkIndexes(dir);
}

test('a bit flip deep in a multi-MiB segment after a crash: the chunked scan (read ahead on the fallback side) cuts there', async () => {
  const dir = tempDir();
  const config = { segmentBytes: 64 * 1024 * 1024 };
  const log = await Log.open(dir, config);
  // 40 batches of 40 x 4 KiB: about 6.3 MiB, so the scan crosses six 1 MiB chunk ends.
  for (let b = 0; b < 40; b++) {
    log.append(Array.from({ length: 40 }, (_, r) => ({ value: Buffer.alloc(4096, (b * 40 + r) & 0xff), timestampMs: 1000 + b })));
  }
  await log.flush();
  await log.close();
  const [file] = segmentFiles(dir);
  const path = join(dir, file!);
  const original = readFileSync(path);
  const batches = batchesOf(path);
  const bad = batches[29]!;
  assert.ok(bad.positionBytes > 4 * 1024 * 1024, 'the damage is several chunks in');
  flipByte(path, bad.positionBytes + 61 + 5000);
  unlinkSync(join(dir, '.kafka_cleanshutdown'));
  writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n');
  const reopened = await Log.open(dir, config);
  const cut = action(reopened.recoveryReport, 'truncated');
  assert.is(cut.bytes, original.length - bad.positionBytes, 'cut at the damaged batch');
  assert.is(reopened.logEndOffset, bad.baseOffset);
  assert.is(reopened.recoveryReport.recovered[0]!.batches, 29);
  const kept = readFileSync(join(dir, cut.keptAs!));
  assert.is(kept.length, cut.bytes, 'the cut bytes are kept whole');
  const first = reopened.readRecord(bad.baseOffset - 1);
  assert.ok(first !== null && Buffer.from(first.value!).equals(Buffer.alloc(4096, (bad.baseOffset - 1) & 0xff)), 'the last kept record');
  await reopened.close();
  checkIndexes(dir);
});

test('D8: a bit flip in an old segment whose .index is missing cuts that segment only', async () => {
  await damagedOldSegment((p) => unlinkSync(p), false);
});

test('D8: same with an odd-sized .index and an unclean shutdown (damage below the recovery point)', async () => {
  await damagedOldSegment((p) => truncateSync(p, statSync(p).size - 3), true);
});

test('an unflushed torn segment after a crash sets the later segments aside instead of deleting them', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const files = segmentFiles(dir);
  const victim = join(dir, files[files.length - 3]!);
  const batches = batchesOf(victim);
  const bad = batches[5]!;
  flipByte(victim, bad.positionBytes + 61 + 20);
  unlinkSync(join(dir, '.kafka_cleanshutdown'));
  // Recovery point at the start of the victim: it and everything after were never known durable.
  const topic = dir.split('/').pop();
  writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), `0\n1\n${topic} 0 ${Number(files[files.length - 3]!.slice(0, 20))}\n`);
  const log = await Log.open(dir, CONFIG);
  assert.is(log.logEndOffset, bad.baseOffset);
  assert.is(checkRecords(log).length, bad.baseOffset);
  const report = log.recoveryReport;
  assert.equal(report.segmentsSetAside, files.slice(-2).map((f) => Number(f.slice(0, 20))));
  for (const f of files.slice(-2)) assert.ok(existsSync(join(dir, `${f}.recovered-1`)), `${f} kept aside`);
  await log.close();
});

test('a failed sealing fsync of an early segment stops the open before a later damaged segment is cut or set aside', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const files = segmentFiles(dir);
  const victim = join(dir, files[files.length - 3]!);
  const bad = batchesOf(victim)[5]!;
  flipByte(victim, bad.positionBytes + 61 + 20);
  unlinkSync(join(dir, '.kafka_cleanshutdown'));
  writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n'); // nothing known durable: every segment is scanned
  const before = new Map(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n))]));
  // Every segment is recovered after the crash; segment 0's fsync, which runs while the later ones
  // are scanned, reports EIO.
  injectFsyncFault({ pathEndsWith: files[0]!, skipFsyncs: 0, code: 'EIO' });
  try {
    await Log.open(dir, CONFIG);
    assert.unreachable('the open must fail');
  } catch (error) {
    assert.instance(error, StorageError, String(error));
    assert.is((error as StorageError).code, 'SEGLOG_IO');
    assert.match((error as Error).message, /fsync/);
    assert.match((error as Error).message, new RegExp(files[0]!));
  }
  assert.is(clearFaults(), 1, 'the fault fired once');
  const after = readdirSync(dir).filter((n) => !n.startsWith('.lock'));
  assert.equal(after.filter((n) => n.includes('.recovered-')), [], 'nothing set aside');
  for (const name of files) assert.ok(readFileSync(join(dir, name)).equals(before.get(name)!), `${name} unchanged`);
  // The same directory with a healthy fsync: the damaged segment is cut and the later ones set aside.
  const log = await Log.open(dir, CONFIG);
  assert.is(log.logEndOffset, bad.baseOffset);
  assert.equal(log.recoveryReport.segmentsSetAside, files.slice(-2).map((f) => Number(f.slice(0, 20))));
  await log.close();
});

test('recovery after a crash that left the indexes whole rebuilds them without writing a byte to them', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const files = segmentFiles(dir);
  const indexes = readdirSync(dir).filter((n) => n.endsWith('.index') || n.endsWith('.timeindex')).sort();
  const before = indexes.map((n) => readFileSync(join(dir, n)));
  unlinkSync(join(dir, '.kafka_cleanshutdown'));
  writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n'); // every segment is scanned
  // Any index write would fail: the open succeeds only if the rebuild confirmed every entry in place.
  injectWriteFault({ pathEndsWith: '.index', skipWrites: 0, code: 'EIO', failingWrites: 1_000_000 });
  injectWriteFault({ pathEndsWith: '.timeindex', skipWrites: 0, code: 'EIO', failingWrites: 1_000_000 });
  const log = await Log.open(dir, CONFIG);
  assert.is(log.recoveryReport.recovered.length, files.length, 'every segment was scanned');
  assert.is(clearFaults(), 0, 'no index write');
  assert.equal(checkRecords(log).length, RECORDS);
  await log.close();
  assert.equal(indexes.map((n) => readFileSync(join(dir, n))), before, 'the indexes are byte for byte the same');
  checkIndexes(dir);
});

test('a rebuild whose index write fails leaves no shorter index behind: the next open rebuilds it whole', async () => {
  const dir = tempDir();
  const config = { segmentBytes: 3000, indexIntervalBytes: 100 };
  const log = await Log.open(dir, config);
  for (let i = 0; i < 60; i++) log.append([{ value: Buffer.alloc(100, i), timestampMs: 1000 + i * 10 }]);
  await log.close();
  const seg0 = '00000000000000000000';
  const whole = readFileSync(join(dir, `${seg0}.timeindex`));
  // An odd-sized .index makes the open rebuild segment 0; one time-index entry differs from the rebuilt one.
  writeFileSync(join(dir, `${seg0}.index`), Buffer.concat([readFileSync(join(dir, `${seg0}.index`)), Buffer.from([1, 2, 3])]));
  const altered = Buffer.from(whole);
  altered.writeBigInt64BE(altered.readBigInt64BE(36) - 1n, 36);
  writeFileSync(join(dir, `${seg0}.timeindex`), altered);
  injectWriteFault({ pathEndsWith: `${seg0}.timeindex`, skipWrites: 0, code: 'ENOSPC' });
  await Log.open(dir, config).then(() => assert.unreachable('the open must fail'), (error: unknown) => {
    assert.is((error as { code?: string }).code, 'SEGLOG_NO_SPACE');
  });
  assert.is(clearFaults(), 1);
  assert.not.ok(existsSync(join(dir, `${seg0}.timeindex`)) && readFileSync(join(dir, `${seg0}.timeindex`)).length < whole.length,
    'no shortened time index left to be trusted');
  const reopened = await Log.open(dir, config);
  await reopened.close();
  assert.equal(readFileSync(join(dir, `${seg0}.timeindex`)), whole, 'rebuilt whole');
  checkIndexes(dir);
});

test('D11: an empty stray 0.log.swap is set aside, not renamed over segment 0', async () => {
  const dir = tempDir();
  await writeLog(dir, 600);
  const before = readFileSync(join(dir, '00000000000000000000.log'));
  writeFileSync(join(dir, '00000000000000000000.log.swap'), new Uint8Array(0));
  const log = await Log.open(dir, CONFIG);
  assert.is(checkRecords(log).length, 600);
  assert.ok(readFileSync(join(dir, '00000000000000000000.log')).equals(before));
  assert.ok(existsSync(join(dir, '00000000000000000000.log.swap.recovered-1')));
  assert.is(action(log.recoveryReport, 'set-aside').file, '00000000000000000000.log.swap');
  await log.close();
  checkIndexes(dir);
});

test('D11: a garbage swap at a high base offset does not stop the open', async () => {
  const dir = tempDir();
  await writeLog(dir, 600);
  const garbage = Buffer.alloc(5000);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
  writeFileSync(join(dir, '00000000000000005000.log.swap'), garbage);
  writeFileSync(join(dir, '00000000000000005000.index.swap'), Buffer.alloc(16));
  const log = await Log.open(dir, CONFIG);
  assert.is(checkRecords(log).length, 600);
  assert.ok(existsSync(join(dir, '00000000000000005000.log.swap.recovered-1')));
  assert.not.ok(existsSync(join(dir, '00000000000000005000.index.swap')));
  await log.close();
});

test('D12: a torn tail on the active segment after a clean shutdown is recovered, and kept', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const last = join(dir, segmentFiles(dir).pop()!);
  const size = statSync(last).size;
  truncateSync(last, size - 50);
  assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')));
  const log = await Log.open(dir, CONFIG);
  assert.is(log.logEndOffset, RECORDS - 3);
  assert.is(checkRecords(log).length, RECORDS - 3);
  const cut = action(log.recoveryReport, 'truncated');
  assert.ok(cut.keptAs !== null && statSync(join(dir, cut.keptAs)).size === cut.bytes);
  await log.close();
  assert.ok(verifyPaths([dir]).ok);
});

test('D9: a flipped bit in a batch header\'s baseOffset (outside the CRC) in the active tail does not stop the open', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const last = join(dir, segmentFiles(dir).pop()!);
  const batches = batchesOf(last);
  const victim = batches[batches.length - 1]!;
  flipByte(last, victim.positionBytes, 0x40); // top byte of baseOffset: no longer a safe integer
  const log = await Log.open(dir, CONFIG);
  assert.is(log.logEndOffset, victim.baseOffset);
  assert.is(checkRecords(log).length, victim.baseOffset);
  assert.ok(action(log.recoveryReport, 'truncated').keptAs !== null);
  await log.close();
});

test('D15: a sealed .log cut mid-batch is repaired at open, and verify passes after a clean stop', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const files = segmentFiles(dir);
  const victim = join(dir, files[2]!);
  const lastBatch = batchesOf(victim).pop()!;
  truncateSync(victim, statSync(victim).size - 13);
  const log = await Log.open(dir, CONFIG);
  const cut = action(log.recoveryReport, 'truncated');
  assert.is(cut.file, files[2]);
  assert.is(cut.bytes, lastBatch.sizeBytes - 13);
  assert.is(checkRecords(log).length, RECORDS - 3, 'one torn batch of 3 records');
  await log.close();
  const verified = verifyPaths([dir]);
  assert.ok(verified.ok, JSON.stringify(verified.problems));
});

test('D15: a 0-byte sealed .log with a stale index is re-indexed, and verify passes after a clean stop', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const files = segmentFiles(dir);
  const victim = join(dir, files[2]!);
  const lost = batchesOf(victim);
  truncateSync(victim, 0);
  const log = await Log.open(dir, CONFIG);
  assert.ok(log.recoveryReport.indexesRebuilt.includes(Number(files[2]!.slice(0, 20))));
  assert.is(checkRecords(log).length, RECORDS - (lost[lost.length - 1]!.lastOffset - lost[0]!.baseOffset + 1));
  await log.close();
  const verified = verifyPaths([dir]);
  assert.ok(verified.ok, JSON.stringify(verified.problems));
});

test('D12: an index path that is a directory is set aside and the index rebuilt', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const index = join(dir, '00000000000000000000.index');
  unlinkSync(index);
  mkdirSync(index);
  const log = await Log.open(dir, CONFIG);
  assert.is(checkRecords(log).length, RECORDS);
  assert.is(action(log.recoveryReport, 'set-aside').keptAs, '00000000000000000000.index.recovered-1');
  assert.ok(log.recoveryReport.indexesRebuilt.includes(0));
  await log.close();
  checkIndexes(dir);
});

test('D14: a log-start checkpoint past the log end keeps every record and says so', async () => {
  const dir = tempDir();
  await writeLog(dir);
  const topic = dir.split('/').pop();
  writeFileSync(join(dir, 'log-start-offset-checkpoint'), `0\n1\n${topic} 0 999999999\n`);
  const log = await Log.open(dir, CONFIG);
  assert.is(log.logStartOffset, 0);
  assert.is(checkRecords(log).length, RECORDS);
  const ignored = action(log.recoveryReport, 'checkpoint-ignored');
  assert.match(ignored.reason, '999999999');
  assert.ok(log.stats().lastRecovery.actions.includes(ignored));
  assert.ok(describeRecovery(log.recoveryReport).some((line) => line.includes('log-start-offset-checkpoint')));
  await log.close();
});

test('a damaged copy of a real Kafka partition keeps the prefix and sets the damaged tail aside', async () => {
  const dir = tempDir();
  cpSync('fixtures/kafka-broker/TestTopicPatient-0', dir, { recursive: true });
  const path = join(dir, '00000000000000000000.log');
  const original = readFileSync(path);
  const batches = batchesOf(path);
  assert.ok(batches.length >= 3, 'fixture has several batches');
  const bad = batches[1]!;
  flipByte(path, bad.positionBytes + bad.sizeBytes - 2);
  const log = await Log.open(dir, CONFIG);
  assert.is(log.logEndOffset, bad.baseOffset);
  const cut = action(log.recoveryReport, 'truncated');
  assert.ok(readFileSync(join(dir, cut.keptAs!)).equals(Buffer.concat([original.subarray(bad.positionBytes, bad.positionBytes
      + bad.sizeBytes - 2), Buffer.from([original[bad.positionBytes + bad.sizeBytes - 2]! ^ 0x10]),
    original.subarray(bad.positionBytes + bad.sizeBytes - 1)])), 'the kept file holds exactly the cut bytes');
  await log.close();
});

test.run();
