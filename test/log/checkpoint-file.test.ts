import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatOffsetCheckpoint, parseOffsetCheckpoint, readOffsetCheckpoint,
  writeOffsetCheckpoint } from '../../lib/log/checkpoint-file.js';
import { CorruptCheckpointError } from '../../lib/errors.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

/** A real Kafka broker's data directory, kept in the repository (runs from dist/test/log/). */
const KAFKA_BROKER_DIR = fileURLToPath(new URL('../../../fixtures/kafka-broker', import.meta.url));

test.after.each(removeTempDirs);

test('writes Kafka text format and reads it back', () => {
  const dir = tempDir();
  const path = join(dir, 'recovery-point-offset-checkpoint');
  writeOffsetCheckpoint(path, [{ topic: 'my-topic', partition: 0, offset: 1234 }, { topic: 'my-topic', partition: 1, offset: 99 }]);
  assert.is(readFileSync(path, 'utf8'), '0\n2\nmy-topic 0 1234\nmy-topic 1 99\n');
  assert.equal(readOffsetCheckpoint(path), [{ topic: 'my-topic', partition: 0, offset: 1234 }, { topic: 'my-topic', partition: 1,
    offset: 99 }]);
  assert.not.ok(existsSync(`${path}.tmp`));
});

test('reads the real Kafka broker checkpoint files', () => {
  const root = KAFKA_BROKER_DIR;
  if (!existsSync(join(root, 'recovery-point-offset-checkpoint'))) assert.unreachable(`fixture missing in ${root}`);
  const entries = readOffsetCheckpoint(join(root, 'recovery-point-offset-checkpoint'));
  assert.is(entries.length, 54);
  assert.is(entries.filter((e) => e.topic === '__consumer_offsets').length, 50);
  assert.ok(entries.some((e) => e.topic === 'TestTopicPatient' && e.partition === 0 && e.offset === 0));
  assert.equal(readOffsetCheckpoint(join(root, 'cleaner-offset-checkpoint')), []);
});

test('missing and empty files are no entries', () => {
  const dir = tempDir();
  assert.equal(readOffsetCheckpoint(join(dir, 'nope')), []);
  writeFileSync(join(dir, 'empty'), '');
  assert.equal(readOffsetCheckpoint(join(dir, 'empty')), []);
});

test('malformed files are CorruptCheckpointError', () => {
  for (const text of ['1\n0\n', '0\nx\n', '0\n2\nt 0 1\n', '0\n1\nt zero 1\n', '0\n1\nt 0\n', '0\n1\nt 0 99999999999999999999\n']) {
    try {
      parseOffsetCheckpoint(text, '/x');
      assert.unreachable(`accepted ${JSON.stringify(text)}`);
    } catch (error) {
      assert.instance(error, CorruptCheckpointError);
    }
  }
  assert.is(formatOffsetCheckpoint([]), '0\n0\n');
});

test.run();
