import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CoordinatorFencedError, Log, ProducerFencedError, TransactionStateError, cleanLog, decodeBatches, decodeTransactionIndex,
  type RecordInput,
} from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'transactions-child.js');

/** Recent timestamps: markers carry the time they are written, and a week between batches would roll the segment. */
const T0 = Date.now() - 60_000;

function records(from: number, count: number, key = 'k'): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: `${key}${from + i}`, value: `v${from + i}`, timestampMs: T0 + from + i }));
}

/** A transactional batch of `count` records for producer `pid` (sequence numbers continue per producer). */
function txnAppend(log: Log, pid: number, count: number, sequences: Map<number, number>, epoch = 0): void {
  const baseSequence = sequences.get(pid) ?? 0;
  log.append(records(log.logEndOffset, count), { producerId: pid, producerEpoch: epoch, baseSequence, isTransactional: true });
  sequences.set(pid, baseSequence + count);
}

/** Offsets a read_committed consumer keeps from a region: data batches minus those of the aborted transactions. */
function committedOffsets(log: Log, from: number): number[] {
  const region = log.read(from, { isolation: 'read_committed', maxBytes: 1 << 20 });
  const aborted = region.abortedTransactions ?? [];
  const kept: number[] = [];
  for (const batch of decodeBatches(region.toBuffer())) {
    if (batch.isControl) continue;
    const isAborted = batch.isTransactional
      && aborted.some((t) => t.producerId === batch.producerId && batch.baseOffset >= t.firstOffset && batch.baseOffset <= t.lastOffset);
    if (isAborted) continue;
    for (const r of batch.records()) if (r.offset >= from) kept.push(r.offset);
  }
  return kept;
}

test('an open transaction holds the last stable offset; read_committed stops there; markers move it', async () => {
  const log = await Log.open(tempDir());
  const seq = new Map<number, number>();
  log.append(records(0, 3));
  txnAppend(log, 7, 2, seq); // offsets 3-4, transaction of producer 7 opens at 3
  log.append(records(5, 2)); // 5-6, plain
  assert.is(log.lastStableOffset, 3);
  assert.is(log.latestOffset('read_committed'), 3);
  assert.is(log.latestOffset(), 7);
  assert.equal(committedOffsets(log, 0), [0, 1, 2], 'nothing at or above the open transaction');
  assert.is(log.offsetForTimestamp(T0 + 5, 'read_committed'), null, 'a time above the LSO finds nothing committed');
  assert.is(log.offsetForTimestamp(T0 + 5)?.offset, 5);
  const commit = log.appendTransactionMarker({ producerId: 7, producerEpoch: 0, coordinatorEpoch: 1, commit: true });
  assert.is(commit.baseOffset, 7);
  assert.is(log.lastStableOffset, 8);
  assert.equal(committedOffsets(log, 0), [0, 1, 2, 3, 4, 5, 6]);
  assert.is(readdirSync(log.dir).filter((n) => n.endsWith('.txnindex')).length, 0, 'a commit is not indexed');
  await log.close();
});

test('an ABORT is indexed in .txnindex in Kafka\'s layout and handed back with read_committed reads', async () => {
  const log = await Log.open(tempDir());
  const seq = new Map<number, number>();
  txnAppend(log, 1, 2, seq); // 0-1 (aborted later)
  txnAppend(log, 2, 2, seq); // 2-3 (still open when 1 aborts)
  log.appendTransactionMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false }); // 4
  assert.is(log.lastStableOffset, 2, 'producer 2 still holds it');
  log.appendTransactionMarker({ producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, commit: true }); // 5
  const bytes = readFileSync(join(log.dir, '00000000000000000000.txnindex'));
  assert.is(bytes.length, 34);
  assert.equal(decodeTransactionIndex(bytes, 'x'), [{ version: 0, producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 }]);
  const region = log.read(0, { isolation: 'read_committed' });
  assert.equal(region.abortedTransactions, [{ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 }]);
  assert.is(log.read(0).abortedTransactions, null, 'read_uncommitted carries none');
  assert.equal(committedOffsets(log, 0), [2, 3]);
  assert.equal(log.read(5, { isolation: 'read_committed' }).abortedTransactions, [], 'nothing aborted at or after the marker');
  await log.close();
});

