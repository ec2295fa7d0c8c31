/**
 * Memory of idle open logs: each open partition must cost at most 1 MiB of RSS, on whichever
 * platform side this run uses. An active index used to be preallocated to 10 MiB, which the
 * fallback mirrored in memory whole (two indexes: ~20 MiB per log, 1 GiB for 50 logs); now an
 * active index holds only its entries. Measured in a fresh child process after a full GC; the bound
 * leaves a 20× margin to the old figure, so allocator noise cannot decide it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(removeTempDirs);

const CHILD = fileURLToPath(new URL('./open-logs-memory-child.js', import.meta.url));
const LOGS = 30;
const RSS_PER_LOG_MAX_BYTES = 1024 * 1024;

test(`${LOGS} idle open logs cost at most 1 MiB of RSS each`, () => {
  const child = spawnSync(process.execPath, ['--expose-gc', CHILD, tempDir(), String(LOGS)], { encoding: 'utf8', env: process.env });
  assert.is(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout.trim().split('\n').pop() as string) as { before: number; after: number; mapFile: string };
  const perLogBytes = (result.after - result.before) / LOGS;
  assert.ok(perLogBytes <= RSS_PER_LOG_MAX_BYTES,
    `${(perLogBytes / 1024 / 1024).toFixed(2)} MiB of RSS per open log (${result.mapFile}), bound 1 MiB`);
});

test.run();
