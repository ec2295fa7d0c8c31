// A data directory is served by one broker at a time: a second Broker.open (in this process or
// another `seglog serve`) is refused with SEGLOG_LOG_LOCKED before it writes anything, instead of
// opening with every partition taken offline and both brokers writing the directory's checkpoints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../../lib/broker/index.js';
import { LogLockedError } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { startServe } from './helpers.js';

const CLI = new URL('../../lib/cli/main.js', import.meta.url).pathname;

test.after.each(() => removeTempDirs());

/** Names and contents of the directory's top-level files (what a refused open must leave alone). */
function topLevel(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile()).map((n) => [n, readFileSync(join(dir, n), 'hex')]));
}

test('a second Broker.open of a served directory is refused and writes nothing', async () => {
  const dir = tempDir();
  const first = await Broker.open(dir);
  try {
    await first.createTopic('t', { partitions: 2 });
    await first.produce('t', 0, [{ value: 'a' }]);
    first.writeDirCheckpoints();
    const before = topLevel(dir);
    await Broker.open(dir).then(async (second) => {
      await second.close();
      assert.unreachable('opened a directory another broker serves');
    }, (error: unknown) => {
      assert.instance(error, LogLockedError);
      assert.is((error as LogLockedError).path, dir);
    });
    assert.equal(topLevel(dir), before);
    await first.produce('t', 1, [{ value: 'b' }]);
  } finally {
    await first.close();
  }
  // Released by close: the directory opens again.
  const again = await Broker.open(dir);
  assert.is(again.log('t', 1).logEndOffset, 1);
  await again.close();
});

test('a second seglog serve on the same directory exits 1 with one line', async () => {
  const dir = tempDir();
  const serve = await startServe(dir);
  try {
    const second = spawnSync(process.execPath, [CLI, 'serve', '--data', dir, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    assert.is(second.status, 1);
    assert.match(second.stderr, /SEGLOG_LOG_LOCKED/);
    assert.not.match(second.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    assert.is(await serve.stop(), 0);
  }
});

test.run();
