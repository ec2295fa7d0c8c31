/**
 * The bench runs end to end on tiny sizes (`--smoke`): a real child process per side, real files.
 * Benchmarks themselves are never part of `npm test`; this only proves `npm run bench` works and
 * that its JSON holds every case, on both sides, with finite ratios.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunResults } from '../../bench/main.js';
import { externalScripts } from '../../bench/external.js';
import { lastJsonObject } from '../../bench/spawn.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const MAIN = fileURLToPath(new URL('../../bench/main.js', import.meta.url));
/** The suite promises < 10 s on an idle machine; the slack covers `npm test` and other work sharing 2 cores (load 10+ seen). */
const SMOKE_LIMIT_MS = 60_000;

function runBench(args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const env = { ...process.env };
  delete env['SEGLOG_NATIVE'];
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env, timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

test.after.each(() => removeTempDirs());

test('--smoke writes JSON with every case on both sides and finite ratios', () => {
  const out = join(tempDir('seglog-bench-smoke-'), 'results.json');
  const r = runBench(['--smoke', '--out', out]);
  assert.is(r.status, 0, `bench exited ${String(r.status)}\n${r.stdout}\n${r.stderr}`);
  assert.ok(r.ms < SMOKE_LIMIT_MS, `smoke run took ${Math.round(r.ms)} ms`);
  const results = JSON.parse(readFileSync(out, 'utf8')) as RunResults;
  assert.is(results.size, 'smoke');
  const names = new Set(results.expected.map((e) => e.name));
  for (const name of ['append', 'lookup', 'recovery', 'memory', 'crc']) assert.ok(names.has(name),
    `case ${name} missing from ${[...names].join(',')}`);
  assert.ok(results.expected.some((e) => e.side === 'fallback'), 'no fallback side');
  for (const e of results.expected) {
    const c = results.cases.find((x) => x.name === e.name && x.side === e.side);
    assert.ok(c !== undefined, `no result for ${e.name} on ${e.side}`);
    assert.is(c.error, undefined, `${e.name} on ${e.side} failed: ${String(c.error)}`);
    assert.ok(c.rows.length > 0, `${e.name} on ${e.side} has no rows`);
    for (const row of c.rows) {
      assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, `${e.side} ${e.name} "${row.label}" ratio ${row.ratio}`);
      assert.ok(Number.isFinite(row.value) && Number.isFinite(row.baseline), `${e.side} ${e.name} "${row.label}" figures`);
    }
    for (const t of c.targets) assert.ok(Number.isFinite(t.actual), `${e.side} ${e.name} target "${t.label}" actual ${t.actual}`);
  }
  assert.is(results.platform.fallback?.crc32c, 'fallback:slice-by-16');
  assert.ok(results.platform.fallback?.forcedFallback, 'fallback side did not run with SEGLOG_NATIVE=0');
  assert.match(r.stdout, /checksum [0-9a-f]{8}/);
  assert.match(r.stdout, /not judged \(smoke\)/);
  assert.not.match(r.stdout, /\b(met|MISSED)\b/, 'a smoke run judges no target');
});

test('--only runs one case', () => {
  const out = join(tempDir('seglog-bench-only-'), 'results.json');
  const r = runBench(['--smoke', '--only', 'crc', '--out', out]);
  assert.is(r.status, 0, r.stderr);
  const results = JSON.parse(readFileSync(out, 'utf8')) as RunResults;
  assert.equal([...new Set(results.cases.map((c) => c.name))], ['crc']);
});

test('an unknown case is refused with the list of cases', () => {
  const r = runBench(['--smoke', '--only', 'no-such-case']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /no case named no-such-case; cases: .*append/);
});

test('every stand-alone script the runner knows is a file in dist/bench, so none drops out of a run', () => {
  const scripts = externalScripts(dirname(MAIN));
  assert.equal(scripts.map((s) => s.name).sort(), ['broker', 'codec-script', 'compaction', 'inspect', 'transactions', 'transfer']);
  for (const s of scripts) assert.ok(existsSync(s.path), `${s.name}: ${s.path} missing`);
});

test('lastJsonObject reads one-line and pretty-printed trailing objects', () => {
  assert.equal(lastJsonObject('noise\n{"a":1}\n'), { a: 1 });
  assert.equal(lastJsonObject('table\n{\n  "ratio": 0.5,\n  "n": {"x": 2}\n}\n'), { ratio: 0.5, n: { x: 2 } });
  assert.is(lastJsonObject('no json here'), null);
});

test.run();
