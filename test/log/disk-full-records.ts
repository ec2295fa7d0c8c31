/**
 * What the disk-full child appends, shared with the parent that checks the result: attempt `a` of
 * seed `s` is a batch of 1–4 records with seeded sizes (mostly 100 B–6 KiB, some up to 60 KiB), keys
 * naming the attempt, so the parent can rebuild exactly the acknowledged records.
 */
import type { RecordInput } from '../../lib/index.js';
import { seededRandom } from '../helpers/tmp.js';

export const EXIT_FULL = 3;
export const EXIT_OTHER_ERROR = 4;
/** Small segments so rolls (new files, index trims) happen under a full disk too; Kafka's 10 MiB indexes. */
export const DISK_FULL_LOG_CONFIG = { segmentBytes: 512 * 1024, segmentIndexBytes: 10 * 1024 * 1024, indexIntervalBytes: 4096 };

export function attemptRecords(seed: number, attempt: number, small: boolean): RecordInput[] {
  const random = seededRandom((seed ^ Math.imul(attempt + 1, 0x9e3779b1)) >>> 0);
  const count = 1 + Math.floor(random() * 4);
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const big = !small && random() < 0.05;
    const sizeBytes = small ? 1 + Math.floor(random() * 200)
      : big ? 6144 + Math.floor(random() * 55_000) : 100 + Math.floor(random() * 6000);
    const value = Buffer.alloc(sizeBytes, (attempt * 13 + i) & 0xff);
    records.push({ key: `a${attempt}.${i}`, value, timestampMs: 1_700_000_000_000 + attempt });
  }
  return records;
}

/** The first attempt that failed (all before it were acknowledged); from there on the child sends small batches. */
export function firstFailure(acked: readonly number[]): number {
  let a = 0;
  while (a < acked.length && acked[a] === a) a++;
  return a;
}
