/**
 * Record marks (batch-encoder.ts): an uncompressed batch from the encoder notes, about every 16 KiB,
 * the index and first byte of a record; every note must name a real record start, found here by
 * walking the records' length varints from the batch's first record.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchEncoder, RECORDS } from '../../lib/index.js';
import { RECORD_MARK_INTERVAL_BYTES } from '../../lib/limits.js';

/** Batch-relative start of every record, from the zigzag length varints. */
function recordStarts(batch: Uint8Array, count: number): number[] {
  const starts: number[] = [];
  let position = RECORDS;
  for (let i = 0; i < count; i++) {
    starts.push(position);
    let raw = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = batch[position++]!;
      raw |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    position += (raw >>> 1) ^ -(raw & 1);
  }
  assert.is(position, batch.length, 'the walk ends at the batch end');
  return starts;
}

test('marks name record starts about every interval, in uncompressed batches only', () => {
  const encoder = new BatchEncoder();
  const records = Array.from({ length: 300 }, (_, i) => ({ key: i % 3 === 0 ? null : `k${i}`, value: Buffer.alloc((i * 131) % 1500, i),
    timestampMs: 1_700_000_000_000 + i }));
  const batch = Uint8Array.prototype.slice.call(encoder.encode(records, { nowMs: 0 }));
  const marks = encoder.recordMarks;
  const starts = recordStarts(batch, records.length);
  assert.ok(marks.count >= Math.floor((batch.length - RECORDS) / RECORD_MARK_INTERVAL_BYTES / 2), `${marks.count} marks`);
  let previous = RECORDS;
  for (let k = 0; k < marks.count; k++) {
    const index = marks.pairs[k * 2]!;
    const position = marks.pairs[k * 2 + 1]!;
    assert.is(starts[index], position, `mark ${k}: record ${index}`);
    assert.ok(position - previous >= RECORD_MARK_INTERVAL_BYTES, 'no closer than the interval');
    previous = position;
  }
  encoder.encode(records, { nowMs: 0, compression: 'gzip' });
  assert.is(encoder.recordMarks.count, 0, 'a compressed batch has none');
  encoder.encode(records.slice(0, 2), { nowMs: 0, offsetDeltas: [0, 5] });
  assert.is(encoder.recordMarks.count, 0, 'nor one with given offset deltas');
});

test.run();
