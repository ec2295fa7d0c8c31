// The `seglog` CLI as a user runs it: spawn `node dist/lib/cli/main.js …` from the repository root
// and compare stdout, stderr and the exit status with golden files in fixtures/inspect/golden/
// (re-bless with SEGLOG_BLESS=1), plus the bad-input cases: each one line naming the file, the
// documented exit status, never a stack trace.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'dist/lib/cli/main.js');
const goldenDir = join(root, 'fixtures/inspect/golden');
const bless = process.env.SEGLOG_BLESS === '1';
const broker = 'fixtures/kafka-broker';

test.after.each(removeTempDirs);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[]): Run {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function golden(name: string, args: readonly string[]): void {
  const result = run(args);
  const text = `$ seglog ${args.join(' ')}\n${result.stdout}--- stderr ---\n${result.stderr}--- exit ${result.status}\n`;
  const path = join(goldenDir, `${name}.txt`);
  if (bless) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, text);
  }
  assert.ok(existsSync(path), `no golden file ${path}: run with SEGLOG_BLESS=1 and review it`);
  assert.fixture(text, readFileSync(path, 'utf8'), name);
}

const F = 'fixtures/inspect';
const CASES: Array<[string, string[]]> = [
  ['dump-demo-segment', ['dump', `${F}/logdir/demo-0/00000000000000000000.log`]],
  ['dump-demo-deep-print', ['dump', '--print-data', `${F}/logdir/demo-0/00000000000000000000.log`]],
  ['dump-txn-control', ['dump', '--deep', `${F}/logdir/demo-0/00000000000000000060.log`]],
  ['dump-indexes', ['dump', `${F}/logdir/demo-0/00000000000000000000.index`, `${F}/logdir/demo-0/00000000000000000000.timeindex`]],
  ['dump-codecs-json', ['dump', '--deep', '--json', '--encoding', 'hex', '--print-data', `${F}/codecs/00000000000000000000.log`]],
  ['dump-compacted-aliases', ['dump', '--deep-iteration', '--files', `${F}/compacted/00000000000000000000.log,${F}/compacted/notes.txt`]],
  ['dump-kafkajs', ['dump', '--print-data-log', `${F}/kafkajs/00000000000000000000.log`]],
  ['dump-truncated', ['dump', `${F}/corrupt/truncated/00000000000000000000.log`]],
  ['dump-max-bytes', ['dump', '--max-bytes', '500', `${F}/logdir/demo-0/00000000000000000000.log`]],
  ['dump-index-mismatch', ['dump', `${F}/corrupt/index-mismatch/00000000000000000000.index`,
      `${F}/corrupt/index-mismatch/00000000000000000000.timeindex`]],
  ['dump-random', ['dump', `${F}/corrupt/random/00000000000000000000.log`]],
  ['dump-bad-index-length', ['dump', `${F}/corrupt/bad-index-length/00000000000000000000.index`]],
  ['verify-logdir', ['verify', `${F}/logdir`]],
  ['verify-corrupt', ['verify', `${F}/corrupt/flipped-bit`, `${F}/corrupt/truncated`, `${F}/corrupt/bad-index-length`,
    `${F}/corrupt/index-mismatch`, `${F}/corrupt/random`, `${F}/corrupt/checkpoint-beyond`]],
  ['stats-logdir', ['stats', `${F}/logdir`]],
  ['stats-codecs-json', ['stats', '--json', `${F}/codecs`]],
];

for (const [name, args] of CASES) test(`golden: ${name}`, () => golden(name, args));

test('real Kafka data: dump of __consumer_offsets-6 .log/.index/.timeindex/.snapshot works; verify is clean', () => {
  const part = `${broker}/__consumer_offsets-6`;
  const names = ['00000000000000000000.log', '00000000000000000000.index', '00000000000000000000.timeindex',
      '00000000000000000013.snapshot'];
  const dump = run(['dump', '--deep', ...names.map((n) => `${part}/${n}`)]);
  assert.is(dump.status, 0, dump.stderr);
  assert.is(dump.stderr, '');
  assert.is(dump.stdout.split('\n').filter((l) => l.startsWith('baseOffset: ')).length, 13);
  assert.ok(dump.stdout.includes('offset: 3 position: 4730\noffset: 7 position: 9571\n'));
  assert.ok(dump.stdout.includes('timestamp: 1769791783399 offset: 3\n'));
  const verify = run(['verify', broker]);
  assert.is(verify.status, 0, verify.stdout);
  assert.match(verify.stdout, /^OK: 3 partitions/m);
  const json = JSON.parse(run(['verify', '--json', broker]).stdout) as { ok: boolean; partitions: unknown[] };
  assert.is(json.ok, true);
});

test('JSON dump is NDJSON with the documented camelCase fields', () => {
  const result = run(['dump', '--json', '--deep', `${F}/logdir/demo-0/00000000000000000060.log`]);
  const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(lines.length, 4);
  const fields = ['baseOffset', 'lastOffset', 'count', 'positionBytes', 'sizeBytes', 'magic', 'crc', 'crcValid', 'compression',
      'timestampType',
    'baseTimestampMs', 'maxTimestampMs', 'producerId', 'producerEpoch', 'baseSequence', 'lastSequence', 'partitionLeaderEpoch',
    'isTransactional', 'isControl', 'deleteHorizonMs', 'records'];
  assert.equal(Object.keys(lines[0]!), fields);
  const marker = (lines[1]!.records as Array<{ control: unknown }>)[0]!.control;
  assert.equal(marker, { controlType: 'COMMIT', controlTypeId: 1, coordinatorEpoch: 5 });
});

