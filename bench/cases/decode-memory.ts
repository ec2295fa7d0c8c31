/**
 * Peak memory of decoding a `__consumer_offsets` segment: `seglog dump --deep --json
 * --offsets-decoder` next to the plain `seglog dump --deep --json` of the same file (the baseline:
 * what the deep dump used before decoders existed) and next to `--print-data` (the other way to
 * print record contents), each in its own process with stdout to /dev/null, peak RSS from
 * `process.resourceUsage().maxRSS`. The goal is that decoding streams: one batch's records and
 * their decoded objects alive at a time, so the peak stays the deep dump's.
 *
 * The segment is what a busy group coordinator writes: batches of offset commits (key v1, value v3,
 * a 200-byte metadata string) with one group-metadata record (value v3, four consumer members with
 * subscriptions and assignments) in every tenth batch. 1 GiB in the quick and full runs.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBatch } from '../../lib/record/index.js';
import { lowerIsBetter, targetMax, type BenchCase } from '../case.js';
import { MIB, fold } from '../util.js';

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const RECORDS_PER_BATCH = 50;
const GROUP_EVERY_BATCHES = 10;
const BASE_TIMESTAMP_MS = 1_700_000_000_000;
/** Peak RSS with the decoder over the plain deep dump's: streaming keeps this near 1. */
const PEAK_RATIO_MAX = 1.15;

function str(value: string): Buffer {
  const bytes = Buffer.from(value);
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function int(bytesCount: 2 | 4 | 8, value: number): Buffer {
  const b = Buffer.alloc(bytesCount);
  if (bytesCount === 2) b.writeInt16BE(value);
  else if (bytesCount === 4) b.writeInt32BE(value);
  else b.writeBigInt64BE(BigInt(value));
  return b;
}

function withLength(bytes: Buffer): Buffer {
  return Buffer.concat([int(4, bytes.length), bytes]);
}

function offsetCommit(group: string, partition: number, offset: number): { key: Buffer; value: Buffer } {
  return {
    key: Buffer.concat([int(2, 1), str(group), str('orders'), int(4, partition)]),
    value: Buffer.concat([int(2, 3), int(8, offset), int(4, 5), str('m'.repeat(200)), int(8, BASE_TIMESTAMP_MS + offset)]),
  };
}

function groupMetadata(group: string, generation: number): { key: Buffer; value: Buffer } {
  const members: Buffer[] = [];
  for (let m = 0; m < 4; m++) {
    const subscription = Buffer.concat([int(2, 0), int(4, 1), str('orders'), int(4, -1)]);
    const assignment = Buffer.concat([int(2, 0), int(4, 1), str('orders'), int(4, 2), int(4, 2 * m), int(4, 2 * m + 1), int(4, -1)]);
    members.push(Buffer.concat([str(`consumer-${m}-${generation}`), str(`client-${m}`), str('/10.0.0.1'), int(4, 300_000),
      int(4, 45_000), withLength(subscription), withLength(assignment)]));
  }
  return {
    key: Buffer.concat([int(2, 2), str(group)]),
    value: Buffer.concat([int(2, 3), str('consumer'), int(4, generation), str('range'), str('consumer-0'), int(8, BASE_TIMESTAMP_MS),
      int(4, members.length), ...members]),
  };
}

export function writeSegment(path: string, targetBytes: number): { records: number; sizeBytes: number } {
  const fd = openSync(path, 'w');
  let offset = 0;
  let sizeBytes = 0;
  try {
    for (let batch = 0; sizeBytes < targetBytes; batch++) {
      const records = [];
      for (let i = 0; i < RECORDS_PER_BATCH; i++) {
        const kv = i === 0 && batch % GROUP_EVERY_BATCHES === 0 ? groupMetadata(`group-${batch % 100}`, batch) :
          offsetCommit(`group-${(offset + i) % 100}`, (offset + i) % 8, offset + i);
        records.push({ ...kv, timestampMs: BASE_TIMESTAMP_MS + offset + i });
      }
      const bytes = encodeBatch(records, { baseOffset: offset });
      writeSync(fd, bytes);
      sizeBytes += bytes.length;
      offset += RECORDS_PER_BATCH;
    }
  } finally {
    closeSync(fd);
  }
  return { records: offset, sizeBytes };
}

/** Runs `seglog dump …` with stdout to /dev/null; resolves to its peak RSS in bytes and its wall time. */
function peakRss(args: readonly string[]): Promise<{ maxRssBytes: number; ms: number; status: number | null }> {
  const script = `process.on('exit', () => process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n'));` +
    `process.argv = [process.execPath, 'seglog', ...${JSON.stringify(args)}];` +
    `await import(${JSON.stringify(MAIN)});`;
  const devNull = openSync('/dev/null', 'w');
  const startedMs = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', devNull, 'pipe'] });
  closeSync(devNull);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      const kib = Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? NaN);
      if (!Number.isFinite(kib)) reject(new Error(`seglog ${args.join(' ')} exited ${String(status)}: ${stderr.trim()}`));
      else resolve({ maxRssBytes: kib * 1024, ms: performance.now() - startedMs, status });
    });
  });
}

export const decodeMemoryCase: BenchCase = {
  name: 'decode-memory',
  smoke: true,
  // Decoding is the same TypeScript on both sides; one run of two 1 GiB dumps is enough.
  sides: ['native'],
  async run(ctx) {
    const targetBytes = ctx.pick(4, 1024, 1024) * MIB;
    const path = join(ctx.dir, '00000000000000000000.log');
    ctx.progress(`decode-memory: writing a ${targetBytes / MIB} MiB __consumer_offsets segment`);
    const written = writeSegment(path, targetBytes);
    ctx.progress('decode-memory: dump --deep --json');
    const plain = await peakRss(['dump', '--deep', '--json', path]);
    ctx.progress('decode-memory: dump --deep --json --print-data');
    const printed = await peakRss(['dump', '--deep', '--json', '--print-data', path]);
    ctx.progress('decode-memory: dump --deep --json --offsets-decoder');
    const decoded = await peakRss(['dump', '--deep', '--json', '--offsets-decoder', path]);
    if (plain.status !== 0 || printed.status !== 0 || decoded.status !== 0) {
      throw new Error(`dump exited ${String(plain.status)} / ${String(printed.status)} / ${String(decoded.status)}`);
    }
    const mib = Math.round(written.sizeBytes / MIB);
    const label = `peak RSS, dump --offsets-decoder of ${mib} MiB`;
    return {
      rows: [
        lowerIsBetter(label, decoded.maxRssBytes / MIB, plain.maxRssBytes / MIB, 'MiB', 'dump --deep --json'),
        lowerIsBetter(label, decoded.maxRssBytes / MIB, printed.maxRssBytes / MIB, 'MiB', 'dump --deep --json --print-data'),
      ],
      targets: [targetMax(`decoder peak RSS ≤ ${PEAK_RATIO_MAX}× dump --deep --json (${mib} MiB)`, decoded.maxRssBytes / plain.maxRssBytes,
        PEAK_RATIO_MAX)],
      checksum: fold(fold(0, written.records), written.sizeBytes),
      details: {
        segmentBytes: written.sizeBytes, records: written.records, plainMs: Math.round(plain.ms), printDataMs: Math.round(printed.ms),
        decodedMs: Math.round(decoded.ms), plainMiBps: Math.round(mib / (plain.ms / 1000)),
        decodedMiBps: Math.round(mib / (decoded.ms / 1000)),
      },
    };
  },
};

export const benchCases: BenchCase[] = [decodeMemoryCase];
