/**
 * Memory as the log grows: heap (after a forced GC) and RSS of a process appending 1 KiB × 100
 * batches through a Log, sampled at checkpoints of log size, next to a raw writer process doing the
 * same bytes with `writeSync` (bench/cases/memory-child.ts). The goal is flat: a log's memory should
 * not grow with its size (indexes are mapped, segments are files, nothing is kept per record).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lowerIsBetter, targetMax, type BenchCase, type BenchRow, type CaseResult } from '../case.js';
import { lastJsonObject, runNode } from '../spawn.js';
import { MIB, fold } from '../util.js';

interface Sample {
  logBytes: number;
  records: number;
  heapUsedBytes: number;
  rssBytes: number;
}

const CHILD = fileURLToPath(new URL('./memory-child.js', import.meta.url));
const CHILD_TIMEOUT_MS = 20 * 60_000;

async function writer(mode: 'seglog' | 'raw', dir: string, checkpoints: readonly number[]): Promise<Sample[]> {
  const outcome = await runNode(CHILD, [mode, dir, checkpoints.join(',')], { nodeArgs: ['--expose-gc'], timeoutMs: CHILD_TIMEOUT_MS });
  const parsed = lastJsonObject(outcome.stdout);
  if (outcome.code !== 0 || parsed === null || !Array.isArray(parsed['samples'])) {
    const why = `exit ${String(outcome.code)}${outcome.timedOut ? ' (timed out)' : ''}`;
    throw new Error(`memory writer (${mode}) failed: ${why}: ${outcome.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return parsed['samples'] as Sample[];
}

export const memoryCase: BenchCase = {
  name: 'memory',
  smoke: true,
  async run(ctx) {
    // Quick ends at 1 GiB ≈ 1.04 M records of 1 KiB: the "RSS within 1.2× raw for 1M records".
    const checkpoints = [ctx.pick(4, 100, 100) * MIB, ctx.pick(16, 1024, 2048) * MIB];
    const first = checkpoints[0]!;
    const last = checkpoints[checkpoints.length - 1]!;
    ctx.progress(`memory: raw writer to ${last / MIB} MiB`);
    const raw = await writer('raw', join(ctx.dir, 'raw'), checkpoints);
    ctx.progress(`memory: seglog writer to ${last / MIB} MiB`);
    const seglog = await writer('seglog', join(ctx.dir, 'seglog'), checkpoints);
    const rows: BenchRow[] = [];
    const details: CaseResult['details'] = {};
    let checksum = 0;
    for (let i = 0; i < checkpoints.length; i++) {
      const s = seglog[i]!;
      const r = raw[i]!;
      const at = `${Math.round(checkpoints[i]! / MIB)} MiB`;
      rows.push(lowerIsBetter(`RSS at ${at}`, s.rssBytes / MIB, r.rssBytes / MIB, 'MiB', 'raw writer RSS'));
      details[`heap at ${at} MiB`] = s.heapUsedBytes / MIB;
      details[`raw heap at ${at} MiB`] = r.heapUsedBytes / MIB;
      details[`records at ${at}`] = s.records;
      checksum = fold(fold(checksum, s.records), r.records);
    }
    const heapFirst = seglog[0]!.heapUsedBytes / MIB;
    const heapLast = seglog[seglog.length - 1]!.heapUsedBytes / MIB;
    rows.push(lowerIsBetter(`heap at ${last / MIB} MiB vs at ${first / MIB} MiB`, heapLast, heapFirst, 'MiB',
      `heap at ${first / MIB} MiB`));
    const rssRatio = seglog[seglog.length - 1]!.rssBytes / raw[raw.length - 1]!.rssBytes;
    const targets = [
      targetMax(`RSS ≤ 1.2× raw writer at ${last / MIB} MiB (${seglog[seglog.length - 1]!.records} records)`, rssRatio, 1.2),
      targetMax(`heap growth ${first / MIB} MiB → ${last / MIB} MiB ≤ 1.10×`, heapLast / heapFirst, 1.1),
    ];
    return { rows, targets, checksum, details };
  },
};

export const benchCases: BenchCase[] = [memoryCase];
