/**
 * A log of 10,000 segments opens without opening 10,000 files, reads from any of them, and keeps the
 * number of open descriptors bounded by the file pool while reads touch every segment.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Log, decodeBatches, encodeBatch } from '../../lib/index.js';
import { OPEN_SEGMENT_FILES_MAX } from '../../lib/limits.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const SEGMENTS = 10_000;
const openFds = () => readdirSync('/proc/self/fd').length;

test(`${SEGMENTS} segments open, read, and hold a bounded number of fds`, async () => {
  const dir = tempDir();
  for (let base = 0; base < SEGMENTS; base++) {
    const name = String(base).padStart(20, '0');
    writeFileSync(join(dir, `${name}.log`), encodeBatch([{ key: `k${base}`, value: `v${base}`, timestampMs: 1_700_000_000_000 + base }],
        { baseOffset: base }));
    writeFileSync(join(dir, `${name}.index`), new Uint8Array(0));
    const timeEntry = Buffer.alloc(12); // what a roll leaves: (max timestamp, its offset)
    timeEntry.writeBigInt64BE(BigInt(1_700_000_000_000 + base), 0);
    writeFileSync(join(dir, `${name}.timeindex`), timeEntry);
  }
  // A clean shutdown with everything flushed: open must not scan 10,000 files.
  writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), `0\n1\n${dir.split('/').pop()} 0 ${SEGMENTS}\n`);
  writeFileSync(join(dir, '.kafka_cleanshutdown'), '');
  const before = openFds();
  const started = performance.now();
  const log = await Log.open(dir);
  const openMs = performance.now() - started;
  assert.is(log.stats().segments, SEGMENTS, 'the last segment becomes the active one');
  assert.is(log.logEndOffset, SEGMENTS);
  assert.ok(openFds() - before < 20, `open holds few fds (${openFds() - before})`);
  let maxFds = 0;
  for (let o = 0; o < SEGMENTS; o += 7) {
    const [batch] = [...decodeBatches(log.read(o, { maxBytes: 100 }).toBuffer())];
    assert.is(batch?.baseOffset, o);
    if (o % 700 === 0) maxFds = Math.max(maxFds, openFds() - before);
  }
  assert.ok(maxFds <= OPEN_SEGMENT_FILES_MAX + 20, `fds stay bounded by the pool (${maxFds})`);
  assert.is(log.offsetForTimestamp(1_700_000_000_000 + 9_876)?.offset, 9_876);
  await log.close();
  assert.ok(openFds() - before <= 2, 'close releases the descriptors');
  assert.ok(openMs < 30_000, `open took ${openMs} ms`);
});

test.run();
