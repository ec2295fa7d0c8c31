#!/usr/bin/env node
// `npm test`: compile with tsc, then run every dist/test/**/*.test.js in its own process (uvu
// prints a summary per file), two at a time. Core tests run twice — native modules active, and
// SEGLOG_NATIVE=0 forcing every native-free fallback — because both paths ship.
// Usage: npm test [-- <substring filter>] [--mode native|fallback]
// Ends with "N passed, N failed" and exits non-zero on any failure, timeout or zero tests.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cpus } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const modeArg = args.includes('--mode') ? args[args.indexOf('--mode') + 1] : undefined;
const filters = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--mode');
// Test folders whose code has a native and a fallback side somewhere below it.
const DUAL_MODE = /^(platform|record|segment|log|retention|compaction|zero-copy)\//;
const FILE_TIMEOUT_MS = Number(process.env.SEGLOG_TEST_TIMEOUT_MS ?? 300_000);

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('tsc failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.test.js') ? [path] : [];
  });
}

const testRoot = join(root, 'dist/test');
const files = walk(testRoot).map((p) => relative(testRoot, p)).sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
const jobs = [];
for (const file of files) {
  if (modeArg !== 'fallback') jobs.push({ file, mode: 'native' });
  if (modeArg !== 'native' && DUAL_MODE.test(file)) jobs.push({ file, mode: 'fallback' });
}

function runJob({ file, mode }) {
  return new Promise((resolve) => {
    const env = { ...process.env, FORCE_COLOR: '0' };
    if (mode === 'fallback') env.SEGLOG_NATIVE = '0';
    else delete env.SEGLOG_NATIVE;
    const started = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', join(testRoot, file)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const ok = code === 0 && !timedOut && total > 0 && passed === total - skipped;
      resolve({ file, mode, ok, total, passed, failed: ok ? 0 : Math.max(1, total - passed - skipped), skipped, timedOut, out, ms: Date.now() - started });
    });
  });
}

const results = [];
let next = 0;
const workers = Array.from({ length: Math.max(1, Math.min(2, cpus().length)) }, async () => {
  while (next < jobs.length) {
    const job = jobs[next++];
    const r = await runJob(job);
    results.push(r);
    const status = r.ok ? 'ok  ' : r.timedOut ? 'TIME' : 'FAIL';
    console.log(`${status} ${r.mode.padEnd(8)} ${r.file.padEnd(48)} ${String(r.passed).padStart(4)} passed (${(r.ms / 1000).toFixed(1)}s)`);
    if (!r.ok) console.log(r.out.split('\n').map((l) => `     | ${l}`).join('\n'));
  }
});
await Promise.all(workers);

const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
const skipped = results.reduce((s, r) => s + r.skipped, 0);
if (results.length === 0) console.log('no test files matched');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
