/**
 * Legacy message formats (magic 0 and 1, reference §2.9) are recognised, never written: decoding them
 * does not crash, reports the fields, and checks their CRC-32 (IEEE) — against messages built by hand
 * with node:zlib's CRC-32.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 } from 'node:zlib';
import { SeglogError } from '../../lib/errors.js';
import { crc32Ieee, decodeBatches, encodeBatch } from '../../lib/record/index.js';
import { legacyMessage } from './legacy-message.js';

const TS = 1_700_000_000_000;
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

test('crc32Ieee agrees with zlib (check value 0xCBF43926)', () => {
  assert.is(crc32Ieee(Buffer.from('123456789'), 0, 9), 0xcbf43926);
  const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff));
  assert.is(crc32Ieee(random, 3, 997), crc32(random.subarray(3, 997)));
});

test('v0 and v1 messages decode with their fields, valid CRC, one record each', () => {
  const bytes = Buffer.concat([
    legacyMessage(0, 5, null, Buffer.from('zero')),
    legacyMessage(1, 6, Buffer.from('key'), Buffer.from('one'), TS),
    legacyMessage(1, 7, Buffer.from('tomb'), null, TS + 1, 0x08),
    // v2 after legacy, as in a log upgraded in place.
    Buffer.from(encodeBatch([{ value: 'two', timestampMs: TS + 2 }], { baseOffset: 8 })),
  ]);
  const batches = [...decodeBatches(bytes, { verifyCrc: true, allowTruncatedTail: false })];
  assert.equal(batches.map((b) => b.magic), [0, 1, 1, 2]);
  assert.ok(batches.every((b) => b.isValid()));
  const [v0, v1, v1Lat, v2] = batches;
  assert.is(v0!.baseOffset, 5);
  assert.is(v0!.lastOffset, 5);
  assert.equal(v0!.recordArray().map((r) => [r.offset, text(r.key), text(r.value), r.timestampMs]), [[5, null, 'zero', -1]]);
  assert.equal(v1!.recordArray().map((r) => [r.offset, text(r.key), text(r.value), r.timestampMs]), [[6, 'key', 'one', TS]]);
  assert.is(v1!.maxTimestampMs, TS);
  assert.is(v1Lat!.timestampType, 'LogAppendTime');
  assert.is(v1Lat!.recordArray()[0]!.value, null);
  assert.is(v2!.recordArray()[0]!.offset, 8);
});

test('a legacy CRC mismatch is detected (isValid false, ensureValid and verifyCrc throw)', () => {
  const bytes = legacyMessage(1, 0, null, Buffer.from('value'), TS);
  bytes[bytes.length - 1]! ^= 0x10;
  const [batch] = [...decodeBatches(bytes)];
  assert.is(batch!.isValid(), false);
  assert.throws(() => batch!.ensureValid(), (e: unknown) => e instanceof SeglogError && e.code === 'SEGLOG_CORRUPT_RECORD');
  assert.throws(() => [...decodeBatches(bytes, { verifyCrc: true })], (e: unknown) => e instanceof SeglogError);
});

test('malformed legacy messages and compressed wrappers are typed errors, not crashes', () => {
  const lying = legacyMessage(0, 0, Buffer.from('k'), Buffer.from('v'));
  lying.writeInt32BE(1000, 22);  // value length past the message
  const [batch] = [...decodeBatches(lying)];
  assert.is(batch!.isValid(), false, 'CRC still computable over the raw bytes');
  assert.throws(() => batch!.recordArray(), (e: unknown) => e instanceof SeglogError && e.code === 'SEGLOG_CORRUPT_RECORD');
  const wrapper = legacyMessage(1, 3, null, Buffer.from('nested message set'), TS, 0x01);
  const [gz] = [...decodeBatches(wrapper)];
  assert.is(gz!.compression, 'gzip');
  assert.ok(gz!.isValid());
  assert.throws(() => gz!.recordArray(), (e: unknown) => e instanceof SeglogError && /not expanded/.test((e as Error).message));
  const tiny = Buffer.alloc(12 + 13);
  tiny.writeInt32BE(13, 8);
  assert.throws(() => [...decodeBatches(tiny)], (e: unknown) => e instanceof SeglogError, 'size 13 is below the v0 minimum of 14');
});

test.run();
