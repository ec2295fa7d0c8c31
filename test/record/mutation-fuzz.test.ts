/**
 * Seeded mutation fuzzer for the decoder: real batches of every codec (and real Kafka bytes) with bit
 * flips, byte overwrites, truncations, splices and length-field edits. Decoding, iterating every
 * record, CRC checks and validateBatchRecords must either succeed or throw a SeglogError — never a
 * RangeError/TypeError, never a hang. SEGLOG_FUZZ_CASES sets the case count (default 3000),
 * SEGLOG_SEED the seed (printed on failure).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SeglogError } from '../../lib/errors.js';
import { decodeBatches, encodeBatch, encodeControlBatch, validateBatchRecords, type CompressionType } from '../../lib/record/index.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';

const CASES = Number(process.env['SEGLOG_FUZZ_CASES'] ?? 3000);
const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function corpus(): Buffer[] {
  const out: Buffer[] = [];
  for (const codec of CODECS) {
    out.push(Buffer.from(encodeBatch(Array.from({ length: 12 }, (_, i) => ({
      key: i % 2 ? `key${i}` : null, value: `v${i}`.repeat(i + 1), headers: [{ key: 'h',
          value: i % 3 ? 'x' : null }], timestampMs: 1_700_000_000_000 + i,
    })), { compression: codec, baseOffset: 77, producerId: 3, producerEpoch: 0, baseSequence: 5 })));
  }
  out.push(Buffer.from(encodeControlBatch('ABORT', { producerId: 1, producerEpoch: 0, coordinatorEpoch: 2, timestampMs: 5 })));
  const real = fileURLToPath(new URL('../../../fixtures/kafka-broker/__consumer_offsets-6/00000000000000000000.log', import.meta.url));
  out.push(readFileSync(real).subarray(0, 8192));
  return out;
}

function mutate(input: Buffer, random: () => number): Buffer {
  const bytes = Buffer.from(input);
  const pick = (n: number) => Math.floor(random() * n);
  switch (pick(6)) {
    case 0: { for (let i = 0, n = 1 + pick(4); i < n; i++) { const p = pick(bytes.length); bytes[p]! ^= 1 << pick(8); } return bytes; }
    case 1: { for (let i = 0, n = 1 + pick(8); i < n; i++) bytes[pick(bytes.length)] = pick(256); return bytes; }
    case 2: return bytes.subarray(0, pick(bytes.length));
    case 3: { const a = pick(bytes.length); const b = pick(bytes.length); return Buffer.concat([bytes.subarray(0, Math.min(a, b)),
        bytes.subarray(Math.max(a, b))]); }
    case 4: { const fields = [8, 57, 23]; const at = fields[pick(fields.length)]!; if (at + 4 <= bytes.length) bytes.writeInt32BE([-1, 0,
        0x7fffffff, pick(1 << 20), -pick(1000)][pick(5)]!, at); return bytes; }
    default: { const p = 61 + pick(Math.max(1, bytes.length - 61)); if (p < bytes.length) bytes[p] = [0xff, 0x80, 0x00,
        0x7f][pick(4)]!; return bytes; }
  }
}

test(`${CASES} mutated batches decode or fail with a SeglogError`, () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const inputs = corpus();
  let typed = 0;
  for (let c = 0; c < CASES; c++) {
    const bytes = mutate(inputs[c % inputs.length]!, random);
    try {
      for (const batch of decodeBatches(bytes, { allowTruncatedTail: c % 2 === 0 })) {
        batch.isValid();
        for (const record of batch.records()) void record.offset;
        batch.controlRecord();
        if (batch.magic === 2) validateBatchRecords(bytes, batch.positionBytes);
      }
    } catch (error) {
      if (!(error instanceof SeglogError)) {
        assert.unreachable(`seed ${seed}, case ${c}: ${(error as Error).name}: ${(error as Error).message}`);
      }
      assert.ok((error as SeglogError).code.startsWith('SEGLOG_'), `seed ${seed}, case ${c}`);
      typed++;
    }
  }
  assert.ok(typed > CASES / 10, `seed ${seed}: the mutations should break many batches (${typed})`);
});

test('each bad-input class is a typed error with position and offset', () => {
  const good = Buffer.from(encodeBatch([{ value: 'hello', timestampMs: 1 }, { value: 'world', timestampMs: 2 }], { baseOffset: 40 }));
  const expectCorrupt = (bytes: Buffer, what: string, options = {}) => {
    try {
      for (const b of decodeBatches(bytes, { basePositionBytes: 1000, path: 'x.log', verifyCrc: true,
          ...options })) for (const r of b.records()) void r;
      assert.unreachable(`${what}: no error`);
    } catch (error) {
      assert.instance(error, SeglogError, what);
      assert.is((error as SeglogError).code, 'SEGLOG_CORRUPT_RECORD', what);
      assert.is((error as SeglogError).path, 'x.log', what);
      assert.ok(((error as SeglogError).positionBytes ?? -1) >= 1000, `${what}: position`);
    }
  };
  expectCorrupt(good.subarray(0, 50), 'truncated batch', { allowTruncatedTail: false });
  const magic = Buffer.from(good); magic[16] = 7; expectCorrupt(magic, 'wrong magic');
  const crc = Buffer.from(good); crc[good.length - 1]! ^= 1; expectCorrupt(crc, 'CRC mismatch');
  const negative = Buffer.from(good); negative.writeInt32BE(-5, 8); expectCorrupt(negative, 'negative length');
  const oversized = Buffer.from(good); oversized.writeInt32BE(0x7ffffff0, 8); expectCorrupt(oversized, 'oversized length');
  const count = Buffer.from(good); count.writeInt32BE(3, 57); expectCorrupt(count, 'record count mismatch', { verifyCrc: false });
  const fewer = Buffer.from(good); fewer.writeInt32BE(1, 57); expectCorrupt(fewer, 'bytes left after the records', { verifyCrc: false });
  const varint = Buffer.from(good); varint.fill(0xff, 61, 67); expectCorrupt(varint, 'varint too long', { verifyCrc: false });
  const gz = Buffer.from(encodeBatch([{ value: 'x'.repeat(100), timestampMs: 1 }], { compression: 'gzip' }));
  gz.fill(0x55, 70, 90); expectCorrupt(gz, 'bad compression payload', { verifyCrc: false });
});

test.run();
