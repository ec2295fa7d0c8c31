/**
 * What an index entry costs on the append path, for each way of writing it that was on the table
 * when mapped writes into sparse index files turned out to raise SIGBUS on a full disk. One entry
 * pair (8-byte offset entry + 12-byte time entry) is written per 4 KiB appended (Kafka's default
 * index.interval.bytes), so each option is set against the raw `writeSync` of those 4 KiB:
 *
 *   mapped store     the old way: a store into a writable mapping of a sparse, preallocated file
 *                    (native: mmap-io; fallback: a Buffer mirror plus a positioned write-through).
 *                    Can SIGBUS on a full file system (native), mirrors 20 MiB per log (fallback).
 *   pwrite per entry a positioned write of each entry (two syscalls per pair). Never SIGBUS.
 *   memory + page    seglog now: entries in memory, one positioned write per 4 KiB of them
 *                    (`writePendingIfFull`). Never SIGBUS.
 *   zero-fill        reserving the blocks instead (fallocate is not in Node, nor in mmap-io): 2 ×
 *                    10 MiB of real zero writes per roll, reported per roll and per entry of a
 *                    1 GiB segment (262,144 entries); the mapped stores after it are as above.
 *
 * Rounds alternate the options and the baseline; the median round of each is reported.
 */
import { closeSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OffsetIndex } from '../../lib/segment/offset-index.js';
import { TimeIndex } from '../../lib/segment/time-index.js';
import { mapFile } from '../../lib/platform/index.js';
import { lowerIsBetter, type BenchCase, type BenchContext, type BenchRow, type CaseResult } from '../case.js';
import { KIB, MIB, fold, median, nowNs } from '../util.js';

const INDEX_BYTES = 10 * MIB;
const APPEND_CHUNK_BYTES = 4 * KIB;
const ENTRIES_PER_GIB_SEGMENT = (1024 * MIB) / APPEND_CHUNK_BYTES;
const ZERO_CHUNK_BYTES = MIB;

type Option = 'mapped store' | 'pwrite per entry' | 'memory + page';
const OPTIONS: readonly Option[] = ['mapped store', 'pwrite per entry', 'memory + page'];

/** ns per entry pair for `entries` pairs written the given way into fresh files under `dir`. */
function timeOption(option: Option, dir: string, entries: number, round: number): { ns: number; checksum: number } {
  const offsetPath = join(dir, `o${round}.index`);
  const timePath = join(dir, `o${round}.timeindex`);
  let checksum = 0;
  let ns = 0;
  if (option === 'memory + page') {
    const offsets = new OffsetIndex(offsetPath, 0, { maxIndexBytes: INDEX_BYTES, mode: 'active' });
    const times = new TimeIndex(timePath, 0, { maxIndexBytes: INDEX_BYTES, mode: 'active' });
    const started = nowNs();
    for (let i = 0; i < entries; i++) {
      offsets.writePendingIfFull();
      times.writePendingIfFull();
      offsets.append(i, i * APPEND_CHUNK_BYTES);
      times.maybeAppend(1_700_000_000_000 + i, i);
    }
    ns = nowNs() - started;
    checksum = fold(checksum, offsets.entries + times.entries);
    offsets.close();
    times.close();
  } else {
    const offsetFd = openSync(offsetPath, 'w+');
    const timeFd = openSync(timePath, 'w+');
    const entry = Buffer.alloc(12);
    if (option === 'mapped store') {
      ftruncateSync(offsetFd, INDEX_BYTES);
      ftruncateSync(timeFd, INDEX_BYTES - (INDEX_BYTES % 12));
      const offsetMap = mapFile(offsetFd, INDEX_BYTES, true);
      const timeMap = mapFile(timeFd, INDEX_BYTES - (INDEX_BYTES % 12), true);
      const offsetEntry = entry.subarray(0, 8);
      const started = nowNs();
      for (let i = 0; i < entries; i++) {
        offsetEntry.writeInt32BE(i, 0);
        offsetEntry.writeInt32BE(i * APPEND_CHUNK_BYTES, 4);
        offsetMap.write(i * 8, offsetEntry);
        entry.writeInt32BE(i, 8);
        timeMap.write(i * 12, entry);
      }
      ns = nowNs() - started;
      checksum = fold(checksum, offsetMap.bytes[8] ?? 0);
      offsetMap.close();
      timeMap.close();
    } else {
      const started = nowNs();
      for (let i = 0; i < entries; i++) {
        entry.writeInt32BE(i, 0);
        entry.writeInt32BE(i * APPEND_CHUNK_BYTES, 4);
        writeSync(offsetFd, entry, 0, 8, i * 8);
        entry.writeInt32BE(i, 8);
        writeSync(timeFd, entry, 0, 12, i * 12);
      }
      ns = nowNs() - started;
      checksum = fold(checksum, entries);
    }
    closeSync(offsetFd);
    closeSync(timeFd);
  }
  rmSync(offsetPath, { force: true });
  rmSync(timePath, { force: true });
  return { ns: ns / entries, checksum };
}

