/**
 * What a running Kafka broker's directory holds is not damage: the active segment's `.index` and
 * `.timeindex` preallocated to segment.index.bytes and still all zeros (the real broker's copy in
 * fixtures/kafka-broker/ was taken without them), and with file.preallocate an active `.log` extended
 * with zeros past its last batch. The same zeros where recovery would not expect them (a sealed
 * segment below the recovery point) stay a problem.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log } from '../../lib/index.js';
import { verifyPaths } from '../../lib/inspect/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'dist/lib/cli/main.js');
const LOG0 = '00000000000000000000.log';
/** Kafka's default segment.index.bytes. */
const INDEX_BYTES = 10 * 1024 * 1024;

test.after.each(removeTempDirs);

function seglog(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of the real broker's data directory with the active indexes a running broker keeps: preallocated, all zeros. */
function liveBrokerCopy(): string {
  const dir = join(tempDir(), 'kafka');
  cpSync(join(root, 'fixtures/kafka-broker'), dir, { recursive: true });
  for (const partition of ['TestTopicPatient-0', '__cluster_metadata-0']) {
    const base = join(dir, partition, '00000000000000000000');
    // Extended with zeros, as Kafka's AbstractIndex sets the length of a new index file.
    writeFileSync(`${base}.index`, Buffer.alloc(0));
    truncateSync(`${base}.index`, INDEX_BYTES);
    writeFileSync(`${base}.timeindex`, Buffer.alloc(0));
    truncateSync(`${base}.timeindex`, INDEX_BYTES - (INDEX_BYTES % 12));
  }
  return dir;
}

test('a running broker: all-zero preallocated active indexes are notes, not index mismatches', () => {
  const dir = liveBrokerCopy();
  const report = verifyPaths([dir]);
  assert.equal(report.problems, []);
  assert.ok(report.ok);
  const preallocated = report.notes.filter((n) => n.includes('preallocated'));
  assert.is(preallocated.length, 4, report.notes.join('\n'));
  const result = seglog(['verify', dir]);
  assert.is(result.status, 0, result.stdout);
  assert.match(result.stdout, /^OK: 3 partitions/m);
  assert.not.match(result.stdout, /index-mismatch|time-index/);
});

test('a running broker with file.preallocate: zeros after the active segment\'s last batch are a torn tail past the recovery point', () => {
  const dir = liveBrokerCopy();
  const log = join(dir, 'TestTopicPatient-0', LOG0);
  const size = statSync(log).size;
  truncateSync(log, 1024 * 1024);
  const result = seglog(['verify', dir]);
  assert.is(result.status, 0, result.stdout);
  const zeros = 1024 * 1024 - size;
  assert.match(result.stdout, new RegExp(`^note: .*TestTopicPatient-0/${LOG0}: position ${size}: torn-tail: ${zeros} zero bytes`, 'm'));
  assert.match(result.stdout, /past the recovery point 0/);
});

test('zeros after the last batch of a sealed segment below the recovery point stay a problem', async () => {
  const dir = join(tempDir(), 'orders-0');
  const log = await Log.open(dir, { segmentBytes: 4000 });
  for (let i = 0; i < 100; i++) log.append([{ key: `k${i}`, value: 'v'.repeat(50), timestampMs: 1_700_000_000_000 + i }]);
  await log.close();
  const first = join(dir, LOG0);
  const size = readFileSync(first).length;
  truncateSync(first, size + 4096);
  const result = seglog(['verify', dir]);
  assert.is(result.status, 1, result.stdout);
  assert.match(result.stdout, new RegExp(`^[^n].*${LOG0}: position ${size}: torn-tail: 4096 zero bytes`, 'm'));
});

test.run();
