/**
 * `read(offset)` finds the batch holding every offset, whatever the batch sizes relative to the index
 * interval, checked against the batch boundaries decoded from the file itself: through the in-memory
 * batch table of the process that appended them, and, once reopened without it, through the sparse
 * index (the one-read chunk path, the next-entry path and the forward scan).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, decodeBatches } from '../../lib/index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

for (const [label, intervalBytes, maxRecords, valueBytes] of [['small batches', 512, 8, 40], ['large batches', 256, 40, 400], ['mixed',
    4096, 60, 200]] as const) {
  test(`every offset resolves to its batch (${label})`, async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const dir = tempDir();
    const config = { indexIntervalBytes: intervalBytes, segmentBytes: 256 * 1024 };
    let log = await Log.open(dir, config);
    for (let b = 0; b < 400; b++) {
      const n = 1 + Math.floor(random() * maxRecords);
      log.append(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(Math.floor(random() * valueBytes)),
          timestampMs: 1_000 + b })));
    }
    for (const path of ['batch table', 'sparse index']) {
      for (let offset = 0; offset < log.logEndOffset; offset++) {
        const region = log.read(offset, { maxBytes: 1 });
        const [batch] = [...decodeBatches(region.toBuffer())];
        const where = `seed ${seed}, ${path}: offset ${offset}`;
        assert.ok(batch !== undefined && batch.baseOffset <= offset && batch.lastOffset >= offset, where);
        assert.is(region.firstBatchLastOffset, batch.lastOffset, where);
      }
      await log.close();
      log = await Log.open(dir, config);
    }
    await log.close();
  });
}

test.run();
