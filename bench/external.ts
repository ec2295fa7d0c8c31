/**
 * Other engineers' stand-alone bench scripts that the runner folds into a quick or full run when
 * their folder exports no case modules (bench/case.ts). Each is run as a child process per side;
 * its last JSON object on stdout is read and every numeric field whose name contains "ratio"
 * becomes a row (the rest go to details). Sizes are cut for the quick run so it stays near a minute.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSize } from './case.js';
import { MIB } from './util.js';

export interface ExternalScript {
  name: string;
  folder: string;
  path: string;
  args(size: BenchSize): string[];
  env(size: BenchSize): NodeJS.ProcessEnv;
  timeoutMs(size: BenchSize): number;
}

interface Known {
  name: string;
  folder: string;
  file: string;
  args?: (size: BenchSize) => string[];
  env?: (size: BenchSize) => NodeJS.ProcessEnv;
}

const quickOrFull = <T>(size: BenchSize, quick: T, full: T): T => (size === 'full' ? full : quick);

const KNOWN: readonly Known[] = [
  { name: 'transfer', folder: 'transfer', file: 'main.js', args: (s) => ['--size-mib', quickOrFull(s, '64', '1024')] },
  { name: 'compaction', folder: 'compaction', file: 'compaction.bench.js', env: (s) => ({ SEGLOG_BENCH_BYTES: String(quickOrFull(s,
    48 * MIB, 1024 * MIB)) }) },
  { name: 'broker', folder: 'broker', file: 'throughput.js', args: (s) => [quickOrFull(s, '10000', '200000')] },
  { name: 'codec-script', folder: 'codec', file: 'main.js' },
  { name: 'inspect', folder: 'inspect', file: 'main.js', args: (s) => ['--size-mib', quickOrFull(s, '64', '1024')] },
];

export function externalScripts(distBenchDir: string): ExternalScript[] {
  return KNOWN.filter((k) => existsSync(join(distBenchDir, k.folder, k.file))).map((k) => ({
    name: k.name,
    folder: k.folder,
    path: join(distBenchDir, k.folder, k.file),
    args: k.args ?? (() => []),
    env: k.env ?? (() => ({})),
    timeoutMs: (size) => quickOrFull(size, 120_000, 3600_000),
  }));
}
