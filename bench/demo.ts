/**
 * A short tour: writes a log in Kafka's format, reads it back by offset and by timestamp, reopens it,
 * and prints what is on disk. `npm run demo`.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Log, decodeBatches, platformReport } from '../lib/index.js';

const dir = join(mkdtempSync(join(tmpdir(), 'seglog-demo-')), 'demo-0');
const started = 1_700_000_000_000;
try {
  const log = await Log.open(dir, { segmentBytes: 1024 * 1024 });
  for (let batch = 0; batch < 200; batch++) {
    const records = Array.from({ length: 50 }, (_, i) => ({
      key: `user-${(batch * 50 + i) % 97}`,
      value: `event ${batch * 50 + i} `.padEnd(200, '.'),
      timestampMs: started + batch * 1000 + i,
    }));
    log.append(records, { compression: batch % 2 === 0 ? 'none' : 'gzip' });
  }
  await log.flush();
  const region = log.read(4321, { maxBytes: 16 * 1024 });
  let shown = 0;
  for (const batch of decodeBatches(region.toBuffer())) {
    for (const record of batch.records()) {
      if (record.offset < 4321 || shown >= 3) continue;
      const key = Buffer.from(record.key ?? []).toString();
      console.log(`offset ${record.offset}: ${key} → ${Buffer.from(record.value ?? []).toString().slice(0, 24)}…`);
      shown++;
    }
  }
  const hit = log.offsetForTimestamp(started + 150_000);
  console.log(`first record at or after t+150s: offset ${hit?.offset}`);
  console.log(`log: [${log.logStartOffset}, ${log.logEndOffset}) in ${log.stats().segments} segment(s)`);
  await log.close();
  const reopened = await Log.open(dir);
  console.log(`reopened: log end offset ${reopened.logEndOffset}, recovery point ${reopened.recoveryPoint}`);
  await reopened.close();
  for (const name of readdirSync(dir).sort()) console.log(`  ${name.padEnd(34)} ${statSync(join(dir, name)).size} bytes`);
  console.log(`platform: ${JSON.stringify(platformReport())}`);
} finally {
  rmSync(join(dir, '..'), { recursive: true, force: true });
}
