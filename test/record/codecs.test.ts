/**
 * The compression codecs in the framings real producers write (reference §2.6, §19): xerial snappy
 * written and raw snappy read; LZ4 frames with and without checksums; zstd frames without a content
 * size and over 1 MiB (streamed, as Java and librdkafka write them); empty compressed batches; a
 * corrupt zstd batch not poisoning later ones; unavailable packages as typed errors on both encode
 * and decode, in a child process with a fresh import.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { SeglogError } from '../../lib/errors.js';
import { codecAvailable, decodeBatches, encodeBatch, type CompressionType, type RecordInput } from '../../lib/record/index.js';

const require = createRequire(import.meta.url);
const snappy = require('snappy') as { compressSync(b: Buffer): Buffer };
const lz4 = require('lz4-napi') as { compressFrameSync(b: Buffer, o?: { contentChecksum?: boolean; blockChecksums?: boolean }): Buffer };
interface Writable { write(chunk: Buffer): boolean; end(): void; on(event: string, f: (x: Buffer) => void): void }
const zstd = require('zstd-napi') as { CompressStream: new () => Writable };
const TS = 1_700_000_000_000;

function records(count: number, valueBytes: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(valueBytes, `${i}-payload `), timestampMs: TS + i }));
}

/** An uncompressed batch's records section, recompressed by `compress` into a batch of that codec. */
function recompressed(codec: CompressionType, count: number, valueBytes: number, compress: (plain: Buffer) => Buffer): Buffer {
  const plain = Buffer.from(encodeBatch(records(count, valueBytes), { baseOffset: 10 }));
  const payload = compress(plain.subarray(61));
  const out = Buffer.concat([plain.subarray(0, 61), payload]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeUInt16BE({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[codec], 21);
  return out;
}

function expectRecords(bytes: Uint8Array, count: number, valueBytes: number): void {
  const [batch, extra] = [...decodeBatches(bytes)];
  assert.ok(batch !== undefined && extra === undefined);
  const got = batch.recordArray();
  assert.is(got.length, count);
  const want = records(count, valueBytes);
  got.forEach((r, i) => {
    assert.is(r.offset, 10 + i);
    assert.ok(Buffer.from(r.value!).equals(want[i]!.value as Buffer), `record ${i}`);
  });
}

test('snappy: seglog writes xerial framing (32 KiB blocks) and reads it back', () => {
  const bytes = Buffer.from(encodeBatch(records(50, 2000), { compression: 'snappy', baseOffset: 10 }));
  assert.is(bytes.toString('latin1', 61, 69), '\x82SNAPPY\x00');
  assert.is(bytes.readInt32BE(69), 1, 'xerial version');
  assert.is(bytes.readInt32BE(73), 1, 'xerial compatible version');
  expectRecords(bytes, 50, 2000);
});

test('snappy: a raw snappy block (kafkajs-snappy, librdkafka) is read too', () => {
  expectRecords(recompressed('snappy', 40, 3000, (p) => snappy.compressSync(p)), 40, 3000);
});

test('lz4: frames with block and content checksums decode', () => {
  for (const options of [{}, { contentChecksum: true }, { blockChecksums: true, contentChecksum: true }]) {
    expectRecords(recompressed('lz4', 30, 5000, (p) => lz4.compressFrameSync(p, options)), 30, 5000);
  }
});

test('zstd: a streamed frame without a content size, over 1 MiB, decodes', async () => {
  const count = 40;
  const valueBytes = 40_000;
  const plain = Buffer.from(encodeBatch(records(count, valueBytes), { baseOffset: 10 })).subarray(61);
  assert.ok(plain.length > 1024 * 1024);
  const frame = await new Promise<Buffer>((resolve) => {
    const stream = new zstd.CompressStream();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    for (let at = 0; at < plain.length; at += 65536) stream.write(plain.subarray(at, at + 65536));
    stream.end();
  });
  assert.is(frame.readUInt32LE(0), 0xfd2fb528);
  assert.is(frame[4]! >>> 6, 0, 'frame header has no content-size field');
  assert.is(frame[4]! & 0x20, 0, 'not single-segment');
  expectRecords(recompressed('zstd', count, valueBytes, () => frame), count, valueBytes);
});

test('zstd: a corrupt batch does not poison the decoder for the next one', () => {
  const good = Buffer.from(encodeBatch(records(20, 5000), { compression: 'zstd', baseOffset: 10 }));
  const bad = Buffer.from(good);
  bad.fill(0xa5, good.length - 200, good.length - 100);
  for (let round = 0; round < 3; round++) {
    assert.throws(() => [...decodeBatches(bad)].forEach((b) => b.recordArray()), (e: unknown) => e instanceof SeglogError);
    expectRecords(good, 20, 5000);
  }
});

test('every codec: a large batch (> 1 MiB of records) round trips', () => {
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const bytes = encodeBatch(records(30, 50_000), { compression: codec, baseOffset: 10 });
    assert.ok(bytes.length < 1024 * 1024, `${codec} compresses`);
    expectRecords(bytes, 30, 50_000);
  }
});

test('every codec: an empty batch (count 0, header only) yields no records', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const bytes = encodeBatch([], { compression: codec, baseOffset: 7, lastOffsetDelta: 2, maxTimestampMs: TS });
    assert.is(bytes.length, 61, codec);
    const [batch] = [...decodeBatches(bytes, { verifyCrc: true })];
    assert.is(batch?.compression, codec);
    assert.equal(batch?.recordArray(), []);
    assert.is(batch?.lastOffset, 9);
  }
});

test('codecAvailable: every codec is installed here', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) assert.ok(codecAvailable(codec), codec);
});

test('SEGLOG_DISABLE_CODECS=zstd: encode and decode raise CodecUnavailableError naming zstd-napi (fresh process)', () => {
  const zstdBatch = Buffer.from(encodeBatch(records(3, 10), { compression: 'zstd' })).toString('hex');
  const gzipBatch = Buffer.from(encodeBatch(records(3, 10), { compression: 'gzip' })).toString('hex');
  const script = `
    const { encodeBatch, decodeBatches, codecAvailable } = await import(${JSON.stringify(new URL('../../lib/record/index.js',
        import.meta.url).href)});
    const out = [];
    const attempt = (f) => { try { f(); out.push('no error'); } catch (e) { out.push(e.name + ' ' + e.code + ' ' +
        e.message.includes("'zstd-napi'")); } };
    attempt(() => encodeBatch([{ value: 'x', timestampMs: 1 }], { compression: 'zstd' }));
    attempt(() => [...decodeBatches(Buffer.from('${zstdBatch}', 'hex'))][0].recordArray());
    out.push(String(codecAvailable('zstd')), String(codecAvailable('snappy')));
    out.push(String([...decodeBatches(Buffer.from('${gzipBatch}', 'hex'))][0].recordArray().length));
    console.log(out.join('\\n'));`;
  const env = { ...process.env, SEGLOG_DISABLE_CODECS: 'zstd' };
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim().split('\n'), ['CodecUnavailableError SEGLOG_CODEC_UNAVAILABLE true',
    'CodecUnavailableError SEGLOG_CODEC_UNAVAILABLE true', 'false', 'true', '3']);
});

test.run();
