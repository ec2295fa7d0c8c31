/**
 * seglog installed as a dependency, the way a broker author gets it: the working tree is copied
 * (as a fresh clone would have it, no dist/), packed with `npm pack`, and installed into a
 * temporary app that has dependencies of its own — both from the tarball and from a git URL (one
 * `npm install`; npm prepares the git copy itself). In that app every native module that loads in
 * this checkout must be active, every codec that loads here must round-trip through an encoded
 * batch and through a Log on disk, and nothing may be installed inside seglog's own folder.
 *
 * Slow by nature (npm compiles the native modules in the app): one install, npm's cache reused.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codecAvailable } from '../../lib/record/compression.js';
import type { CompressionType } from '../../lib/record/layout.js';
import { platformReport } from '../../lib/platform/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** Names the app installs seglog under: from the packed tarball, and from a git URL. */
const INSTALLED_AS = ['seglog', 'seglog-git'] as const;
const NPM_INSTALL_TIMEOUT_MS = 540_000;

test.after.each(removeTempDirs);

/** The environment of `npm test` minus what would point a child npm at this checkout. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_(lifecycle|package)_|npm_config_(local_|global_)?prefix$|npm_execpath$|npm_command$|INIT_CWD$)/.test(key)) continue;
    if (key === 'SEGLOG_NATIVE' || key === 'SEGLOG_SKIP_NATIVE_BUILD') continue;
    env[key] = value;
  }
  return env;
}

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-40).join('\n');
    assert.unreachable(`${command} ${args.join(' ')} in ${cwd} exited ${result.status} ${String(result.error ?? '')}\n${output}`);
  }
  return result;
}

/** The files a clone has (tracked plus new, not ignored), copied into `dest` and committed there. */
function copyWorkingTree(dest: string): void {
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], repo).stdout.split('\0');
  for (const file of listed) {
    if (file === '') continue;
    const from = join(repo, file);
    // Deleted-but-tracked files and the node_modules link are not part of a clone.
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(from, join(dest, file));
  }
  run('git', ['init', '-q'], dest);
  run('git', ['add', '-A'], dest);
  run('git', ['-c', 'user.name=seglog', '-c', 'user.email=seglog@localhost', 'commit', '-q', '-m', 'snapshot'], dest);
}

