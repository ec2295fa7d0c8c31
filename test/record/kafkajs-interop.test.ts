/**
 * Interoperability with an independent RecordBatch v2 implementation: kafkajs's pure-JS encoder and
 * decoder. Bytes seglog writes decode in kafkajs to the same records (and carry a CRC kafkajs's own
 * CRC-32C agrees with); bytes kafkajs writes decode in seglog. kafkajs ships gzip; snappy, lz4 and
 * zstd are registered here as kafkajs codecs built directly on the raw packages (snappy blocks with
 * a hand-written xerial reader, lz4-napi frames, zstd-napi) — not on seglog's compression module.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { decodeBatches, encodeBatch, encodeControlBatch, type CompressionType, type RecordInput } from '../../lib/record/index.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-require-imports */
interface KafkajsRecord { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: KafkajsHeaders }
interface KafkajsBatch { firstOffset: string; lastOffsetDelta: number; maxTimestamp: string; producerId: string; producerEpoch: number;
  firstSequence: number; inTransaction: boolean; isControlBatch: boolean; timestampType: number; partitionLeaderEpoch: number;
  records: KafkajsRecord[] }
const kafkajs = require('kafkajs') as { CompressionCodecs: Record<number, () => unknown>; CompressionTypes: Record<string, number> };
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<KafkajsBatch>;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (options: object) => Promise<{ buffer: Buffer }> };
const KafkajsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0') as (options: object) => unknown;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
const snappy = require('snappy') as { compressSync(b: Buffer): Buffer; uncompressSync(b: Buffer, o: { asBuffer: true }): Buffer };
const lz4 = require('lz4-napi') as { compressFrameSync(b: Buffer): Buffer; decompressFrameSync(b: Buffer): Buffer };
const zstd = require('zstd-napi') as { compress(b: Buffer): Buffer; decompress(b: Buffer): Buffer };

function xerialOrRaw(buffer: Buffer): Buffer {
  if (buffer.length < 16 || buffer[0] !== 0x82 || buffer.toString('latin1', 1, 7) !== 'SNAPPY') return snappy.uncompressSync(buffer,
      { asBuffer: true });
  const parts: Buffer[] = [];
  for (let p = 16; p < buffer.length;) {
    const length = buffer.readInt32BE(p);
    parts.push(snappy.uncompressSync(buffer.subarray(p + 4, p + 4 + length), { asBuffer: true }));
    p += 4 + length;
  }
  return Buffer.concat(parts);
}

const T = kafkajs.CompressionTypes;
kafkajs.CompressionCodecs[T['Snappy']!] = () => ({ compress: async (e: { buffer: Buffer }) => snappy.compressSync(e.buffer),
    decompress: async (b: Buffer) => xerialOrRaw(b) });
kafkajs.CompressionCodecs[T['LZ4']!] = () => ({ compress: async (e: { buffer: Buffer }) => lz4.compressFrameSync(e.buffer),
    decompress: async (b: Buffer) => lz4.decompressFrameSync(b) });
kafkajs.CompressionCodecs[T['ZSTD']!] = () => ({ compress: async (e: { buffer: Buffer }) => zstd.compress(e.buffer),
    decompress: async (b: Buffer) => zstd.decompress(b) });

type KafkajsHeaders = Record<string, Buffer | null | Array<Buffer | null>>;

/** kafkajs's header object: a key once → its value, repeated → an array in order. Values as hex (null stays null). */
function foldHeaders(headers: ReadonlyArray<{ key: string; value: Uint8Array | string | null }>): Record<string, unknown> {
  const folded: Record<string, Array<string | null>> = {};
  for (const h of headers) (folded[h.key] ??= []).push(h.value === null ? null : Buffer.from(h.value).toString('hex'));
  return Object.fromEntries(Object.entries(folded).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

function normalise(headers: KafkajsHeaders): Record<string, unknown> {
  const hexOf = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(hexOf) : hexOf(v)]));
}

test('seglog → kafkajs: a COMMIT marker is a control batch kafkajs recognises', async () => {
  const bytes = Buffer.from(encodeControlBatch('COMMIT', { baseOffset: 50, producerId: 9, producerEpoch: 1, coordinatorEpoch: 3,
      timestampMs: BASE_TS }));
  const batch = await decodeKafkajsBatch(new Decoder(bytes));
  assert.ok(batch.isControlBatch && batch.inTransaction);
  assert.is(batch.records.length, 1);
  assert.is(batch.records[0]!.key!.readInt16BE(2), 1, 'control type COMMIT');
  assert.is(batch.records[0]!.value!.readInt32BE(2), 3, 'coordinator epoch');
});

