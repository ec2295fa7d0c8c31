/**
 * Broker start after a clean stop: what `Broker.open` reads, against the size of the data. Kafka
 * snapshots producer state at every roll and at a clean stop, so a start replays nothing (or only the
 * active segment after a crash) instead of every byte of every partition.
 *
 * Bytes read are the process's `rchar` from /proc/self/io around the open (every read and pread;
 * the replay and the loader read through positioned reads). Baseline, same data, same run: the same
 * open with the producer snapshots removed, which replays the whole partition as every start did
 * before snapshots were written at each roll and stop.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../../lib/broker/index.js';
import type { RecordInput } from '../../lib/index.js';
import { lowerIsBetter, targetMax, type BenchCase, type CaseResult } from '../case.js';
import { KIB, MIB, fold, median, nowNs, payload } from '../util.js';

const RECORDS_PER_BATCH = 100;

/** Bytes this process has read so far (Linux /proc/self/io `rchar`). */
function readBytesSoFar(): number {
  const match = /^rchar:\s+(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (match === null) throw new Error('/proc/self/io has no rchar line');
  return Number(match[1]);
}

async function timedOpen(dir: string, segmentBytes: number): Promise<{ readBytes: number; ns: number; check: number }> {
  const before = readBytesSoFar();
  const started = nowNs();
  const broker = await Broker.open(dir, { defaults: { segmentBytes } });
  const ns = nowNs() - started;
  const readBytes = readBytesSoFar() - before;
  const check = broker.log('start', 0).logEndOffset;
  await broker.close();
  return { readBytes, ns, check };
}

export const startCase: BenchCase = {
  name: 'start',
  smoke: true,
  async run(ctx) {
    const dataBytes = ctx.pick(8 * MIB, 256 * MIB, 1024 * MIB);
    const segmentBytes = ctx.pick(MIB, 16 * MIB, 64 * MIB);
    const rounds = ctx.pick(2, 3, 3);
    const dir = join(ctx.dir, 'start-broker');
    {
      const broker = await Broker.open(dir, { defaults: { segmentBytes } });
      await broker.createTopic('start', { partitions: 1 });
      const values = Array.from({ length: RECORDS_PER_BATCH }, (_, r) => payload(KIB, ctx.seed + r));
      const records: RecordInput[] = values.map((value) => ({ value }));
      ctx.progress(`start: writing ${dataBytes / MIB} MiB`);
      // Idempotent batches, so the replay has producer state to rebuild (as the partition did).
      let sequence = 0;
      while (broker.log('start', 0).stats().sizeBytes < dataBytes) {
        await broker.produce('start', 0, records, { producerId: 1, producerEpoch: 0, baseSequence: sequence });
        sequence += RECORDS_PER_BATCH;
      }
      await broker.close();
    }
    const partitionDir = join(dir, 'start-0');
    const sizeBytes = readdirSync(partitionDir).filter((n) => n.endsWith('.log'))
      .reduce((sum, n) => sum + statSync(join(partitionDir, n)).size, 0);
    let checksum = 0;
    const snapshotReads: number[] = [];
    const replayReads: number[] = [];
    const snapshotMs: number[] = [];
    const replayMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`start: round ${round + 1}/${rounds}`);
      const withSnapshots = await timedOpen(dir, segmentBytes);
      snapshotReads.push(withSnapshots.readBytes);
      snapshotMs.push(withSnapshots.ns / 1e6);
      for (const name of readdirSync(partitionDir)) if (name.endsWith('.snapshot')) rmSync(join(partitionDir, name));
      const replayAll = await timedOpen(dir, segmentBytes);
      replayReads.push(replayAll.readBytes);
      replayMs.push(replayAll.ns / 1e6);
      checksum = fold(fold(checksum, withSnapshots.check), replayAll.check);
    }
    const readMiB = median(snapshotReads) / MIB;
    const baselineMiB = median(replayReads) / MIB;
    const rows = [
      lowerIsBetter('start after clean stop: bytes read', readMiB, baselineMiB, 'MiB', 'replay from offset 0'),
      lowerIsBetter('start after clean stop: time', median(snapshotMs), median(replayMs), 'ms', 'replay from offset 0'),
    ];
    const details: CaseResult['details'] = { dataBytes: sizeBytes, segmentBytes, readBytes: median(snapshotReads),
      replayReadBytes: median(replayReads) };
    // O(active segments), not O(data): at most one segment's worth (plus index and header reads).
    const targets = [targetMax('start reads ≤ one segment of a multi-segment partition (bytes read / segment bytes)',
      median(snapshotReads) / segmentBytes, 1)];
    return { rows, targets, checksum, details };
  },
};

export const benchCases = [startCase];
