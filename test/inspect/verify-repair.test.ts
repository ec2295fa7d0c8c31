/**
 * `seglog verify` tells the truth and `--repair` never loses bytes, through the real binary:
 * non-logs are refused in one line; what a live or crashed writer leaves is accepted; a repair
 * refuses a locked directory, keeps every byte it cuts beside the segment, writes only Kafka's
 * files into a Kafka partition, and says with its exit status that it changed something;
 * `--dry-run` changes nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'dist/lib/cli/main.js');
const EXIT_REPAIRED = 4;

test.after.each(removeTempDirs);

function seglog(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file below `dir` with its bytes (hex), for before/after comparisons. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, prefix: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else out.set(`${prefix}${name}`, readFileSync(path).toString('hex'));
    }
  };
  walk(dir, '');
  return out;
}

/** A closed log of two segments, 300 one-record batches, index entries every 100 bytes. */
async function twoSegmentLog(): Promise<string> {
  const dir = join(tempDir(), 'orders-0');
  const log = await Log.open(dir, { segmentBytes: 20_000, indexIntervalBytes: 100 });
  for (let i = 0; i < 300; i++) log.append([{ key: `k${i}`, value: 'v'.repeat(50), timestampMs: 1_700_000_000_000 + i }]);
  await log.close();
  return dir;
}

test('not a log: a text file and an empty directory are refused with one line and exit 1', () => {
  const file = join(tempDir(), 'passwd');
  writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\n');
  for (const path of [file, tempDir()]) {
    const result = seglog(['verify', path]);
    assert.is(result.status, 1, result.stdout);
    assert.is(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.is(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^seglog: SEGLOG_NOT_A_LOG: .*\(.+\)$/);
  }
  assert.is(seglog(['verify', '--repair', tempDir()]).status, 1);
});

test('a zero-filled preallocated tail on the active index (Kafka, older seglog) is accepted', async () => {
  const dir = await twoSegmentLog();
  const active = readdirSync(dir).filter((n) => n.endsWith('.index')).sort().pop()!;
  truncateSync(join(dir, active), 10 * 1024 * 1024);
  const result = seglog(['verify', dir]);
  assert.is(result.status, 0, result.stdout);
  assert.match(result.stdout, /^OK: 1 partitions/m);
});

test('a torn tail past the recovery point is a note; the same bytes mid-log are a problem', async () => {
  const dir = await twoSegmentLog();
  const segments = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  appendFileSync(join(dir, segments[1]!), Buffer.from('torn bytes'));
  const tail = seglog(['verify', dir]);
  assert.is(tail.status, 0, tail.stdout);
  assert.match(tail.stdout, /^note: .*torn-tail: 10 bytes .*past the recovery point 300/m);
  const sealed = await twoSegmentLog();
  appendFileSync(join(sealed, segments[0]!), Buffer.from('torn bytes'));
  const middle = seglog(['verify', sealed]);
  assert.is(middle.status, 1);
  assert.match(middle.stdout, /^.*00000000000000000000\.log: position \d+: torn-tail: 10 bytes/m);
});

test('repair of a flipped byte: dry-run changes nothing; repair keeps the cut bytes, exits 4, verifies clean', async () => {
  const dir = await twoSegmentLog();
  const first = join(dir, '00000000000000000000.log');
  const original = readFileSync(first);
  const bytes = Buffer.from(original);
  bytes[5000] = (bytes[5000] as number) ^ 0xff;
  writeFileSync(first, bytes);
  const damaged = snapshot(dir);
  assert.is(seglog(['verify', dir]).status, 1);

  const dry = seglog(['verify', '--repair', '--dry-run', dir]);
  assert.is(dry.status, 1, 'nothing was repaired, the problem is still there');
  assert.match(dry.stdout, /^would repair .*: .* bytes cut/m);
  assert.match(dry.stdout, /kept as 00000000000000000000\.log\.recovered-1$/m);
  assert.equal(snapshot(dir), damaged, 'dry-run wrote nothing');

  const repaired = seglog(['verify', '--repair', dir]);
  assert.is(repaired.status, EXIT_REPAIRED, repaired.stdout + repaired.stderr);
  assert.match(repaired.stdout, /^repaired .*orders-0: .*bytes cut/m);
  assert.match(repaired.stdout, /truncated \d+ bytes, \d+ records: CRC mismatch .* kept as 00000000000000000000\.log\.recovered-1$/m,
    repaired.stdout);
  assert.match(repaired.stdout, /^OK: /m);
  const kept = readFileSync(first);
  const quarantine = readFileSync(join(dir, '00000000000000000000.log.recovered-1'));
  assert.equal(Buffer.concat([kept, quarantine]), bytes, 'kept + quarantine = the bytes before the repair');
  assert.ok(kept.length < 5000 && kept.length > 0, 'cut at the damaged batch, the batches before it stay');
  assert.is(readFileSync(join(dir, '00000000000000000164.log')).toString('hex'), damaged.get('00000000000000000164.log'),
    'the later segment is kept as it was');
  assert.is(seglog(['verify', dir]).status, 0);
  assert.is(seglog(['verify', '--repair', dir]).status, 0, 'a second repair finds nothing to do');
});

test('repair on a directory in use is refused: exit 1, no OK line, nothing changed', async () => {
  const dir = join(tempDir(), 'live-0');
  const script = `import { Log } from ${JSON.stringify(join(root, 'dist/lib/index.js'))};
    const log = await Log.open(${JSON.stringify(dir)});
    for (let i = 0; i < 50; i++) log.append([{ value: 'x'.repeat(100) }]);
    await log.flush();
    log.append([{ value: 'unflushed' }]);
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => (String(d).includes('ready') ? resolve() : undefined));
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const live = seglog(['verify', dir]);
    assert.is(live.status, 0, `a live writer's directory verifies clean: ${live.stdout}`);
    const before = snapshot(dir);
    const refused = seglog(['verify', '--repair', dir]);
    assert.is(refused.status, 1);
    assert.match(refused.stderr, /repair of .* refused: SEGLOG_LOG_LOCKED/);
    assert.not.match(refused.stdout, /^OK/m);
    assert.match(refused.stdout, /^FAILED: .*repair refused or failed for 1 directories/m);
    assert.equal(snapshot(dir), before);
  } finally {
    child.kill('SIGKILL');
  }
});

