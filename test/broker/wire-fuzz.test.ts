// Wire fuzz harness: real requests for every supported API, mutated (bit flips, extreme integers,
// truncation, inserted bytes, a lying size prefix), sent on fresh connections to a broker in a child
// process. Every run asserts that the broker answers or closes only the offending connection, stays
// alive and answering, keeps its RSS bounded, stops with exit 0 and leaves a directory `seglog verify`
// accepts. A few seconds by default; SEGLOG_FUZZ_MS lengthens it, SEGLOG_SEED replays a run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader, type Writer } from '../../lib/broker/protocol/wire.js';
import { ApiKey, SUPPORTED_APIS } from '../../lib/broker/protocol/api-keys.js';
import { encodeBatch } from '../../lib/index.js';
import { removeTempDirs, seedFromEnv, seededRandom, tempDir } from '../helpers/tmp.js';
import { WireClient, requestFrame, startBrokerChild } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const FUZZ_MS = Number(process.env.SEGLOG_FUZZ_MS ?? 4000);
const WORKERS = 4;
const MIB = 1024 * 1024;
/** How long a mutated request may go unanswered before its connection is dropped (long polls, parked joins). */
const ANSWER_WAIT_MS = 1500;

test.after.each(() => removeTempDirs());

type Body = (w: Writer) => void;

