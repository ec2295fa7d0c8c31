/**
 * fixtures/kafkajs (bytes kafkajs encoded, see its README): every batch of every file decodes with a
 * valid CRC-32C, through both decodeBatches and validateBatchRecords, to exactly the records the
 * generator put in (expected.json) — offsets, timestamps, keys, values, ordered headers, nulls.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeBatches, validateBatchRecords, type CompressionType } from '../../lib/record/index.js';

interface ExpectedRecord { offset: number; timestampMs: number; key: string | null; value: string | null; headers: Array<[string,
    string | null]> }
interface ExpectedFile { batches: number; records: number; batchList: Array<{ baseOffset: number; records: ExpectedRecord[] }> }

const dir = new URL('../../../fixtures/kafkajs/', import.meta.url);
const read = (name: string) => readFileSync(fileURLToPath(new URL(name, dir)));
const expected = JSON.parse(read('expected.json').toString('utf8')) as Record<string, ExpectedFile>;
const b64 = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('base64'));

const CODEC_OF_FILE: Record<string, CompressionType | undefined> = { 'none.log': 'none', 'gzip.log': 'gzip', 'snappy.log': 'snappy',
  'lz4.log': 'lz4', 'zstd.log': 'zstd' };

test('expected.json lists the six fixture files', () => {
  assert.equal(Object.keys(expected).sort(), ['gzip.log', 'headers-nulls.log', 'lz4.log', 'none.log', 'snappy.log', 'zstd.log']);
});

for (const [name, want] of Object.entries(expected)) {
  test(`${name}: ${want.batches} batches, ${want.records} records, same as kafkajs was given`, () => {
    const bytes = read(name);
    const iterator = decodeBatches(bytes, { verifyCrc: true, allowTruncatedTail: false, path: name });
    let index = 0;
    let records = 0;
    for (const batch of iterator) {
      const wantBatch = want.batchList[index++]!;
      assert.ok(batch.isValid(), `${name} batch ${index}`);
      assert.is(batch.magic, 2);
      assert.is(batch.baseOffset, wantBatch.baseOffset);
      assert.is(batch.lastOffset, wantBatch.baseOffset + wantBatch.records.length - 1);
      assert.is(batch.partitionLeaderEpoch, 0, 'kafkajs writes leader epoch 0');
      const codec = CODEC_OF_FILE[name];
      if (codec !== undefined) assert.is(batch.compression, codec);
      assert.is(validateBatchRecords(bytes, batch.positionBytes, name).maxTimestampMs, batch.maxTimestampMs);
      const got = batch.recordArray().map((r) => ({ offset: r.offset, timestampMs: r.timestampMs, key: b64(r.key), value: b64(r.value),
        headers: r.headers.map((h) => [h.key, b64(h.value)]) }));
      assert.equal(got, wantBatch.records);
      records += got.length;
    }
    assert.is(index, want.batches);
    assert.is(records, want.records);
    assert.is(iterator.trailingBytes, 0);
  });
}

test('headers-nulls.log: the transactional batch keeps producer id, epoch and sequences', () => {
  const batches = [...decodeBatches(read('headers-nulls.log'))];
  const txn = batches[2]!;
  assert.ok(txn.isTransactional);
  assert.is(txn.producerId, 4242);
  assert.is(txn.producerEpoch, 7);
  assert.is(txn.baseSequence, 100);
  assert.equal(txn.recordArray().map((r) => r.sequence), [100, 101, 102]);
  const plain = batches[0]!;
  assert.equal([plain.producerId, plain.producerEpoch, plain.baseSequence], [-1, 0, 0], 'kafkajs: -1/0/0 without idempotence');
});

test('snappy.log is raw snappy (no xerial header), as kafkajs-snappy writes', () => {
  const [batch] = [...decodeBatches(read('snappy.log'))];
  const payload = batch!.bytes().subarray(61);
  assert.is.not(payload[0], 0x82);
});

test.run();
