/**
 * The one rule for where a record batch ends and what a bad one is, used by every reader of batch
 * bytes: recovery, `verify`, the cleaner, the inspector, the broker's replay and replicated appends
 * (Kafka keeps this rule in its file-records batch input stream). Given the bytes at a position and
 * how many bytes the source holds from there, the framing is exactly one of:
 *
 *   end          nothing left
 *   torn         fewer than the 17 bytes that reach the magic byte, or a length that runs past the
 *                end of the source: a write that did not finish (a crash, a live writer, a cut fetch)
 *   bad length   a length below the smallest legacy message or above BATCH_BYTES_MAX: damage
 *   bad magic    a magic byte above 2, or a v2 batch shorter than its 61-byte header: damage
 *   batch        12 + batchLength bytes, whole
 *
 * Torn is checked after the length floor and ceiling, as Kafka does: a length that could never be a
 * batch is damage even at the end of a file. The CRC is the second rule (`batchCrcMatches`), checked
 * by callers that trust nothing (recovery, verify). Numbers, not objects: this runs once per batch on
 * the hot scans, so it allocates nothing; `framingProblem` puts the verdict into words when needed.
 */
import { BATCH_BYTES_MAX, HEADER_PEEK_BYTES, LEGACY_MIN_MESSAGE_BYTES, LOG_OVERHEAD_BYTES,
  RECORD_BATCH_OVERHEAD_BYTES } from '../limits.js';
import { BATCH_LENGTH, CRC, CRC_COVERED_FROM, CURRENT_MAGIC, MAGIC } from './layout.js';
import { crc32c } from '../platform/index.js';

/** No bytes left: the source ends on a batch boundary. */
export const FRAME_END = 0;
/** A batch that did not finish: a tail, not damage, when it is the last thing in the source. */
export const FRAME_TORN = -1;
/** A batch length no batch can have. */
export const FRAME_BAD_LENGTH = -2;
/** A magic byte no format has, or a v2 batch shorter than its header. */
export const FRAME_BAD_MAGIC = -3;

/** Bytes a caller must have at `position` (or all that remain, if fewer) before asking `frameBatch`. */
export const FRAME_PEEK_BYTES = HEADER_PEEK_BYTES;

function readInt32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/**
 * The batch at `position` of `bytes`: its size in bytes (> 0), or FRAME_END / FRAME_TORN /
 * FRAME_BAD_LENGTH / FRAME_BAD_MAGIC. `remainingBytes` is what the source (a file up to its valid
 * end, a buffer) holds from `position` on; `bytes` must hold min(remainingBytes, FRAME_PEEK_BYTES) there.
 */
export function frameBatch(bytes: Uint8Array, position: number, remainingBytes: number): number {
  if (remainingBytes <= 0) return FRAME_END;
  if (remainingBytes < FRAME_PEEK_BYTES) return FRAME_TORN;
  const batchLength = readInt32(bytes, position + BATCH_LENGTH);
  if (batchLength < LEGACY_MIN_MESSAGE_BYTES || batchLength > BATCH_BYTES_MAX - LOG_OVERHEAD_BYTES) return FRAME_BAD_LENGTH;
  const sizeBytes = LOG_OVERHEAD_BYTES + batchLength;
  if (sizeBytes > remainingBytes) return FRAME_TORN;
  const magic = bytes[position + MAGIC]!;
  if (magic > CURRENT_MAGIC || (magic === CURRENT_MAGIC && sizeBytes < RECORD_BATCH_OVERHEAD_BYTES)) return FRAME_BAD_MAGIC;
  return sizeBytes;
}

/** The verdict of `frameBatch` (a non-positive one) in words, the same for every caller. */
export function framingProblem(verdict: number, bytes: Uint8Array, position: number, remainingBytes: number): string {
  if (verdict === FRAME_END) return 'end of data';
  if (verdict === FRAME_TORN) {
    if (remainingBytes < FRAME_PEEK_BYTES) return `torn tail: ${remainingBytes} trailing bytes`;
    return `torn tail: batch of ${LOG_OVERHEAD_BYTES + readInt32(bytes, position + BATCH_LENGTH)} bytes with ${remainingBytes} left`;
  }
  const batchLength = readInt32(bytes, position + BATCH_LENGTH);
  if (verdict === FRAME_BAD_LENGTH) {
    return batchLength < LEGACY_MIN_MESSAGE_BYTES
      ? `batch length ${batchLength} is below the minimum ${LEGACY_MIN_MESSAGE_BYTES}`
      : `batch length ${batchLength} exceeds the ${BATCH_BYTES_MAX}-byte ceiling`;
  }
  const magic = bytes[position + MAGIC]!;
  return magic > CURRENT_MAGIC ? `unsupported magic ${magic}` : `batch of ${LOG_OVERHEAD_BYTES + batchLength} bytes is shorter than `
    + `the ${RECORD_BATCH_OVERHEAD_BYTES}-byte v2 header`;
}

/** The base offset in front of a frame (every format has it), for naming where damage is; undefined if not a safe integer. */
export function frameBaseOffset(bytes: Uint8Array, position: number): number | undefined {
  if (bytes.length - position < LOG_OVERHEAD_BYTES) return undefined;
  const value = readInt32(bytes, position) * 2 ** 32 + (readInt32(bytes, position + 4) >>> 0);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A v2 batch's stored CRC-32C matches its bytes [attributes, end). */
export function batchCrcMatches(bytes: Uint8Array, position: number, sizeBytes: number): boolean {
  const stored = ((bytes[position + CRC]! << 24) | (bytes[position + CRC + 1]! << 16) | (bytes[position + CRC + 2]! << 8)
    | bytes[position + CRC + 3]!) >>> 0;
  return crc32c(bytes, position + CRC_COVERED_FROM, position + sizeBytes) === stored;
}

/** The CRC rule's verdict in words. */
export const CRC_MISMATCH = 'CRC mismatch';
