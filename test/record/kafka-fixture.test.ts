/**
 * Bytes written by a real Kafka broker (fixtures/kafka-broker, see its README): every batch decodes
 * with a valid CRC-32C and the counts the README states hold; control records decode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BatchHeaderView, decodeBatches, validateBatchRecords } from '../../lib/record/index.js';

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../../../fixtures/kafka-broker/${path}`, import.meta.url)));

function census(path: string) {
  const iterator = decodeBatches(fixture(path), { verifyCrc: true, allowTruncatedTail: false });
  let batches = 0;
  let records = 0;
  let control = 0;
  let next = -1;
  for (const batch of iterator) {
    batches++;
    assert.ok(batch.isValid());
    assert.ok(batch.baseOffset >= next, `${path}: offsets increase`);
    next = batch.lastOffset + 1;
    for (const r of batch.records()) {
      records++;
      assert.ok(r.offset >= batch.baseOffset && r.offset <= batch.lastOffset);
    }
    if (batch.isControl) {
      control++;
      assert.ok(batch.controlRecord() !== null, `${path}: control record at ${batch.baseOffset}`);
    }
  }
  assert.is(iterator.trailingBytes, 0);
  return { batches, records, control, next };
}

test('__consumer_offsets-6: 13 batches, 13 records, offsets 0–12', () => {
  assert.equal(census('__consumer_offsets-6/00000000000000000000.log'), { batches: 13, records: 13, control: 0, next: 13 });
});

test('TestTopicPatient-0: 3 batches, 3 records', () => {
  const c = census('TestTopicPatient-0/00000000000000000000.log');
  assert.is(c.batches, 3);
  assert.is(c.records, 3);
});

test('__cluster_metadata-0: 4,814 batches, 4,929 records, control records included', () => {
  const c = census('__cluster_metadata-0/00000000000000000000.log');
  assert.is(c.batches, 4814);
  assert.is(c.records, 4929);
  assert.ok(c.control > 0);
});

test('__cluster_metadata-0: its control batch is a KRaft LEADER_CHANGE record', () => {
  const types: string[] = [];
  for (const batch of decodeBatches(fixture('__cluster_metadata-0/00000000000000000000.log'))) {
    if (!batch.isControl) continue;
    assert.is(batch.recordsCount, 1);
    types.push(batch.controlRecord()!.controlType);
  }
  assert.equal(types, ['LEADER_CHANGE']);
});

test('validateBatchRecords accepts every broker-written batch; header views agree with the decoder', () => {
  for (const path of ['__consumer_offsets-6', 'TestTopicPatient-0', '__cluster_metadata-0']) {
    const bytes = fixture(`${path}/00000000000000000000.log`);
    const view = new BatchHeaderView();
    for (const batch of decodeBatches(bytes)) {
      view.load(bytes, batch.positionBytes);
      assert.equal([view.baseOffset, view.lastOffset, view.crc, view.maxTimestampMs, view.recordsCount, view.producerId],
          [batch.baseOffset, batch.lastOffset, batch.crc, batch.maxTimestampMs, batch.recordsCount, batch.producerId]);
      const max = batch.recordArray().reduce((m, r) => Math.max(m, r.timestampMs), -1);
      assert.is(validateBatchRecords(bytes, batch.positionBytes, path).maxTimestampMs, max);
    }
  }
});

test('TestTopicPatient-0: an idempotent producer wrote it (producer id, epoch, sequences present)', () => {
  for (const batch of decodeBatches(fixture('TestTopicPatient-0/00000000000000000000.log'))) {
    assert.ok(batch.producerId >= 0 && batch.producerEpoch >= 0 && batch.baseSequence >= 0);
  }
});

test.run();
