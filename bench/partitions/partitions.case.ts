/**
 * Memory per open partition: the RSS that `count` idle partitions add to a process (each a Log with
 * one record, its active segment, indexes and lock), next to a raw process holding the same number
 * of directories with one open file each. A broker with 1,000 partitions must not need gigabytes:
 * the target is ≤ 1 MiB per idle partition, native and fallback. Each side runs in its own child
 * process (bench/partitions/partitions-child.ts), so nothing else in the bench weighs on the figure.
 */
import { fileURLToPath } from 'node:url';
import { lowerIsBetter, targetMax, type BenchCase } from '../case.js';
import { lastJsonObject, runNode } from '../spawn.js';
import { KIB, fold } from '../util.js';

const CHILD = fileURLToPath(new URL('./partitions-child.js', import.meta.url));

async function rssAdded(mode: 'seglog' | 'raw', dir: string, count: number): Promise<number> {
  const outcome = await runNode(CHILD, [mode, dir, String(count)], { nodeArgs: ['--expose-gc'], timeoutMs: 5 * 60_000 });
  const parsed = lastJsonObject(outcome.stdout);
  if (outcome.code !== 0 || parsed === null || typeof parsed['rssAddedBytes'] !== 'number') {
    const why = outcome.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`partitions child (${mode}) failed: exit ${String(outcome.code)}: ${why}`);
  }
  return parsed['rssAddedBytes'];
}

export const benchCases: BenchCase[] = [{
  name: 'partitions',
  smoke: true,
  async run(ctx) {
    const count = ctx.pick(100, 1_000, 1_000);
    const seglogKiB = (await rssAdded('seglog', `${ctx.dir}/seglog`, count)) / count / KIB;
    const rawKiB = Math.max(1, (await rssAdded('raw', `${ctx.dir}/raw`, count)) / count / KIB);
    return {
      rows: [lowerIsBetter(`RSS per idle open partition (${count} open)`, seglogKiB, rawKiB, 'KiB', 'raw: one open file per dir')],
      targets: [targetMax(`RSS per idle open partition ≤ 1 MiB (${count} open), in MiB`, seglogKiB / KIB, 1)],
      checksum: fold(0, Math.round(seglogKiB)),
      details: { count, seglogKiBPerPartition: seglogKiB, rawKiBPerPartition: rawKiB },
    };
  },
}];