/** Run inside the app: what each installed copy reports, and every codec through a batch and a Log. */
const APP_CHECK = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [names, codecs] = JSON.parse(process.argv[1]);
const out = {};
for (const name of names) {
  const seglog = await import(name);
  // The entries share one copy of the library: an error from seglog/broker is seglog's SeglogError.
  let sharedErrors = false;
  try {
    (await import(name + '/broker')).parseTopicConfigs([{ name: 'no.such.config', value: '1' }]);
  } catch (error) {
    sharedErrors = error instanceof seglog.SeglogError && error.code === 'SEGLOG_INVALID_CONFIG';
  }
  const entry = { report: seglog.platformReport(), sharedErrors, codecs: {}, roundTrips: {} };
  const dir = mkdtempSync(join(tmpdir(), 'seglog-app-'));
  try {
    const log = await seglog.Log.open(dir);
    for (const codec of codecs) {
      entry.codecs[codec] = seglog.codecAvailable(codec);
      if (!entry.codecs[codec]) continue;
      const value = Buffer.from(codec.repeat(300));
      const records = [{ key: Buffer.from('k-' + codec), value }, { value: Buffer.from('second ' + codec) }];
      const decoded = [...seglog.decodeBatches(seglog.encodeBatch(records, { compression: codec, nowMs: 1700000000000 }))];
      const appended = log.append(records, { compression: codec });
      await log.flush();
      const stored = [...seglog.decodeBatches(log.read(appended.baseOffset, { maxBytes: 1 << 20 }).toBuffer())][0];
      entry.roundTrips[codec] = {
        batch: decoded.map((b) => b.compression + ':' + [...b.records()].map((r) => Buffer.from(r.value).toString()).join('|')),
        stored: stored.compression + ':' + [...stored.records()].map((r) => Buffer.from(r.value).toString()).join('|'),
      };
    }
    await log.close();
    const reopened = await seglog.Log.open(dir);
    entry.reopenedEndOffset = reopened.stats().logEndOffset;
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out[name] = entry;
}
process.stdout.write(JSON.stringify(out));
`;

interface AppEntry {
  sharedErrors: boolean;
  report: { crc32c: string; recordWalk: string; mapFile: string; lockDirectory: string; forcedFallback: boolean;
    reasons: Record<string, string> };
  codecs: Record<string, boolean>;
  roundTrips: Record<string, { batch: string[]; stored: string }>;
  reopenedEndOffset: number;
}

test('packed tarball and git URL install into an app with every native module and codec that works here', () => {
  const work = tempDir('seglog-install-');
  const source = join(work, 'seglog');
  const app = join(work, 'app');
  mkdirSync(source);
  mkdirSync(app);
  copyWorkingTree(source);
  assert.not.ok(existsSync(join(source, 'dist')), 'the copy starts without dist/, as a clone does');
  // prepare (tsc) needs the dev dependencies: the checkout's own, not a second install.
  symlinkSync(join(repo, 'node_modules'), join(source, 'node_modules'), 'dir');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], source).stdout) as Array<{
    filename: string; files: Array<{ path: string }>;
  }>;
  const shipped = new Set(packed[0]?.files.map((f) => f.path));
  const mustShip = ['dist/pkg/index.js', 'dist/pkg/broker/index.js', 'dist/pkg/cli/main.js', 'dist/lib/index.d.ts',
    'dist/native-free-fallback/crc32c.js', 'scripts/install-native.mjs', 'lib/platform/native-crc32c/crc32c.c',
    'lib/platform/native-crc32c/addon.c', 'lib/platform/native-crc32c/addon.h', 'lib/platform/native-crc32c/record-walk.c', 'LICENSE'];
  for (const file of mustShip) assert.ok(shipped.has(file), `npm pack ships ${file}`);
  assert.not.ok([...shipped].some((f) => f.startsWith('dist/test/') || f.startsWith('node_modules/')), 'no tests or modules shipped');

  const tarball = join(work, packed[0]?.filename ?? 'missing.tgz');
  // The app's own dependencies: one that seglog also uses, one it does not.
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'broker-app', version: '1.0.0', private: true, type: 'module',
    dependencies: { pino: '10.4.0', mri: '1.2.0', seglog: `file:${tarball}`, 'seglog-git': `git+file://${source}` },
  }, null, 2));
  const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app, NPM_INSTALL_TIMEOUT_MS);
  assert.not.match(installed.stderr, /seglog install: .*(did not|could not|not available|skipped)/, installed.stderr);

  for (const name of INSTALLED_AS) {
    const folder = join(app, 'node_modules', name);
    assert.ok(existsSync(join(folder, 'dist/lib/index.js')), `${name} has dist/`);
    assert.not.ok(existsSync(join(folder, 'node_modules')), `nothing installed inside ${name}'s own folder`);
  }
  assert.ok(existsSync(join(app, 'node_modules', 'mri')), "the app's own dependency is still there");

  const checked = run(process.execPath, ['--input-type=module', '-e', APP_CHECK, JSON.stringify([INSTALLED_AS, CODECS])], app);
  const result = JSON.parse(checked.stdout) as Record<string, AppEntry>;

  // What this checkout loads (install/ runs on the native side only: SEGLOG_NATIVE is not set here).
  const here = platformReport();
  assert.is(here.forcedFallback, false);
  const expectedSides = { crc32c: here.crc32c, recordWalk: here.recordWalk, mapFile: here.mapFile, lockDirectory: here.lockDirectory };
  for (const name of INSTALLED_AS) {
    const entry = result[name];
    if (entry === undefined) return assert.unreachable(`no result for ${name}`);
    const { crc32c, recordWalk, mapFile, lockDirectory } = entry.report;
    assert.equal({ crc32c, recordWalk, mapFile, lockDirectory }, expectedSides, `${name}: ${JSON.stringify(entry.report.reasons)}`);
    assert.is(entry.report.forcedFallback, false);
    assert.ok(entry.sharedErrors, `${name}: seglog and seglog/broker share one SeglogError`);
    for (const codec of CODECS) {
      assert.is(entry.codecs[codec], codecAvailable(codec), `${name}: codec ${codec} available as in this checkout`);
      if (!codecAvailable(codec)) continue;
      const body = `${codec.repeat(300)}|second ${codec}`;
      assert.equal(entry.roundTrips[codec], { batch: [`${codec}:${body}`], stored: `${codec}:${body}` }, `${name}: ${codec}`);
    }
    assert.is(entry.reopenedEndOffset, 2 * CODECS.filter((c) => codecAvailable(c)).length, `${name}: reopened log keeps every batch`);
  }
  assert.ok(codecAvailable('zstd') || process.env['SEGLOG_REQUIRE_NATIVE'] !== '1', 'zstd loads in this checkout');
  // The installed bin (the bundled CLI) finds the package's version and the same native sides.
  const version = run(join(app, 'node_modules', '.bin', 'seglog'), ['--version'], app).stdout;
  assert.match(version, /^seglog \d+\.\d+\.\d+ /);
  assert.match(version, new RegExp(`crc32c: ${here.crc32c}\\b`));
});

test('the packed package.json names a license file, a repository, and the lazily loaded codecs as optional', () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    license: string; repository?: { url?: string }; dependencies: Record<string, string>; optionalDependencies: Record<string, string>;
  };
  assert.is(pkg.license, 'Apache-2.0');
  assert.match(readFileSync(join(repo, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  assert.type(pkg.repository?.url, 'string');
  for (const name of ['snappy', 'lz4-napi', 'zstd-napi', 'sse4_crc32', 'mmap-io', 'fs-ext']) {
    assert.type(pkg.optionalDependencies[name], 'string', `${name} is optional`);
    assert.is(pkg.dependencies[name], undefined, `${name} is not a hard dependency`);
  }
});

test.run();
