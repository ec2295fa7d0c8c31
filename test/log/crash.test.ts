/**
 * Kill -9 crash loop: a child appends and flushes; the parent kills it at random moments, reopens the
 * log (recovery runs: no clean-shutdown marker), and checks that every flushed record is there, in
 * order, offsets contiguous, content intact, indexes correct. Then the next child continues.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Log } from '../../lib/index.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { checkIndexes, readAll, value } from './log-helpers.js';

test.after.each(removeTempDirs);

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const ITERATIONS = Number(process.env.SEGLOG_CRASH_ITERATIONS ?? 12);

function runAndKill(dir: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(16 * 1024)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let flushed = -1;
    let err = '';
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('opened')) setTimeout(() => child.kill('SIGKILL'), delayMs);
        if (line.startsWith('flushed ')) flushed = Number(line.slice(8));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(flushed);
      else reject(new Error(`child exited ${code} before the kill: ${err}`));
    });
  });
}

test('SIGKILL at random moments never loses flushed records', async () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const dir = tempDir();
  let lastEnd = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const flushed = await runAndKill(dir, 20 + Math.floor(random() * 150));
    const log = await Log.open(dir, { segmentBytes: 16 * 1024, indexIntervalBytes: 512 });
    const context = `seed ${seed}, iteration ${i}`;
    assert.not.ok(log.recoveryReport.cleanShutdown, context);
    assert.ok(log.recoveryReport.recovered.length >= 1, `${context}: recovery ran`);
    assert.ok(log.logEndOffset >= flushed, `${context}: lost flushed records (end ${log.logEndOffset} < flushed ${flushed})`);
    assert.ok(log.logEndOffset >= lastEnd, `${context}: the log went backwards`);
    const all = readAll(log);
    assert.is(all.length, log.logEndOffset, context);
    for (let o = 0; o < all.length; o++) {
      const r = all[o]!;
      if (r.offset !== o || Buffer.from(r.key!).toString() !== `k${o}` || !Buffer.from(r.value!).equals(value(o, 40 + (o % 300)))) {
        assert.unreachable(`${context}: record ${o} wrong (offset ${r.offset})`);
      }
    }
    lastEnd = log.logEndOffset;
    await log.close();
    checkIndexes(dir);
  }
  assert.ok(lastEnd > 0, 'the children appended something');
});

test.run();
