/**
 * seglog's own CRC-32C addon at its boundary: the call lib/platform/native.ts makes, and what the
 * C side does with arguments that break its contract (a typed error with a code, never a read
 * outside the bytes). Where the addon did not build, the platform report must say why.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { platformReport } from '../../lib/platform/index.js';
import { nativeReasons } from './sides.js';

interface Addon {
  crc32c(...args: unknown[]): number;
  hardwareSupport: boolean;
}

const ADDON_PATH = fileURLToPath(new URL('../../../lib/platform/native-crc32c/build/Release/seglog_crc32c.node', import.meta.url));

function loadAddon(): Addon | undefined {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch {
    return undefined;
  }
}

const addon = loadAddon();

if (addon === undefined) {
  test('the addon did not build here: the platform report names why, and CI would fail', () => {
    assert.is.not(process.env['SEGLOG_REQUIRE_NATIVE'], '1', 'SEGLOG_REQUIRE_NATIVE=1 but seglog-crc32c did not load');
    assert.match(nativeReasons['crc32c'] ?? '', /seglog-crc32c/);
    assert.is.not(platformReport().crc32c, 'native:seglog-crc32c');
  });
} else {
  const bytes = Buffer.from('xx123456789yy', 'latin1');

  test('the addon computes a range of the bytes it is given, continuing from an initial CRC', () => {
    assert.is(addon.hardwareSupport, true);
    assert.is(addon.crc32c(bytes, 2, 11, 0), 0xe3069283);
    assert.is(addon.crc32c(bytes, 5, 5, 0xdeadbeef), 0xdeadbeef);
    assert.is(addon.crc32c(new Uint8Array(bytes.buffer, bytes.byteOffset + 2, 9), 0, 9, 0), 0xe3069283);
    assert.is(addon.crc32c(bytes, 2, 11, 0), addon.crc32c(bytes, 5, 11, addon.crc32c(bytes, 2, 5, 0)));
  });

  test('a range outside the bytes is a RangeError with a code, never a read past them', () => {
    for (const [start, end] of [[-1, 3], [0, bytes.length + 1], [4, 3], [0.5, 3], [0, Number.NaN], [0, Infinity]]) {
      assert.throws(() => addon.crc32c(bytes, start, end, 0), (e: NodeJS.ErrnoException) => e instanceof RangeError
        && e.code === 'ERR_SEGLOG_CRC32C_RANGE', `[${start}, ${end})`);
    }
  });

  test('arguments of the wrong kind are a TypeError with a code', () => {
    const calls: unknown[][] = [['123', 0, 3, 0], [new Uint16Array(4), 0, 2, 0], [bytes, 0, 3], [bytes, 0, 3, 'x']];
    for (const args of calls) {
      assert.throws(() => addon.crc32c(...args), (e: NodeJS.ErrnoException) => e instanceof TypeError
        && e.code === 'ERR_SEGLOG_CRC32C_ARGS', String(args[0]));
    }
  });

  test('the addon is what the platform chose for crc32c (unless SEGLOG_NATIVE=0)', () => {
    const expected = process.env['SEGLOG_NATIVE'] === '0' ? 'fallback:slice-by-16' : 'native:seglog-crc32c';
    assert.is(platformReport().crc32c, expected);
  });
}

test.run();