test('repair of a real Kafka log directory writes only files Kafka writes and changes no existing byte', () => {
  const dir = join(tempDir(), 'kafka-logs');
  cpSync(join(root, 'fixtures/kafka-broker'), dir, { recursive: true });
  const before = snapshot(dir);
  const dry = seglog(['verify', '--repair', '--dry-run', dir]);
  assert.is(dry.status, 0, dry.stdout + dry.stderr);
  assert.equal(snapshot(dir), before, 'dry-run wrote nothing');
  const result = seglog(['verify', '--repair', dir]);
  assert.is(result.status, EXIT_REPAIRED, result.stdout + result.stderr);
  const after = snapshot(dir);
  for (const [name, bytes] of before) assert.is(after.get(name), bytes, `${name} unchanged`);
  const added = [...after.keys()].filter((name) => !before.has(name));
  assert.ok(added.length > 0, 'missing indexes were rebuilt');
  for (const name of added) {
    // Index files the repair rebuilt, and the producer snapshot Kafka also writes when a log closes.
    assert.match(name, /^[^/]+-\d+\/\d{20}\.(index|timeindex|snapshot)$/, `only files Kafka writes are added: ${name}`);
  }
});

test('Kafka side files are checked: a leader epoch beyond the log end and a malformed partition.metadata fail', () => {
  const dir = join(tempDir(), 'kafka-logs');
  cpSync(join(root, 'fixtures/kafka-broker'), dir, { recursive: true });
  assert.is(seglog(['verify', dir]).status, 0);
  writeFileSync(join(dir, 'TestTopicPatient-0/leader-epoch-checkpoint'), '0\n2\n0 0\n5 999\n');
  writeFileSync(join(dir, 'TestTopicPatient-0/partition.metadata'), 'garbage\n');
  const result = seglog(['verify', dir]);
  assert.is(result.status, 1);
  assert.match(result.stdout, /leader-epoch-checkpoint: partition-file: epoch 5 starts at 999, beyond the log end offset 3/);
  assert.match(result.stdout, /partition\.metadata: partition-file: /);
});

test.run();
