/**
 * Seeded mutation fuzzer for the decoder. The corpus is real batches of every codec — seglog's own,
 * kafkajs's (fixtures/kafkajs), a real broker's (fixtures/kafka-broker), control and empty batches,
 * legacy v0/v1 messages — mutated by bit flips, byte overwrites, truncations, splices (within and
 * across batches) and length-field edits (batchLength, recordsCount, lastOffsetDelta, record varints).
 * Decoding, iterating every record, isValid/computedCrc, controlRecord and validateBatchRecords must
 * each either succeed or throw a SeglogError with a byte position — never a RangeError/TypeError or
 * a hang. SEGLOG_FUZZ_CASES sets the case count (default 3000), SEGLOG_SEED the seed (printed on failure).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CodecUnavailableError, SeglogError } from '../../lib/errors.js';
import { decodeBatches, encodeBatch, encodeControlBatch, validateBatchRecords, type CompressionType } from '../../lib/record/index.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';
import { legacyMessage } from './legacy-message.js';

const CASES = Number(process.env['SEGLOG_FUZZ_CASES'] ?? 3000);
const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const TS = 1_700_000_000_000;
const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url)));

function corpus(): Buffer[] {
  const out: Buffer[] = [];
  for (const codec of CODECS) {
    out.push(Buffer.from(encodeBatch(Array.from({ length: 12 }, (_, i) => ({
      key: i % 2 ? `key${i}` : null, value: `v${i}`.repeat(i + 1), headers: [{ key: 'h', value: i % 3 ? 'x' : null }],
      timestampMs: TS + ((i * 37) % 11) - 5,
    })), { compression: codec, baseOffset: 77, producerId: 3, producerEpoch: 0, baseSequence: 5 })));
    out.push(Buffer.from(encodeBatch([{ value: 'a', timestampMs: TS }, { key: 'k', value: null, timestampMs: TS + 1 }],
        { compression: codec, offsetDeltas: [2, 9], lastOffsetDelta: 12, deleteHorizonMs: TS + 5, timestampType: 'LogAppendTime',
          nowMs: TS + 3 })));
    out.push(fixture(`kafkajs/${codec}.log`));
  }
  out.push(Buffer.from(encodeControlBatch('ABORT', { producerId: 1, producerEpoch: 0, coordinatorEpoch: 2, timestampMs: 5 })));
  out.push(Buffer.from(encodeBatch([], { baseOffset: 4, lastOffsetDelta: 3, maxTimestampMs: TS })));
  out.push(fixture('kafkajs/headers-nulls.log'));
  out.push(fixture('kafka-broker/__consumer_offsets-6/00000000000000000000.log').subarray(0, 8192));
  out.push(fixture('kafka-broker/__cluster_metadata-0/00000000000000000000.log').subarray(0, 4096));
  out.push(Buffer.concat([legacyMessage(0, 0, null, Buffer.from('v0 value')),
    legacyMessage(1, 1, Buffer.from('k'), Buffer.from('v1'), TS)]));
  return out;
}

const LENGTH_FIELDS = [8, 23, 57];
const LENGTH_VALUES = [-1, 0, 1, 48, 49, 0x7fffffff, -0x80000000];

function mutate(input: Buffer, other: Buffer, random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  const bytes = Buffer.from(input);
  switch (pick(7)) {
    case 0: {
      for (let i = 0, n = 1 + pick(4); i < n; i++) bytes[pick(bytes.length)]! ^= 1 << pick(8);
      return bytes;
    }
    case 1: {
      for (let i = 0, n = 1 + pick(8); i < n; i++) bytes[pick(bytes.length)] = pick(256);
      return bytes;
    }
    case 2: return bytes.subarray(0, pick(bytes.length));
    case 3: {
      const a = pick(bytes.length);
      const b = pick(bytes.length);
      return Buffer.concat([bytes.subarray(0, Math.min(a, b)), bytes.subarray(Math.max(a, b))]);
    }
    case 4: return Buffer.concat([bytes.subarray(0, pick(bytes.length)), other.subarray(pick(other.length))]);
    case 5: {
      const at = LENGTH_FIELDS[pick(LENGTH_FIELDS.length)]!;
      const nearby = bytes.length >= 4 ? bytes.readInt32BE(Math.min(at, bytes.length - 4)) + pick(9) - 4 : 0;
      const value = random() < 0.5 ? LENGTH_VALUES[pick(LENGTH_VALUES.length)]! : nearby;
      if (at + 4 <= bytes.length) bytes.writeInt32BE(value | 0, at);
      return bytes;
    }
    default: {
      // Record-level varints (lengths, deltas, counts) sit right after the header.
      const p = 61 + pick(Math.max(1, Math.min(40, bytes.length - 61)));
      if (p < bytes.length) bytes[p] = [0xff, 0x80, 0x00, 0x7f, 0x01, 0x02][pick(6)]!;
      return bytes;
    }
  }
}

/** Everything a reader may call on untrusted bytes; validateBatchRecords is the producer-batch check (compacted batches fail it). */
function exercise(bytes: Buffer, allowTruncatedTail: boolean, validateAsProduced = true): number {
  let records = 0;
  for (const batch of decodeBatches(bytes, { allowTruncatedTail, basePositionBytes: 4096 })) {
    batch.isValid();
    for (const record of batch.records()) records += record.offset >= 0 ? 1 : 1;
    batch.controlRecord();
    if (batch.magic === 2 && validateAsProduced) validateBatchRecords(bytes, batch.positionBytes - 4096);
  }
  return records;
}

