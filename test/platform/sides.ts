/**
 * The implementations the platform contract tests run against: the native side (each capability
 * whose package loaded), the fallback side, and the side lib/platform/index.ts chose.
 *
 * A native side that did not load is never dropped quietly: its reason goes to stderr, and with
 * SEGLOG_REQUIRE_NATIVE=1 (CI) loading this module throws, so every contract test file fails.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { crc32c as fallbackCrc32c } from '../../native-free-fallback/crc32c.js';
import { walkPlainRecords as fallbackWalkPlainRecords } from '../../native-free-fallback/record-walk.js';
import { createLockDirectory } from '../../native-free-fallback/directory-lock.js';
import { createMapFile } from '../../native-free-fallback/mapped-file.js';
import type { Crc32c, LockDirectory, MapFile, WalkPlainRecords } from '../../lib/platform/contract.js';
import { platformFaults } from '../../lib/platform/faults.js';
import * as chosen from '../../lib/platform/index.js';
import { loadNative, loadSse4Crc32c } from '../../lib/platform/native.js';

export type SideName = 'native' | 'fallback' | 'chosen';

export interface Side<T> {
  name: SideName;
  impl: T;
}

const native = loadNative(platformFaults);
export const nativeReasons = native.reasons;

/** The capabilities whose native side is missing here, with why ("crc32c: sse4_crc32 did not load: ..."). */
export function missingNativeSides(): string[] {
  const missing: string[] = [];
  // seglog's own addon is what the native side means for crc32c; sse4_crc32 standing in is still a miss.
  if (native.crc32cName !== 'seglog-crc32c') missing.push(`crc32c: ${nativeReasons['crc32c'] ?? 'no reason recorded'}`);
  if (native.walkPlainRecords === undefined) missing.push(`recordWalk: ${nativeReasons['recordWalk'] ?? 'no reason recorded'}`);
  if (native.mapFile === undefined) missing.push(`mapFile: ${nativeReasons['mapFile'] ?? 'no reason recorded'}`);
  if (native.lockDirectory === undefined) missing.push(`lockDirectory: ${nativeReasons['lockDirectory'] ?? 'no reason recorded'}`);
  return missing;
}

const missing = missingNativeSides();
if (missing.length > 0) {
  if (process.env['SEGLOG_REQUIRE_NATIVE'] === '1') {
    throw new Error(`SEGLOG_REQUIRE_NATIVE=1 but the native side did not load for ${missing.join('; ')}`);
  }
  process.stderr.write(`platform tests run without the native side of ${missing.join('; ')}\n`);
}

function sides<T>(nativeImpl: T | undefined, fallbackImpl: T, chosenImpl: T): Side<T>[] {
  const list: Side<T>[] = [];
  if (nativeImpl !== undefined) list.push({ name: 'native', impl: nativeImpl });
  list.push({ name: 'fallback', impl: fallbackImpl });
  list.push({ name: 'chosen', impl: chosenImpl });
  return list;
}

/** Every native CRC-32C that loads (the chosen one and sse4_crc32), each held to the contract, then fallback and chosen. */
const sse4 = loadSse4Crc32c().crc32c;
export const crc32cSides: Array<{ name: string; impl: Crc32c }> = [
  ...(native.crc32c !== undefined ? [{ name: `native:${native.crc32cName}`, impl: native.crc32c }] : []),
  ...(sse4 !== undefined && sse4 !== native.crc32c ? [{ name: 'native:sse4_crc32', impl: sse4 }] : []),
  ...sides(undefined, fallbackCrc32c, chosen.crc32c),
];
export const mapFileSides: Side<MapFile>[] = sides(native.mapFile, createMapFile(platformFaults), chosen.mapFile);
export const lockSides: Side<LockDirectory>[] = sides(native.lockDirectory, createLockDirectory(platformFaults), chosen.lockDirectory);

/** seglog's addon as built (its raw calls, without the TypeScript crossovers), or undefined where it did not build. */
export interface Addon {
  crc32c(...args: unknown[]): number;
  walkPlainRecords(...args: unknown[]): number;
  hardwareSupport: boolean;
  vectorFolding: boolean;
}
export const ADDON_PATH = fileURLToPath(new URL('../../../lib/platform/native-crc32c/build/Release/seglog_crc32c.node', import.meta.url));
export const addon: Addon | undefined = (() => {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch {
    return undefined;
  }
})();

/** The record walk: the addon's raw call (every record count), the native side as chosen (with its crossover), fallback, chosen. */
export const walkSides: Array<{ name: string; impl: WalkPlainRecords }> = [
  ...(addon !== undefined && native.walkPlainRecords !== undefined ? [{ name: 'native:addon-call',
    impl: (bytes: Uint8Array, position: number, end: number, count: number) => addon.walkPlainRecords(bytes, position, end, count) }] : []),
  ...sides(native.walkPlainRecords, fallbackWalkPlainRecords, chosen.walkPlainRecords),
];

/** Lock implementations by name, for the child process and for cross-side cases. */
export function lockBySide(name: 'native' | 'fallback'): LockDirectory | undefined {
  return name === 'native' ? native.lockDirectory : createLockDirectory(platformFaults);
}
