import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JoinGroupRequest } from '../../lib/broker/api/group.js';
import { Broker } from '../../lib/broker/broker.js';
import { GroupCoordinator } from '../../lib/broker/group-coordinator.js';
import { decodeGroupMetadataKey, decodeGroupMetadataValue, encodeGroupMetadataKey, encodeGroupMetadataValue,
  type StoredGroup } from '../../lib/broker/group-metadata-record.js';
import { readOfflineDirectory } from '../../lib/broker/offline-view.js';
import { ErrorCode } from '../../lib/broker/protocol/error-codes.js';
import { systemClock } from '../../lib/clock.js';
import { CorruptRecordError, InvalidPartitionsError } from '../../lib/errors.js';

function joinRequest(groupId: string, memberId = '', groupInstanceId: string | null = null, protocol = 'range'): JoinGroupRequest {
  return { groupId, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, memberId, groupInstanceId, protocolType: 'consumer',
    protocols: [{ name: protocol, metadata: Buffer.from(`meta-${protocol}`) }] };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'seglog-groups-'));
}

test('GroupMetadata records: key v2 and value v3 round-trip; offset keys are not group keys; damage is typed', () => {
  const group: StoredGroup = { protocolType: 'consumer', generationId: 7, protocolName: 'range', leaderId: 'm-1',
    currentStateTimestampMs: 1_700_000_000_000, members: [
      { memberId: 'm-1', groupInstanceId: 'static-a', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 300000,
        sessionTimeoutMs: 10000, subscription: Buffer.from([0, 1, 2]), assignment: Buffer.from([9, 9]) },
      { memberId: 'm-2', groupInstanceId: null, clientId: 'd', clientHost: '/127.0.0.2', rebalanceTimeoutMs: 5, sessionTimeoutMs: 6,
        subscription: Buffer.alloc(0), assignment: Buffer.alloc(0) },
    ] };
  const key = encodeGroupMetadataKey('g-ü');
  assert.is(key.readInt16BE(0), 2);
  assert.is(decodeGroupMetadataKey(key), 'g-ü');
  const offsetKey = Buffer.from([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 0]);
  assert.is(decodeGroupMetadataKey(offsetKey), null);
  const value = encodeGroupMetadataValue(group);
  assert.is(value.readInt16BE(0), 3);
  assert.equal(decodeGroupMetadataValue(value), group);
  assert.throws(() => decodeGroupMetadataValue(value.subarray(0, value.length - 3)), (e: unknown) => e instanceof CorruptRecordError);
  const future = Buffer.from(value);
  future.writeInt16BE(9, 0);
  assert.throws(() => decodeGroupMetadataValue(future), (e: unknown) => e instanceof CorruptRecordError);
});

test('a completed generation is stored before the members hear of it; a failed store fails the generation', async () => {
  const stored: (StoredGroup | null)[] = [];
  let failing = false;
  const c = new GroupCoordinator({ clock: systemClock, initialRebalanceDelayMs: 0, store: (_id, g) => {
    if (failing) throw new Error('disk gone');
    stored.push(g);
  } });
  const a = await c.join(joinRequest('g'), 'client', '/10.0.0.1');
  assert.is(stored.length, 0, 'nothing stored before the leader assigns');
  const synced = await c.sync({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [{ memberId: a.memberId,
    assignment: Buffer.from('A') }] });
  assert.is(synced.errorCode, ErrorCode.NONE);
  assert.is(stored.length, 1);
  assert.is(stored[0]!.generationId, 1);
  assert.is(stored[0]!.members[0]!.clientHost, '/10.0.0.1');
  assert.is(stored[0]!.members[0]!.assignment.toString(), 'A');
  assert.is(stored[0]!.members[0]!.subscription.toString(), 'meta-range');
  // Generation 2 cannot be stored: the members get the error, not an assignment.
  const bJoin = c.join(joinRequest('g'), 'b');
  const [a2, b2] = await Promise.all([c.join(joinRequest('g', a.memberId), 'client'), bJoin]);
  failing = true;
  const [sa, sb] = await Promise.all([
    c.sync({ groupId: 'g', generationId: 2, memberId: a2.memberId, assignments: [{ memberId: a2.memberId, assignment: Buffer.from('A') },
      { memberId: b2.memberId, assignment: Buffer.from('B') }] }),
    c.sync({ groupId: 'g', generationId: 2, memberId: b2.memberId, assignments: [] }),
  ]);
  assert.is.not(sa.errorCode, ErrorCode.NONE);
  assert.is.not(sb.errorCode, ErrorCode.NONE);
  assert.is(c.describe('g')!.state, 'PreparingRebalance');
  c.close();
});

