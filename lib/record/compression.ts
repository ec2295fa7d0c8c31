/**
 * The five batch codecs, in Kafka's framing (reference §2.6, §19):
 *   gzip   — RFC 1952 stream (node:zlib).
 *   snappy — written in xerial snappy-java framing: magic 0x82 'SNAPPY' 0x00 | version int32 (1) |
 *            compatible int32 (1) | then blocks of (compressedLength int32, raw snappy block), each
 *            ≤ 32 KiB uncompressed. Read: xerial framing, or a raw snappy block (kafkajs, librdkafka).
 *   lz4    — LZ4 frame format (magic 0x184D2204); any flags a client writes (lz4-napi's frame decoder).
 *   zstd   — a standard zstd frame; frames without a content size (Java, librdkafka) decode too.
 *
 * Packages load lazily on first use; one that is missing or fails to load raises
 * CodecUnavailableError naming the package, never a crash. SEGLOG_DISABLE_CODECS=snappy,zstd makes
 * listed codecs behave as unavailable (how the tests exercise that path on a machine that has them).
 *
 * Decompressed size is capped at DECOMPRESSED_BYTES_MAX: a zip bomb in a batch is a typed error.
 */
import { createRequire } from 'node:module';
import { CodecUnavailableError, CorruptRecordError, type ErrorPlace } from '../errors.js';
import { DECOMPRESSED_BYTES_MAX } from '../limits.js';
import type { CompressionType } from './layout.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = XERIAL_MAGIC.length + 4 + 4;
const XERIAL_BLOCK_BYTES = 32 * 1024;

interface SnappyModule {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer, options: { asBuffer: true }): Buffer;
}
interface Lz4Module {
  compressFrameSync(data: Buffer): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}
interface ZstdDecompressor {
  decompress(data: Uint8Array): Buffer;
}
interface ZstdModule {
  compress(data: Uint8Array, parameters?: { compressionLevel?: number }): Buffer;
  Decompressor: new () => ZstdDecompressor;
}

const PACKAGE_BY_CODEC = { snappy: 'snappy', lz4: 'lz4-napi', zstd: 'zstd-napi' } as const;
type PackagedCodec = keyof typeof PACKAGE_BY_CODEC;

const requireFromHere = createRequire(import.meta.url);
/**
 * node:zlib loads on the first gzip batch: a process that never meets one (most logs) does not pay
 * its ~2 MiB of resident code and tables.
 */
