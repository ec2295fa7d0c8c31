/**
 * scripts/install-native.mjs (npm preinstall and postinstall) and the SEGLOG_REQUIRE_NATIVE=1 check,
 * on real folder layouts: a native build that fails, or a package that cannot be fetched, still
 * ends the install with status 0 and one line saying which fallback is in use; nothing is placed
 * inside seglog's folder when it is a dependency; and a native module that is really missing makes
 * the test runner's preflight and the platform test sides fail when CI requires native modules.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const MMAP_IO_VERSION = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  optionalDependencies: Record<string, string>;
}).optionalDependencies['mmap-io'];

test.after.each(removeTempDirs);

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key.startsWith('SEGLOG_') || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function node(args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

/** `<app>/node_modules/seglog` holding just what the package ships for its install scripts. */
function dependencyLayout(): { app: string; seglog: string } {
  const app = tempDir('seglog-app-');
  const seglog = join(app, 'node_modules', 'seglog');
  mkdirSync(join(seglog, 'scripts'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(seglog, 'package.json'));
  cpSync(join(repo, 'scripts/install-native.mjs'), join(seglog, 'scripts/install-native.mjs'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  return { app, seglog };
}

function runHook(seglog: string, hook: 'preinstall' | 'postinstall', env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const args = [join(seglog, 'scripts/install-native.mjs'), ...(hook === 'preinstall' ? ['preinstall'] : [])];
  return node(args, seglog, env);
}

test('preinstall adds the C++17 gypi to the pinned mmap-io wherever npm put it, and never replaces a file', () => {
  const { app, seglog } = dependencyLayout();
  const hoisted = join(app, 'node_modules', 'mmap-io');
  mkdirSync(hoisted);
  writeFileSync(join(hoisted, 'package.json'), JSON.stringify({ name: 'mmap-io', version: MMAP_IO_VERSION }));
  assert.is(runHook(seglog, 'preinstall', cleanEnv()).status, 0);
  const gypi = readFileSync(join(hoisted, 'common.gypi'), 'utf8');
  assert.match(gypi, /'cflags_cc!': \['-std=c\+\+11'\]/);
  assert.match(gypi, /'cflags_cc': \['-std=c\+\+17'\]/);

  writeFileSync(join(hoisted, 'common.gypi'), '# the package own file\n');
  assert.is(runHook(seglog, 'preinstall', cleanEnv()).status, 0);
  assert.is(readFileSync(join(hoisted, 'common.gypi'), 'utf8'), '# the package own file\n');

  const other = dependencyLayout();
  const otherVersion = join(other.app, 'node_modules', 'mmap-io');
  mkdirSync(otherVersion);
  writeFileSync(join(otherVersion, 'package.json'), JSON.stringify({ name: 'mmap-io', version: '0.0.1' }));
  assert.is(runHook(other.seglog, 'preinstall', cleanEnv()).status, 0);
  assert.not.ok(existsSync(join(otherVersion, 'common.gypi')), "an app's own mmap-io of another version is left alone");
  assert.not.ok(existsSync(join(seglog, 'node_modules')));
});

test('as a dependency, a failed mmap-io build ends the postinstall with 0, a fallback note, and nothing in its folder', () => {
  const { app, seglog } = dependencyLayout();
  const mmapIo = join(app, 'node_modules', 'mmap-io');
  // The real package's sources, unbuilt, and a compiler that always fails.
  for (const entry of ['package.json', 'binding.gyp', 'src', 'dist', 'mmap-io.js']) {
    cpSync(join(repo, 'node_modules', 'mmap-io', entry), join(mmapIo, entry), { recursive: true });
  }
  const result = runHook(seglog, 'postinstall', cleanEnv({ CXX: 'false', CC: 'false' }));
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, /seglog install: mmap-io did not build \(.+\); using the pure-TypeScript mapped-file fallback/);
  assert.not.ok(existsSync(join(seglog, 'node_modules')), 'nothing installed inside seglog');
});

/** The addon's sources, as the package ships them, inside a dependency layout. */
function withAddonSources(seglog: string): string {
  const dir = join(seglog, 'lib', 'platform', 'native-crc32c');
  mkdirSync(dir, { recursive: true });
  for (const file of ['binding.gyp', 'addon.c', 'addon.h', 'crc32c.c', 'record-walk.c']) {
    cpSync(join(repo, 'lib/platform/native-crc32c', file), join(dir, file));
  }
  return join(dir, 'build', 'Release', 'seglog_crc32c.node');
}

test('as a dependency, the postinstall builds seglog-crc32c in its own folder, and the build loads', () => {
  const { seglog } = dependencyLayout();
  const addon = withAddonSources(seglog);
  const result = runHook(seglog, 'postinstall', cleanEnv());
  assert.is(result.status, 0, result.stderr);
  assert.not.match(result.stderr, /seglog-crc32c/);
  const check = node(['-e', `process.stdout.write(String(require(${JSON.stringify(addon)}).crc32c(Buffer.from('123456789'), 0, 9, 0)))`],
    seglog, cleanEnv());
  assert.is(check.stdout, String(0xe3069283), check.stderr);
});

test('a seglog-crc32c build that fails ends the postinstall with 0 and a note naming the CRC in use', () => {
  const { seglog } = dependencyLayout();
  const addon = withAddonSources(seglog);
  const result = runHook(seglog, 'postinstall', cleanEnv({ CXX: 'false', CC: 'false' }));
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, /seglog install: seglog-crc32c did not build \(.+\); using sse4_crc32 or the pure-TypeScript CRC-32C/);
  assert.not.ok(existsSync(addon));
});

test('as a dependency whose mmap-io npm already removed, the postinstall only reports', () => {
  const { seglog } = dependencyLayout();
  const result = runHook(seglog, 'postinstall', cleanEnv());
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, /mmap-io did not build during the install; using the pure-TypeScript mapped-file fallback/);
  assert.match(result.stderr, /zstd-napi is not available/);
  assert.not.ok(existsSync(join(seglog, 'node_modules')), 'no npm install inside seglog');
});