/** One well-formed request per supported API, at its highest version. */
function seedRequests(): { apiKey: number; version: number; body: Body }[] {
  const batch = encodeBatch([{ key: 'k', value: 'v' }, { key: null, value: 'w' }], { nowMs: 1_700_000_000_000 });
  const idempotent = encodeBatch([{ key: 'k', value: 'i' }], { nowMs: 1_700_000_000_000, producerId: 0, producerEpoch: 0,
      baseSequence: 0 });
  const seeds: { apiKey: number; version: number; body: Body }[] = [
    { apiKey: ApiKey.Produce, version: 7, body: (w) => w.nullableString(null).int16(-1).int32(1000).int32(1).string('f').int32(1)
        .int32(0).bytesField(batch) },
    { apiKey: ApiKey.Produce, version: 7, body: (w) => w.nullableString(null).int16(1).int32(1000).int32(1).string('f').int32(1)
        .int32(1).bytesField(idempotent) },
    { apiKey: ApiKey.Fetch, version: 11, body: (w) => w.int32(-1).int32(100).int32(1).int32(MIB).int8(0).int32(0).int32(-1)
        .int32(1).string('f').int32(1).int32(0).int32(-1).int64(0).int64(-1).int32(MIB).int32(0).string('') },
    { apiKey: ApiKey.ListOffsets, version: 3, body: (w) => w.int32(-1).int8(0).int32(1).string('f').int32(1).int32(0).int64(-1) },
    { apiKey: ApiKey.Metadata, version: 4, body: (w) => w.int32(1).string('f').boolean(false) },
    { apiKey: ApiKey.OffsetCommit, version: 5, body: (w) => w.string('g').int32(-1).string('').int32(1).string('f').int32(1).int32(0)
        .int64(1).nullableString('m') },
    { apiKey: ApiKey.OffsetFetch, version: 4, body: (w) => w.string('g').int32(1).string('f').int32(1).int32(0) },
    { apiKey: ApiKey.FindCoordinator, version: 2, body: (w) => w.string('g').int8(0) },
    { apiKey: ApiKey.JoinGroup, version: 5, body: (w) => w.string('g').int32(6000).int32(1000).string('').nullableString(null)
        .string('consumer').int32(1).string('range').bytesField(Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 102, 0, 0, 0, 0])) },
    { apiKey: ApiKey.Heartbeat, version: 3, body: (w) => w.string('g').int32(1).string('m').nullableString(null) },
    { apiKey: ApiKey.LeaveGroup, version: 2, body: (w) => w.string('g').string('m') },
    { apiKey: ApiKey.SyncGroup, version: 3, body: (w) => w.string('g').int32(1).string('m').nullableString(null).int32(1).string('m')
        .bytesField(Buffer.from([0, 1])) },
    { apiKey: ApiKey.ApiVersions, version: 2, body: () => undefined },
    { apiKey: ApiKey.CreateTopics, version: 3, body: (w) => w.int32(1).string('c').int32(2).int16(1).int32(0).int32(1)
        .string('retention.ms').nullableString('60000').int32(1000).boolean(false) },
    { apiKey: ApiKey.DeleteTopics, version: 3, body: (w) => w.int32(1).string('c').int32(1000) },
    { apiKey: ApiKey.InitProducerId, version: 1, body: (w) => w.nullableString(null).int32(60000) },
    { apiKey: ApiKey.InitProducerId, version: 1, body: (w) => w.nullableString('t').int32(60000) },
    { apiKey: ApiKey.AddPartitionsToTxn, version: 2, body: (w) => w.string('t').int64(0).int16(0).int32(1).string('f').int32(1).int32(0) },
    { apiKey: ApiKey.AddOffsetsToTxn, version: 2, body: (w) => w.string('t').int64(0).int16(0).string('g') },
    { apiKey: ApiKey.TxnOffsetCommit, version: 2, body: (w) => w.string('t').string('g').int64(0).int16(0).int32(1).string('f').int32(1)
        .int32(0).int64(1).int32(-1).nullableString(null) },
    { apiKey: ApiKey.EndTxn, version: 2, body: (w) => w.string('t').int64(0).int16(0).boolean(true) },
    { apiKey: ApiKey.DescribeGroups, version: 4, body: (w) => w.int32(2).string('g').string('other').boolean(false) },
    { apiKey: ApiKey.ListGroups, version: 2, body: () => undefined },
    { apiKey: ApiKey.DeleteGroups, version: 1, body: (w) => w.int32(1).string('gone') },
    { apiKey: ApiKey.OffsetDelete, version: 0, body: (w) => w.string('g').int32(1).string('f').int32(1).int32(0) },
    { apiKey: ApiKey.DescribeConfigs, version: 2, body: (w) => w.int32(1).int8(2).string('f').int32(1).string('retention.ms')
        .boolean(false) },
    { apiKey: ApiKey.AlterConfigs, version: 1, body: (w) => w.int32(1).int8(2).string('f').int32(1).string('retention.ms')
        .nullableString('60000').boolean(true) },
    { apiKey: ApiKey.IncrementalAlterConfigs, version: 0, body: (w) => w.int32(1).int8(2).string('f').int32(1)
        .string('cleanup.policy').int8(2).nullableString('compact').boolean(true) },
    { apiKey: ApiKey.CreatePartitions, version: 1, body: (w) => w.int32(1).string('f').int32(2).int32(-1).int32(1000).boolean(true) },
    { apiKey: ApiKey.DeleteRecords, version: 1, body: (w) => w.int32(1).string('f').int32(1).int32(0).int64(0).int32(1000) },
  ];
  const covered = new Set(seeds.map((s) => s.apiKey));
  for (const api of SUPPORTED_APIS) assert.ok(covered.has(api.apiKey), `no fuzz seed for API ${api.apiKey}`);
  return seeds;
}

const EXTREME_INT32 = [0, -1, 1, 0x7fffffff, -0x80000000, 0x10000, 0xffff];

