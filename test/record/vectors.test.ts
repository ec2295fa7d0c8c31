import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32c, decodeBatches, encodeBatch, encodeControlBatch, sizeOfVarint, writeVarint, RecordCursor } from '../../lib/record/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const TS = 1700000000000;

test('CRC-32C check value', () => {
  assert.is(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('reference vector 1: one record, value "hello", reproduces byte for byte', () => {
  const expected = [
    '00000000000000000000003d0000000002e641a44b0000000000000000018bcfe568000000018bcfe56800ffffffffff',
    'ffffffffffffffffff0000000116000000010a68656c6c6f00',
  ].join('');
  const bytes = encodeBatch([{ key: null, value: 'hello', timestampMs: TS }], { partitionLeaderEpoch: 0 });
  assert.is(hex(bytes), expected);
  const [batch] = [...decodeBatches(Buffer.from(expected, 'hex'))];
  assert.ok(batch);
  assert.is(batch.crc, 0xe641a44b);
  assert.ok(batch.isValid());
  const [record] = batch.recordArray();
  assert.is(record?.key, null);
  assert.is(Buffer.from(record!.value!).toString(), 'hello');
  assert.is(record?.timestampMs, TS);
});

test('reference vector 2: COMMIT marker reproduces byte for byte', () => {
  const expected = [
    '000000000000000a000000420000000302fc84b0340030000000000000018bcfe568000000018bcfe568000000000000',
    '0003e80000ffffffff000000012000000008000000010c00000000000500',
  ].join('');
  const bytes = encodeControlBatch('COMMIT', { baseOffset: 10, partitionLeaderEpoch: 3, producerId: 1000, producerEpoch: 0,
      coordinatorEpoch: 5, timestampMs: TS });
  assert.is(bytes.length, 78);
  assert.is(hex(bytes), expected);
  const [batch] = [...decodeBatches(bytes)];
  assert.ok(batch?.isControl && batch.isTransactional && batch.isValid());
  assert.equal(batch?.controlRecord(), { controlType: 'COMMIT', controlTypeId: 1, coordinatorEpoch: 5 });
});

test('varint sizes and encodings from the reference', () => {
  const cases: Array<[number, string]> = [[-1, '01'], [0, '00'], [5, '0a'], [63, '7e'], [64, '8001']];
  for (const [value, bytes] of cases) {
    const out = new Uint8Array(10);
    const end = writeVarint(out, 0, value);
    assert.is(hex(out.subarray(0, end)), bytes, `varint ${value}`);
    assert.is(sizeOfVarint(value), end);
    const cursor = new RecordCursor().reset(out, 0, end, 0);
    assert.is(cursor.readVarint(), value);
  }
});

test.run();