test('static membership: a restarted static member takes its place back with its assignment and no rebalance', async () => {
  const c = new GroupCoordinator({ clock: systemClock, initialRebalanceDelayMs: 0 });
  const leader = await c.join(joinRequest('g', '', 'leader-instance'), 'l');
  const followerJoin = c.join(joinRequest('g', '', 'follower-instance'), 'f');
  const [leader2, follower] = await Promise.all([c.join(joinRequest('g', leader.memberId, 'leader-instance'), 'l'), followerJoin]);
  await Promise.all([
    c.sync({ groupId: 'g', generationId: leader2.generationId, memberId: leader.memberId, assignments: [
      { memberId: leader.memberId, assignment: Buffer.from('L') }, { memberId: follower.memberId, assignment: Buffer.from('F') }] }),
    c.sync({ groupId: 'g', generationId: follower.generationId, memberId: follower.memberId, assignments: [] }),
  ]);
  const generation = c.describe('g')!.generationId;
  // The follower restarts: same instance id, no member id.
  const back = await c.join(joinRequest('g', '', 'follower-instance'), 'f');
  assert.is(back.errorCode, ErrorCode.NONE);
  assert.is(back.generationId, generation, 'no new generation');
  assert.is.not(back.memberId, follower.memberId, 'a new member id');
  assert.is(c.describe('g')!.state, 'Stable');
  const synced = await c.sync({ groupId: 'g', generationId: generation, memberId: back.memberId, assignments: [] });
  assert.is(synced.assignment.toString(), 'F', 'its old assignment');
  assert.is(c.heartbeat('g', generation, follower.memberId), ErrorCode.FENCED_INSTANCE_ID, 'the old member id is fenced');
  assert.is(c.heartbeat('g', generation, leader.memberId), ErrorCode.NONE, 'the leader never noticed');
  // The leader restarts too: it gets the member list (Kafka's answer), and its SyncGroup moves nothing.
  const leaderBack = await c.join(joinRequest('g', '', 'leader-instance'), 'l');
  assert.is(leaderBack.generationId, generation);
  assert.is(leaderBack.leader, leaderBack.memberId, 'still the leader, under its new id');
  assert.is(leaderBack.members.length, 2);
  const leaderSync = await c.sync({ groupId: 'g', generationId: generation, memberId: leaderBack.memberId, assignments: [
    { memberId: leaderBack.memberId, assignment: Buffer.from('X') }, { memberId: back.memberId, assignment: Buffer.from('Y') }] });
  assert.is(leaderSync.assignment.toString(), 'L', 'a Stable group keeps its assignment');
  assert.is(c.describe('g')!.state, 'Stable');
  c.close();
});