/** A mutated copy of `frame` (size prefix included); the prefix is kept truthful unless that is the mutation. */
function mutate(frame: Buffer, random: () => number): Buffer {
  let bytes = Buffer.from(frame);
  const pick = (n: number) => Math.floor(random() * n);
  const rounds = 1 + pick(4);
  let honestSize = true;
  for (let i = 0; i < rounds; i++) {
    const at = 4 + pick(Math.max(1, bytes.length - 4));
    switch (pick(6)) {
      case 0:
        bytes[at] = (bytes[at] ?? 0) ^ (1 << pick(8));
        break;
      case 1:
        if (at + 4 <= bytes.length) bytes.writeInt32BE(EXTREME_INT32[pick(EXTREME_INT32.length)] as number, at);
        break;
      case 2:
        if (at + 2 <= bytes.length) bytes.writeInt16BE([-1, 0x7fff, -0x8000, 0][pick(4)] as number, at);
        break;
      case 3:
        bytes = bytes.subarray(0, Math.max(4 + 8, at));
        break;
      case 4:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: 1 + pick(16) }, () => pick(256))),
          bytes.subarray(at)]);
        break;
      default:
        honestSize = false;
        bytes.writeInt32BE([bytes.length, bytes.length + 100, 0, -1, 5 * MIB, 2 * MIB][pick(6)] as number, 0);
    }
  }
  if (honestSize) bytes.writeInt32BE(bytes.length - 4, 0);
  return bytes;
}

/** Sends one frame on a fresh connection: 'answered', 'closed', or 'waiting' (dropped after ANSWER_WAIT_MS). */
async function sendOne(port: number, frame: Buffer): Promise<string> {
  const client = await WireClient.open(port);
  try {
    client.send(frame);
    return await Promise.race([
      client.next(ANSWER_WAIT_MS).then(() => 'answered', () => 'waiting'),
      client.closed.then(() => 'closed'),
    ]);
  } finally {
    client.close();
  }
}

async function apiVersionsAnswered(port: number, correlationId: number): Promise<boolean> {
  const client = await WireClient.open(port);
  try {
    const r = new Reader(await client.request(requestFrame(ApiKey.ApiVersions, 0, correlationId, () => undefined)));
    return r.int32() === correlationId;
  } finally {
    client.close();
  }
}

test(`mutated requests for every API (${FUZZ_MS} ms): the broker answers or closes, stays alive, bounded, verifiable`, async () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const dataDir = join(tempDir('seglog-fuzz-'), 'data');
  const child = await startBrokerChild(dataDir, {
    listen: { requestBytesMax: MIB, queuedRequestBytesMax: 4 * MIB, autoCreateTopics: true },
    broker: { initialRebalanceDelayMs: 0 },
  }, ['--nofile=512:512']);
  const seeds = seedRequests();
  const outcomes = new Map<string, number>();
  let sent = 0;
  try {
    const setup = await WireClient.open(child.port);
    await setup.request(requestFrame(ApiKey.CreateTopics, 3, 1, (w) => w.int32(1).string('f').int32(2).int16(1).int32(0).int32(0)
        .int32(1000).boolean(false)));
    setup.close();
    const baseline = await child.stats();
    const deadline = performance.now() + FUZZ_MS;
    await Promise.all(Array.from({ length: WORKERS }, async () => {
      while (performance.now() < deadline) {
        const s = seeds[Math.floor(random() * seeds.length)] as (typeof seeds)[number];
        const original = requestFrame(s.apiKey, s.version, sent + 10, s.body);
        const frame = random() < 0.1 ? original : mutate(original, random);
        const outcome = await sendOne(child.port, frame);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        sent += 1;
        if (sent % 50 === 0) assert.ok(await apiVersionsAnswered(child.port, sent), `seed ${seed}: broker stopped answering`);
      }
    }));
    assert.ok(sent > 0);
    assert.ok(await apiVersionsAnswered(child.port, 7), `seed ${seed}: broker stopped answering`);
    const end = await child.stats();
    const grownBytes = end.rssBytes - baseline.rssBytes;
    assert.ok(grownBytes < 150 * MIB, `seed ${seed}: RSS grew by ${(grownBytes / MIB).toFixed(0)} MiB over ${sent} requests`);
  } finally {
    assert.is(await child.stop(), 0, `seed ${seed}: the broker did not stop cleanly`);
  }
  execFileSync(process.execPath, [MAIN, 'verify', dataDir], { encoding: 'utf8' });
  assert.ok((outcomes.get('answered') ?? 0) > 0 && (outcomes.get('closed') ?? 0) > 0,
      `seed ${seed}: ${JSON.stringify([...outcomes])} — a harness that never gets an answer or a close tests nothing`);
});

test.run();