test(`${CASES} mutated batches decode or fail with a SeglogError carrying a position`, () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const inputs = corpus();
  const byCode = new Map<string, number>();
  let decoded = 0;
  for (let c = 0; c < CASES; c++) {
    const bytes = mutate(inputs[c % inputs.length]!, inputs[Math.floor(random() * inputs.length)]!, random);
    try {
      exercise(bytes, c % 2 === 0);
      decoded++;
    } catch (error) {
      const where = `seed ${seed} (SEGLOG_SEED=${seed}), case ${c}`;
      if (!(error instanceof SeglogError)) {
        const e = error as Error;
        assert.unreachable(`${where}: ${e.name}: ${e.message}\n${e.stack ?? ''}`);
        return;
      }
      assert.not.instance(error, CodecUnavailableError, where);
      assert.ok(error.code.startsWith('SEGLOG_'), where);
      assert.type(error.positionBytes, 'number', `${where}: ${error.code} ${error.message} has no position`);
      byCode.set(error.code, (byCode.get(error.code) ?? 0) + 1);
    }
  }
  const failed = CASES - decoded;
  assert.ok(failed > CASES / 10, `seed ${seed}: the mutations should break many inputs (${failed} of ${CASES})`);
  assert.ok(decoded > CASES / 20, `seed ${seed}: some mutations should stay decodable (${decoded} of ${CASES})`);
  assert.ok(byCode.has('SEGLOG_CORRUPT_RECORD'), `seed ${seed}`);
});

test('the unmutated corpus decodes cleanly', () => {
  let records = 0;
  for (const input of corpus()) {
    for (const batch of decodeBatches(input, { verifyCrc: true })) assert.ok(batch.isValid());
    records += exercise(input, true, false);
  }
  assert.ok(records > 250, `${records} records`);
});

function expectTyped(bytes: Buffer, what: string, code: string, options: { verifyCrc?: boolean; allowTruncatedTail?: boolean } = {},
    wantOffset: number | null = 40): void {
  try {
    for (const b of decodeBatches(bytes, { basePositionBytes: 1000, path: 'x.log', verifyCrc: true, ...options })) {
      for (const r of b.records()) void r;
    }
  } catch (error) {
    assert.instance(error, SeglogError, what);
    const e = error as SeglogError;
    assert.is(e.code, code, `${what}: ${e.message}`);
    assert.is(e.path, 'x.log', what);
    assert.ok((e.positionBytes ?? -1) >= 1000, `${what}: position ${e.positionBytes}`);
    if (wantOffset !== null) assert.is(e.offset, wantOffset, `${what}: offset`);
    assert.ok(e.toLine().includes('position'), what);
    return;
  }
  assert.unreachable(`${what}: no error`);
}

