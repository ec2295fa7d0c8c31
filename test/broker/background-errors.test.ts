// An embedded Broker never takes its host down: a real child process embeds one, the test removes
// its data directory, and the background work that then fails — the dir checkpoints every 20 ms, a
// flush after an append — is reported as typed 'backgroundError' events while the host stays alive
// and answers; close() then runs every step, reports each failure and rejects with ShutdownError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fork, type ChildProcess } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const CHILD = fileURLToPath(new URL('./embedded-child.js', import.meta.url));

test.after(() => removeTempDirs());

type Message = { [key: string]: unknown };

/** Resolves with the first message from the child that `matches`; rejects if the child exits first. */
function nextMessage(child: ChildProcess, matches: (m: Message) => boolean): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Message): void => {
      if (!matches(m)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null, signal: string | null): void => reject(new Error(`host exited (${code ?? signal})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

test('data directory removed under an embedded broker: typed events, the host lives, close reports every failure', async () => {
  const dir = tempDir('seglog-embedded-');
  const child = fork(CHILD, [dir], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await nextMessage(child, (m) => m.ready === true);
    // Renamed away first (atomic): a checkpoint written meanwhile cannot race the removal.
    renameSync(dir, `${dir}.gone`);
    rmSync(`${dir}.gone`, { recursive: true, force: true, maxRetries: 5 });
    const checkpoint = await nextMessage(child, (m) => (m.event as Message | undefined)?.task === 'checkpoint');
    assert.equal(checkpoint.event, { task: 'checkpoint', code: 'SEGLOG_IO', path: dir });
    child.send({ do: 'produce' });
    assert.equal((await nextMessage(child, (m) => 'produced' in m)).produced, true, 'appends still served');
    const flush = await nextMessage(child, (m) => (m.event as Message | undefined)?.task === 'flush');
    assert.is((flush.event as Message).code, 'SEGLOG_IO');
    child.send({ do: 'ping' });
    assert.is((await nextMessage(child, (m) => 'alive' in m)).alive, true);
    child.send({ do: 'close' });
    const closed = await nextMessage(child, (m) => 'closed' in m);
    assert.is(closed.closed, 'SEGLOG_SHUTDOWN_INCOMPLETE');
    const steps = closed.closeErrors as string[];
    assert.ok(steps.filter((s) => s === 'log').length >= 2, `every log's close was tried: ${steps.join(',')}`);
    assert.ok(steps.includes('checkpoint'), steps.join(','));
    assert.not.ok(steps.includes('clean-shutdown-marker'), 'no marker attempted after failures');
    assert.is(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();
