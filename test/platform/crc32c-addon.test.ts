/**
 * seglog's own CRC-32C addon at its boundary: the call lib/platform/native.ts makes, and what the
 * C side does with arguments that break its contract (a typed error with a code, never a read
 * outside the bytes). Both of its bulk paths, the vector fold and the three crc32 streams (the
 * fold turned off with SEGLOG_CRC32C_VECTOR=0, in a child), against the bit-at-a-time reference
 * around their step lengths. Where the addon did not build, the platform report must say why.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { platformReport } from '../../lib/platform/index.js';
import { ADDON_PATH, addon as builtAddon, nativeReasons } from './sides.js';
import { referenceCrc32c } from './crc32c-reference.js';

const addon = builtAddon;

/** Lengths just around the fold's 256-byte step and the three streams' 3 x 256 and 3 x 8192 blocks. */
const FOLD_AND_STREAM_LENGTHS = [0, 1, 7, 8, 9, 255, 256, 257, 263, 264, 511, 512, 513, 767, 768, 769, 775, 776, 1535, 1536,
  4095, 4096, 4097, 24575, 24576, 24577, 24583, 25343, 25344, 25352, 49152, 49153, 73727, 73728, 73729];

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

  test('walkPlainRecords: a range or count outside the contract is a RangeError with a code, a wrong kind a TypeError', () => {
    const records = Buffer.from([2, 0, 0, 0, 0, 1, 0]);
    for (const [start, end, count] of [[-1, 3, 1], [0, records.length + 1, 1], [4, 3, 1], [0, 3, -1], [0, 3, 0.5], [0, 3, 2 ** 31]]) {
      assert.throws(() => addon.walkPlainRecords(records, start, end, count), (e: NodeJS.ErrnoException) => e instanceof RangeError
        && e.code === 'ERR_SEGLOG_RECORD_WALK_RANGE', `[${start}, ${end}) count ${count}`);
    }
    for (const args of [['123', 0, 3, 1], [new Int8Array(4), 0, 2, 1], [records, 0, 3]]) {
      assert.throws(() => addon.walkPlainRecords(...args), (e: NodeJS.ErrnoException) => e instanceof TypeError
        && e.code === 'ERR_SEGLOG_RECORD_WALK_ARGS', String(args[0]));
    }
    assert.ok(Number.isNaN(addon.walkPlainRecords(records, 0, records.length, 1)), 'a record that does not walk is NaN, not a throw');
  });

  test('both bulk paths (vector fold, three streams) match the reference around their step lengths, from every alignment', () => {
    // The same bytes in both processes: an LCG the child can rebuild from its seed.
    const script = `
      const addon = require(${JSON.stringify(ADDON_PATH)});
      const bytes = Buffer.alloc(80000);
      let x = 12345;
      for (let i = 0; i < bytes.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; bytes[i] = x >>> 24; }
      const lengths = ${JSON.stringify(FOLD_AND_STREAM_LENGTHS)};
      const out = { vectorFolding: addon.vectorFolding, crcs: [] };
      for (const n of lengths) for (let start = 0; start < 9; start++) out.crcs.push(addon.crc32c(bytes, start, start + n, 0x1234567));
      process.stdout.write(JSON.stringify(out));`;
    const bytes = Buffer.alloc(80000);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    const expected: number[] = [];
    for (const n of FOLD_AND_STREAM_LENGTHS) {
      for (let start = 0; start < 9; start++) expected.push(referenceCrc32c(bytes, start, start + n, 0x1234567));
    }
    for (const vector of ['1', '0']) {
      const env = { ...process.env, SEGLOG_CRC32C_VECTOR: vector };
      const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
      assert.is(child.status, 0, child.stderr);
      const out = JSON.parse(child.stdout) as { vectorFolding: boolean; crcs: number[] };
      if (vector === '0') assert.is(out.vectorFolding, false, 'SEGLOG_CRC32C_VECTOR=0 turns the fold off');
      else assert.is(out.vectorFolding, addon.vectorFolding, 'the fold is on wherever the CPU has it');
      assert.equal(out.crcs, expected, `SEGLOG_CRC32C_VECTOR=${vector}`);
    }
  });

  test('the addon is what the platform chose for crc32c (unless SEGLOG_NATIVE=0)', () => {
    const expected = process.env['SEGLOG_NATIVE'] === '0' ? 'fallback:slice-by-16' : 'native:seglog-crc32c';
    assert.is(platformReport().crc32c, expected);
  });
}

test.run();