/** ns per 4 KiB `writeSync` at the end of a file: the append an index entry pair accompanies. */
function timeBaseline(dir: string, entries: number, round: number): number {
  const path = join(dir, `raw${round}.log`);
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(APPEND_CHUNK_BYTES, 7);
  const started = nowNs();
  for (let i = 0; i < entries; i++) writeSync(fd, chunk, 0, chunk.length, i * APPEND_CHUNK_BYTES);
  const ns = nowNs() - started;
  closeSync(fd);
  rmSync(path, { force: true });
  return ns / entries;
}

/** ms to reserve both 10 MiB index files with real zero writes (what a roll would pay). */
function timeZeroFill(dir: string, round: number): number {
  const zeros = Buffer.alloc(ZERO_CHUNK_BYTES);
  const started = nowNs();
  for (const name of [`z${round}.index`, `z${round}.timeindex`]) {
    const fd = openSync(join(dir, name), 'w');
    for (let at = 0; at < INDEX_BYTES; at += ZERO_CHUNK_BYTES) writeSync(fd, zeros, 0, zeros.length, at);
    closeSync(fd);
  }
  const ms = (nowNs() - started) / 1e6;
  for (const name of [`z${round}.index`, `z${round}.timeindex`]) rmSync(join(dir, name), { force: true });
  return ms;
}

export const indexWriteCase: BenchCase = {
  name: 'index-write',
  smoke: true,
  async run(ctx: BenchContext): Promise<CaseResult> {
    const entries = ctx.pick(2_000, 50_000, 200_000);
    const rounds = ctx.pick(3, 7, 11);
    const samples = new Map<Option, number[]>(OPTIONS.map((o) => [o, []]));
    const baseline: number[] = [];
    const zeroFillMs: number[] = [];
    let checksum = 0;
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`index-write round ${round + 1}/${rounds}`);
      baseline.push(timeBaseline(ctx.dir, entries, round));
      for (const option of OPTIONS) {
        const { ns, checksum: c } = timeOption(option, ctx.dir, entries, round);
        samples.get(option)?.push(ns);
        checksum = fold(checksum, c);
      }
      zeroFillMs.push(timeZeroFill(ctx.dir, round));
    }
    const baseNs = median(baseline);
    const rows: BenchRow[] = [];
    const details: CaseResult['details'] = { entries, rounds, baselineNsPer4KiB: baseNs };
    for (const option of OPTIONS) {
      const ns = median(samples.get(option) ?? []);
      details[`${option} ns/entry pair`] = ns;
      // value: the 4 KiB append plus its entry pair; baseline: the append alone.
      rows.push(lowerIsBetter(`4 KiB append + index entry: ${option}`, baseNs + ns, baseNs, 'ns', 'writeSync 4 KiB'));
    }
    const fillMs = median(zeroFillMs);
    details['zero-fill ms per roll'] = fillMs;
    const fillNsPerEntry = (fillMs * 1e6) / ENTRIES_PER_GIB_SEGMENT;
    rows.push(lowerIsBetter('4 KiB append + zero-fill share (1 GiB segment)', baseNs + fillNsPerEntry, baseNs, 'ns', 'writeSync 4 KiB'));
    return { rows, targets: [], checksum, details };
  },
};

export const benchCases: BenchCase[] = [indexWriteCase];
