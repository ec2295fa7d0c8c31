/**
 * Recovery after an unclean shutdown: `Log.open` of a log without `.kafka_cleanshutdown` and with an
 * empty recovery-point checkpoint, so every segment is re-read, every batch CRC-checked and every
 * index rebuilt. Compared in the same run with two baselines over the same bytes: a raw sequential
 * `readSync` of the `.log` files into a reused 1 MiB buffer (the read ceiling) and the active
 * CRC-32C over the same bytes already in memory (the compute ceiling: recovery is CRC-bound).
 * Two more rows show what any scan of these files costs on this machine: `readSync` of 1 MiB chunks
 * with the CRC over each (the least a read()-based scan does), and the CRC straight over a read-only
 * mapping of each file (no copy at all, page faults instead). Where the CRC outruns the page-cache
 * copy, these ceilings sit below the 0.8× target, and the rows say so in the same run.
 *
 * The log is written once (outside every timer); each round removes the marker and empties the
 * checkpoint again, then times open. Files stay in the page cache, as after a process crash.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLEAN_SHUTDOWN_FILE, Log, RECOVERY_POINT_CHECKPOINT, crc32c, type RecordInput } from '../../lib/index.js';
import { mapFile } from '../../lib/platform/index.js';
import { higherIsBetter, targetMin, type BenchCase, type BenchRow, type CaseResult } from '../case.js';
import { KIB, MIB, fold, mbPerSec, median, nowNs, payload } from '../util.js';

const RECORDS_PER_BATCH = 100;
const BASE_TIMESTAMP_MS = 1_700_000_000_000;
/** Kafka's checkpoint text for "no partitions": version 0, zero entries. */
const EMPTY_CHECKPOINT = '0\n0\n';

function makeUnclean(dir: string): void {
  const marker = join(dir, CLEAN_SHUTDOWN_FILE);
  if (existsSync(marker)) rmSync(marker);
  writeFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), EMPTY_CHECKPOINT);
}

function logFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
}

/**
 * Sequential `readSync` of every file into the reused `chunk`; `check` folds each chunk read (its
 * last byte for the plain read ceiling, its CRC for the least a read()-based scan does).
 */
function readScan(paths: readonly string[], chunk: Buffer, check: (bytes: Buffer) => number): { ns: number; bytes: number; check: number } {
  let bytes = 0;
  let folded = 0;
  const started = nowNs();
  for (const path of paths) {
    const fd = openSync(path, 'r');
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      bytes += n;
      folded ^= check(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    closeSync(fd);
  }
  return { ns: nowNs() - started, bytes, check: folded };
}

const lastByte = (bytes: Buffer): number => bytes[bytes.length - 1]!;

/** No copy: the CRC over a read-only mapping of each file, 1 MiB at a time (map and unmap timed). */
function mappedCrcScan(paths: readonly string[]): { ns: number; bytes: number; check: number } {
  let bytes = 0;
  let check = 0;
  const started = nowNs();
  for (const path of paths) {
    const fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const mapped = mapFile(fd, size, false);
    for (let at = 0; at < size; at += MIB) check ^= crc32c(mapped.bytes.subarray(at, Math.min(size, at + MIB)));
    mapped.close();
    closeSync(fd);
    bytes += size;
  }
  return { ns: nowNs() - started, bytes, check };
}

function crcScan(chunks: readonly Buffer[]): { ns: number; bytes: number; check: number } {
  let bytes = 0;
  let check = 0;
  const started = nowNs();
  for (const c of chunks) {
    check ^= crc32c(c);
    bytes += c.length;
  }
  return { ns: nowNs() - started, bytes, check };
}

function loadChunks(paths: readonly string[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (const path of paths) {
    const fd = openSync(path, 'r');
    for (;;) {
      const chunk = Buffer.allocUnsafe(MIB);
      const n = readSync(fd, chunk, 0, MIB, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
    }
    closeSync(fd);
  }
  return chunks;
}

export const recoveryCase: BenchCase = {
  name: 'recovery',
  smoke: true,
  async run(ctx) {
    const logBytes = ctx.pick(4 * MIB, 192 * MIB, 1024 * MIB);
    const segmentBytes = ctx.pick(MIB, 64 * MIB, 256 * MIB);
    const rounds = ctx.pick(2, 3, 5);
    const dir = join(ctx.dir, 'recovery-0');
    {
      const log = await Log.open(dir, { segmentBytes });
      const values = Array.from({ length: RECORDS_PER_BATCH }, (_, r) => payload(KIB, ctx.seed + r));
      const records: RecordInput[] = values.map((value, r) => ({ value, timestampMs: BASE_TIMESTAMP_MS + r }));
      ctx.progress(`recovery: writing ${logBytes / MIB} MiB`);
      while (log.stats().sizeBytes < logBytes) log.append(records);
      await log.close();
    }
    const paths = logFiles(dir);
    const chunk = Buffer.allocUnsafe(MIB);
    const chunks = loadChunks(paths);
    let checksum = 0;
    const recover: number[] = [];
    const raw: number[] = [];
    const crc: number[] = [];
    const readCrc: number[] = [];
    const mappedCrc: number[] = [];
    let scannedBytes = 0;
    let recoveredSegments = 0;
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`recovery: round ${round + 1}/${rounds}`);
      const r = readScan(paths, chunk, lastByte);
      raw.push(mbPerSec(r.bytes, r.ns));
      scannedBytes = r.bytes;
      const c = crcScan(chunks);
      crc.push(mbPerSec(c.bytes, c.ns));
      const rc = readScan(paths, chunk, crc32c);
      readCrc.push(mbPerSec(rc.bytes, rc.ns));
      const mc = mappedCrcScan(paths);
      mappedCrc.push(mbPerSec(mc.bytes, mc.ns));
      makeUnclean(dir);
      const started = nowNs();
      const log = await Log.open(dir, { segmentBytes });
      const ns = nowNs() - started;
      recover.push(mbPerSec(r.bytes, ns));
      recoveredSegments = log.recoveryReport.recovered.length;
      checksum = fold(fold(fold(fold(fold(checksum, log.logEndOffset), r.check), c.check), rc.check), mc.check);
      await log.close();
    }
    const recoverMBps = median(recover);
    const rawMBps = median(raw);
    const crcMBps = median(crc);
    const rows: BenchRow[] = [
      higherIsBetter('recovery scan vs read', recoverMBps, rawMBps, 'MB/s', 'readSync 1 MiB'),
      higherIsBetter('recovery scan vs CRC', recoverMBps, crcMBps, 'MB/s', 'crc32c'),
      higherIsBetter('recovery scan vs read+CRC', recoverMBps, median(readCrc), 'MB/s', 'readSync 1 MiB + crc32c'),
      higherIsBetter('read+CRC ceiling vs CRC', median(readCrc), crcMBps, 'MB/s', 'crc32c'),
      higherIsBetter('mapped CRC ceiling vs CRC', median(mappedCrc), crcMBps, 'MB/s', 'crc32c'),
    ];
    const details: CaseResult['details'] = { scannedBytes, segments: paths.length, recoveredSegments };
    const targets = [targetMin('recovery scan ≥ 0.8× CRC-32C throughput', recoverMBps / crcMBps, 0.8)];
    return { rows, targets, checksum, details };
  },
};

export const benchCases: BenchCase[] = [recoveryCase];
