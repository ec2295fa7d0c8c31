/**
 * Child process for the disk-full tests, so that a SIGBUS kills a child the parent watches, never
 * the test runner (whose teardown must unmount).
 *
 *   fill <dir> <seed> crash|close   appends batches of seeded, varied sizes until the file system is
 *       full, then keeps retrying smaller ones for a while (as a producer would); checks in-process
 *       that exactly the acknowledged records are visible; closes the log or not; prints one JSON
 *       line and exits with EXIT_FULL.
 *   reopen <dir> <seed> <acked,...>  opens the log (recovering it), compares every record with the
 *       acknowledged ones, prints one JSON line and exits with EXIT_FULL. An open refused with
 *       SEGLOG_NO_SPACE is reported as `openCode`.
 *   resume <dir>  (after the parent freed space) appends one more batch, closes, reopens, prints the
 *       counts.
 *   keys <dir>  opens the log (recovering it), prints every record's key.
 *   edge <dir> <ballast path>  the exact case of a full disk at an index entry: one batch of 4,200
 *       bytes (so the next append adds the segment's first index entries, on pages never written),
 *       then the file system filled to the last byte with the ballast file, then a 100-byte batch
 *       that still fits in the .log's last page. Prints that append's outcome; never closes.
 *
 * Any error other than SEGLOG_NO_SPACE exits with EXIT_OTHER_ERROR; a signal is the parent's to see.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Log } from '../../lib/index.js';
import { platformReport } from '../../lib/platform/index.js';
import { attemptRecords, DISK_FULL_LOG_CONFIG, EXIT_FULL, EXIT_OTHER_ERROR, firstFailure } from './disk-full-records.js';
import { readAll } from './log-helpers.js';

const command = process.argv[2];
const dir = process.argv[3] as string;
const seed = Number(process.argv[4]);
const ending = process.argv[5] === 'close' ? 'close' : 'crash';
/** Attempts after the first NO_SPACE: smaller batches may still fit in partly used blocks. */
const RETRIES_AFTER_FULL = 40;
const ATTEMPTS_MAX = 1_000_000;

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(error);
}

/** Writes `path` until the file system refuses a single byte more. */
function fillFileSystem(path: string): void {
  const fd = openSync(path, 'a');
  for (const chunkBytes of [1 << 20, 1 << 16, 1 << 12, 1 << 9, 1]) {
    const chunk = Buffer.alloc(chunkBytes, 9);
    for (;;) {
      try {
        if (writeSync(fd, chunk) < chunkBytes) break;
      } catch (error) {
        if (codeOf(error) !== 'ENOSPC') throw error;
        break;
      }
    }
  }
  closeSync(fd);
}

function fail(stage: string, error: unknown): never {
  process.stdout.write(`${JSON.stringify({ stage, code: codeOf(error), message: (error as Error).message })}\n`);
  process.exit(EXIT_OTHER_ERROR);
}

const log = await Log.open(dir, DISK_FULL_LOG_CONFIG).catch((error: unknown) => {
  // Opening on a full file system may be refused (the lock file, recovery): with a typed error only.
  if (command === 'reopen' && codeOf(error) === 'SEGLOG_NO_SPACE') {
    process.stdout.write(`${JSON.stringify({ openCode: codeOf(error), message: (error as Error).message })}\n`);
    process.exit(EXIT_FULL);
  }
  return fail('open', error);
});
if (command === 'keys') {
  try {
    const keys = readAll(log).map((r) => Buffer.from(r.key!).toString());
    await log.close();
    process.stdout.write(`${JSON.stringify({ keys })}\n`);
  } catch (error) {
    fail('keys', error);
  }
  process.exit(EXIT_FULL);
}
if (command === 'edge') {
  const ballast = process.argv[4] as string;
  try {
    log.append([{ key: 'first', value: Buffer.alloc(4200, 1), timestampMs: 1_700_000_000_000 }]);
  } catch (error) {
    fail('first append', error);
  }
  fillFileSystem(ballast);
  let code: string | null = null;
  try {
    log.append([{ key: 'second', value: Buffer.alloc(100, 2), timestampMs: 1_700_000_000_001 }]);
  } catch (error) {
    code = codeOf(error);
    if (code !== 'SEGLOG_NO_SPACE') fail('second append', error);
  }
  process.stdout.write(`${JSON.stringify({ secondCode: code, logEndOffset: log.logEndOffset, mapFile: platformReport().mapFile })}\n`);
  process.exit(EXIT_FULL);
}
if (command === 'resume') {
  try {
    const countBefore = readAll(log).length;
    log.append([{ key: 'after', value: 'ok' }]);
    await log.close();
    const again = await Log.open(dir, DISK_FULL_LOG_CONFIG);
    const logEndOffset = again.logEndOffset;
    await again.close();
    process.stdout.write(`${JSON.stringify({ countBefore, logEndOffset })}\n`);
  } catch (error) {
    fail('resume', error);
  }
  process.exit(EXIT_FULL);
}
if (command === 'reopen') {
  const acked = (process.argv[5] ?? '').split(',').filter((a) => a !== '').map(Number);
  const first = firstFailure(acked);
  const expected = acked.flatMap((a) => attemptRecords(seed, a, a >= first));
  let mismatch: string | null = null;
  let count = 0;
  try {
    const all = readAll(log);
    count = all.length;
    for (let i = 0; i < Math.min(all.length, expected.length) && mismatch === null; i++) {
      const got = all[i]!;
      const want = expected[i]!;
      if (Buffer.from(got.key!).toString() !== want.key || !Buffer.from(got.value!).equals(want.value as Buffer)) {
        mismatch = `record ${i}: key ${Buffer.from(got.key!).toString()}, expected ${String(want.key)}`;
      }
    }
  } catch (error) {
    fail('read after reopen', error);
  }
  process.stdout.write(`${JSON.stringify({ openCode: null, count, expected: expected.length, mismatch,
    logEndOffset: log.logEndOffset })}\n`);
  process.exit(EXIT_FULL);
}
const acked: number[] = [];
let failures = 0;
let attempt = 0;
for (; attempt < ATTEMPTS_MAX && failures <= RETRIES_AFTER_FULL; attempt++) {
  const records = attemptRecords(seed, attempt, failures > 0);
  try {
    log.append(records);
    acked.push(attempt);
  } catch (error) {
    if (codeOf(error) !== 'SEGLOG_NO_SPACE') fail(`append ${attempt}`, error);
    failures++;
  }
}
let visible = 0;
try {
  visible = readAll(log).length;
} catch (error) {
  fail('read', error);
}
let closeCode: string | null = null;
if (ending === 'close') {
  try {
    await log.close();
  } catch (error) {
    closeCode = codeOf(error);
  }
}
process.stdout.write(`${JSON.stringify({ acked, attempts: attempt, failures, visible, logEndOffset: log.logEndOffset, closeCode,
  mapFile: platformReport().mapFile })}\n`);
process.exit(EXIT_FULL);