test('the protocol is elected as Kafka does: each member votes for its first common protocol, the most votes win', async () => {
  const c = new GroupCoordinator({ clock: systemClock, initialRebalanceDelayMs: 50 });
  const prefer = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
  const joins = [
    c.join({ ...joinRequest('g'), protocols: prefer('range', 'cooperative-sticky') }, 'leader'),
    c.join({ ...joinRequest('g'), protocols: prefer('cooperative-sticky', 'range') }, 'b'),
    c.join({ ...joinRequest('g'), protocols: prefer('cooperative-sticky', 'range', 'roundrobin') }, 'c'),
  ];
  const answers = await Promise.all(joins);
  assert.equal(answers.map((a) => a.protocolName), ['cooperative-sticky', 'cooperative-sticky', 'cooperative-sticky']);
  const leader = answers.find((a) => a.members.length > 0)!;
  assert.equal(leader.members.map((m) => m.metadata.toString()), ['cooperative-sticky', 'cooperative-sticky', 'cooperative-sticky'],
    'the leader gets each member\'s metadata for the elected protocol');
  c.close();
});

test('restore puts a stored group back Stable; members that heartbeat keep the generation, the others expire', async () => {
  const c = new GroupCoordinator({ clock: systemClock, initialRebalanceDelayMs: 0, sessionTimeoutMinMs: 100 });
  c.restore('g', { protocolType: 'consumer', generationId: 4, protocolName: 'range', leaderId: 'a', currentStateTimestampMs: 0,
    members: [
      { memberId: 'a', groupInstanceId: null, clientId: 'ca', clientHost: '/h', rebalanceTimeoutMs: 300, sessionTimeoutMs: 300,
        subscription: Buffer.from('sa'), assignment: Buffer.from('A') },
      { memberId: 'b', groupInstanceId: null, clientId: 'cb', clientHost: '/h', rebalanceTimeoutMs: 300, sessionTimeoutMs: 300,
        subscription: Buffer.from('sb'), assignment: Buffer.from('B') },
    ] });
  const described = c.describe('g')!;
  assert.is(described.state, 'Stable');
  assert.is(described.generationId, 4);
  assert.equal(described.members.map((m) => [m.memberId, m.assignment.toString(), m.metadata.toString()]),
    [['a', 'A', 'sa'], ['b', 'B', 'sb']]);
  assert.is(c.heartbeat('g', 4, 'a'), ErrorCode.NONE);
  const keepAlive = setInterval(() => c.heartbeat('g', c.describe('g')!.generationId, 'a'), 50);
  await new Promise((r) => setTimeout(r, 450));
  // b never heartbeated: it expired and the group rebalances without it.
  assert.equal(c.describe('g')!.memberIds, ['a']);
  assert.is(c.describe('g')!.state, 'PreparingRebalance');
  clearInterval(keepAlive);
  c.close();
});

