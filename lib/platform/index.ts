/**
 * STUB (the platform helper replaces this): chooses native or fallback implementations once at load.
 */
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import type { Crc32c } from './contract.js';

export const crc32c: Crc32c = fallbackCrc32c;
