/**
 * lib/errors.ts and docs/errors.md stay in sync (every exported error class has a row with the same
 * code and class name, and every row names an exported class), and toLine() has the format the CLI
 * prints.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as errors from '../lib/errors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(`${root}/docs/errors.md`, 'utf8');

interface ErrorClass {
  readonly name: string;
  readonly code: string;
  new (message: string, place?: errors.ErrorPlace): errors.SeglogError;
}

/** Exported subclasses of SeglogError with a static code (the defineError ones). */
const classes: ErrorClass[] = (Object.values(errors) as unknown[]).filter(
  (value): value is ErrorClass =>
    typeof value === 'function' && value.prototype instanceof errors.SeglogError && typeof (value as { code?: unknown }).code === 'string',
);

/** `| `CODE` | `ClassName` | when |` rows of the table. */
const rows = [...doc.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|\s*`([A-Za-z0-9]+)`\s*\|/gm)].map((m) => ({ code: m[1] ?? '', name: m[2] ?? '' }));

test('lib/errors.ts exports error classes and docs/errors.md has rows', () => {
  assert.ok(classes.length >= 10, `found ${classes.length} classes`);
  assert.ok(rows.length >= 10, `found ${rows.length} rows`);
});

test('every exported error class has a row with the same code and class name', () => {
  const missing = classes.filter((cls) => !rows.some((row) => row.code === cls.code && row.name === cls.name));
  assert.equal(missing.map((cls) => `${cls.code} ${cls.name}`), [], 'add these rows to docs/errors.md');
});

test('every row in docs/errors.md names an exported class with that code', () => {
  const extra = rows.filter((row) => !classes.some((cls) => row.code === cls.code && row.name === cls.name));
  assert.equal(extra.map((row) => `${row.code} ${row.name}`), [], 'rows without a matching class in lib/errors.ts');
});

test('codes and class names are unique and codes are SEGLOG_*', () => {
  const codes = classes.map((cls) => cls.code);
  const names = classes.map((cls) => cls.name);
  assert.is(new Set(codes).size, codes.length, `duplicate code in ${codes.join(', ')}`);
  assert.is(new Set(names).size, names.length, `duplicate name in ${names.join(', ')}`);
  for (const code of codes) assert.match(code, /^SEGLOG_[A-Z0-9_]+$/);
  const rowCodes = rows.map((row) => row.code);
  assert.is(new Set(rowCodes).size, rowCodes.length, 'a code appears twice in docs/errors.md');
});

test('each instance carries its class code, name and place', () => {
  for (const cls of classes) {
    const error = new cls('something failed', { path: '/p', positionBytes: 12, offset: 34, cause: new Error('root') });
    assert.ok(error instanceof errors.SeglogError);
    assert.ok(error instanceof Error);
    assert.is(error.code, cls.code);
    assert.is(error.name, cls.name);
    assert.is(error.path, '/p');
    assert.is(error.positionBytes, 12);
    assert.is(error.offset, 34);
    assert.ok(error.cause instanceof Error);
  }
});

test('toLine(): code, message, and the place when there is one', () => {
  assert.is(new errors.CorruptRecordError('bad CRC').toLine(), 'SEGLOG_CORRUPT_RECORD: bad CRC');
  assert.is(
    new errors.CorruptRecordError('bad CRC', { path: '/d/00000000000000000000.log', positionBytes: 4096, offset: 17 }).toLine(),
    'SEGLOG_CORRUPT_RECORD: bad CRC (/d/00000000000000000000.log, position 4096, offset 17)',
  );
  assert.is(new errors.LogLockedError('locked', { path: '/d' }).toLine(), 'SEGLOG_LOG_LOCKED: locked (/d)');
  assert.is(new errors.OffsetOutOfRangeError('below start', { offset: 0 }).toLine(), 'SEGLOG_OFFSET_OUT_OF_RANGE: below start (offset 0)');
  assert.is(new errors.StorageError('x', { positionBytes: 0 }).toLine(), 'SEGLOG_IO: x (position 0)');
  for (const cls of classes) assert.not.match(new cls('m', { path: 'p' }).toLine(), '\n');
});

test('ioError(): ENOSPC/EDQUOT/EFBIG become NoSpaceError, others StorageError, seglog errors pass through', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'EFBIG']) {
    const system = Object.assign(new Error(`${code}: no space`), { code });
    const error = errors.ioError(system, 'append', { path: '/d/x.log' });
    assert.ok(error instanceof errors.NoSpaceError, code);
    assert.is(error.path, '/d/x.log');
    assert.is(error.cause, system);
  }
  const other = errors.ioError(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }), 'read', {});
  assert.ok(other instanceof errors.StorageError);
  assert.match(other.message, 'read: EIO');
  const original = new errors.CorruptIndexError('odd length');
  assert.is(errors.ioError(original, 'read', {}), original);
});

test.run();
