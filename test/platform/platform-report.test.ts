/**
 * The chooser (lib/platform/index.ts): one decision per capability at load, SEGLOG_NATIVE=0 forcing
 * every fallback without loading a native package, and a report that says what is active.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PlatformReport } from '../../lib/platform/contract.js';
import * as platform from '../../lib/platform/index.js';
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { walkPlainRecords as fallbackWalkPlainRecords } from '../../native-free-fallback/record-walk.js';
import { nativeReasons } from './sides.js';

const INDEX_URL = new URL('../../lib/platform/index.js', import.meta.url).href;

/** Loads lib/platform/index.js in a fresh `node` with `env`; returns its report and loaded packages. */
function reportInChild(nativeSetting: string | undefined): { report: PlatformReport; loaded: string[] } {
  const script = `
    import { createRequire } from 'node:module';
    const { platformReport } = await import(${JSON.stringify(INDEX_URL)});
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const loaded = ['sse4_crc32', 'mmap-io', 'fs-ext'].filter((name) => cache.some((p) => p.includes('/node_modules/' + name + '/')));
    if (cache.some((p) => p.endsWith('/seglog_crc32c.node'))) loaded.push('seglog-crc32c');
    process.stdout.write(JSON.stringify({ report: platformReport(), loaded }));`;
  const env = { ...process.env };
  if (nativeSetting === undefined) delete env['SEGLOG_NATIVE'];
  else env['SEGLOG_NATIVE'] = nativeSetting;
  const cwd = fileURLToPath(new URL('.', import.meta.url));
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', cwd });
  assert.is(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { report: PlatformReport; loaded: string[] };
}

test('SEGLOG_NATIVE=0 reports the fallback for every capability and loads no native package', () => {
  const { report, loaded } = reportInChild('0');
  assert.equal(report, {
    crc32c: 'fallback:slice-by-16',
    recordWalk: 'fallback:typescript',
    mapFile: 'fallback:buffer',
    lockDirectory: 'fallback:lock-file',
    forcedFallback: true,
    reasons: { crc32c: 'SEGLOG_NATIVE=0', recordWalk: 'SEGLOG_NATIVE=0', mapFile: 'SEGLOG_NATIVE=0', lockDirectory: 'SEGLOG_NATIVE=0' },
  });
  assert.equal(loaded, []);
});

test('without SEGLOG_NATIVE=0 every native package that loads is chosen, and every miss has a reason', () => {
  const { report } = reportInChild(undefined);
  assert.is(report.forcedFallback, false);
  // The addon is the first choice: a reason is recorded whenever it is not the one in use.
  assert.is(report.crc32c === 'native:seglog-crc32c', nativeReasons['crc32c'] === undefined);
  assert.is(report.recordWalk === 'native:seglog-crc32c', nativeReasons['recordWalk'] === undefined);
  assert.is(report.recordWalk === 'native:seglog-crc32c', report.crc32c === 'native:seglog-crc32c', 'the walk comes with the addon');
  assert.is(report.mapFile === 'native:mmap-io', nativeReasons['mapFile'] === undefined);
  assert.is(report.lockDirectory === 'native:fs-ext-flock', nativeReasons['lockDirectory'] === undefined);
  assert.equal(report.reasons, nativeReasons);
});

test('this process: the report matches SEGLOG_NATIVE and the exported functions', () => {
  const report = platform.platformReport();
  const forced = process.env['SEGLOG_NATIVE'] === '0';
  assert.is(report.forcedFallback, forced);
  if (forced) assert.is(platform.crc32c, fallbackCrc32c);
  if (forced) assert.is(platform.walkPlainRecords, fallbackWalkPlainRecords);
  assert.is(report.recordWalk === 'fallback:typescript', platform.walkPlainRecords === fallbackWalkPlainRecords);
  assert.is(report.crc32c === 'fallback:slice-by-16', platform.crc32c === fallbackCrc32c);
  assert.is(platform.crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('platformReport() returns a copy the caller cannot use to change the next one', () => {
  const first = platform.platformReport();
  first.reasons['crc32c'] = 'tampered';
  first.crc32c = 'native:sse4_crc32';
  const second = platform.platformReport();
  assert.is.not(second.reasons['crc32c'], 'tampered');
  assert.equal(second, reportInChild(process.env['SEGLOG_NATIVE']).report);
});

test.run();
