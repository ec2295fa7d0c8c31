// The inspector's streaming commands re-run themselves with their V8 flags (a small young
// generation; --optimize-for-size when decoding): the child really has the flags, the exit status
// comes back, and a signal to the launcher reaches the child, so none is ever left behind.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeBatch } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'dist/lib/cli/main.js');

test.after.each(removeTempDirs);

/** A segment of offset commits big enough that decoding it takes seconds. */
function offsetsSegment(): string {
  const path = join(tempDir(), '00000000000000000000.log');
  const fd = openSync(path, 'w');
  const key = Buffer.concat([Buffer.from([0, 1, 0, 1]), Buffer.from('g'), Buffer.from([0, 1]), Buffer.from('t'), Buffer.alloc(4)]);
  const value = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(8), Buffer.from([0, 0]), Buffer.alloc(16)]);
  for (let offset = 0; offset < 800_000; offset += 100) {
    const records = Array.from({ length: 100 }, () => ({ key, value, timestampMs: 1_700_000_000_000 }));
    writeSync(fd, encodeBatch(records, { baseOffset: offset }));
  }
  closeSync(fd);
  return path;
}

function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('the child runs with the streaming flags; a SIGTERM to the launcher ends both', async () => {
  const path = offsetsSegment();
  const launcher = spawn(process.execPath, [main, 'dump', '--deep', '--json', '--offsets-decoder', path], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => launcher.once('exit', (_code, signal) => resolve(signal)));
  let children: number[] = [];
  for (let i = 0; i < 500 && children.length === 0; i++) {
    await sleep(20);
    children = childrenOf(launcher.pid!);
  }
  assert.is(children.length, 1, 'the launcher runs the dump in one child');
  const child = children[0]!;
  // Between fork and exec the child still shows the launcher's command line: wait for the exec.
  const launcherCmdline = readFileSync(`/proc/${launcher.pid!}/cmdline`, 'utf8');
  let raw = readFileSync(`/proc/${child}/cmdline`, 'utf8');
  for (let i = 0; i < 500 && raw === launcherCmdline; i++) {
    await sleep(20);
    raw = readFileSync(`/proc/${child}/cmdline`, 'utf8');
  }
  const cmdline = raw.split('\0');
  assert.ok(cmdline.includes('--max-semi-space-size=4'), cmdline.join(' '));
  assert.ok(cmdline.includes('--optimize-for-size'), 'decoding dumps use the memory-first heap policy');
  launcher.kill('SIGTERM');
  assert.is(await exited, 'SIGTERM', 'the launcher ends as its child did');
  for (let i = 0; i < 500 && alive(child); i++) await sleep(20);
  assert.not.ok(alive(child), 'the child is not left behind');
});

test('exit statuses come back through the launcher; SEGLOG_NO_RELAUNCH runs in place', () => {
  const missing = spawnSync(process.execPath, [main, 'dump', '/no/such/file.log'], { encoding: 'utf8' });
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /SEGLOG_IO: no such file/);
  const usage = spawnSync(process.execPath, [main, 'dump'], { encoding: 'utf8' });
  assert.is(usage.status, 2);
  const inPlace = spawnSync(process.execPath, [main, 'dump', '/no/such/file.log'], { encoding: 'utf8',
    env: { ...process.env, SEGLOG_NO_RELAUNCH: '1' } });
  assert.is(inPlace.status, 1);
});

test.run();