test('a broker restart keeps the group (generation, protocol, leader, members, assignments, offsets); delete tombstones both', async () => {
  const dir = tempDir();
  try {
    let broker = await Broker.open(dir, { initialRebalanceDelayMs: 0 });
    await broker.createTopic('t', { partitions: 2 });
    const a = await broker.groups.join(joinRequest('g'), 'client-a', '/127.0.0.1');
    await broker.groups.sync({ groupId: 'g', generationId: a.generationId, memberId: a.memberId,
      assignments: [{ memberId: a.memberId, assignment: Buffer.from('assigned') }] });
    broker.commitOffsets('g', [{ topic: 't', partition: 1, offset: 0 }]);
    const before = broker.describeGroup('g')!;
    await broker.close();

    // Offline, read-only: the same group and offsets.
    const offline = readOfflineDirectory(dir);
    const seen = offline.groups.find((g) => g.groupId === 'g')!;
    assert.is(seen.stored!.generationId, before.generationId);
    assert.equal(seen.offsets.map((o) => [o.topic, o.partition, o.committed.offset]), [['t', 1, 0]]);

    broker = await Broker.open(dir, { initialRebalanceDelayMs: 0 });
    const after = broker.describeGroup('g')!;
    assert.is(after.state, 'Stable');
    assert.is(after.generationId, before.generationId);
    assert.is(after.protocolName, 'range');
    assert.is(after.leaderId, a.memberId);
    assert.equal(after.members.map((m) => [m.memberId, m.clientHost, m.assignment.toString()]), [[a.memberId, '/127.0.0.1', 'assigned']]);
    assert.is(broker.groups.heartbeat('g', before.generationId, a.memberId), ErrorCode.NONE, 'the member carries on');
    assert.is(broker.committedOffset('g', 't', 1)!.offset, 0);
    assert.equal(broker.listGroups().map((g) => [g.groupId, g.state]), [['g', 'Stable']]);
    assert.is(broker.deleteGroup('g'), ErrorCode.NON_EMPTY_GROUP, 'not while it has members');
    assert.is(broker.groups.leave('g', a.memberId), ErrorCode.NONE);
    assert.is(broker.describeGroup('g')!.state, 'Empty');
    assert.is(broker.deleteGroup('g'), ErrorCode.NONE);
    assert.is(broker.deleteGroup('g'), ErrorCode.GROUP_ID_NOT_FOUND);
    await broker.close();

    broker = await Broker.open(dir, { initialRebalanceDelayMs: 0 });
    assert.is(broker.describeGroup('g'), null, 'deleted for good');
    assert.is(broker.committedOffset('g', 't', 1), null);
    await broker.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OffsetDelete keeps offsets of topics the live members subscribe to', async () => {
  const dir = tempDir();
  try {
    const broker = await Broker.open(dir, { initialRebalanceDelayMs: 0 });
    await broker.createTopic('sub', { partitions: 1 });
    await broker.createTopic('other', { partitions: 1 });
    // Consumer protocol subscription v0: version, topics ["sub"], user data null.
    const subscription = Buffer.from([0, 0, 0, 0, 0, 1, 0, 3, 0x73, 0x75, 0x62, 0xff, 0xff, 0xff, 0xff]);
    const request = { ...joinRequest('g'), protocols: [{ name: 'range', metadata: subscription }] };
    const a = await broker.groups.join(request, 'c');
    await broker.groups.sync({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, assignments: [] });
    broker.commitOffsets('g', [{ topic: 'sub', partition: 0, offset: 0 }, { topic: 'other', partition: 0, offset: 0 }]);
    const result = broker.deleteGroupOffsets('g', [{ topic: 'sub', partition: 0 }, { topic: 'other', partition: 0 }]);
    assert.equal(result.partitions.map((p) => [p.topic, p.errorCode]), [['sub', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['other', 0]]);
    assert.is(broker.committedOffset('g', 'other', 0), null);
    assert.is(broker.committedOffset('g', 'sub', 0)!.offset, 0);
    assert.is(broker.deleteGroupOffsets('nope', []).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    await broker.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('alterTopicConfig reaches the live logs and topics.json; a bad value changes nothing; createPartitions grows a topic', async () => {
  const dir = tempDir();
  try {
    let broker = await Broker.open(dir);
    await broker.createTopic('t', { partitions: 1, config: { retentionMs: 1000 } });
    broker.alterTopicConfig('t', { retentionMs: 5000, segmentBytes: 1024 * 1024 });
    assert.is(broker.log('t', 0).config.retentionMs, 5000);
    assert.is(broker.log('t', 0).config.segmentBytes, 1024 * 1024);
    assert.throws(() => broker.alterTopicConfig('t', { retentionMs: 'soon' as unknown as number }));
    assert.is(broker.log('t', 0).config.retentionMs, 5000, 'unchanged after a refusal');
    await broker.createPartitions('t', 3);
    assert.is(broker.describe('t').partitions, 3);
    const shrink = await broker.createPartitions('t', 2).then(() => null, (e: unknown) => e);
    assert.instance(shrink, InvalidPartitionsError, 'a topic never shrinks');
    await broker.produce('t', 2, [{ key: null, value: Buffer.from('x') }]);
    await broker.close();
    broker = await Broker.open(dir);
    assert.is(broker.describe('t').partitions, 3);
    assert.equal(broker.topicConfig('t').overrides, { retentionMs: 5000, segmentBytes: 1024 * 1024 });
    assert.is(broker.log('t', 2).logEndOffset, 1);
    await broker.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
