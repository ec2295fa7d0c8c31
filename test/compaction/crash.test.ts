import { spawn } from 'node:child_process';
import { cpSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, ManualClock } from '../../lib/index.js';
import { cleanLog } from '../../lib/compaction/cleaner.js';
import { checkIndexes, readAll } from '../log/log-helpers.js';
import { removeTempDirs, seededRandom, seedFromEnv, tempDir } from '../helpers/tmp.js';
import { CRASH_LOG_CONFIG } from './crash-config.js';

const seed = seedFromEnv();
const child = fileURLToPath(new URL('./clean-child.js', import.meta.url));
const NOW_MS = 1_700_000_100_000;

test.after(removeTempDirs); // the prepared log is shared by every test

/**
 * Size of the prepared log. Every rename of the swap costs a child process and a full reopen +
 * clean, and the renames grow with the segment count: 400 batches (~6 segments of 16 KiB) keep the
 * file well under 90 s on 2 cores; raise it to stress longer swaps.
 */
const BATCHES = Number(process.env.SEGLOG_CRASH_BATCHES ?? 400);

/** Fresh log with BATCHES batches over 40 keys (mostly overwrites, some tombstones), closed. */
async function prepare(): Promise<string> {
  const random = seededRandom(seed);
  const dir = tempDir('seglog-clean-crash-');
  const clock = new ManualClock(1_700_000_000_000);
  const log = await Log.open(dir, CRASH_LOG_CONFIG, { clock });
  for (let b = 0; b < BATCHES; b++) {
    const n = 1 + Math.floor(random() * 3);
    const records = [];
    for (let i = 0; i < n; i++) {
      records.push({ key: `key-${Math.floor(random() * 40)}`,
        value: random() < 0.1 ? null : `value-${log.logEndOffset + i}-${'y'.repeat(Math.floor(random() * 80))}`,
        timestampMs: clock.nowMs() });
    }
    log.append(records, { compression: b % 3 === 0 ? 'lz4' : 'none' });
    clock.advance(1);
  }
  log.roll();
  await log.close();
  return dir;
}

function copy(dir: string): string {
  const to = tempDir('seglog-clean-copy-');
  cpSync(dir, to, { recursive: true });
  return to;
}

async function contents(dir: string): Promise<string[]> {
  const log = await Log.open(dir, CRASH_LOG_CONFIG);
  const text = (b: Uint8Array | null) => (b === null ? '∅' : Buffer.from(b).toString());
  const out = readAll(log).map((r) => `${r.offset}:${text(r.key)}:${text(r.value)}`);
  await log.close();
  return out;
}

async function cleanFully(dir: string): Promise<void> {
  const log = await Log.open(dir, CRASH_LOG_CONFIG);
  await cleanLog(log, { nowMs: NOW_MS, offsetMapBytes: 24 * 100_000 });
  await log.close();
}

function runChild(dir: string, crashAt: string | null,
  killAfterMs: number | null): Promise<{ signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    if (crashAt !== null) env.SEGLOG_CRASH_AT = crashAt;
    else delete env.SEGLOG_CRASH_AT;
    const proc = spawn(process.execPath, [child, dir, String(NOW_MS)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (killAfterMs !== null && output.includes('cleaning')) setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    });
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    proc.on('close', (_code, signal) => resolve({ signal, output }));
  });
}

let before: string[] = [];
let after: string[] = [];
let prepared = '';

test.before(async () => {
  prepared = await prepare();
  before = await contents(copy(prepared));
  const reference = copy(prepared);
  await cleanFully(reference);
  after = await contents(reference);
  assert.ok(after.length < before.length, 'the reference clean dropped records');
});