const CODECS: Array<[CompressionType, number]> = [['none', 0], ['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]];
const BASE_TS = 1_700_000_000_000;

function sample(count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 4 === 0 ? null : `key-${i}`,
    value: i % 7 === 3 ? null : Buffer.alloc(20 + (i * 37) % 500, i),
    // Repeated keys and null values: kafkajs folds repeats into an array, keeping their order.
    headers: i % 3 === 0 ? [{ key: 'trace', value: `t${i}` }, { key: 'n', value: Buffer.from([i]) }, { key: 'trace', value: null }] : [],
    timestampMs: BASE_TS + i * 3,
  }));
}

for (const [codec, kafkajsCodec] of CODECS) {
  test(`seglog → kafkajs (${codec}): same records, CRC agrees`, async () => {
    const input = sample(60);
    const bytes = Buffer.from(encodeBatch(input, { baseOffset: 1000, compression: codec }));
    assert.is(bytes.readUInt32BE(17), kafkajsCrc32c(bytes.subarray(21)), 'kafkajs computes the same CRC-32C');
    assert.is(bytes[22]! & 0x07, kafkajsCodec);
    const batch = await decodeKafkajsBatch(new Decoder(bytes));
    assert.is(batch.firstOffset, '1000');
    assert.is(batch.records.length, input.length);
    batch.records.forEach((r, i) => {
      const want = input[i]!;
      assert.is(r.offset, String(1000 + i));
      assert.is(r.timestamp, String(want.timestampMs));
      assert.equal(r.key === null ? null : r.key.toString(), want.key ?? null);
      assert.equal(r.value === null ? null : Buffer.from(r.value), want.value === null ? null : Buffer.from(want.value as Buffer));
      assert.equal(normalise(r.headers), foldHeaders(want.headers ?? []), `record ${i} headers`);
    });
  });

  test(`seglog → kafkajs (${codec}): producer fields, transactional, LogAppendTime`, async () => {
    const input = sample(10);
    const bytes = Buffer.from(encodeBatch(input, { baseOffset: 7, compression: codec, producerId: 123456789, producerEpoch: 4,
        baseSequence: 1000, isTransactional: true, timestampType: 'LogAppendTime', nowMs: BASE_TS + 77, partitionLeaderEpoch: 5 }));
    assert.is(bytes.readUInt32BE(17), kafkajsCrc32c(bytes.subarray(21)));
    const batch = await decodeKafkajsBatch(new Decoder(bytes));
    assert.equal([batch.producerId, batch.producerEpoch, batch.firstSequence, batch.inTransaction, batch.isControlBatch,
      batch.timestampType, batch.maxTimestamp, batch.partitionLeaderEpoch, batch.lastOffsetDelta],
    ['123456789', 4, 1000, true, false, 1, String(BASE_TS + 77), 5, 9]);
    assert.equal(batch.records.map((r) => r.offset), input.map((_, i) => String(7 + i)));
  });

  test(`kafkajs → seglog (${codec}): same records, valid CRC`, async () => {
    const count = 40;
    const records = Array.from({ length: count }, (_, i) => KafkajsRecordEncoder({
      offsetDelta: i,
      timestampDelta: i * 5,
      key: i % 5 === 0 ? null : Buffer.from(`k${i}`),
      value: i % 9 === 4 ? null : Buffer.from(`value-${i}`.repeat(1 + (i % 30))),
      headers: i % 2 === 0 ? { h: Buffer.from(`v${i}`), r: [Buffer.from('a'), Buffer.from('b')] } : {},
    }));
    const encoded = await RecordBatch({ compression: kafkajsCodec, firstTimestamp: BASE_TS, maxTimestamp: BASE_TS + (count - 1) * 5,
        lastOffsetDelta: count - 1, records });
    const [batch, extra] = [...decodeBatches(encoded.buffer, { verifyCrc: true })];
    assert.ok(batch && extra === undefined);
    assert.is(batch.compression, codec);
    assert.ok(batch.isValid());
    const got = batch.recordArray();
    assert.is(got.length, count);
    got.forEach((r, i) => {
      assert.is(r.offset, i);
      assert.is(r.timestampMs, BASE_TS + i * 5);
      assert.equal(r.key === null ? null : Buffer.from(r.key).toString(), i % 5 === 0 ? null : `k${i}`);
      assert.equal(r.value === null ? null : Buffer.from(r.value).toString(), i % 9 === 4 ? null : `value-${i}`.repeat(1 + (i % 30)));
      const wantHeaders = i % 2 === 0 ? [['h', `v${i}`], ['r', 'a'], ['r', 'b']] : [];
      assert.equal(r.headers.map((h) => [h.key, Buffer.from(h.value!).toString()]), wantHeaders);
    });
  });
}

test.run();
