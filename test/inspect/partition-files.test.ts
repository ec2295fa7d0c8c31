// The side files of a partition / data directory: the real broker's files read with the values a
// reader of the text sees, and damaged copies of each giving problems or a typed error (never a
// crash); the helper `verify` can use (checkPartitionFiles) on both.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeglogError } from '../../lib/errors.js';
import { checkPartitionFiles, dumpFileKind, readPartitionFile } from '../../lib/inspect/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const brokerDir = join(root, 'fixtures/kafka-broker');

test.after.each(removeTempDirs);

test('the real broker: leader-epoch-checkpoint, partition.metadata, quorum-state, meta.properties, checkpoints', () => {
  const epochs = readPartitionFile(join(brokerDir, '__cluster_metadata-0/leader-epoch-checkpoint'))!;
  assert.is(epochs.kind, 'leader-epoch-checkpoint');
  assert.equal(epochs.entries, [{ epoch: 1, startOffset: 0 }]);
  assert.equal(readPartitionFile(join(brokerDir, '__consumer_offsets-6/leader-epoch-checkpoint'))!.entries, [{ epoch: 0, startOffset: 0 }]);
  const metadata = readPartitionFile(join(brokerDir, '__consumer_offsets-6/partition.metadata'))!;
  assert.equal(metadata.fields, { version: 0, topic_id: 'gSnfpEbtQfSDpxM2lhEn9A' });
  const quorum = readPartitionFile(join(brokerDir, '__cluster_metadata-0/quorum-state'))!;
  assert.is(quorum.fields!['leaderId'], 1);
  assert.is(quorum.fields!['leaderEpoch'], 1);
  assert.equal(quorum.fields!['currentVoters'], [1]);
  const meta = readPartitionFile(join(brokerDir, 'meta.properties'))!;
  assert.equal(meta.fields, {
    'node.id': '1', 'directory.id': 'XHhkr4tkSsD900pOQ8pPfg', version: '1', 'cluster.id': 'q1w2e3r4t5y6u7i8o9p0',
  });
  const recovery = readPartitionFile(join(brokerDir, 'recovery-point-offset-checkpoint'))!;
  assert.is(recovery.entries!.length, 54);
  assert.equal(readPartitionFile(join(brokerDir, 'cleaner-offset-checkpoint'))!.entries, []);
  assert.equal(readPartitionFile(join(brokerDir, 'log-start-offset-checkpoint'))!.entries, []);
  const all = [
    '__cluster_metadata-0/leader-epoch-checkpoint', '__cluster_metadata-0/partition.metadata', '__cluster_metadata-0/quorum-state',
    '__consumer_offsets-6/leader-epoch-checkpoint', '__consumer_offsets-6/partition.metadata', 'TestTopicPatient-0/leader-epoch-checkpoint',
    'TestTopicPatient-0/partition.metadata', 'meta.properties', 'recovery-point-offset-checkpoint', 'log-start-offset-checkpoint',
    'cleaner-offset-checkpoint'].map((p) => join(brokerDir, p));
  for (const path of all) assert.ok(dumpFileKind(path) !== null, path);
  assert.equal(checkPartitionFiles(all, 13), []);
});

test('damaged side files: rules broken are problems, unparseable files are SEGLOG_CORRUPT_CHECKPOINT naming the file', () => {
  const dir = tempDir();
  let made = 0;
  const write = (name: string, text: string): string => {
    const sub = join(dir, `p-${made++}`);
    mkdirSync(sub);
    const path = join(sub, name);
    writeFileSync(path, text);
    return path;
  };
  const falling = write('leader-epoch-checkpoint', '0\n3\n0 0\n2 10\n1 5\n');
  const problems = readPartitionFile(falling)!.problems;
  assert.equal(problems, ['line 5: epoch 1 does not rise above 2', 'line 5: start offset 5 falls below 10']);
  const badId = write('partition.metadata', 'version: 0\ntopic_id: not-a-uuid\n');
  assert.equal(readPartitionFile(badId)!.problems, ['topic_id "not-a-uuid" is not a base64 UUID']);
  const noNode = write('meta.properties', 'version=1\ncluster.id=abc\n');
  assert.equal(readPartitionFile(noNode)!.problems, ['version 1 without node.id']);
  assert.equal(readPartitionFile(write('meta.properties', '#x\nversion=0\n'))!.problems, ['version 0 without broker.id']);
  const badCount = write('leader-epoch-checkpoint', '0\n2\n0 0\n');
  const garbage = write('quorum-state', '{"leaderId": 1');
  for (const path of [badCount, garbage]) {
    try {
      readPartitionFile(path);
      assert.unreachable(`${path} should not parse`);
    } catch (error) {
      assert.instance(error, SeglogError);
      assert.is((error as SeglogError).code, 'SEGLOG_CORRUPT_CHECKPOINT');
      assert.is((error as SeglogError).path, path);
    }
  }
  const found = checkPartitionFiles([falling, badId, noNode, badCount, garbage], 7);
  assert.equal(found.map((f) => f.path), [falling, falling, falling, badId, noNode, badCount, garbage]);
  assert.match(found[2]!.message, /epoch 2 starts at 10, beyond the log end offset 7/);
});

test('a copied real file reads the same as the original (no dependence on the directory name)', () => {
  const dir = tempDir();
  const path = join(dir, 'leader-epoch-checkpoint');
  copyFileSync(join(brokerDir, '__cluster_metadata-0/leader-epoch-checkpoint'), path);
  assert.equal(readPartitionFile(path)!.entries, [{ epoch: 1, startOffset: 0 }]);
});

test.run();
