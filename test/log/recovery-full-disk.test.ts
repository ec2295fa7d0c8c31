/**
 * Recovery on a full disk (a real size-limited tmpfs): the bytes recovery would cut are copied aside
 * before anything is cut, so when there is no room for the copy the open fails with SEGLOG_NO_SPACE
 * naming the file and every segment is left exactly as it was; with room again, the same open keeps
 * every intact segment and the cut bytes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, openSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Log, NoSpaceError, decodeBatches } from '../../lib/index.js';
import { mountSmallFileSystem, unmountSmallFileSystems } from '../helpers/small-fs.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { readAll, value } from './log-helpers.js';

test.after.each(() => {
  try {
    unmountSmallFileSystems();
  } finally {
    removeTempDirs();
  }
});

const CONFIG = { segmentBytes: 32 * 1024, indexIntervalBytes: 512 };

/** Fills the file system with one file until ENOSPC. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log'))) files.set(name, readFileSync(join(dir, name)));
  return files;
}

test('tmpfs: no room to keep the cut bytes: nothing is cut (SEGLOG_NO_SPACE); with room, only the damaged segment is cut', async () => {
  const mountPoint = mountSmallFileSystem('tmpfs', 2 * 1024 * 1024);
  const dir = join(mountPoint, 'topic-0');
  const log = await Log.open(dir, CONFIG);
  while (log.logEndOffset < 1500) {
    const from = log.logEndOffset;
    log.append([0, 1, 2].map((i) => ({ key: `k${from + i}`, value: value(from + i, 100) })));
  }
  await log.close();
  const segments = readdirSync(dir).filter((n) => /^\d{20}\.log$/.test(n)).sort();
  assert.ok(segments.length >= 4, `segments: ${segments.length}`);
  const victim = join(dir, segments[1]!);
  const bytes = readFileSync(victim);
  const batches = [...decodeBatches(bytes)];
  const bad = batches[3]!;
  bytes[bad.positionBytes + 61 + 20] = (bytes[bad.positionBytes + 61 + 20] as number) ^ 0x10;
  writeFileSync(victim, bytes);
  unlinkSync(join(dir, `${segments[1]!.slice(0, 20)}.index`));
  const before = snapshot(dir);
  const ballast = join(mountPoint, 'ballast');
  fill(ballast);
  // Room for the lock file and such, not for the ~30 KiB recovery has to keep.
  truncateSync(ballast, statSync(ballast).size - 8192);
  try {
    const reopened = await Log.open(dir, CONFIG);
    await reopened.close();
    assert.unreachable('the open had no room to keep what it would cut');
  } catch (error) {
    assert.ok(error instanceof NoSpaceError, String(error));
    assert.ok(error.path?.startsWith(victim), error.toLine());
  }
  assert.equal([...snapshot(dir).keys()], [...before.keys()], 'no segment removed or added');
  for (const [name, content] of before) assert.ok(readFileSync(join(dir, name)).equals(content), `${name} untouched`);
  unlinkSync(ballast);
  const recovered = await Log.open(dir, CONFIG);
  const offsets = readAll(recovered).map((r) => r.offset);
  const lastOfVictim = batches[batches.length - 1]!.lastOffset;
  assert.is(offsets.length, 1500 - (lastOfVictim - bad.baseOffset + 1));
  assert.is(recovered.logEndOffset, 1500);
  const cut = recovered.recoveryReport.actions.find((a) => a.action === 'truncated')!;
  assert.ok(readFileSync(join(dir, cut.keptAs!)).equals(bytes.subarray(bad.positionBytes)), 'the cut bytes are kept');
  await recovered.close();
});

test.run();
