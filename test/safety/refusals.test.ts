/**
 * The library refuses to destroy data by accident: compaction of a `delete` log, retention and
 * compaction without a time, and records whose key or value is not bytes, a string or null are
 * typed errors that leave the log exactly as it was.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, SeglogError, cleanLog, decodeBatches, encodeBatch, enforceRetention, type RecordInput } from '../../lib/index.js';
import { readAll } from '../log/log-helpers.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) out.set(name, readFileSync(join(dir, name)).toString('hex'));
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof SeglogError ? error.code : `untyped: ${String(error)}`;
  }
  return 'no error';
}

async function codeOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    return error instanceof SeglogError ? error.code : `untyped: ${String(error)}`;
  }
  return 'no error';
}

/** A log with many versions of few keys in sealed segments: exactly what compaction would shrink. */
async function duplicatedKeys(cleanupPolicy: 'delete' | 'compact'): Promise<Log> {
  const log = await Log.open(tempDir(), { segmentBytes: 4096, cleanupPolicy });
  for (let i = 0; i < 400; i++) log.append([{ key: `k${i % 4}`, value: `v${i}`, timestampMs: 1_000 + i }]);
  log.roll();
  return log;
}

test('cleanLog on a delete-only log is SEGLOG_CLEANUP_POLICY and removes nothing', async () => {
  const log = await duplicatedKeys('delete');
  await log.flush();
  const before = filesOf(log.dir);
  const records = readAll(log).length;
  const code = await codeOfAsync(() => cleanLog(log, { nowMs: 10_000_000 }));
  assert.is(code, 'SEGLOG_CLEANUP_POLICY');
  assert.is(readAll(log).length, records);
  assert.equal(filesOf(log.dir), before);
  await log.close();
});

test('cleanLog on a compact log still compacts (the refusal is about the policy, not the call)', async () => {
  const log = await duplicatedKeys('compact');
  const result = await cleanLog(log, { nowMs: 10_000_000 });
  assert.ok(result.cleaned);
  assert.ok(result.recordsDropped > 0);
  await log.close();
});

test('cleanLog and enforceRetention without a valid time are SEGLOG_INVALID_ARGUMENT', async () => {
  const log = await duplicatedKeys('compact');
  const records = readAll(log).length;
  const loose = cleanLog as (log: Log, options: unknown) => Promise<unknown>;
  const looseRetention = enforceRetention as (log: Log, nowMs?: unknown) => unknown;
  for (const options of [{}, { nowMs: undefined }, { nowMs: Number.NaN }, { nowMs: -1 }, { nowMs: 1.5 }, { nowMs: '1000' }, undefined]) {
    assert.is(await codeOfAsync(() => loose(log, options)), 'SEGLOG_INVALID_ARGUMENT', JSON.stringify(options));
  }
  for (const nowMs of [undefined, Number.NaN, -5, Infinity, '5']) {
    assert.is(codeOf(() => looseRetention(log, nowMs)), 'SEGLOG_INVALID_ARGUMENT', String(nowMs));
  }
  assert.is(readAll(log).length, records, 'nothing was removed');
  await log.close();
});

test('a key or value that is not Uint8Array | string | null is SEGLOG_INVALID_ARGUMENT naming the field', async () => {
  const log = await Log.open(tempDir());
  const bad: Array<[unknown, RegExp]> = [
    [{ value: 42 }, /record 0 value .*a number/],
    [{ key: 7, value: 'v' }, /record 0 key .*a number/],
    [{ value: { a: 1 } }, /record 0 value .*an object/],
    [{ value: ['x'] }, /record 0 value .*an array/],
    [{ key: 'k' }, /record 0 value is missing/],
    [{ value: 'v', headers: [{ key: 'h', value: 3 }] }, /record 0 header 0 value/],
    [42, /record 0 must be an object/],
    [null, /record 0 must be an object/],
  ];
  for (const [record, message] of bad) {
    let caught: unknown;
    try {
      log.append([record as RecordInput]);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof SeglogError, `typed error for ${JSON.stringify(record)}`);
    assert.is((caught as SeglogError).code, 'SEGLOG_INVALID_ARGUMENT');
    assert.match((caught as SeglogError).message, message);
  }
  // A bad second record names index 1, and the good first one is not written either.
  assert.throws(() => log.append([{ value: 'ok' }, { value: 1 } as unknown as RecordInput]), /record 1 value/);
  assert.is(log.logEndOffset, 0, 'nothing was appended');
  assert.throws(() => encodeBatch([{ value: 42 } as unknown as RecordInput], { nowMs: 1 }), /record 0 value/);
  // What is allowed still works: bytes, strings, null, a missing key.
  log.append([{ value: new Uint8Array([1]) }, { key: null, value: null }, { key: 'k', value: 's' }, { value: Buffer.from('b') }]);
  assert.is(log.logEndOffset, 4);
  await log.close();
});

test('the README read loop starts at the requested offset, not at the batch start', async () => {
  const log = await Log.open(tempDir());
  log.append([{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
  const { lastOffset } = log.append([{ value: 'd' }, { value: 'e' }, { value: 'f' }]);
  const offset = lastOffset - 1;
  const region = log.read(offset, { maxBytes: 1 << 20 });
  const printed: number[] = [];
  const all: number[] = [];
  for (const batch of decodeBatches(region.toBuffer())) {
    for (const r of batch.records()) {
      all.push(r.offset);
      if (r.offset >= offset) printed.push(r.offset);
    }
  }
  assert.equal(printed, [4, 5]);
  assert.equal(all, [3, 4, 5], 'the region holds the whole batch: the filter is needed');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.match(readme, /if \(r\.offset >= offset\)/, 'the README shows the filter');
  await log.close();
});

test.run();
