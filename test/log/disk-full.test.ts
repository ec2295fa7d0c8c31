/**
 * Disk full, for real: a child runs with RLIMIT_FSIZE (prlimit), so writes past the limit fail with
 * EFBIG exactly as a full file system fails them. The failing append must throw NoSpaceError, leave
 * nothing half-written visible, and later appends (after the limit is lifted) must work.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { Log } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { checkIndexes, readAll } from './log-helpers.js';

test.after.each(removeTempDirs);

const LIB = new URL('../../lib/index.js', import.meta.url).href;

test('an append that hits the file size limit fails with NoSpaceError and nothing torn is visible', async () => {
  const dir = tempDir();
  const script = `
    import { Log } from ${JSON.stringify(LIB)};
    const log = await Log.open(${JSON.stringify(dir)}, { segmentBytes: 1 << 30, segmentIndexBytes: 4096 });
    const value = Buffer.alloc(10_000, 7);
    let errorCode = null, appended = 0;
    for (let i = 0; i < 100; i++) {
      try { log.append([{ key: 'k' + i, value }]); appended++; }
      catch (e) { errorCode = e.code; break; }
    }
    let visible = 0;
    try { visible = log.read(0, { maxBytes: 1 << 30 }).sizeBytes; } catch {}
    console.log(JSON.stringify({ errorCode, appended, end: log.logEndOffset, visible, size: log.stats().sizeBytes }));
  `;
  const child = spawnSync('prlimit', ['--fsize=200000', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
  assert.is(result.errorCode, 'SEGLOG_NO_SPACE');
  assert.ok(result.appended >= 10 && result.appended < 100, JSON.stringify(result));
  assert.is(result.end, result.appended, 'the failed append assigned no offsets');
  assert.is(result.visible, result.size, 'readers see exactly the appended batches');

  // The child died without close(): the next open recovers; the torn bytes are gone; appends work.
  const log = await Log.open(dir, { segmentBytes: 1 << 30, segmentIndexBytes: 4096 });
  assert.is(log.logEndOffset, result.appended);
  log.append([{ key: 'after', value: 'ok' }]);
  const all = readAll(log);
  assert.is(all.length, result.appended + 1);
  assert.is(Buffer.from(all[all.length - 1]!.value!).toString(), 'ok');
  await log.close();
  checkIndexes(dir);
});

test.run();
