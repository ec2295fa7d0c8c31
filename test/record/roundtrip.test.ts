/**
 * Encode → decode round trips for every codec and every header feature, the in-place edits of the
 * append path, and the typed errors for unavailable codecs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  BatchEncoder, decodeBatches, encodeBatch, encodeControlBatch, setBaseOffset, setLogAppendTime, setMaxTimestamp, setPartitionLeaderEpoch,
  validateBatchRecords, computeBatchCrc, storedBatchCrc,
  type CompressionType, type RecordInput,
} from '../../lib/record/index.js';
import { CorruptRecordError, InvalidArgumentError, InvalidRecordError, UnsafeIntegerError } from '../../lib/errors.js';

const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const TS = 1_700_000_000_000;
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

function records(count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 3 === 0 ? null : `k${i}`,
    value: i % 5 === 2 ? null : `value ${i} `.repeat(1 + (i % 13)),
    // Repeated header keys and null header values, kept in order.
    headers: [{ key: 'a', value: `${i}` }, { key: 'a', value: null }, { key: 'ü', value: Buffer.from([1, 2, 3]) }],
    // Not monotonic: the first record's timestamp is the base, so deltas go negative.
    timestampMs: TS + ((i * 7919) % 101) - 50,
  }));
}

for (const codec of CODECS) {
  test(`round trip (${codec}): keys, values, nulls, ordered headers, negative deltas`, () => {
    const input = records(120);
    const bytes = encodeBatch(input, { baseOffset: 5000, compression: codec, producerId: 77, producerEpoch: 3, baseSequence: 2147483600,
        partitionLeaderEpoch: 9 });
    const [batch] = [...decodeBatches(bytes, { verifyCrc: true })];
    assert.ok(batch);
    assert.is(batch.compression, codec);
    assert.is(batch.baseOffset, 5000);
    assert.is(batch.lastOffset, 5119);
    assert.is(batch.recordsCount, 120);
    assert.is(batch.producerId, 77);
    assert.is(batch.producerEpoch, 3);
    assert.is(batch.partitionLeaderEpoch, 9);
    assert.is(batch.baseTimestampMs, input[0]!.timestampMs);
    assert.is(batch.maxTimestampMs, Math.max(...input.map((r) => r.timestampMs!)));
    assert.is(batch.lastSequence, (2147483600 + 119) % 2147483648, 'sequence wraps past int32 max');
    const got = batch.recordArray();
    got.forEach((r, i) => {
      const want = input[i]!;
      assert.is(r.offset, 5000 + i);
      assert.is(r.timestampMs, want.timestampMs);
      assert.is(text(r.key), want.key ?? null);
      assert.is(text(r.value), want.value as string | null);
      assert.is(r.keySizeBytes, want.key === null ? -1 : Buffer.byteLength(want.key as string));
      assert.equal(r.headers.map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString('hex')]), [['a',
          Buffer.from(`${i}`).toString('hex')], ['a', null], ['ü', '010203']]);
      assert.is(r.sequence, (2147483600 + i) % 2147483648);
    });
  });

  test(`LogAppendTime, transactional, delete horizon, offset gaps (${codec})`, () => {
    const input = records(10);
    const lat = [...decodeBatches(encodeBatch(input, { compression: codec, timestampType: 'LogAppendTime', nowMs: TS + 999,
        isTransactional: true }))][0]!;
    assert.is(lat.timestampType, 'LogAppendTime');
    assert.ok(lat.isTransactional);
    for (const r of lat.records()) assert.is(r.timestampMs, TS + 999, 'every record reports maxTimestamp');
    const deltas = [0, 3, 4, 9, 20, 21, 22, 40, 41, 50];
    const horizon = TS + 86_400_000;
    const compacted = [...decodeBatches(encodeBatch(input, { compression: codec, offsetDeltas: deltas, lastOffsetDelta: 60,
        deleteHorizonMs: horizon, baseOffset: 100 }))][0]!;
    assert.ok(compacted.hasDeleteHorizon);
    assert.is(compacted.deleteHorizonMs, horizon);
    assert.is(compacted.lastOffset, 160);
    const got = compacted.recordArray();
    assert.equal(got.map((r) => r.offset), deltas.map((d) => 100 + d));
    assert.equal(got.map((r) => r.timestampMs), input.map((r) => r.timestampMs), 'timestamps survive deltas relative to the horizon');
  });
}

test('empty batch (count 0) as the compactor keeps it', () => {
  const bytes = encodeBatch([], { baseOffset: 40, lastOffsetDelta: 9, maxTimestampMs: TS, producerId: 5, producerEpoch: 1,
      baseSequence: 3 });
  assert.is(bytes.length, 61);
  const [batch] = [...decodeBatches(bytes, { verifyCrc: true })];
  assert.is(batch?.recordsCount, 0);
  assert.is(batch?.lastOffset, 49);
  assert.is(batch?.maxTimestampMs, TS);
  assert.equal(batch?.recordArray(), []);
});

test('control markers: COMMIT and ABORT decode with coordinator epoch', () => {
  for (const kind of ['COMMIT', 'ABORT'] as const) {
    const [batch] = [...decodeBatches(encodeControlBatch(kind, { producerId: 9, producerEpoch: 2, coordinatorEpoch: 77,
        timestampMs: TS }))];
    assert.ok(batch?.isControl);
    assert.is(batch?.baseSequence, -1);
    assert.equal(batch?.controlRecord(), { controlType: kind, controlTypeId: kind === 'COMMIT' ? 1 : 0, coordinatorEpoch: 77 });
  }
});

test('BatchEncoder reuses its buffer and grows for big batches', () => {
  const encoder = new BatchEncoder(128);
  const small = encoder.encode([{ value: 'x', timestampMs: TS }]);
  const big = encoder.encode([{ value: Buffer.alloc(200_000, 1), timestampMs: TS }]);
  assert.is(big.length > 200_000, true);
  const again = encoder.encode([{ value: 'y', timestampMs: TS }]);
  assert.is(again.buffer, big.buffer, 'the same grown buffer serves the next encode');
  void small;
});

test('in-place edits: base offset and leader epoch keep the CRC; LogAppendTime and max timestamp rewrite it', () => {
  const bytes = encodeBatch(records(5), {});
  const crc = storedBatchCrc(bytes, 0);
  setBaseOffset(bytes, 0, 123456789);
  setPartitionLeaderEpoch(bytes, 0, 42);
  assert.is(storedBatchCrc(bytes, 0), crc);
  assert.is(computeBatchCrc(bytes, 0, bytes.length), crc);
  setLogAppendTime(bytes, 0, TS + 5);
  let [batch] = [...decodeBatches(bytes, { verifyCrc: true })];
  assert.is(batch?.timestampType, 'LogAppendTime');
  assert.is(batch?.baseOffset, 123456789);
  setMaxTimestamp(bytes, 0, TS + 6);
  [batch] = [...decodeBatches(bytes, { verifyCrc: true })];
  assert.is(batch?.timestampType, 'CreateTime');
  assert.is(batch?.maxTimestampMs, TS + 6);
});

test('validateBatchRecords: max timestamp over records, contiguous deltas and count enforced', () => {
  for (const codec of CODECS) {
    const input = records(30);
    const { maxTimestampMs } = validateBatchRecords(encodeBatch(input, { compression: codec }), 0);
    assert.is(maxTimestampMs, Math.max(...input.map((r) => r.timestampMs!)));
  }
  const gappy = encodeBatch(records(3), { offsetDeltas: [0, 2, 3] });
  assert.throws(() => validateBatchRecords(gappy, 0), (e: unknown) => e instanceof InvalidRecordError || e instanceof CorruptRecordError);
});

test('int64 outside the safe range is UnsafeIntegerError, not a rounded offset', () => {
  const bytes = encodeBatch([{ value: 'x', timestampMs: TS }]);
  Buffer.from(bytes.buffer, bytes.byteOffset).writeBigInt64BE(2n ** 62n, 0);
  assert.throws(() => [...decodeBatches(bytes)], (e: unknown) => e instanceof UnsafeIntegerError);
});

test('offsets past 2^53 − 1 derived from a header or a record are UnsafeIntegerError', () => {
  const bytes = Buffer.from(encodeBatch([{ value: 'a', timestampMs: TS }, { value: 'b', timestampMs: TS }],
      { baseOffset: Number.MAX_SAFE_INTEGER }));
  assert.throws(() => [...decodeBatches(bytes)], (e: unknown) => e instanceof UnsafeIntegerError, 'lastOffset = baseOffset + 1 is unsafe');
  bytes.writeInt32BE(0, 23); // lastOffsetDelta 0: the header is fine, record 1's offset is not
  const [batch] = [...decodeBatches(bytes)];
  assert.throws(() => batch!.recordArray(), (e: unknown) => e instanceof UnsafeIntegerError);
});

test('encoder arguments: bad offset deltas and last offset delta are InvalidArgumentError', () => {
  const two = [{ value: 'a', timestampMs: TS }, { value: 'b', timestampMs: TS }];
  for (const offsetDeltas of [[1, 1], [3, 2], [-1, 0], [0, 0.5], [0, 2 ** 31]]) {
    assert.throws(() => encodeBatch(two, { offsetDeltas }), (e: unknown) => e instanceof InvalidArgumentError, String(offsetDeltas));
  }
  assert.throws(() => encodeBatch(two, { offsetDeltas: [0, 5], lastOffsetDelta: 4 }), (e: unknown) => e instanceof InvalidArgumentError);
  assert.throws(() => encodeBatch([{ value: 'a' }]), (e: unknown) => e instanceof InvalidArgumentError, 'no timestamp, no nowMs');
  assert.throws(() => encodeBatch(two, { baseOffset: 2 ** 53 }), (e: unknown) => e instanceof UnsafeIntegerError);
});

test('a codec whose package is unavailable is CodecUnavailableError naming the package', () => {
  const script = `
    const { encodeBatch, decodeBatches } = await import(${JSON.stringify(new URL('../../lib/record/index.js', import.meta.url).href)});
    for (const [codec, pkg] of [['zstd', 'zstd-napi'], ['snappy', 'snappy'], ['lz4', 'lz4-napi']]) {
      try { encodeBatch([{ value: 'x', timestampMs: 1 }], { compression: codec }); console.log('no error'); }
      catch (e) { console.log(e.code, e.message.includes(pkg)); }
    }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env,
      SEGLOG_DISABLE_CODECS: 'zstd,snappy,lz4' }, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim().split('\n'), Array(3).fill('SEGLOG_CODEC_UNAVAILABLE true'));
  void fileURLToPath;
});

test.run();
