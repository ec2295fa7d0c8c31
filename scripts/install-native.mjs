#!/usr/bin/env node
// Install hooks that make the optional native modules usable and never fail an install.
//
//   node scripts/install-native.mjs preinstall    (npm "preinstall")
//   node scripts/install-native.mjs               (npm "postinstall")
//
// mmap-io 1.1.7 pins `-std=c++11` in its binding.gyp, which cannot compile Node 20's V8 headers.
// node-gyp includes a `common.gypi` found in the package's own folder, and a gyp exclusion list
// there (`cflags_cc!`) removes the pinned flag, so mmap-io then builds with C++17.
//
// When seglog is a dependency, npm extracts every package, runs every preinstall, and only then
// every install script: our preinstall adds that file to mmap-io's folder (wherever npm put it:
// hoisted into the app's node_modules or nested) before npm builds it. If the build still fails,
// npm removes mmap-io once the install is over, so the postinstall only reports.
//
// When seglog is the project itself (a clone, CI, a git dependency being prepared), npm builds
// and removes mmap-io before the project's own scripts run, so the postinstall fetches the pinned
// version from npm's cache into the project's node_modules and builds it there.
//
// seglog's own CRC-32C addon (lib/platform/native-crc32c/) is built by node-gyp here, in both
// cases, into that folder's build/ (where lib/platform/native.ts looks for it).
//
// Nothing is ever installed inside seglog's folder when seglog is a dependency (the addon's build
// output is the one thing written there), and no `npm install` runs here at all. Any failure is one line on stderr; seglog then works through
// native-free-fallback/ (lib/platform decides at load which side is active).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const MMAP_IO = 'mmap-io';
const MMAP_IO_GYPI = 'common.gypi';
// gyp applies an exclusion list after merging, so this removes the binding's own -std=c++11.
const MMAP_IO_GYPI_TEXT = `# Added by seglog's install: mmap-io's binding.gyp pins -std=c++11, which Node 20's headers reject.
{
  'target_defaults': {
    'cflags_cc!': ['-std=c++11'],
    'cflags_cc': ['-std=c++17'],
  },
}
`;
/** A dependency lives in a node_modules folder; the project itself (clone, CI) does not. */
const isDependency = basename(dirname(root)) === 'node_modules';

function note(message) {
  process.stderr.write(`seglog install: ${message}\n`);
}

function lastLines(text) {
  return String(text).trim().split('\n').slice(-3).join(' | ');
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  if (result.status === 0) return { failed: null, stdout: result.stdout };
  return { failed: lastLines(result.stderr || result.error || `exit ${result.status}`) || 'failed', stdout: result.stdout };
}

// A fresh process each time: a require() that failed once is cached as a miss in this one.
function loads(name) {
  return spawnSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], { cwd: root, stdio: 'ignore' }).status === 0;
}