test('markers are validated as Kafka does: no open transaction, an older epoch, an older coordinator epoch', async () => {
  const log = await Log.open(tempDir());
  const seq = new Map<number, number>();
  assert.throws(() => log.appendTransactionMarker({ producerId: 3, producerEpoch: 0, coordinatorEpoch: 0, commit: true }),
    (e: unknown) => e instanceof TransactionStateError);
  txnAppend(log, 3, 1, seq, 2);
  assert.throws(() => log.appendTransactionMarker({ producerId: 3, producerEpoch: 1, coordinatorEpoch: 0, commit: true }),
    (e: unknown) => e instanceof ProducerFencedError);
  log.appendTransactionMarker({ producerId: 3, producerEpoch: 2, coordinatorEpoch: 5, commit: true });
  txnAppend(log, 3, 1, seq, 2);
  assert.throws(() => log.appendTransactionMarker({ producerId: 3, producerEpoch: 2, coordinatorEpoch: 4, commit: false }),
    (e: unknown) => e instanceof CoordinatorFencedError);
  assert.is(log.logEndOffset, 3, 'refused markers wrote nothing');
  // A coordinator that fenced the producer aborts with the bumped epoch.
  log.appendTransactionMarker({ producerId: 3, producerEpoch: 3, coordinatorEpoch: 5, commit: false });
  assert.is(log.lastStableOffset, 4);
  await log.close();
});

test('open transactions and aborts survive a clean close (snapshot) and a truncation', async () => {
  const dir = tempDir();
  let log = await Log.open(dir);
  const seq = new Map<number, number>();
  txnAppend(log, 1, 2, seq); // 0-1
  log.appendTransactionMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false }); // 2
  txnAppend(log, 2, 3, seq); // 3-5 open
  await log.close();
  log = await Log.open(dir);
  assert.is(log.lastStableOffset, 3, 'the open transaction came back from the snapshot');
  assert.ok(log.producers.hasOpenTransaction(2));
  log.appendTransactionMarker({ producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, commit: false }); // 6
  assert.equal(log.abortedTransactions(0, 100).map((t) => [t.producerId, t.firstOffset, t.lastOffset]), [[1, 0, 2], [2, 3, 6]]);
  log.truncateTo(6); // the second abort's marker goes: the transaction is open again
  assert.equal(log.abortedTransactions(0, 100).map((t) => t.producerId), [1]);
  assert.is(log.lastStableOffset, 3);
  assert.ok(log.producers.hasOpenTransaction(2));
  await log.close();
});

test('SIGKILL: a child killed mid-transaction; reopening rebuilds the aborted entries it had not flushed and the LSO', async () => {
  const dir = tempDir();
  const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  assert.match(out, /ready/);
  const expected = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as { lso: number; aborted: number[][] };
  // The child never closed: no clean-shutdown marker, no snapshot at the end. What it had not fsync'd
  // may be lost: take away the .txnindex of every segment that reaches past the recovery point.
  const checkpoint = join(dir, 'recovery-point-offset-checkpoint');
  const recoveryPoint = existsSync(checkpoint) ? Number(readFileSync(checkpoint, 'utf8').trim().split('\n')[2]?.split(' ')[2] ?? 0) : 0;
  const bases = readdirSync(dir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b);
  let removed = 0;
  for (let i = 0; i < bases.length; i++) {
    const path = join(dir, `${String(bases[i]).padStart(20, '0')}.txnindex`);
    if ((bases[i + 1] ?? Infinity) > recoveryPoint && existsSync(path)) {
      unlinkSync(path);
      removed++;
    }
  }
  assert.ok(removed > 0, 'some index entries were not yet durable');
  const log = await Log.open(dir);
  assert.not.ok(log.recoveryReport.cleanShutdown);
  assert.is(log.lastStableOffset, expected.lso);
  assert.equal(log.abortedTransactions(0, Number.MAX_SAFE_INTEGER).map((t) => [t.producerId, t.firstOffset, t.lastOffset]),
    expected.aborted);
  assert.ok(readdirSync(dir).some((n) => n.endsWith('.txnindex')), 'the index files are written again');
  await log.close();
});