test('bad input: one line naming the file, exit 1, no stack trace', () => {
  const dir = tempDir();
  const missing = run(['dump', join(dir, 'missing.log')]);
  assert.is(missing.status, 1);
  assert.is(missing.stderr, `seglog: SEGLOG_IO: no such file (${join(dir, 'missing.log')})\n`);
  mkdirSync(join(dir, 'folder.log'));
  const folder = run(['dump', join(dir, 'folder.log')]);
  assert.is(folder.status, 1);
  assert.match(folder.stderr, /is a directory.*folder\.log/);
  const verifyMissing = run(['verify', join(dir, 'nope')]);
  assert.is(verifyMissing.status, 1);
  assert.match(verifyMissing.stdout, /nope: unreadable: SEGLOG_IO: no such file or directory/);
  const statsMissing = run(['stats', join(dir, 'nope')]);
  assert.is(statsMissing.status, 1);
  assert.is(statsMissing.stderr.trim().split('\n').length, 1);
  for (const r of [missing, folder, verifyMissing, statsMissing]) assert.not.match(r.stderr, /\n\s+at /);
});

test('permission denied is one line (as root the command runs as nobody, so the check always runs)', () => {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const path = join(dir, '00000000000000000000.log');
  copyFileSync(join(root, F, 'logdir/demo-0/00000000000000000000.log'), path);
  chmodSync(path, 0o000);
  const asRoot = process.getuid?.() === 0;
  // nobody may not be able to reach this checkout (a 0700 parent): it runs a copy of the build in a
  // world-readable folder, on the native-free side (no node_modules needed there).
  let entry = main;
  if (asRoot) {
    const copy = tempDir();
    chmodSync(copy, 0o755);
    for (const part of ['dist/lib', 'dist/native-free-fallback', 'package.json']) {
      cpSync(join(root, part), join(copy, part), { recursive: true });
    }
    entry = join(copy, 'dist/lib/cli/main.js');
  }
  const result = spawnSync(process.execPath, [entry, 'dump', path], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', SEGLOG_NATIVE: asRoot ? '0' : (process.env['SEGLOG_NATIVE'] ?? '') },
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  assert.is(result.status, 1, result.stdout);
  assert.is(result.stderr, `seglog: SEGLOG_IO: permission denied (${path})\n`);
});

test('usage: unknown flags and commands exit 2 with usage; --help and --version exit 0', () => {
  const flag = run(['dump', '--bogus', 'x.log']);
  assert.is(flag.status, 2);
  assert.match(flag.stderr, /^seglog: unknown option --bogus\nUsage: seglog dump/);
  assert.is(run(['frobnicate']).status, 2);
  assert.is(run([]).status, 2);
  assert.is(run(['verify']).status, 2);
  assert.is(run(['dump', '--encoding', 'rot13', 'x.log']).status, 2);
  assert.is(run(['dump', '--max-bytes', '-1', 'x.log']).status, 2);
  const help = run(['--help']);
  assert.is(help.status, 0);
  assert.match(help.stdout, /Exit status:\n  0/);
  for (const command of ['dump', 'verify', 'stats']) {
    const sub = run([command, '--help']);
    assert.is(sub.status, 0);
    assert.match(sub.stdout, new RegExp(`^Usage: seglog ${command}`));
  }
  const version = run(['--version']);
  assert.is(version.status, 0);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.match(version.stdout, new RegExp(`^seglog ${pkg.version.replace(/\./g, '\\.')} `));
  assert.match(version.stdout, /crc32c: (native|fallback):/);
});

test('verify --repair runs the Log recovery: a torn tail is truncated, then verify is clean', () => {
  const dir = join(tempDir(), 'demo-0');
  mkdirSync(dir);
  copyFileSync(join(root, F, 'corrupt/truncated/00000000000000000000.log'), join(dir, '00000000000000000000.log'));
  const before = run(['verify', dir]);
  assert.is(before.status, 0, 'a torn tail past the recovery point is what a crash leaves');
  assert.match(before.stdout, /^note: .*torn-tail: 104 bytes/m);
  const original = readFileSync(join(dir, '00000000000000000000.log'));
  const repaired = run(['verify', '--repair', dir]);
  assert.is(repaired.status, 4, repaired.stdout + repaired.stderr);
  assert.match(repaired.stdout, /^repaired .*104 bytes cut/m);
  assert.match(repaired.stdout, /kept as 00000000000000000000\.log\.recovered-1$/m);
  const kept = readFileSync(join(dir, '00000000000000000000.log'));
  const cut = readFileSync(join(dir, '00000000000000000000.log.recovered-1'));
  assert.equal(Buffer.concat([kept, cut]), original, 'the kept part and the quarantine are the original bytes');
  assert.is(run(['verify', dir]).status, 0);
  assert.is(run(['verify', '--repair', join(root, F, 'corrupt/random/00000000000000000000.log')]).status, 2);
});

test('piped output carries no progress line', () => {
  const result = run(['verify', `${broker}/__cluster_metadata-0`]);
  assert.is(result.stderr, '');
});

test.run();
