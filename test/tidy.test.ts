/**
 * STYLE.md §12, executable: reads the source tree (no dependencies) and fails on
 *   - a lib/ or native-free-fallback/ file that does not open with a prose header comment,
 *   - `console.` in lib/ outside lib/cli/, `Date.now()` outside lib/clock.ts,
 *   - `: any`, `as any`, `<any>` anywhere in lib/, native-free-fallback/, test/, bench/,
 *   - a line over 140 characters, a function over 100 lines,
 *   - a native package named outside lib/platform/native.ts, a compression package outside
 *     lib/record/compression*, any other package in lib/,
 *   - lib/broker importing anything of lib/ but the entry point (lib/index.ts) and the leaves, so the
 *     entry point is proven enough for other brokers; lib/inspect importing lib/broker,
 *   - `as unknown as` in lib/ and native-free-fallback/ (a cast that defeats the type checker),
 *   - a dead export: a name exported by a lib/ file that no other file names and that no package
 *     entry point (lib/index.ts, lib/broker/index.ts, lib/inspect/index.ts) re-exports,
 *   - a committed generated file (dist/, node_modules/, packed tarballs, benchmark results),
 *   - an import against the layer order (platform ← record ← segment ← log ← retention|compaction
 *     ← manager ← index ← inspect|broker ← cli; the leaves errors/limits/assert/clock import nothing and
 *     anyone imports them; native-free-fallback/ imports only contract types and Node built-ins).
 * Each violation prints as file:line: rule: text. The checks are pure functions, tested first on
 * small inputs so that a broken check cannot pass silently.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LINE_CHARS_MAX = 140;
const FUNCTION_LINES_MAX = 100;
const HEADER_WORDS_MIN = 5;
const NATIVE_PACKAGES = ['fs-ext', 'mmap-io', 'sse4_crc32'];
const COMPRESSION_PACKAGES = ['snappy', 'lz4-napi', 'zstd-napi'];
/** The server's logger: only the CLI logs (the library emits events), from one file. */
const LOGGER_PACKAGES = ['pino'];
const LOGGER_FILE = 'lib/cli/serve-log.ts';
/** The operator's commands speak to clusters through one Kafka client library, from one file. */
const KAFKA_CLIENT_PACKAGES = ['kafkajs'];
const KAFKA_CLIENT_FILE = 'lib/cli/cluster-source.ts';
/** Prometheus metrics come from one library, used from one file. */
const METRICS_PACKAGES = ['prom-client'];
const METRICS_FILE = 'lib/broker/broker-metrics.ts';
/** The console's charts come from one library, used from one page script. */
const CHART_PACKAGES = ['uplot'];
const CHART_FILE = 'lib/console/web/app.ts';
/** The browser's pages (bundled by esbuild, not run by Node): no Node module, and one platform file of their own. */
const BROWSER_DIR = 'lib/console/web/';
const BROWSER_PLATFORM_FILE = 'lib/console/web/browser-platform.ts';
const LEAVES = new Set(['lib/errors.ts', 'lib/limits.ts', 'lib/assert.ts', 'lib/clock.ts']);
/** Rank of each layer: a file may import files of its own rank or lower (and the leaves). */
const LAYER_RANKS: Record<string, number> = {
  platform: 0,
  record: 1,
  segment: 2,
  log: 3,
  retention: 4,
  compaction: 4,
  manager: 5,
  index: 6,
  inspect: 7,
  broker: 7,
  console: 8,
  cli: 9,
};

interface Violation {
  file: string;
  line: number;
  rule: string;
  text: string;
}

