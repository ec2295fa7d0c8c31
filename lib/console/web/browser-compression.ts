/**
 * lib/record/compression for the browser bundle: records of uncompressed batches decode as they do
 * in Node; a compressed batch's records need codecs that exist only as Node packages, so the page
 * shows its header and CRC verdict (the CRC covers the compressed bytes) and says to use
 * `seglog dump` for its records.
 */
import { CodecUnavailableError, type ErrorPlace } from '../../errors.js';
import type { CompressionType } from '../../record/layout.js';

export function decompress(codec: CompressionType, bytes: Uint8Array, place: ErrorPlace): Uint8Array {
  if (codec === 'none') return bytes;
  throw new CodecUnavailableError(`${codec} records are not decoded in the browser (seglog dump decodes them)`, place);
}
