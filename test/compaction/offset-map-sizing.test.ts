/** A round's own offset map is sized to its dirty range, never beyond the configured maximum. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, cleanLog } from '../../lib/index.js';
import { offsetMapBytesFor } from '../../lib/compaction/cleaner.js';
import { OFFSET_MAP_BYTES_DEFAULT, OFFSET_MAP_LOAD_FACTOR, OFFSET_MAP_SLOT_BYTES } from '../../lib/limits.js';
import { OffsetMap } from '../../lib/compaction/offset-map.js';
import { readAll } from '../log/log-helpers.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const range = (firstDirtyOffset: number, firstUncleanableOffset: number) => ({
  firstDirtyOffset, firstUncleanableOffset, cleanBytes: 0, cleanableBytes: 1, dirtyRatio: 1, forced: false, eligible: true,
});

test('sizing: every offset of the range fits as a key; the maximum caps it', () => {
  for (const offsets of [0, 1, 9, 10, 1000, 123_457]) {
    const bytes = offsetMapBytesFor(range(50, 50 + offsets), OFFSET_MAP_BYTES_DEFAULT);
    assert.ok(bytes <= OFFSET_MAP_BYTES_DEFAULT);
    assert.ok(new OffsetMap(bytes).entriesMax >= offsets, `${offsets} offsets fit`);
    assert.ok(bytes <= (Math.ceil(offsets / OFFSET_MAP_LOAD_FACTOR) + 2) * OFFSET_MAP_SLOT_BYTES);
  }
  assert.is(offsetMapBytesFor(range(0, 1e12), OFFSET_MAP_BYTES_DEFAULT), OFFSET_MAP_BYTES_DEFAULT);
  assert.is(offsetMapBytesFor(range(0, 1e12), 24 * 100), 24 * 100);
});

test('a small compacted log cleans completely in one round with a map sized to it', async () => {
  const log = await Log.open(tempDir(), { segmentBytes: 4096, cleanupPolicy: 'compact' });
  for (let i = 0; i < 2000; i++) log.append([{ key: `k${i % 700}`, value: `v${i}`, timestampMs: 1_000 + i }]);
  log.roll();
  const result = await cleanLog(log, { nowMs: 10_000_000 });
  assert.ok(result.cleaned);
  assert.not.ok(result.mapFull, 'sized map never fills');
  assert.is(result.mapEntries, 700);
  const latest = new Map<string, string>();
  for (const r of readAll(log)) latest.set(Buffer.from(r.key!).toString(), Buffer.from(r.value!).toString());
  assert.is(latest.size, 700);
  for (let k = 0; k < 700; k++) {
    const lastWrite = k + 700 * Math.floor((1999 - k) / 700);
    assert.is(latest.get(`k${k}`), `v${lastWrite}`);
  }
  await log.close();
});

test.run();
