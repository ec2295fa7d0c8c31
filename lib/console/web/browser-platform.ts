/**
 * lib/platform for the browser bundle (scripts/build-console.mjs swaps it in for lib/record's import):
 * the record codec needs only CRC-32C there, and takes the pure TypeScript one seglog ships as its
 * native-free fallback, so the page and the CLI compute the same checksums with the same code.
 */
export { crc32c } from '../../../native-free-fallback/crc32c.js';