test('as the project itself, an mmap-io that cannot be fetched ends the postinstall with 0 and a note', () => {
  const project = tempDir('seglog-project-');
  mkdirSync(join(project, 'scripts'));
  cpSync(join(repo, 'package.json'), join(project, 'package.json'));
  cpSync(join(repo, 'scripts/install-native.mjs'), join(project, 'scripts/install-native.mjs'));
  const env = cleanEnv({ npm_config_cache: join(project, 'empty-cache'), npm_config_offline: 'true' });
  const result = runHook(project, 'postinstall', env);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, /could not fetch mmap-io \(npm pack: .+\); using the pure-TypeScript mapped-file fallback/);
  assert.not.ok(existsSync(join(project, 'node_modules', 'mmap-io', 'build')));
});

/**
 * A copy of the compiled platform layer, the test runner and the platform test sides, next to a
 * node_modules that links every installed package except `leftOut`: a checkout where those
 * packages really are missing.
 */
function checkoutWithout(leftOut: string[]): string {
  const dir = tempDir('seglog-missing-');
  cpSync(join(repo, 'package.json'), join(dir, 'package.json'));
  const addon = 'lib/platform/native-crc32c/build/Release/seglog_crc32c.node'; // built by the postinstall, as in any checkout
  for (const part of ['dist/lib', 'dist/native-free-fallback', 'dist/test/platform/sides.js', 'scripts/test.mjs', addon]) {
    cpSync(join(repo, part), join(dir, part), { recursive: true });
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (!leftOut.includes(name)) symlinkSync(join(repo, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  return dir;
}

test('SEGLOG_REQUIRE_NATIVE=1: a missing native package or codec fails the runner and the platform sides, with the reason', () => {
  const dir = checkoutWithout(['fs-ext', 'zstd-napi']);
  const runner = join(dir, 'scripts/test.mjs');

  const required = node([runner, '--preflight-only'], dir, cleanEnv({ SEGLOG_REQUIRE_NATIVE: '1' }));
  assert.is(required.status, 1, required.stdout);
  assert.match(required.stdout, /FAIL native lockDirectory: fs-ext did not load: Cannot find module 'fs-ext'/);
  assert.match(required.stdout, /FAIL native codec zstd: .*'zstd-napi'/);
  assert.not.match(required.stdout, /FAIL native (crc32c|mapFile)/);

  const relaxed = node([runner, '--preflight-only'], dir, cleanEnv());
  assert.is(relaxed.status, 0, relaxed.stdout);
  assert.match(relaxed.stdout, /note native lockDirectory: fs-ext did not load/);

  const sides = join(dir, 'dist/test/platform/sides.js');
  const load = ['--input-type=module', '-e', `await import(${JSON.stringify(new URL(`file://${sides}`).href)});`];
  const strict = node(load, dir, cleanEnv({ SEGLOG_REQUIRE_NATIVE: '1' }));
  assert.is.not(strict.status, 0);
  assert.match(strict.stderr, /SEGLOG_REQUIRE_NATIVE=1 but the native side did not load for lockDirectory: fs-ext did not load/);
  const loose = node(load, dir, cleanEnv());
  assert.is(loose.status, 0, loose.stderr);
  assert.match(loose.stderr, /platform tests run without the native side of lockDirectory: fs-ext did not load/);
});

test.run();
