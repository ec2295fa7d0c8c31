/**
 * Codec figures: encode and decode throughput of RecordBatch v2 (1 KiB records × 100 per batch and
 * 100-byte records × 1000 per batch; uncompressed and each codec), the header-only read, the
 * producer-batch walk (validateBatchRecords), and CRC-32C native vs fallback — each next to a raw
 * `Buffer.copy` of the same bytes, the speed of light for touching them once.
 *
 * MB/s counts the batch's *uncompressed* size (10^6 bytes), so codecs compare on the work done.
 * Inputs are built before timing; each case folds a number into a sink that is printed, so no work
 * is optimised away. Usage: node dist/bench/codec/main.js [--time-ms N] (SEGLOG_BENCH_MS too);
 * writes bench/codec/results/<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { platformFaults } from '../../lib/platform/faults.js';
import { loadNative } from '../../lib/platform/native.js';
import {
  BatchEncoder, BatchHeaderView, decodeBatches, encodeBatch, validateBatchRecords, type CompressionType, type RecordInput,
} from '../../lib/record/index.js';

interface Shape { name: string; records: number; valueBytes: number }
interface Row { shape: string; case: string; bytes: number; mbPerS: number; ratioToCopy: number; opsPerS: number }

const SHAPES: Shape[] = [{ name: '1KiB x100', records: 100, valueBytes: 1024 }, { name: '100B x1000', records: 1000, valueBytes: 100 }];
const CODECS: CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const argIndex = process.argv.indexOf('--time-ms');
const TIME_MS = Number(argIndex > 0 ? process.argv[argIndex + 1] : process.env['SEGLOG_BENCH_MS'] ?? 300);
let sink = 0;

/** Log-like values: a JSON-ish prefix and seeded pseudo-random text, compressible about 2-4x like real payloads. */
function makeRecords(shape: Shape): RecordInput[] {
  let state = 0x2545f491;
  const words = ['user', 'order', 'status', 'shipped', 'amount', 'EUR', 'id', 'ts', 'region', 'eu-west-1', 'ok', 'retry'];
  return Array.from({ length: shape.records }, (_, i) => {
    const value = Buffer.alloc(shape.valueBytes);
    let at = 0;
    while (at < value.length) {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
      const word = (state & 3) === 0 ? String(state >>> 8) : words[(state >>> 4) % words.length]!;
      at += value.write(`${word} `, at);
    }
    return { key: `key-${i % 97}`, value, headers: i % 10 === 0 ? [{ key: 'trace', value: `t-${i}` }] : [],
      timestampMs: 1_700_000_000_000 + i };
  });
}

const nativeSides = loadNative(platformFaults);
const nativeCrc32c = nativeSides.crc32c;

async function measure(shape: Shape): Promise<Row[]> {
  const records = makeRecords(shape);
  const plain = encodeBatch(records, { baseOffset: 1000 });
  const plainBytes = plain.length;
  const target = Buffer.allocUnsafe(plainBytes);
  const source = Buffer.from(plain);
  const encoder = new BatchEncoder();
  const header = new BatchHeaderView();
  const encoded = new Map<CompressionType, Uint8Array>(CODECS.map((c) => [c, encodeBatch(records, { compression: c, baseOffset: 1000 })]));
  const decodeAll = (bytes: Uint8Array, verifyCrc: boolean) => {
    for (const batch of decodeBatches(bytes, { verifyCrc })) for (const record of batch.records()) sink += record.valueSizeBytes;
  };

  const bench = new Bench({ time: TIME_MS, warmupTime: Math.min(200, TIME_MS) });
  const cases: Array<[string, () => void]> = [
    ['Buffer.copy (baseline)', () => { sink += source.copy(target, 0, 0, plainBytes); }],
    ['encode none (BatchEncoder, reused buffer)', () => { sink += encoder.encode(records, { baseOffset: 1000 }).length; }],
    ['encode none (encodeBatch, fresh copy)', () => { sink += encodeBatch(records, { baseOffset: 1000 }).length; }],
    ['decode none: header only (BatchHeaderView)', () => { sink += header.load(plain, 0).recordsCount; }],
    ['decode none: every record', () => decodeAll(plain, false)],
    ['decode none: every record + CRC check', () => decodeAll(plain, true)],
    ['validateBatchRecords none (append walk)', () => { sink += validateBatchRecords(plain, 0).maxTimestampMs & 1; }],
    ['CRC-32C fallback (slice-by-16)', () => { sink += fallbackCrc32c(plain, 21, plainBytes); }],
  ];
  if (nativeCrc32c !== undefined) {
    const native = nativeCrc32c;
    cases.push([`CRC-32C native (${nativeSides.crc32cName})`, () => { sink += native(plain, 21, plainBytes); }]);
  }
  for (const codec of CODECS) {
    const bytes = encoded.get(codec)!;
    cases.push([`encode ${codec}`, () => { sink += encoder.encode(records, { baseOffset: 1000, compression: codec }).length; }]);
    cases.push([`decode ${codec}: every record`, () => decodeAll(bytes, false)]);
  }
  for (const [name, fn] of cases) bench.add(name, fn);
  await bench.run();

  const rows: Row[] = [];
  let copyMbPerS = Number.NaN;
  for (const task of bench.tasks) {
    const opsPerS = task.result?.throughput.mean ?? Number.NaN;
    const mbPerS = (opsPerS * plainBytes) / 1e6;
    if (task.name.startsWith('Buffer.copy')) copyMbPerS = mbPerS;
    rows.push({ shape: shape.name, case: task.name, bytes: plainBytes, mbPerS, ratioToCopy: mbPerS / copyMbPerS, opsPerS });
  }
  return rows;
}

function table(rows: Row[]): string {
  const lines = [`| shape | case | batch bytes | MB/s | × copy |`, `|---|---|---:|---:|---:|`];
  for (const r of rows) {
    lines.push(`| ${r.shape} | ${r.case} | ${r.bytes} | ${r.mbPerS.toFixed(0)} | ${r.ratioToCopy.toFixed(3)} |`);
  }
  return lines.join('\n');
}

const rows: Row[] = [];
for (const shape of SHAPES) rows.push(...await measure(shape));
const output = table(rows);
process.stdout.write(`${output}\n\nnode ${process.version}, ${TIME_MS} ms per case, native CRC-32C ${nativeCrc32c === undefined ? 'absent'
  : 'present'}; sink ${sink}\n`);
const resultsDir = fileURLToPath(new URL('../../../bench/codec/results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(`${resultsDir}${stamp}.json`, `${JSON.stringify({ node: process.version, timeMs: TIME_MS, rows }, null, 1)}\n`);