async function checkConsistentThenComplete(dir: string, where: string): Promise<'old' | 'new'> {
  const got = await contents(dir);
  const state = JSON.stringify(got) === JSON.stringify(before) ? 'old' : JSON.stringify(got) === JSON.stringify(after) ? 'new' : null;
  assert.ok(state !== null, `${where}: reopened log is neither the old nor the cleaned state (seed ${seed})`);
  assert.not.ok(readdirSync(dir).some((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), `${where}: temporary files left after open`);
  checkIndexes(dir);
  await cleanFully(dir);
  assert.equal(await contents(dir), after, `${where}: the clean completes after the crash`);
  return state;
}

test('SIGKILL right after each cleaner step', async () => {
  const steps = ['mapped', 'segment-written:1', 'segment-written:2', 'before-swap', 'swapped', 'checkpointed'];
  for (const step of steps) {
    const dir = copy(prepared);
    const { signal, output } = await runChild(dir, step, null);
    // A step that does not occur (fewer output segments than asked) lets the child finish.
    if (!output.includes('done')) assert.is(signal, 'SIGKILL', `${step}: child should die by SIGKILL: ${output}`);
    const state = await checkConsistentThenComplete(dir, step);
    if (step === 'swapped' || step === 'checkpointed') assert.is(state, 'new', step);
    if (step === 'mapped' || step === 'before-swap') assert.is(state, 'old', step);
  }
});

test('SIGKILL between every two renames of a real swap (old or new state, never a mix)', async () => {
  const states = new Set<string>();
  let renames = 0;
  for (let n = 1; ; n++) {
    const dir = copy(prepared);
    const { signal, output } = await runChild(dir, `swap-rename:${n}`, null);
    if (output.includes('done')) break; // past the last rename: the swap finished
    assert.is(signal, 'SIGKILL', `rename ${n}: ${output}`);
    renames = n;
    states.add(await checkConsistentThenComplete(dir, `killed after rename ${n}`));
  }
  assert.ok(renames >= 3, `the swap has several renames (${renames})`);
  assert.ok(states.has('old') && states.has('new'), 'both outcomes occur across the protocol');
});

/**
 * Which prefixes of the file-level renames to rebuild. A kill between whole-segment steps is already
 * covered by a real SIGKILL above; what only a rebuilt state reaches is a crash *inside* one segment's
 * three renames (.log moved, .index not yet). By default: those inner states for the first and last
 * segment of each of the three phases, plus none and all; SEGLOG_CRASH_ALL_RENAMES=1 tries every prefix.
 */
function renamePrefixes(phases: number[], kinds: number): number[] {
  const all = phases.reduce((a, b) => a + b, 0) * kinds;
  if (process.env.SEGLOG_CRASH_ALL_RENAMES === '1') return Array.from({ length: all + 1 }, (_v, n) => n);
  const picked = new Set([0, all]);
  let phaseStart = 0;
  for (const segments of phases) {
    for (const s of new Set([0, segments - 1])) for (let k = 1; k < kinds; k++) picked.add(phaseStart + s * kinds + k);
    phaseStart += segments * kinds;
  }
  return [...picked].sort((a, b) => a - b);
}

test('crash between the file renames of one segment in the swap (the files a killed replaceSegments leaves)', async () => {
  // Reach the state just before the swap: .cleaned files written and fsync'd, nothing renamed.
  const base = copy(prepared);
  const { signal } = await runChild(base, 'before-swap', null);
  assert.is(signal, 'SIGKILL');
  const names = readdirSync(base);
  const cleanedBases = [...new Set(names.filter((n) => n.endsWith('.log.cleaned')).map((n) => n.slice(0, 20)))].sort();
  const oldBases = [...new Set(names.filter((n) => /^\d{20}\.log$/.test(n)).map((n) => n.slice(0, 20)))].sort();
  assert.ok(cleanedBases.length > 0);
  // Segment.changeState's order: .log, .index, .timeindex.
  const kinds = ['log', 'index', 'timeindex'];
  const renames: [string, string][] = [];
  for (const b of [...cleanedBases].reverse()) for (const k of kinds) renames.push([`${b}.${k}.cleaned`, `${b}.${k}.swap`]);
  // The old segments replaced are those below the active one (the highest base).
  const replaced = oldBases.slice(0, -1);
  for (const b of replaced) for (const k of kinds) renames.push([`${b}.${k}`, `${b}.${k}.deleted`]);
  for (const b of cleanedBases) for (const k of kinds) renames.push([`${b}.${k}.swap`, `${b}.${k}`]);
  const states = new Set<string>();
  for (const n of renamePrefixes([cleanedBases.length, replaced.length, cleanedBases.length], kinds.length)) {
    const dir = copy(base);
    for (const [from, to] of renames.slice(0, n)) renameSync(join(dir, from), join(dir, to));
    states.add(await checkConsistentThenComplete(dir, `after ${n} of ${renames.length} renames`));
  }
  assert.ok(states.has('old') && states.has('new'), 'both outcomes occur across the protocol');
});

test('SIGKILL at random moments during a clean', async () => {
  const random = seededRandom(seed ^ 0x5eed);
  const cases = Number(process.env.SEGLOG_CRASH_CASES ?? 6);
  for (let i = 0; i < cases; i++) {
    const dir = copy(prepared);
    const delayMs = Math.floor(random() * 60);
    await runChild(dir, null, delayMs);
    await checkConsistentThenComplete(dir, `random kill after ${delayMs} ms (case ${i})`);
  }
});

test.run();
