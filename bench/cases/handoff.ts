/**
 * What handing a batch's checks to the second core would cost: the round trip of one job to a
 * worker thread and back (Atomics.notify, the worker wakes, Atomics.notify back, the main thread
 * wakes), measured against what the job would save — the CRC-32C of a 100 KiB producer batch,
 * native and pure TypeScript, in the same run. appendBatch could write a batch while a worker
 * checks it and publish it only if valid; that pays only when the round trip is shorter than the
 * check it moves. The rows are ratios handoff / CRC: above 1, the check is cheaper done in line.
 */
import { Worker } from 'node:worker_threads';
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { crc32c } from '../../lib/index.js';
import { higherIsBetter, type BenchCase, type CaseResult } from '../case.js';
import { KIB, median, nowNs, payload } from '../util.js';

/** The worker: waits for slot 0 to become 1, clears it, sets slot 1 and wakes the main thread; forever. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const slots = new Int32Array(workerData);
for (;;) {
  Atomics.wait(slots, 0, 0);
  Atomics.store(slots, 0, 0);
  Atomics.store(slots, 1, 1);
  Atomics.notify(slots, 1);
}
`;

function roundTripsNs(slots: Int32Array, count: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = nowNs();
    Atomics.store(slots, 1, 0);
    Atomics.store(slots, 0, 1);
    Atomics.notify(slots, 0);
    Atomics.wait(slots, 1, 0);
    times.push(nowNs() - started);
  }
  return times;
}

function crcTimesNs(crc: (bytes: Uint8Array) => number, batch: Uint8Array, count: number): { times: number[]; check: number } {
  const times: number[] = [];
  let check = 0;
  for (let i = 0; i < count; i++) {
    const started = nowNs();
    check ^= crc(batch);
    times.push(nowNs() - started);
  }
  return { times, check };
}

export const handoffCase: BenchCase = {
  name: 'handoff',
  smoke: true,
  sides: ['native'],
  async run(ctx) {
    const count = ctx.pick(200, 5000, 20000);
    const slots = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: slots.buffer });
    worker.unref();
    try {
      // The worker is up once it answers one round trip.
      await new Promise((resolve) => setTimeout(resolve, 50));
      roundTripsNs(slots, Math.min(100, count));
      ctx.progress('handoff: round trips');
      const handoffUs = median(roundTripsNs(slots, count)) / 1000;
      const batch = payload(100 * KIB, ctx.seed);
      crcTimesNs(crc32c, batch, Math.min(100, count));
      const native = crcTimesNs(crc32c, batch, count);
      const fallback = crcTimesNs(fallbackCrc32c, batch, Math.max(50, count / 20));
      const nativeUs = median(native.times) / 1000;
      const fallbackUs = median(fallback.times) / 1000;
      const rows = [
        higherIsBetter('worker round trip ÷ native CRC of 100 KiB', handoffUs, nativeUs, 'µs', 'crc32c 100 KiB'),
        higherIsBetter('worker round trip ÷ fallback CRC of 100 KiB', handoffUs, fallbackUs, 'µs', 'fallback crc32c 100 KiB'),
      ];
      const details: CaseResult['details'] = { handoffP50Us: handoffUs, nativeCrcP50Us: nativeUs, fallbackCrcP50Us: fallbackUs };
      return { rows, targets: [], checksum: native.check ^ fallback.check, details };
    } finally {
      await worker.terminate();
    }
  },
};

export const benchCases: BenchCase[] = [handoffCase];
