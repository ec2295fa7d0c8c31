// `seglog dump` with the internal-topic decoders, the index checks and the side files, as a user
// runs it (spawned `node dist/lib/cli/main.js`): lines as kafka-dump-log prints them, `decoded` in
// --json, exit statuses, and one stderr line per problem.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { controlKey, encodeBatch } from '../../lib/record/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'dist/lib/cli/main.js');
const B = 'fixtures/kafka-broker';
const offsetsLog = `${B}/__consumer_offsets-6/00000000000000000000.log`;
const metadataLog = `${B}/__cluster_metadata-0/00000000000000000000.log`;

test.after.each(removeTempDirs);

function run(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--offsets-decoder: every record line carries a decoded key and payload; --json adds decoded', () => {
  const text = run(['dump', '--offsets-decoder', offsetsLog]);
  assert.is(text.status, 0, text.stderr);
  const lines = text.stdout.split('\n').filter((l) => l.startsWith('| offset:'));
  assert.is(lines.length, 13);
  const commit = (l: string): boolean =>
    / key: \{"type":"1","data":\{"group":/.test(l) && / payload: \{"version":"3","data":\{"offset":/.test(l);
  assert.is(lines.filter(commit).length, 7);
  assert.is(lines.filter((l) => / key: \{"type":"2","data":\{"group":/.test(l) && /"protocolType":"consumer"/.test(l)).length, 6);
  const json = run(['dump', '--offsets-decoder', '--json', offsetsLog]);
  assert.is(json.status, 0);
  type Line = { records: Array<{ decoded: { note: null; type: string } }> };
  const records = json.stdout.trim().split('\n').flatMap((l) => (JSON.parse(l) as Line).records);
  assert.is(records.length, 13);
  for (const r of records) assert.is(r.decoded.note, null);
  assert.not.ok(json.stdout.includes('"value":'), 'raw bytes only with --print-data');
  const withRaw = run(['dump', '--offsets-decoder', '--json', '--print-data', '--encoding', 'hex', offsetsLog]);
  const first = (JSON.parse(withRaw.stdout.split('\n')[0]!) as { records: Array<{ key: string; decoded: object }> }).records[0]!;
  assert.is(first.key.slice(0, 4), '0002', 'raw key kept beside decoded');
  assert.ok(first.decoded !== undefined);
});

test('--cluster-metadata-decoder: payloads as Kafka prints them, the leader change decoded, no errors', () => {
  const r = run(['dump', '--cluster-metadata-decoder', metadataLog]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('| offset:'));
  assert.is(lines.length, 4929);
  assert.is(lines.filter((l) => l.includes(' payload: {"type":"NO_OP_RECORD","version":0,"data":{}}')).length, 4801);
  assert.is(lines.filter((l) => l.includes(' payload: {"type":"PARTITION_RECORD","version":1,"data":{"partitionId":')).length, 54);
  assert.ok(lines[0]!.endsWith(' LeaderChange {"version":0,"leaderId":1,"voters":[{"voterId":1}],"grantingVoters":[{"voterId":1}]}'));
  assert.not.ok(r.stdout.includes('undecoded'));
});

test('an unknown metadata record type is shown raw with a note, exit 0; two decoders at once are a usage error', () => {
  const dir = tempDir();
  const path = join(dir, '00000000000000000000.log');
  writeFileSync(path, encodeBatch([{ key: null, value: Buffer.from([1, 99, 0, 7]), timestampMs: 1 }], { baseOffset: 0 }));
  const r = run(['dump', '--cluster-metadata-decoder', '--encoding', 'hex', path]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /payload: 01630007 undecoded: unknown metadata record type 99 \(version 0\) at offset 0/);
  const both = run(['dump', '--offsets-decoder', '--cluster-metadata-decoder', path]);
  assert.is(both.status, 2);
  assert.match(both.stderr, /choose one decoder/);
});

test('--transaction-log-decoder on hand-made __transaction_state records prints Kafka\'s text', () => {
  const dir = tempDir();
  const path = join(dir, '00000000000000000000.log');
  const key = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('tx1')]);
  const value = Buffer.alloc(2 + 8 + 2 + 4 + 1 + 4 + 8 + 8);
  let at = value.writeInt16BE(0, 0);
  at = value.writeBigInt64BE(77n, at);
  at = value.writeInt16BE(3, at);
  at = value.writeInt32BE(900, at);
  at = value.writeInt8(5, at);
  at = value.writeInt32BE(0, at);
  at = value.writeBigInt64BE(123n, at);
  value.writeBigInt64BE(100n, at);
  writeFileSync(path, encodeBatch([{ key, value, timestampMs: 1 }, { key, value: null, timestampMs: 2 }], { baseOffset: 0 }));
  const r = run(['dump', '--transaction-log-decoder', path]);
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(' key: transaction_metadata::transactionalId=tx1 payload: producerId:77,producerEpoch:3,' +
    'state=CompleteAbort,partitions=[],txnLastUpdateTimestamp=123,txnTimeoutMs=900\n'));
  assert.match(r.stdout, / key: transaction_metadata::transactionalId=tx1 payload: <DELETE>\n/);
});

test('--index-sanity-check and --verify-index-only: clean indexes pass, broken ones exit 1 with the problem on stderr', () => {
  const index = `${B}/__consumer_offsets-6/00000000000000000000.index`;
  const timeIndex = `${B}/__consumer_offsets-6/00000000000000000000.timeindex`;
  const sane = run(['dump', '--index-sanity-check', index, timeIndex]);
  assert.is(sane.status, 0, sane.stderr);
  assert.is(sane.stdout, `${index} passed sanity check.\n${timeIndex} passed sanity check.\n`);
  const dir = tempDir();
  const bad = join(dir, '00000000000000000100.index');
  const bytes = Buffer.alloc(16);
  bytes.writeInt32BE(5, 0); bytes.writeInt32BE(400, 4); bytes.writeInt32BE(3, 8); bytes.writeInt32BE(900, 12);
  writeFileSync(bad, bytes);
  const insane = run(['dump', '--index-sanity-check', bad]);
  assert.is(insane.status, 1);
  assert.is(insane.stdout, '');
  assert.is(insane.stderr, `seglog: ${bad}: entry 1: offset 103 does not rise above 105\n`);
  const verified = run(['dump', '--verify-index-only', index, timeIndex]);
  assert.is(verified.status, 0, verified.stderr);
  assert.is(verified.stdout, `Dumping ${index}\nDumping ${timeIndex}\n`, 'no entries listed');
  const mismatch = run(['dump', '--verify-index-only', 'fixtures/inspect/corrupt/index-mismatch/00000000000000000000.index']);
  assert.is(mismatch.status, 1);
  assert.match(mismatch.stderr, /Mismatches in :/);
});

test('side files dump by name; a broken rule is one stderr line and exit 1', () => {
  const ok = run(['dump', `${B}/meta.properties`, `${B}/__cluster_metadata-0/quorum-state`,
    `${B}/__consumer_offsets-6/leader-epoch-checkpoint`,
    `${B}/__consumer_offsets-6/partition.metadata`, `${B}/recovery-point-offset-checkpoint`]);
  assert.is(ok.status, 0, ok.stderr);
  assert.ok(ok.stdout.includes('cluster.id: q1w2e3r4t5y6u7i8o9p0\n'));
  assert.ok(ok.stdout.includes('epoch: 0 startOffset: 0\n'));
  assert.ok(ok.stdout.includes('topic_id: gSnfpEbtQfSDpxM2lhEn9A\n'));
  assert.ok(ok.stdout.includes('topic: TestTopicPatient partition: 0 offset: 0\n'));
  const dir = tempDir();
  const epochs = join(dir, 'leader-epoch-checkpoint');
  writeFileSync(epochs, '0\n2\n3 0\n2 9\n');
  const bad = run(['dump', '--json', epochs]);
  assert.is(bad.status, 1);
  assert.equal(JSON.parse(bad.stdout).entries, [{ epoch: 3, startOffset: 0 }, { epoch: 2, startOffset: 9 }]);
  assert.is(bad.stderr, `seglog: ${epochs}: line 4: epoch 2 does not rise above 3\n`);
});

test('a KRaft snapshot (<offset>-<epoch>.checkpoint) dumps as record batches with the metadata decoder; verify checks it', () => {
  const dir = tempDir();
  // The fixture's metadata log under a snapshot's name: the same batches, the same decoded records.
  const copied = join(dir, '00000000000000004929-0000000001.checkpoint');
  copyFileSync(join(root, metadataLog), copied);
  const r = run(['dump', '--cluster-metadata-decoder', copied]);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('| offset:'));
  assert.is(lines.length, 4929);
  assert.is(lines.filter((l) => l.includes(' payload: {"type":"TOPIC_RECORD","version":0,"data":{')).length, 5);
  // A snapshot as Kafka frames one: a SnapshotHeader control batch, data, a SnapshotFooter control batch.
  const header = Buffer.concat([Buffer.from([0, 0]), Buffer.from('000001890000cafe', 'hex'), Buffer.from([0])]);
  const control = (type: number, value: Buffer, offset: number): Uint8Array =>
    encodeBatch([{ key: controlKey(type), value, timestampMs: 1_700_000_000_000 }], { baseOffset: offset, isControl: true });
  const snapshot = join(dir, '00000000000000000002-0000000003.checkpoint');
  const data = encodeBatch([{ key: 'k', value: 'v', timestampMs: 1_700_000_000_000 }], { baseOffset: 1 });
  writeFileSync(snapshot, Buffer.concat([control(3, header, 0), data, control(4, Buffer.from([0, 0, 0]), 2)]));
  const framed = run(['dump', '--cluster-metadata-decoder', snapshot]);
  assert.is(framed.status, 0, framed.stderr);
  assert.match(framed.stdout, / SnapshotHeader \{"version":0,"lastContainedLogTimestamp":1687922199294\}/);
  assert.match(framed.stdout, / SnapshotFooter \{"version":0\}/);
  const verify = run(['verify', snapshot]);
  assert.is(verify.status, 0, verify.stdout + verify.stderr);
  // In a metadata partition directory, verify checks the snapshot beside the log.
  const partition = join(dir, '__cluster_metadata-0');
  mkdirSync(partition);
  copyFileSync(join(root, metadataLog), join(partition, '00000000000000000000.log'));
  copyFileSync(snapshot, join(partition, '00000000000000000002-0000000003.checkpoint'));
  const clean = run(['verify', partition]);
  assert.is(clean.status, 0, clean.stdout + clean.stderr);
  for (const path of [snapshot, join(partition, '00000000000000000002-0000000003.checkpoint')]) {
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(path, bytes);
    const damaged = run(['verify', path === snapshot ? snapshot : partition]);
    assert.is(damaged.status, 1, damaged.stdout);
    assert.match(damaged.stdout, /\.checkpoint: .*crc-mismatch/);
  }
});

test.run();
