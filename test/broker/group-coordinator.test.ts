import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GroupCoordinator } from '../../lib/broker/group-coordinator.js';
import { ErrorCode } from '../../lib/broker/protocol/error-codes.js';
import { systemClock } from '../../lib/clock.js';
import type { JoinGroupRequest } from '../../lib/broker/api/group.js';

function joinRequest(memberId = '', sessionTimeoutMs = 200, rebalanceTimeoutMs = 300): JoinGroupRequest {
  return { groupId: 'g', sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('m') }] };
}

function coordinator(initialRebalanceDelayMs = 0): GroupCoordinator {
  return new GroupCoordinator({ clock: systemClock, initialRebalanceDelayMs, sessionTimeoutMinMs: 100 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('one member: join → CompletingRebalance, leader sync → Stable with its assignment', async () => {
  const c = coordinator();
  const joined = await c.join(joinRequest(), 'client');
  assert.is(joined.errorCode, 0);
  assert.is(joined.generationId, 1);
  assert.is(joined.leader, joined.memberId);
  assert.is(joined.members.length, 1);
  assert.is(c.describe('g')!.state, 'CompletingRebalance');
  const synced = await c.sync({ groupId: 'g', generationId: 1, memberId: joined.memberId, assignments: [{ memberId: joined.memberId,
      assignment: Buffer.from('a') }] });
  assert.equal(synced, { errorCode: 0, assignment: Buffer.from('a') });
  assert.is(c.describe('g')!.state, 'Stable');
  assert.is(c.heartbeat('g', 1, joined.memberId), ErrorCode.NONE);
  assert.is(c.heartbeat('g', 0, joined.memberId), ErrorCode.ILLEGAL_GENERATION);
  assert.is(c.heartbeat('g', 1, 'nobody'), ErrorCode.UNKNOWN_MEMBER_ID);
  c.close();
});

test('a second member triggers a rebalance; the first learns via heartbeat and rejoins; follower waits for leader sync', async () => {
  const c = coordinator();
  const a = await c.join(joinRequest(), 'a');
  await c.sync({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  const bJoin = c.join(joinRequest(), 'b');
  assert.is(c.describe('g')!.state, 'PreparingRebalance');
  assert.is(c.heartbeat('g', 1, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
  const aJoin = c.join(joinRequest(a.memberId), 'a');
  const [a2, b2] = await Promise.all([aJoin, bJoin]);
  assert.is(a2.generationId, 2);
  assert.is(b2.generationId, 2);
  assert.is(a2.leader, a.memberId, 'the leader stays');
  assert.is(a2.members.length, 2);
  assert.is(b2.members.length, 0, 'followers get no member list');
  const bSync = c.sync({ groupId: 'g', generationId: 2, memberId: b2.memberId, assignments: [] });
  await sleep(5);
  const aSync = await c.sync({ groupId: 'g', generationId: 2, memberId: a.memberId, assignments: [{ memberId: a.memberId,
      assignment: Buffer.from('A') }, { memberId: b2.memberId, assignment: Buffer.from('B') }] });
  assert.is(aSync.assignment.toString(), 'A');
  assert.is((await bSync).assignment.toString(), 'B');
  c.close();
});

test('leave and session expiry remove members and rebalance the rest', async () => {
  const c = coordinator();
  const a = await c.join(joinRequest(), 'a');
  await c.sync({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  const bJoin = c.join(joinRequest(), 'b');
  const [a2, b2] = await Promise.all([c.join(joinRequest(a.memberId), 'a'), bJoin]);
  await Promise.all([
    c.sync({ groupId: 'g', generationId: 2, memberId: a2.memberId, assignments: [] }),
    c.sync({ groupId: 'g', generationId: 2, memberId: b2.memberId, assignments: [] }),
  ]);
  assert.is(c.leave('g', b2.memberId), ErrorCode.NONE);
  assert.is(c.describe('g')!.state, 'PreparingRebalance');
  const a3 = await c.join(joinRequest(a.memberId), 'a');
  assert.is(a3.generationId, 3);
  assert.is(a3.members.length, 1);
  await c.sync({ groupId: 'g', generationId: 3, memberId: a.memberId, assignments: [] });
  // No heartbeats: the session (200 ms) expires and the group empties.
  await sleep(350);
  assert.is(c.describe('g')!.state, 'Empty');
  assert.is(c.describe('g')!.memberIds.length, 0);
  c.close();
});

test('a member that does not rejoin within the rebalance timeout is dropped', async () => {
  const c = coordinator();
  const a = await c.join(joinRequest('', 5000, 150), 'a');
  await c.sync({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  const b = await c.join(joinRequest('', 5000, 150), 'b');
  assert.is(b.generationId, 2);
  assert.equal(c.describe('g')!.memberIds, [b.memberId]);
  c.close();
});

test('the initial rebalance delay gathers members started together into generation 1', async () => {
  const c = coordinator(100);
  const [a, b] = await Promise.all([c.join(joinRequest(), 'a'), c.join(joinRequest(), 'b')]);
  assert.is(a.generationId, 1);
  assert.is(b.generationId, 1);
  c.close();
});

test('bad session timeouts, unknown members and mismatched protocols are refused', async () => {
  const c = coordinator();
  assert.is((await c.join(joinRequest('', 10), 'a')).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.is((await c.join(joinRequest('ghost'), 'a')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  await c.join(joinRequest(), 'a');
  const other = { ...joinRequest(), protocols: [{ name: 'other', metadata: Buffer.alloc(0) }] };
  assert.is((await c.join(other, 'b')).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.is(c.validateCommit('solo', -1, ''), ErrorCode.NONE, 'a group outside group management');
  assert.is(c.validateCommit('g', -1, ''), ErrorCode.UNKNOWN_MEMBER_ID, 'not over the heads of live members');
  assert.is(c.validateCommit('g', 1, 'ghost'), ErrorCode.UNKNOWN_MEMBER_ID);
  c.close();
});

test('commits by Kafka\'s rules: allowed while a rebalance is prepared, refused between join and the assignment', async () => {
  const c = coordinator();
  const a = await c.join(joinRequest(), 'a');
  assert.is(c.validateCommit('g', 1, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS, 'CompletingRebalance');
  await c.sync({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  assert.is(c.validateCommit('g', 1, a.memberId), ErrorCode.NONE, 'Stable');
  const bJoin = c.join(joinRequest(), 'b');
  assert.is(c.describe('g')!.state, 'PreparingRebalance');
  assert.is(c.validateCommit('g', 1, a.memberId), ErrorCode.NONE, 'PreparingRebalance: the member still owns its partitions');
  assert.is(c.validateCommit('g', 0, a.memberId), ErrorCode.ILLEGAL_GENERATION);
  await Promise.all([c.join(joinRequest(a.memberId), 'a'), bJoin]);
  c.close();
});

test.run();
