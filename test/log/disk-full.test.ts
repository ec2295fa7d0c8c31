/**
 * Disk full, for real.
 *
 * - Real full file systems: a tmpfs with a size limit and a loop-mounted 24 MiB ext4 image. A child
 *   process (disk-full-child.ts) appends until the file system is full and retries smaller batches
 *   for a while. It must end by its own exit code with SEGLOG_NO_SPACE (never killed by SIGBUS),
 *   with exactly the acknowledged appends visible; after it died without closing (or closed), a
 *   reopen on the still-full file system must show every acknowledged append and nothing else.
 *   The children run on this run's platform side (the test runner runs the file natively — mmap-io
 *   must then be active, checked — and with SEGLOG_NATIVE=0).
 * - RLIMIT_FSIZE (prlimit): writes past the limit fail with EFBIG as a full file system fails them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { Log } from '../../lib/index.js';
import { mountSmallFileSystem, unmountSmallFileSystems, type SmallFsKind } from '../helpers/small-fs.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { attemptRecords, EXIT_FULL, firstFailure } from './disk-full-records.js';
import { checkIndexes, readAll } from './log-helpers.js';

test.after.each(() => {
  try {
    unmountSmallFileSystems();
  } finally {
    removeTempDirs();
  }
});

const CHILD = fileURLToPath(new URL('./disk-full-child.js', import.meta.url));
const SIGBUS_SIGNAL = 'SIGBUS';
/** Freed after the first reopen, which runs on the full file system, so the later ones have room. */
const BALLAST_BYTES = 256 * 1024;

interface ChildResult {
  acked: number[];
  attempts: number;
  failures: number;
  visible: number;
  logEndOffset: number;
  closeCode: string | null;
  mapFile: string;
}

/** This run's side; the children inherit it (the runner runs this file both ways). */
const side: 'native' | 'fallback' = process.env['SEGLOG_NATIVE'] === '0' ? 'fallback' : 'native';

const cases: Array<{ kind: SmallFsKind; sizeBytes: number }> = [
  { kind: 'tmpfs', sizeBytes: 6 * 1024 * 1024 },
  { kind: 'ext4', sizeBytes: 24 * 1024 * 1024 },
];

for (const { kind, sizeBytes } of cases) {
  {
    for (const ending of ['crash', 'close'] as const) {
      test(`${kind} ${sizeBytes >> 20} MiB, ${side}, ${ending}: appends until full end in SEGLOG_NO_SPACE, acknowledged ones survive`,
        async () => {
          const seed = (Number(process.env['SEGLOG_SEED'] ?? 0) || 0x5eed) + sizeBytes + (side === 'native' ? 1 : 2);
          const mountPoint = mountSmallFileSystem(kind, sizeBytes);
          const ballast = join(mountPoint, 'ballast');
          writeFileSync(ballast, Buffer.alloc(BALLAST_BYTES, 1));
          const dir = join(mountPoint, 'topic-0');
          mkdirSync(dir);
          const child = runChild(['fill', dir, String(seed), ending], side);
          const result = JSON.parse(lastLine(child.stdout)) as ChildResult;
          assert.is(result.mapFile, side === 'native' ? 'native:mmap-io' : 'fallback:buffer', 'the side under test is active');
          assert.ok(result.failures > 0, `the file system never filled (${result.attempts} attempts)`);
          const expected = result.acked.flatMap((a) => attemptRecords(seed, a, a >= firstFailure(result.acked)));
          assert.is(result.visible, expected.length, 'in the child, exactly the acknowledged records were visible');
          assert.is(result.logEndOffset, expected.length);
          assert.ok(result.closeCode === null || result.closeCode === 'SEGLOG_NO_SPACE', `close failed with ${result.closeCode}`);

          // Reopen (and recover) on the still-full file system: every acknowledged record and nothing
          // else — or a typed refusal; then again with room, where it must open.
          const onFull = reopen(dir, seed, result.acked, side);
          assert.ok(onFull.openCode === null || onFull.openCode === 'SEGLOG_NO_SPACE', `reopen on a full disk: ${onFull.openCode}`);
          if (onFull.openCode === null) checkReopened(onFull, expected.length, seed);
          unlinkSync(ballast);
          const withRoom = reopen(dir, seed, result.acked, side);
          assert.is(withRoom.openCode, null);
          checkReopened(withRoom, expected.length, seed);

          // The log goes on where it stopped.
          const resumed = JSON.parse(lastLine(runChild(['resume', dir, String(seed)], side).stdout)) as
            { countBefore: number; logEndOffset: number };
          assert.is(resumed.countBefore, expected.length);
          assert.is(resumed.logEndOffset, expected.length + 1);
          checkIndexes(dir);
        });
    }
  }
}

{
  test(`tmpfs, ${side}: a full disk exactly when an index entry lands on a new page — no SIGBUS, no error answered for kept data`,
    async () => {
      const mountPoint = mountSmallFileSystem('tmpfs', 2 * 1024 * 1024);
      const dir = join(mountPoint, 'topic-0');
      mkdirSync(dir);
      const ballast = join(mountPoint, 'ballast');
      const result = JSON.parse(lastLine(runChild(['edge', dir, ballast], side).stdout)) as
        { secondCode: string | null; logEndOffset: number; mapFile: string };
      assert.is(result.mapFile, side === 'native' ? 'native:mmap-io' : 'fallback:buffer', 'the side under test is active');
      const acknowledged = result.secondCode === null ? 2 : 1;
      assert.is(result.logEndOffset, acknowledged);
      // The child died without closing; with room again, recovery must show exactly what was acknowledged.
      unlinkSync(ballast);
      const { keys } = JSON.parse(lastLine(runChild(['keys', dir], side).stdout)) as { keys: string[] };
      assert.equal(keys, ['first', 'second'].slice(0, acknowledged), `the second append answered ${result.secondCode}`);
      checkIndexes(dir);
    });
}

function runChild(args: string[], side: 'native' | 'fallback'): { stdout: string } {
  const env = { ...process.env };
  if (side === 'fallback') env['SEGLOG_NATIVE'] = '0';
  const child = spawnSync(process.execPath, [CHILD, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const where = `${args[0]}: ${args.slice(2, 3).join(' ')}; stderr ${child.stderr.slice(0, 2000)}; stdout ${child.stdout.slice(-500)}`;
  assert.is.not(child.signal, SIGBUS_SIGNAL, `the child died of SIGBUS (${where})`);
  assert.is(child.signal, null, where);
  assert.is(child.status, EXIT_FULL, where);
  return child;
}

interface Reopened {
  openCode: string | null;
  count: number;
  mismatch: string | null;
  logEndOffset: number;
}

function reopen(dir: string, seed: number, acked: number[], side: 'native' | 'fallback'): Reopened {
  return JSON.parse(lastLine(runChild(['reopen', dir, String(seed), acked.join(',')], side).stdout)) as Reopened;
}

function checkReopened(reopened: Reopened, expectedRecords: number, seed: number): void {
  assert.is(reopened.mismatch, null, `seed ${seed}`);
  assert.is(reopened.count, expectedRecords, `seed ${seed}: records after reopen`);
  assert.is(reopened.logEndOffset, expectedRecords, `seed ${seed}: log end after reopen`);
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

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