test('a .txnindex that went missing is rebuilt when every segment is recovered (what verify --repair asks for)', async () => {
  const dir = tempDir();
  let log = await Log.open(dir, { segmentBytes: 400 });
  const seq = new Map<number, number>();
  for (let i = 0; i < 6; i++) {
    txnAppend(log, 1, 2, seq);
    log.appendTransactionMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: i % 2 === 0 });
  }
  const expected = log.abortedTransactions(0, Number.MAX_SAFE_INTEGER);
  assert.is(expected.length, 3);
  await log.close();
  const indexes = readdirSync(dir).filter((n) => n.endsWith('.txnindex'));
  assert.ok(indexes.length >= 2, 'aborts in more than one segment');
  for (const name of indexes) unlinkSync(join(dir, name));
  log = await Log.open(dir);
  assert.equal(log.abortedTransactions(0, Number.MAX_SAFE_INTEGER), [], 'a clean open trusts the files it finds');
  await log.close();
  log = await Log.open(dir, {}, { recoverAllSegments: true });
  assert.equal(log.abortedTransactions(0, Number.MAX_SAFE_INTEGER), expected);
  await log.close();
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.txnindex')).sort(), indexes.sort());
});

test('a .txnindex whose last entry a crash tore keeps its whole entries, and the next abort lands after them', async () => {
  const dir = tempDir();
  let log = await Log.open(dir);
  const seq = new Map<number, number>();
  txnAppend(log, 1, 1, seq);
  log.appendTransactionMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false });
  await log.close();
  const path = join(dir, '00000000000000000000.txnindex');
  appendFileSync(path, Buffer.alloc(20, 7));
  unlinkSync(join(dir, '.kafka_cleanshutdown'));
  log = await Log.open(dir);
  assert.equal(log.abortedTransactions(0, 100).map((t) => t.lastOffset), [1]);
  txnAppend(log, 1, 1, seq);
  log.appendTransactionMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false });
  await log.close();
  const bytes = readFileSync(path);
  assert.is(bytes.length, 68, 'the torn bytes are gone, two whole entries remain');
  assert.equal(decodeTransactionIndex(bytes, path).map((t) => t.lastOffset), [1, 3]);
});

test('compaction drops aborted data, keeps the cleaned segment\'s .txnindex, and retention removes it with its segment', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { cleanupPolicy: 'compact', segmentBytes: 1024, minCleanableDirtyRatio: 0.01, retentionMs: -1 });
  const seq = new Map<number, number>();
  txnAppend(log, 1, 3, seq); // aborted
  log.appendTransactionMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false });
  for (let i = 0; i < 40; i++) log.append(records(log.logEndOffset, 1, 'plain'));
  const before = log.abortedTransactions(0, Number.MAX_SAFE_INTEGER);
  const result = await cleanLog(log, { nowMs: Date.now() });
  assert.ok(result.cleaned);
  assert.equal(log.abortedTransactions(0, Number.MAX_SAFE_INTEGER), before, 'the cleaned segment keeps the entry');
  assert.ok(existsSync(join(dir, '00000000000000000000.txnindex')));
  const kept = [...decodeBatches(log.read(0, { maxBytes: 1 << 20 }).toBuffer())].filter((b) => !b.isControl && b.producerId === 1);
  assert.is(kept.reduce((n, b) => n + b.recordsCount, 0), 0, 'no record of the aborted transaction is left');
  log.deleteRecordsBefore(log.segmentInfos()[2]!.baseOffset);
  await new Promise((r) => setTimeout(r, 50));
  await log.close();
  assert.not.ok(readdirSync(dir).some((n) => n.startsWith('00000000000000000000.txnindex')), 'gone with its segment');
});

test.run();