let zlib: typeof import('node:zlib') | null = null;
function gzip(): typeof import('node:zlib') {
  zlib ??= requireFromHere('node:zlib') as typeof import('node:zlib');
  return zlib;
}
const loaded = new Map<PackagedCodec, unknown>();
const loadFailures = new Map<PackagedCodec, string>();
const disabled = new Set((process.env['SEGLOG_DISABLE_CODECS'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));

function load<T>(codec: PackagedCodec): T {
  const hit = loaded.get(codec);
  if (hit !== undefined) return hit as T;
  const packageName = PACKAGE_BY_CODEC[codec];
  let failure = loadFailures.get(codec);
  if (failure === undefined) {
    if (disabled.has(codec)) failure = 'disabled by SEGLOG_DISABLE_CODECS';
    else {
      try {
        const module = requireFromHere(packageName) as T;
        loaded.set(codec, module);
        return module;
      } catch (error) {
        failure = error instanceof Error ? error.message.split('\n')[0] ?? 'load failed' : String(error);
      }
    }
    loadFailures.set(codec, failure);
  }
  throw new CodecUnavailableError(`${codec} compression needs the package '${packageName}', which is unavailable (${failure})`);
}

/** Whether a codec can be used here (for reports and the broker's advertised codecs). */
export function codecAvailable(codec: CompressionType): boolean {
  if (codec === 'none' || codec === 'gzip') return true;
  try {
    load(codec);
    return true;
  } catch {
    return false;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function compress(codec: CompressionType, bytes: Uint8Array, level?: number): Buffer {
  const input = asBuffer(bytes);
  switch (codec) {
    case 'none':
      return input;
    case 'gzip':
      return gzip().gzipSync(input, { level: level ?? gzip().constants.Z_DEFAULT_COMPRESSION });
    case 'snappy':
      return compressXerial(load<SnappyModule>('snappy'), input);
    case 'lz4':
      return load<Lz4Module>('lz4').compressFrameSync(input);
    case 'zstd':
      return load<ZstdModule>('zstd').compress(input, level === undefined ? {} : { compressionLevel: level });
  }
}

export function decompress(codec: CompressionType, bytes: Uint8Array, place: ErrorPlace): Buffer {
  const input = asBuffer(bytes);
  let output: Buffer;
  try {
    switch (codec) {
      case 'none':
        return input;
      case 'gzip':
        output = gzip().gunzipSync(input, { maxOutputLength: DECOMPRESSED_BYTES_MAX });
        break;
      case 'snappy':
        output = decompressSnappy(load<SnappyModule>('snappy'), input);
        break;
      case 'lz4':
        output = load<Lz4Module>('lz4').decompressFrameSync(input);
        break;
      case 'zstd':
        checkZstdContentSize(input);
        output = decompressZstd(load<ZstdModule>('zstd'), input);
        break;
    }
  } catch (error) {
    if (error instanceof CodecUnavailableError || error instanceof CorruptRecordError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CorruptRecordError(`bad ${codec} payload: ${reason}`, { ...place, cause: error });
  }
  if (output.length > DECOMPRESSED_BYTES_MAX) {
    throw new CorruptRecordError(`${codec} payload decompresses past ${DECOMPRESSED_BYTES_MAX} bytes`, place);
  }
  return output;
}

function compressXerial(snappy: SnappyModule, input: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.allocUnsafe(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, XERIAL_MAGIC.length);
  header.writeInt32BE(1, XERIAL_MAGIC.length + 4);
  parts.push(header);
  for (let start = 0; start < input.length || start === 0; start += XERIAL_BLOCK_BYTES) {
    const block = snappy.compressSync(input.subarray(start, Math.min(input.length, start + XERIAL_BLOCK_BYTES)));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
    if (input.length === 0) break;
  }
  return Buffer.concat(parts);
}

function decompressSnappy(snappy: SnappyModule, input: Buffer): Buffer {
  if (input.length < XERIAL_HEADER_BYTES || !input.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return snappy.uncompressSync(input, { asBuffer: true });
  }
  const parts: Buffer[] = [];
  let total = 0;
  let position = XERIAL_HEADER_BYTES;
  while (position < input.length) {
    if (input.length - position < 4) throw new Error('xerial block length is cut off');
    const length = input.readInt32BE(position);
    position += 4;
    if (length < 0 || length > input.length - position) throw new Error(`xerial block length ${length} runs past the payload`);
    const block = snappy.uncompressSync(input.subarray(position, position + length), { asBuffer: true });
    total += block.length;
    if (total > DECOMPRESSED_BYTES_MAX) throw new Error(`decompresses past ${DECOMPRESSED_BYTES_MAX} bytes`);
    parts.push(block);
    position += length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_DICT_ID_BYTES = [0, 1, 2, 4] as const;
const ZSTD_CONTENT_SIZE_BYTES = [0, 2, 4, 8] as const;

/**
 * zstd-napi allocates a frame's declared content size before decoding it, so a corrupt header
 * claiming gigabytes would allocate them: refuse a first frame that declares more than the ceiling.
 * Frame header: magic u32le | descriptor u8 (bits 7-6 size flag, bit 5 single segment, bits 1-0
 * dict id flag) | [window u8 unless single segment] | dict id 0/1/2/4 | content size 0/1/2/4/8 (LE).
 */
function checkZstdContentSize(input: Buffer): void {
  if (input.length < 5 || input.readUInt32LE(0) !== ZSTD_MAGIC) return;
  const descriptor = input[4]!;
  const singleSegment = (descriptor & 0x20) !== 0;
  const sizeFlag = descriptor >>> 6;
  const sizeBytes = sizeFlag === 0 ? (singleSegment ? 1 : 0) : ZSTD_CONTENT_SIZE_BYTES[sizeFlag]!;
  const at = 5 + (singleSegment ? 0 : 1) + ZSTD_DICT_ID_BYTES[descriptor & 0x03]!;
  if (sizeBytes === 0 || input.length < at + sizeBytes) return;
  let declared = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) declared = declared * 256 + input[at + i]!;
  if (sizeBytes === 2) declared += 256;
  if (declared > DECOMPRESSED_BYTES_MAX) throw new Error(`frame declares ${declared} bytes of content, over ${DECOMPRESSED_BYTES_MAX}`);
}

let zstdDecompressor: ZstdDecompressor | null = null;

/**
 * zstd-napi's decompression context keeps its stream state after a corrupt frame fails mid-way, and
 * every later call on it then fails too ("Operation not authorized at current processing stage"):
 * one bad batch would poison all zstd reads in the process. So seglog owns its context and drops it
 * after any failure.
 */
function decompressZstd(zstd: ZstdModule, input: Buffer): Buffer {
  const decompressor = zstdDecompressor ?? new zstd.Decompressor();
  zstdDecompressor = null;
  const output = decompressor.decompress(input);
  zstdDecompressor = decompressor;
  return output;
}
