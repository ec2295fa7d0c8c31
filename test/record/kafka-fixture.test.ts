/**
 * Bytes written by a real Kafka broker (fixtures/kafka-broker, see its README): every batch decodes
 * with a valid CRC-32C and the counts the README states hold; control records decode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeBatches } from '../../lib/record/index.js';

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

test.run();