test('each bad-input class is a typed error with code, position and offset', () => {
  const good = Buffer.from(encodeBatch([{ value: 'hello', timestampMs: 1 }, { value: 'world', timestampMs: 2 }], { baseOffset: 40 }));
  const edit = (f: (b: Buffer) => void) => { const b = Buffer.from(good); f(b); return b; };
  const C = 'SEGLOG_CORRUPT_RECORD';
  expectTyped(good.subarray(0, 50), 'truncated batch', C, { allowTruncatedTail: false }, null);
  expectTyped(edit((b) => { b[16] = 7; }), 'wrong magic', C, {}, null);
  expectTyped(edit((b) => { b[b.length - 1]! ^= 1; }), 'CRC mismatch', C);
  expectTyped(edit((b) => b.writeInt32BE(-5, 8)), 'negative batch length', C, {}, null);
  expectTyped(edit((b) => b.writeInt32BE(0x7ffffff0, 8)), 'oversized batch length', C, {}, null);
  expectTyped(edit((b) => b.writeInt32BE(30, 8)), 'v2 batch length below the header', C);
  expectTyped(edit((b) => b.writeInt32BE(3, 57)), 'record count above the records', C, { verifyCrc: false });
  expectTyped(edit((b) => b.writeInt32BE(1, 57)), 'bytes left after the records', C, { verifyCrc: false });
  expectTyped(edit((b) => b.writeInt32BE(-1, 57)), 'negative record count', C, { verifyCrc: false });
  expectTyped(edit((b) => b.fill(0xff, 61, 67)), 'varint too long', C, { verifyCrc: false });
  expectTyped(edit((b) => { b[61] = 0x7f; }), 'record length past the batch', C, { verifyCrc: false });
  expectTyped(edit((b) => { b[61] = 0x03; }), 'negative record length', C, { verifyCrc: false });
  expectTyped(edit((b) => b.writeUInt16BE(0x0007, 21)), 'unknown codec 7', C, { verifyCrc: false });
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const bad = Buffer.from(encodeBatch([{ value: 'x'.repeat(300), timestampMs: 1 }], { compression: codec, baseOffset: 40 }));
    bad.fill(0x55, 64, 80);
    expectTyped(bad, `bad ${codec} payload`, C, { verifyCrc: false });
    const good = Buffer.from(encodeBatch([{ value: 'x'.repeat(300), timestampMs: 1 }], { compression: codec, baseOffset: 40 }));
    const short = Buffer.from(good.subarray(0, good.length - 12));
    short.writeInt32BE(short.length - 12, 8);
    expectTyped(short, `${codec} payload cut short`, C, { verifyCrc: false });
  }
  const unsafe = edit((b) => b.writeBigInt64BE(2n ** 60n, 0));
  expectTyped(unsafe, 'baseOffset beyond 2^53', 'SEGLOG_UNSAFE_INTEGER', {}, null);
});

test('a zstd frame declaring a huge content size is refused before allocation', () => {
  // magic | descriptor 0xe0 (8-byte size, single segment) | size 2^40 | an empty raw last block
  const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0x01, 0, 0]);
  const batch = Buffer.from(encodeBatch([{ value: 'x', timestampMs: 1 }], { compression: 'zstd', baseOffset: 40 }));
  const forged = Buffer.concat([batch.subarray(0, 61), frame]);
  forged.writeInt32BE(forged.length - 12, 8);
  expectTyped(forged, 'zstd bomb header', 'SEGLOG_CORRUPT_RECORD', { verifyCrc: false });
});

test.run();
