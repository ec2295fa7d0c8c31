#!/usr/bin/env node
// Postinstall: make the optional native modules usable, never fail the install.
//
// mmap-io 1.1.7 pins `-std=c++11` in its binding.gyp, which cannot compile Node 20's V8 headers,
// so npm's own build of it fails and npm then drops the optional dependency. Here we put it back
// (without running its script) and build it with `CXXFLAGS=-std=c++17`, which the compiler applies
// after the binding's flags. Any failure is reported on stderr and the package keeps working through
// native-free-fallback/ (lib/platform decides at load which side is active).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// A fresh process each time: a require() that failed once is cached as a miss in this one.
function loads(name) {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], { cwd: root, stdio: 'ignore' });
  return probe.status === 0;
}

function note(message) {
  process.stderr.write(`seglog install: ${message}\n`);
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  return result.status === 0 ? null : String(result.stderr || result.error || 'failed').trim().split('\n').slice(-3).join(' | ');
}

function buildMmapIo() {
  const version = pkg.optionalDependencies?.['mmap-io'];
  if (version === undefined || loads('mmap-io')) return;
  if (process.env.SEGLOG_SKIP_NATIVE_BUILD === '1') return note('SEGLOG_SKIP_NATIVE_BUILD=1: mmap-io not built, fallback in use');
  const dir = join(root, 'node_modules', 'mmap-io');
  if (!existsSync(join(dir, 'binding.gyp'))) {
    const failed = run(process.platform === 'win32' ? 'npm.cmd' : 'npm',
      ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `mmap-io@${version}`], { cwd: root });
    if (failed) return note(`could not fetch mmap-io (${failed}); using the pure-TypeScript mapped-file fallback`);
  }
  const nodeGyp = process.env.npm_config_node_gyp
    ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  // The machine's own Node headers, so node-gyp never tries to download them (no network here).
  const localHeaders = join(dirname(process.execPath), '..');
  const nodedirArgs = process.env.npm_config_nodedir === undefined && existsSync(join(localHeaders, 'include', 'node', 'node.h'))
    ? [`--nodedir=${localHeaders}`] : [];
  const failed = run(process.execPath, [nodeGyp, 'rebuild', ...nodedirArgs], {
    cwd: dir,
    env: { ...process.env, CXXFLAGS: `${process.env.CXXFLAGS ?? ''} -std=c++17`.trim() },
  });
  if (failed || !loads('mmap-io')) return note(`mmap-io did not build (${failed ?? 'does not load'}); using the pure-TypeScript mapped-file fallback`);
  note('mmap-io built with -std=c++17');
}

try {
  buildMmapIo();
} catch (error) {
  note(`native setup skipped: ${error instanceof Error ? error.message : String(error)}`);
}
for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
  if (!loads(name)) note(`${name} is not available; its native-free fallback will be used`);
}
