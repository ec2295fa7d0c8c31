/**
 * planFetch over real Logs at every small allowance: a partition after the first that has data
 * either sends at least one whole batch (v3+) or nothing with firstEntryIncomplete — in particular
 * when what is left of its allowance is shorter than a batch header (12 bytes), where the region's
 * first batch size cannot even be read. Fetch v0–v2 (hardMaxBytesLimit) sends the cut bytes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { Log, decodeBatches, planFetch } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

async function filledLogs(count: number): Promise<Log[]> {
  const dir = tempDir();
  const logs: Log[] = [];
  for (let i = 0; i < count; i++) {
    const log = await Log.open(join(dir, `p-${i}`), { segmentBytes: 1024 * 1024 });
    for (let b = 0; b < 10; b++) log.append(Array.from({ length: 5 }, (_, r) => ({ key: `k${r}`, value: Buffer.alloc(200, b) })));
    logs.push(log);
  }
  return logs;
}

test('every allowance from 0 to two batches: a later partition sends whole batches or nothing (v3+)', async () => {
  const [a, b] = await filledLogs(2) as [Log, Log];
  const batchBytes = a.read(0, { maxBytes: 1 }).sizeBytes;
  assert.ok(batchBytes > 12);
  for (let allowance = 0; allowance <= 2 * batchBytes + 1; allowance++) {
    const plan = planFetch([{ log: a, offset: 0, maxBytes: 1 }, { log: b, offset: 0, maxBytes: allowance }], 1 << 20);
    assert.is(plan.partitions[0]!.region?.sizeBytes, batchBytes, 'minOneMessage for the first partition');
    const later = plan.partitions[1]!;
    if (allowance < batchBytes) {
      assert.is(later.region, null, `allowance ${allowance}: no cut batch goes out`);
      assert.is(later.firstEntryIncomplete, allowance > 0, `allowance ${allowance}: firstEntryIncomplete`);
      assert.is(plan.totalBytes, batchBytes, `allowance ${allowance}: the budget is not spent`);
    } else {
      const region = later.region!;
      assert.is(region.sizeBytes, allowance, `allowance ${allowance}`);
      const whole = [...decodeBatches(region.toBuffer())];
      assert.is(whole.length, Math.floor(allowance / batchBytes), `allowance ${allowance}: whole batches, then a cut tail`);
      assert.not.ok(later.firstEntryIncomplete);
    }
  }
  const hard = planFetch([{ log: a, offset: 0, maxBytes: 5 }, { log: b, offset: 0, maxBytes: 11 }], 1 << 20, { hardMaxBytesLimit: true });
  assert.equal(hard.partitions.map((p) => p.region?.sizeBytes), [5, 11], 'v0–v2: cut bytes, even shorter than a header');
  await a.close();
  await b.close();
});

test('what is left of the response budget is the allowance too: a 5-byte remainder sends nothing', async () => {
  const [a, b, c] = await filledLogs(3) as [Log, Log, Log];
  const batchBytes = a.read(0, { maxBytes: 1 }).sizeBytes;
  const plan = planFetch([
    { log: a, offset: 0, maxBytes: batchBytes },
    { log: b, offset: 0, maxBytes: 1 << 20 },
    { log: c, offset: 0, maxBytes: 1 << 20 },
  ], 2 * batchBytes + 5);
  assert.is(plan.partitions[0]!.region?.sizeBytes, batchBytes);
  assert.is(plan.partitions[1]!.region?.sizeBytes, batchBytes + 5, 'a whole batch and a cut tail');
  assert.is(plan.partitions[2]!.region, null, 'nothing is left');
  assert.is(plan.totalBytes, 2 * batchBytes + 5);
  const small = planFetch([
    { log: a, offset: 0, maxBytes: batchBytes },
    { log: b, offset: 0, maxBytes: 1 << 20 },
  ], batchBytes + 5);
  assert.is(small.partitions[1]!.region, null, 'the 5 bytes left cannot carry a batch');
  assert.ok(small.partitions[1]!.firstEntryIncomplete);
  assert.is(small.totalBytes, batchBytes);
  for (const log of [a, b, c]) await log.close();
});

test.run();
