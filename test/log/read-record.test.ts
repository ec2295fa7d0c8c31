import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, OffsetOutOfRangeError, decodeBatches, encodeBatch, type LogRecord } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

function comparable(r: LogRecord): unknown {
  return { offset: r.offset, timestampMs: r.timestampMs, key: r.key === null ? null : Buffer.from(r.key).toString('hex'),
    value: r.value === null ? null : Buffer.from(r.value).toString('hex'),
    headers: r.headers.map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString('hex')]) };
}

test('readRecord returns exactly what decoding the whole batch gives, for every offset, across codecs, segments and the tail', async () => {
  const log = await Log.open(tempDir(), { segmentBytes: 16 * 1024 });
  let n = 0;
  for (const compression of ['none', 'gzip', 'none', 'lz4', 'zstd', 'snappy', 'none'] as const) {
    for (let b = 0; b < 6; b++) {
      const batch = Array.from({ length: 37 }, () => {
        n += 1;
        return { key: n % 5 === 0 ? null : `key-${n}`, value: n % 7 === 0 ? null : Buffer.alloc(n % 300, n & 0xff),
          headers: n % 3 === 0 ? [{ key: 'h', value: `v${n}` }] : [], timestampMs: 1_700_000_000_000 + n };
      });
      log.append(batch, { compression });
    }
  }
  // A producer's batch of one record between the others.
  log.appendBatch(encodeBatch([{ key: 'single', value: 'one' }], { nowMs: 1_700_000_999_999 }));
  const expected: LogRecord[] = [];
  for (let offset = 0; offset < log.logEndOffset;) {
    for (const batch of decodeBatches(log.read(offset).toBuffer())) {
      for (const r of batch.records()) expected.push(r);
      offset = batch.lastOffset + 1;
    }
  }
  assert.is(expected.length, log.logEndOffset);
  assert.ok(log.segmentInfos().length > 2, 'several segments');
  const kept: LogRecord[] = [];
  for (const r of expected) {
    const got = log.readRecord(r.offset)!;
    assert.equal(comparable(got), comparable(r), `offset ${r.offset}`);
    kept.push(got);
  }
  // What readRecord returned is the caller's: later reads (into the log's reused buffer) do not change it.
  for (let i = 0; i < kept.length; i++) assert.equal(comparable(kept[i]!), comparable(expected[i]!), `kept ${i}`);
  assert.throws(() => log.readRecord(log.logEndOffset), (e: unknown) => e instanceof OffsetOutOfRangeError);
  log.deleteRecordsBefore(50);
  assert.throws(() => log.readRecord(49), (e: unknown) => e instanceof OffsetOutOfRangeError);
  assert.is(log.readRecord(50)!.offset, 50);
  await log.close();
});

test('readRecord inside large uncompressed batches reads only as far as the record, and gets every record right', async () => {
  const log = await Log.open(tempDir());
  let n = 0;
  for (let b = 0; b < 12; b++) {
    // Sizes that swing from 0 to ~3 KiB, so window estimates from the average are sometimes short.
    log.append(Array.from({ length: 100 }, () => {
      n += 1;
      const size = (n * 7919) % 3000;
      return { key: n % 11 === 0 ? null : `k${n}`, value: n % 13 === 0 ? null : Buffer.alloc(size, n & 0xff),
        headers: n % 4 === 0 ? [{ key: 'trace', value: `t${n}` }] : [], timestampMs: 1_700_000_000_000 + n };
    }));
  }
  assert.ok(log.read(0, { maxBytes: 1 }).sizeBytes > 100 * 1024, 'batches well past the first window');
  const expected: LogRecord[] = [];
  for (const batch of decodeBatches(log.read(0, { maxBytes: 64 * 1024 * 1024 }).toBuffer())) expected.push(...batch.records());
  assert.is(expected.length, 1200);
  for (const i of [...Array(1200).keys()].reverse()) {
    assert.equal(comparable(log.readRecord(i)!), comparable(expected[i]!), `offset ${i}`);
  }
  await log.close();
});

test('readRecord from record marks: every record right after a truncation and new batches in its place, and after a reopen', async () => {
  const dir = tempDir();
  let log = await Log.open(dir);
  const appendBatches = (batches: number, seed: number): void => {
    for (let b = 0; b < batches; b++) {
      log.append(Array.from({ length: 100 }, (_, r) => ({ key: `k${seed}-${b}-${r}`,
        value: Buffer.alloc(200 + ((r * seed * 37 + b) % 1800), r + seed), timestampMs: 1_700_000_000_000 + r })));
    }
  };
  const check = (label: string): void => {
    const expected: LogRecord[] = [];
    for (const batch of decodeBatches(log.read(0, { maxBytes: 64 * 1024 * 1024 }).toBuffer())) expected.push(...batch.records());
    assert.is(expected.length, log.logEndOffset);
    for (let i = 0; i < expected.length; i++) {
      assert.equal(comparable(log.readRecord(i)!), comparable(expected[i]!), `${label}: offset ${i}`);
    }
  };
  appendBatches(8, 1);
  check('appended');
  log.truncateTo(450); // the batch 400..499 goes whole
  appendBatches(4, 7); // other record sizes where the cut batches' marks pointed
  check('after truncation');
  await log.close();
  log = await Log.open(dir);
  check('reopened');
  await log.close();
});

test('RecordBatch.recordAt decodes one record and says null for an offset the batch does not hold', () => {
  const bytes = encodeBatch([{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }], { baseOffset: 10,
    nowMs: 1 });
  const [batch] = [...decodeBatches(bytes)];
  assert.is(Buffer.from(batch!.recordAt(11)!.value!).toString(), '2');
  assert.is(batch!.recordAt(12)!.offset, 12);
  assert.is(batch!.recordAt(9), null);
  assert.is(batch!.recordAt(13), null);
});

test.run();