/** The folder `require(name)` from seglog would load, or undefined when npm did not install it. */
function locate(name) {
  try {
    return dirname(createRequire(join(root, 'package.json')).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function versionAt(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Adds the C++17 gypi to an mmap-io folder of the pinned version; never replaces a file. */
function addMmapIoGypi(dir) {
  const wanted = pkg.optionalDependencies?.[MMAP_IO];
  if (versionAt(dir) !== wanted) return false;
  const path = join(dir, MMAP_IO_GYPI);
  if (!existsSync(path)) writeFileSync(path, MMAP_IO_GYPI_TEXT);
  return readFileSync(path, 'utf8') === MMAP_IO_GYPI_TEXT;
}

function npmCommand() {
  // Inside an npm script, npm_execpath is the npm that is running; otherwise the one on PATH.
  const cli = process.env.npm_execpath;
  if (cli !== undefined && cli.endsWith('.js')) return { command: process.execPath, prefix: [cli] };
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', prefix: [] };
}

/** Unpacks the pinned mmap-io (from npm's cache when it is there) into `dir`. Returns a failure or null. */
function fetchMmapIo(dir) {
  const version = pkg.optionalDependencies?.[MMAP_IO];
  const scratch = mkdtempSync(join(tmpdir(), 'seglog-install-'));
  try {
    const npm = npmCommand();
    const packed = run(npm.command, [...npm.prefix, 'pack', `${MMAP_IO}@${version}`, '--prefer-offline', '--json',
      '--pack-destination', scratch], { cwd: scratch });
    if (packed.failed) return `npm pack: ${packed.failed}`;
    const filename = JSON.parse(packed.stdout)[0]?.filename;
    if (typeof filename !== 'string') return 'npm pack named no file';
    mkdirSync(dir, { recursive: true });
    const unpacked = run('tar', ['-xzf', join(scratch, basename(filename)), '-C', dir, '--strip-components=1']);
    return unpacked.failed === null ? null : `tar: ${unpacked.failed}`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `node-gyp rebuild` in `dir`, against this machine's Node headers when they are there. Returns a failure or null. */
function nodeGypRebuild(dir) {
  const nodeGyp = process.env.npm_config_node_gyp
    ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  // The machine's own Node headers, so node-gyp never tries to download them.
  const localHeaders = join(dirname(process.execPath), '..');
  const nodedirArgs = process.env.npm_config_nodedir === undefined && existsSync(join(localHeaders, 'include', 'node', 'node.h'))
    ? [`--nodedir=${localHeaders}`] : [];
  return run(process.execPath, [nodeGyp, 'rebuild', ...nodedirArgs], { cwd: dir }).failed;
}

function preinstall() {
  if (process.env.SEGLOG_SKIP_NATIVE_BUILD === '1') return;
  const dir = locate(MMAP_IO);
  if (dir !== undefined) addMmapIoGypi(dir);
}

function setUpMmapIo() {
  if (pkg.optionalDependencies?.[MMAP_IO] === undefined || loads(MMAP_IO)) return;
  if (process.env.SEGLOG_SKIP_NATIVE_BUILD === '1') return note('SEGLOG_SKIP_NATIVE_BUILD=1: mmap-io not built, fallback in use');
  let dir = locate(MMAP_IO);
  if (dir === undefined) {
    // As a dependency, npm has already tried (and removed) it; the install must not add files here.
    if (isDependency) return note('mmap-io did not build during the install; using the pure-TypeScript mapped-file fallback');
    dir = join(root, 'node_modules', MMAP_IO);
    const failed = fetchMmapIo(dir);
    if (failed) return note(`could not fetch mmap-io (${failed}); using the pure-TypeScript mapped-file fallback`);
  }
  if (!addMmapIoGypi(dir)) return note(`mmap-io at ${dir} is not the pinned ${pkg.optionalDependencies[MMAP_IO]}; left as it is`);
  const failed = nodeGypRebuild(dir);
  if (failed || !loads(MMAP_IO)) return note(`mmap-io did not build (${failed ?? 'does not load'}); using the pure-TypeScript mapped-file fallback`);
  note('mmap-io built with -std=c++17');
}

const CRC32C_ADDON_DIR = join(root, 'lib', 'platform', 'native-crc32c');
const CRC32C_ADDON_FILE = join(CRC32C_ADDON_DIR, 'build', 'Release', 'seglog_crc32c.node');
const CRC32C_ADDON_MISSING = 'using sse4_crc32 or the pure-TypeScript CRC-32C';

/** Builds seglog's CRC-32C addon every time (a stale build from older sources must not survive an install). */
function setUpCrc32cAddon() {
  if (process.env.SEGLOG_SKIP_NATIVE_BUILD === '1') return note(`SEGLOG_SKIP_NATIVE_BUILD=1: seglog-crc32c not built, ${CRC32C_ADDON_MISSING}`);
  if (!existsSync(join(CRC32C_ADDON_DIR, 'binding.gyp'))) return note(`seglog-crc32c sources are missing; ${CRC32C_ADDON_MISSING}`);
  const failed = nodeGypRebuild(CRC32C_ADDON_DIR);
  if (failed || !loads(CRC32C_ADDON_FILE)) return note(`seglog-crc32c did not build (${failed ?? 'does not load'}); ${CRC32C_ADDON_MISSING}`);
}

try {
  if (process.argv[2] === 'preinstall') preinstall();
  else {
    setUpCrc32cAddon();
    setUpMmapIo();
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      if (!loads(name)) note(`${name} is not available; its native-free fallback will be used`);
    }
  }
} catch (error) {
  note(`native setup skipped: ${error instanceof Error ? error.message : String(error)}`);
}
process.exitCode = 0;