function format(violations: Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: ${v.rule}: ${v.text.trim().slice(0, 120)}`).join('\n');
}

/**
 * The source with comments blanked (and, if `blankStrings`, string contents too), newlines kept
 * so line numbers still match. A small scanner: enough for our own code, not a TS parser.
 */
function blank(source: string, blankStrings: boolean): string {
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      for (; i < stop; i++) out += source[i] === '\n' ? '\n' : ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < n && source[i] !== c) {
        if (source[i] === '\\') {
          out += blankStrings ? '  ' : source.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (c !== '`' && source[i] === '\n') break;
        out += blankStrings && source[i] !== '\n' ? ' ' : source[i];
        i++;
      }
      if (i < n) out += source[i];
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function checkHeader(file: string, source: string): Violation[] {
  const trimmed = source.replace(/^#![^\n]*\n/, '').trimStart();
  const match = /^\/\*\*?([\s\S]*?)\*\//.exec(trimmed) ?? /^((?:\/\/[^\n]*\n)+)/.exec(trimmed);
  const words = (match?.[1] ?? '').replace(/[*/]/g, ' ').split(/\s+/).filter((w) => /[a-z]/i.test(w));
  if (words.length >= HEADER_WORDS_MIN) return [];
  return [{ file, line: 1, rule: 'header', text: 'file must open with a prose comment saying what it owns' }];
}

function checkBannedApis(file: string, source: string): Violation[] {
  // This file spells the banned patterns in its own regular expressions and fixtures.
  if (file === 'test/tidy.test.ts') return [];
  const code = blank(source, true).split('\n');
  const violations: Violation[] = [];
  const inLib = file.startsWith('lib/');
  code.forEach((text, index) => {
    const line = index + 1;
    if (inLib && !file.startsWith('lib/cli/') && /\bconsole\./.test(text)) violations.push({ file, line, rule: 'console', text });
    if (inLib && file !== 'lib/clock.ts' && /\bDate\.now\s*\(/.test(text)) violations.push({ file, line, rule: 'Date.now', text });
    if (/:\s*any\b(?!\w)|\bas\s+any\b|<any>/.test(text)) violations.push({ file, line, rule: 'any', text });
  });
  return violations;
}

function checkLineLength(file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  source.split('\n').forEach((text, index) => {
    if (text.length > LINE_CHARS_MAX) {
      violations.push({ file, line: index + 1, rule: `line over ${LINE_CHARS_MAX} chars (${text.length})`, text });
    }
  });
  return violations;
}

const FUNCTION_START = new RegExp(
  String.raw`^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b` +
    String.raw`|^\s+(?:(?:private|public|protected|static|async|get|set|override|readonly)\s+)*` +
    String.raw`[A-Za-z_$][\w$]*\s*\([^;]*\)\s*(?::[^=;]*)?\{\s*$` +
    String.raw`|=>\s*\{\s*$`,
);

function checkFunctionLength(file: string, source: string): Violation[] {
  const lines = blank(source, true).split('\n');
  const violations: Violation[] = [];
  for (let start = 0; start < lines.length; start++) {
    const text = lines[start] as string;
    if (!FUNCTION_START.test(text) || /^\s*(?:if|for|while|switch|catch|return)\b/.test(text)) continue;
    let depth = 0;
    let opened = false;
    let end = start;
    for (; end < lines.length; end++) {
      for (const ch of lines[end] as string) {
        if (ch === '{') {
          depth++;
          opened = true;
        } else if (ch === '}') depth--;
      }
      if (opened && depth <= 0) break;
    }
    const lengthLines = end - start + 1;
    if (opened && lengthLines > FUNCTION_LINES_MAX) {
      violations.push({ file, line: start + 1, rule: `function over ${FUNCTION_LINES_MAX} lines (${lengthLines})`, text });
    }
  }
  return violations;
}

interface ImportLine {
  specifier: string;
  line: number;
  typeOnly: boolean;
  text: string;
}

function importsOf(source: string): ImportLine[] {
  const code = blank(source, false);
  const found: ImportLine[] = [];
  const pattern = new RegExp(
    String.raw`(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]` +
      String.raw`|\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)`,
    'g',
  );
  for (let m = pattern.exec(code); m !== null; m = pattern.exec(code)) {
    const specifier = m[3] ?? m[4];
    if (specifier === undefined) continue;
    const at = m.index + (m[0].startsWith('\n') ? 1 : 0);
    found.push({ specifier, line: lineOf(code, at), typeOnly: m[2] !== undefined, text: m[0].trim() });
  }
  return found;
}

/** Which layer a repository-relative file belongs to: a lib/ folder, 'leaf', 'index', 'fallback', or undefined. */
function layerOf(file: string): string | undefined {
  if (LEAVES.has(file)) return 'leaf';
  if (file === 'lib/index.ts') return 'index';
  if (file.startsWith('native-free-fallback/')) return 'fallback';
  const match = /^lib\/([^/]+)\//.exec(file);
  return match?.[1];
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

const BUILTINS = new Set(builtinModules);

function checkImports(file: string, source: string): Violation[] {
  const from = layerOf(file);
  if (from === undefined) return [];
  const violations: Violation[] = [];
  for (const { specifier, line, typeOnly, text } of importsOf(source)) {
    const push = (rule: string): void => {
      violations.push({ file, line, rule, text });
    };
    if (!specifier.startsWith('.')) {
      const name = packageName(specifier);
      if (specifier.startsWith('node:') || BUILTINS.has(name)) {
        if (file.startsWith(BROWSER_DIR) && !typeOnly) push(`Node module ${specifier} imported by a browser page`);
        continue;
      }
      if (NATIVE_PACKAGES.includes(name)) {
        if (file !== 'lib/platform/native.ts') push(`native package ${name} outside lib/platform/native.ts`);
      } else if (COMPRESSION_PACKAGES.includes(name)) {
        if (!file.startsWith('lib/record/compression')) push(`compression package ${name} outside lib/record/compression*`);
      } else if (LOGGER_PACKAGES.includes(name)) {
        if (file !== LOGGER_FILE) push(`logger package ${name} outside ${LOGGER_FILE}`);
      } else if (KAFKA_CLIENT_PACKAGES.includes(name)) {
        if (file !== KAFKA_CLIENT_FILE) push(`Kafka client package ${name} outside ${KAFKA_CLIENT_FILE}`);
      } else if (METRICS_PACKAGES.includes(name)) {
        if (file !== METRICS_FILE) push(`metrics package ${name} outside ${METRICS_FILE}`);
      } else if (CHART_PACKAGES.includes(name)) {
        if (file !== CHART_FILE) push(`chart package ${name} outside ${CHART_FILE}`);
      } else {
        push(`package ${name} imported from ${from === 'fallback' ? 'native-free-fallback' : 'lib'}`);
      }
      continue;
    }
    const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');
    const to = layerOf(target);
    if (from === 'fallback') {
      if (target !== 'lib/platform/contract.ts' && to !== 'fallback') push('native-free-fallback imports only lib/platform/contract.ts');
      else if (target === 'lib/platform/contract.ts' && !typeOnly) push('native-free-fallback imports contract types only (import type)');
      continue;
    }
    if (from === 'leaf') {
      push('leaves (errors, limits, assert, clock) import nothing');
      continue;
    }
    if (to === 'leaf') continue;
    if (to === 'fallback') {
      if (from !== 'platform' && file !== BROWSER_PLATFORM_FILE) push('only lib/platform imports native-free-fallback/');
      continue;
    }
    const fromRank = LAYER_RANKS[from];
    const toRank = to === undefined ? undefined : LAYER_RANKS[to];
    if (fromRank === undefined || toRank === undefined) {
      push(`unknown layer (${from} -> ${to ?? target})`);
    } else if (toRank > fromRank) {
      push(`wrong-way import: ${from} must not import ${to}`);
    }
  }
  return violations;
}

/** lib/broker sees seglog only through the entry point; lib/inspect reads files, never the broker. */
function checkFacadeImports(file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  for (const { specifier, line, text } of importsOf(source)) {
    if (!specifier.startsWith('.')) continue;
    const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');
    if (file.startsWith('lib/broker/') && !target.startsWith('lib/broker/') && target !== 'lib/index.ts' && !LEAVES.has(target)) {
      violations.push({ file, line, rule: 'lib/broker imports only lib/index.ts, the leaves and its own files', text });
    }
    if (file.startsWith('lib/inspect/') && target.startsWith('lib/broker/')) {
      violations.push({ file, line, rule: 'lib/inspect must not import lib/broker', text });
    }
  }
  return violations;
}

function checkDoubleCast(file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  blank(source, true).split('\n').forEach((text, index) => {
    if (/\bas\s+unknown\s+as\b/.test(text)) violations.push({ file, line: index + 1, rule: 'as unknown as', text });
  });
  return violations;
}

/** Names a file exports itself (declarations and local `export { a, b as c }`), with their lines. */
function exportedNames(source: string): { name: string; line: number }[] {
  const code = blank(source, true);
  const found: { name: string; line: number }[] = [];
  const declaration = new RegExp(String.raw`(?:^|\n)[ \t]*export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?`
    + String.raw`(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)`, 'g');
  for (let m = declaration.exec(code); m !== null; m = declaration.exec(code)) {
    found.push({ name: m[1] as string, line: lineOf(code, m.index + (m[0].startsWith('\n') ? 1 : 0)) });
  }
  const list = /(?:^|\n)[ \t]*export\s+(?:type\s+)?\{([^}]*)\}\s*(from\s*['"])?/g;
  for (let m = list.exec(code); m !== null; m = list.exec(code)) {
    if (m[2] !== undefined) continue; // a re-export: the name belongs to the file it comes from
    for (const part of (m[1] as string).split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim();
      if (name !== undefined && name !== '') found.push({ name, line: lineOf(code, m.index) });
    }
  }
  return found;
}

/** Files whose every export is public: `export *` chains from the package entry points. */
function publicStarFiles(all: ReadonlyMap<string, string>): Set<string> {
  const publicFiles = new Set<string>();
  const queue = ['lib/index.ts', 'lib/broker/index.ts', 'lib/inspect/index.ts'];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (publicFiles.has(file)) continue;
    publicFiles.add(file);
    const source = all.get(file) ?? '';
    for (const m of blank(source, false).matchAll(/export\s+\*\s+from\s+['"]([^'"]+)['"]/g)) {
      queue.push(normalize(join(dirname(file), m[1] as string)).replace(/\.js$/, '.ts'));
    }
  }
  return publicFiles;
}

/** Exports of lib/ files that no other file names (entry points and the files they `export *` are public). */
function checkDeadExports(all: ReadonlyMap<string, string>): Violation[] {
  const publicFiles = publicStarFiles(all);
  const wordsElsewhere = new Map<string, Set<string>>();
  for (const [file, source] of all) {
    for (const word of new Set(blank(source, true).match(/[A-Za-z_$][\w$]*/g) ?? [])) {
      let files = wordsElsewhere.get(word);
      if (files === undefined) wordsElsewhere.set(word, (files = new Set()));
      files.add(file);
    }
  }
  const violations: Violation[] = [];
  for (const [file, source] of all) {
    if (!file.startsWith('lib/') || publicFiles.has(file)) continue;
    for (const { name, line } of exportedNames(source)) {
      const users = wordsElsewhere.get(name);
      if (users === undefined || [...users].every((user) => user === file)) {
        violations.push({ file, line, rule: 'dead export (no other file names it)', text: name });
      }
    }
  }
  return violations;
}

/** Tracked paths that a build, an install, a pack or a benchmark run writes. */
const GENERATED_PATH = /^(?:dist\/|node_modules\/|.*\.tgz$|bench\/.*\/results\/)/;

function checkGeneratedFiles(trackedPaths: readonly string[]): Violation[] {
  return trackedPaths.filter((path) => GENERATED_PATH.test(path))
    .map((path) => ({ file: path, line: 1, rule: 'generated file committed', text: path }));
}

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(root, dir));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) return walk(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

const sources = new Map<string, string>();
for (const file of ['lib', 'native-free-fallback', 'test', 'bench'].flatMap(walk)) {
  sources.set(file, readFileSync(join(root, file), 'utf8'));
}
const libAndFallback = [...sources].filter(([file]) => file.startsWith('lib/') || file.startsWith('native-free-fallback/'));

function run(files: Array<[string, string]>, check: (file: string, source: string) => Violation[]): Violation[] {
  return files.flatMap(([file, source]) => check(file, source));
}

function expectClean(violations: Violation[]): void {
  if (violations.length > 0) assert.unreachable(`${violations.length} violation(s):\n${format(violations)}`);
}

// The checks on small inputs: each must catch what it is for and pass clean code.

test('checks: header', () => {
  assert.is(checkHeader('lib/x.ts', "import { a } from './a.js';\n").length, 1);
  assert.is(checkHeader('lib/x.ts', '/** x */\nconst a = 1;\n').length, 1);
  assert.is(checkHeader('lib/x.ts', '/**\n * The offset index: what it owns and why.\n */\n').length, 0);
});

test('checks: banned APIs ignore comments, catch code', () => {
  const bad = "const t = Date.now();\nconsole.log('x');\nlet v: any = 1;\nconst w = v as any;\nconst m = new Map<any>();\n";
  assert.equal(checkBannedApis('lib/log/x.ts', bad).map((v) => v.rule), ['Date.now', 'console', 'any', 'any', 'any']);
  assert.is(checkBannedApis('lib/clock.ts', 'const t = Date.now();\n').length, 0);
  assert.is(checkBannedApis('lib/cli/main.ts', "console.log('x');\n").length, 0);
  assert.is(checkBannedApis('lib/log/x.ts', '// Date.now() and console.log are fine here\n/* as any */\nconst company = 1;\n').length, 0);
});

test('checks: line and function length', () => {
  assert.is(checkLineLength('lib/x.ts', `${'x'.repeat(141)}\n${'y'.repeat(140)}\n`).length, 1);
  const long = `export function f(): void {\n${'  call();\n'.repeat(101)}}\n`;
  const short = `export function f(): void {\n${'  call();\n'.repeat(50)}}\n`;
  assert.is(checkFunctionLength('lib/x.ts', long).length, 1);
  assert.is(checkFunctionLength('lib/x.ts', short).length, 0);
  const method = `class A {\n  method(a: number): number {\n${'    a++;\n'.repeat(120)}    return a;\n  }\n}\n`;
  assert.is(checkFunctionLength('lib/x.ts', method).length, 1);
});

test('checks: import direction, packages and fallbacks', () => {
  const rules = (file: string, source: string): string[] => checkImports(file, source).map((v) => v.rule);
  assert.equal(rules('lib/record/x.ts', "import { Log } from '../log/log.js';\n"), ['wrong-way import: record must not import log']);
  const downward = "import { a } from '../record/index.js';\nimport { b } from '../errors.js';\nimport { c } from 'node:fs';\n";
  assert.equal(rules('lib/log/x.ts', downward), []);
  assert.equal(rules('lib/segment/x.ts', "import x from 'mmap-io';\n"), ['native package mmap-io outside lib/platform/native.ts']);
  assert.equal(rules('lib/log/x.ts', "const s = require('snappy');\n"), ['compression package snappy outside lib/record/compression*']);
  assert.equal(rules('lib/record/compression.ts', "const s = require('snappy');\n"), []);
  assert.equal(rules('lib/errors.ts', "import { x } from './limits.js';\n"), ['leaves (errors, limits, assert, clock) import nothing']);
  const contractTypes = "import type { Crc32c } from '../lib/platform/contract.js';\nimport { readSync } from 'node:fs';\n";
  assert.equal(rules('native-free-fallback/x.ts', contractTypes), []);
  assert.equal(rules('native-free-fallback/x.ts', "import { Crc32c } from '../lib/platform/contract.js';\n"), [
    'native-free-fallback imports contract types only (import type)',
  ]);
  assert.equal(rules('native-free-fallback/x.ts', "import { LogLockedError } from '../lib/errors.js';\n"), [
    'native-free-fallback imports only lib/platform/contract.ts',
  ]);
  const bypass = "import { crc32c } from '../../native-free-fallback/crc32c.js';\n";
  assert.equal(rules('lib/log/x.ts', bypass), ['only lib/platform imports native-free-fallback/']);
  assert.equal(rules('lib/broker/x.ts', "import { Log } from '../index.js';\nexport { a } from '../log/log.js';\n"), []);
  assert.equal(rules('lib/cli/x.ts', "import kafka from 'kafkajs';\n"), ['Kafka client package kafkajs outside lib/cli/cluster-source.ts']);
  assert.equal(rules('lib/cli/cluster-source.ts', "import kafka from 'kafkajs';\n"), []);
  assert.equal(rules('lib/log/x.ts', "import { Counter } from 'prom-client';\n"),
    ['metrics package prom-client outside lib/broker/broker-metrics.ts']);
  assert.equal(rules('lib/broker/broker-metrics.ts', "import { Counter } from 'prom-client';\n"), []);
  assert.equal(rules('lib/console/x.ts', "import uPlot from 'uplot';\n"), ['chart package uplot outside lib/console/web/app.ts']);
  assert.equal(rules('lib/console/web/app.ts', "import uPlot from 'uplot';\n"), []);
  assert.equal(rules('lib/console/web/drop.ts', "import { readFileSync } from 'node:fs';\n"),
    ['Node module node:fs imported by a browser page']);
  const browserCrc = "export { crc32c } from '../../../native-free-fallback/crc32c.js';\n";
  assert.equal(rules('lib/console/web/browser-platform.ts', browserCrc), []);
  assert.equal(rules('lib/broker/x.ts', "import kafka from 'some-package';\n"), ['package some-package imported from lib']);
  assert.equal(rules('lib/broker/x.ts', "import { pino } from 'pino';\n"), ['logger package pino outside lib/cli/serve-log.ts']);
  assert.equal(rules('lib/cli/serve-log.ts', "import { pino } from 'pino';\n"), []);
  assert.equal(rules('lib/log/x.ts', "const m = await import('../inspect/dump.js');\n"), ['wrong-way import: log must not import inspect']);
});

test('checks: facade imports, double casts, dead exports, generated files', () => {
  const facade = (file: string, source: string): string[] => checkFacadeImports(file, source).map((v) => v.rule);
  const allowed = "import { Log } from '../index.js';\nimport { a } from './y.js';\nimport { b } from '../limits.js';\n";
  assert.equal(facade('lib/broker/x.ts', allowed), []);
  assert.equal(facade('lib/broker/x.ts', "import { Segment } from '../segment/segment.js';\n"), [
    'lib/broker imports only lib/index.ts, the leaves and its own files',
  ]);
  assert.equal(facade('lib/inspect/x.ts', "import { Broker } from '../broker/broker.js';\n"), ['lib/inspect must not import lib/broker']);
  assert.is(checkDoubleCast('lib/x.ts', 'const a = b as unknown as C;\n').length, 1);
  assert.is(checkDoubleCast('lib/x.ts', '// b as unknown as C\nconst a = b as C;\n').length, 0);
  const tree = new Map([
    ['lib/index.ts', "export { used } from './a.js';\nexport * from './star.js';\n"],
    ['lib/a.ts', 'export function used(): void {}\nexport const unused = 1;\nexport interface Shared {}\n'],
    ['lib/b.ts', "import type { Shared } from './a.js';\n"],
    ['lib/star.ts', 'export const anything = 1;\n'],
  ]);
  assert.equal(checkDeadExports(tree).map((v) => `${v.file}:${v.text}`), ['lib/a.ts:unused']);
  assert.equal(checkGeneratedFiles(['lib/a.ts', 'dist/lib/a.js', 'bench/codec/results/x.json', 'seglog-0.1.0.tgz']).length, 3);
});

// The tree.

test('tree: the checks saw the source tree', () => {
  assert.ok(sources.has('lib/platform/native.ts') && sources.has('lib/errors.ts'), 'source tree not found');
});

test('tree: every lib/ and native-free-fallback/ file opens with a prose header', () => {
  expectClean(run(libAndFallback, checkHeader));
});

test('tree: no console. in lib/ outside lib/cli/, no Date.now() outside lib/clock.ts, no any', () => {
  expectClean(run([...sources], checkBannedApis));
});

test(`tree: no line over ${LINE_CHARS_MAX} characters`, () => {
  expectClean(run([...sources], checkLineLength));
});

test(`tree: no function over ${FUNCTION_LINES_MAX} lines in lib/ and native-free-fallback/`, () => {
  expectClean(run(libAndFallback, checkFunctionLength));
});

test('tree: imports follow the layer order; native and compression packages stay in their one place', () => {
  expectClean(run(libAndFallback, checkImports));
});

test('tree: lib/broker imports only the entry point and the leaves; lib/inspect never imports lib/broker', () => {
  expectClean(run(libAndFallback, checkFacadeImports));
});

test('tree: no `as unknown as` in lib/ and native-free-fallback/', () => {
  expectClean(run(libAndFallback, checkDoubleCast));
});

test('tree: no dead exports in lib/', () => {
  expectClean(checkDeadExports(sources));
});

test('tree: no generated file is committed', () => {
  const listed = spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' });
  assert.is(listed.status, 0, `git ls-files failed: ${listed.stderr}`);
  const tracked = listed.stdout.split('\n').filter((path) => path !== '');
  assert.ok(tracked.includes('package.json'), 'git ls-files did not list the tree');
  expectClean(checkGeneratedFiles(tracked));
});

test.run();
