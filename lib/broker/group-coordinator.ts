/**
 * A single-node consumer-group coordinator: Kafka's group membership state machine, in memory.
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
 *     ▲                 ▲        ▲                                               │ leader's SyncGroup
 *     │ last member     │ join,  │ join / leave / session expiry                 ▼
 *     └── leaves ───────┴ leave ─┴────────────────────────────────────────── Stable
 *
 * A rebalance completes when every known member has sent JoinGroup again (they learn of it through
 * REBALANCE_IN_PROGRESS on Heartbeat) or when the longest rebalance timeout passes; members that did
 * not rejoin are dropped. The first rebalance of an empty group waits `initialRebalanceDelayMs`
 * (Kafka's group.initial.rebalance.delay.ms) so that consumers started together share generation 1.
 * Each generation's protocol is chosen as Kafka chooses it: among the protocols every member supports,
 * each member votes for the first of its own list, and the most votes win (ties go to the leader's
 * order). A member
 * whose heartbeats stop for `sessionTimeoutMs` is removed and the group rebalances.
 *
 * JoinGroup and SyncGroup answers are promises that resolve when the state machine gets there — the
 * connection that sent them waits (Kafka "parks" them the same way).
 *
 * Durability: every generation that completes (the leader's SyncGroup) and every transition to Empty
 * is handed to `store` as Kafka's GroupMetadata record (group-metadata-record.ts), which the broker
 * appends to `__consumer_offsets` before the members are answered. After a restart `restore` puts the
 * group back as it was stored, Stable with its members and their assignments; each member's session
 * starts again, so members that heartbeat keep their generation, and the others time out and the
 * group rebalances. Committed offsets are kept by the broker in the same topic.
 *
 * Static membership (JoinGroup v5 `group.instance.id`): a member that rejoins with its instance id and
 * no member id takes its old place under a new member id. In a Stable group whose protocols it still
 * supports it gets the current generation and, at SyncGroup, its old assignment, with no rebalance
 * (a returning leader also gets the member list, as Kafka sends it); a group mid-rebalance, or one
 * whose protocol the member no longer supports, rebalances as usual.
 * Requests from the replaced member id are answered FENCED_INSTANCE_ID.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../index.js';
import { ErrorCode, errorCodeFor } from './protocol/error-codes.js';
import type { JoinGroupRequest, JoinGroupResponse, SyncGroupRequest } from './api/group.js';
import type { StoredGroup } from './group-metadata-record.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface GroupCoordinatorOptions {
  clock: Clock;
  /** Kafka's group.initial.rebalance.delay.ms (default 3000). */
  initialRebalanceDelayMs?: number;
  /** Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms. */
  sessionTimeoutMinMs?: number;
  sessionTimeoutMaxMs?: number;
  /**
   * Makes a group's membership durable (null: the group is deleted). Called before the members are
   * answered; a throw fails the generation (SyncGroup answers the error, the group rebalances).
   */
  store?: (groupId: string, group: StoredGroup | null) => void;
}

interface SyncAnswer {
  errorCode: number;
  assignment: Buffer;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  pendingJoin: ((response: JoinGroupResponse) => void) | null;
  pendingSync: ((answer: SyncAnswer) => void) | null;
  sessionTimer: NodeJS.Timeout | null;
}

interface Group {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string;
  leaderId: string;
  members: Map<string, Member>;
  rebalanceTimer: NodeJS.Timeout | null;
  /** The rebalance timer is the initial delay: wait for it even if everyone has joined. */
  inInitialDelay: boolean;
  /** Static members: group.instance.id → current member id. */
  staticMembers: Map<string, string>;
  /** Member ids replaced by a static member's rejoin (answered FENCED_INSTANCE_ID). */
  fencedMemberIds: Set<string>;
  stateTimestampMs: number;
}

const EMPTY = Buffer.alloc(0);

/** A member id the group does not hold: FENCED_INSTANCE_ID when a static member's rejoin replaced it. */
function unknownMember(group: Group | undefined, memberId: string): number {
  return group?.fencedMemberIds.has(memberId) === true ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID;
}

function failedJoin(errorCode: number, memberId: string): JoinGroupResponse {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's metadata for the group's chosen protocol (for "consumer": its subscription). */
  metadata: Buffer;
  assignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocolName: string;
  leaderId: string;
  memberIds: string[];
  members: GroupMemberDescription[];
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly initialRebalanceDelayMs: number;
  private readonly sessionTimeoutMinMs: number;
  private readonly sessionTimeoutMaxMs: number;
  private readonly clock: Clock;
  private readonly store: (groupId: string, group: StoredGroup | null) => void;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.clock = options.clock;
    this.store = options.store ?? (() => undefined);
    this.initialRebalanceDelayMs = options.initialRebalanceDelayMs ?? 3000;
    this.sessionTimeoutMinMs = options.sessionTimeoutMinMs ?? 6000;
    this.sessionTimeoutMaxMs = options.sessionTimeoutMaxMs ?? 1_800_000;
  }

  describe(groupId: string): GroupDescription | null {
    const group = this.groups.get(groupId);
    if (group === undefined) return null;
    const members = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
      assignment: m.assignment,
    }));
    return {
      groupId,
      state: group.state,
      generationId: group.generationId,
      protocolType: group.protocolType ?? '',
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      memberIds: members.map((m) => m.memberId),
      members,
    };
  }

  /** Every group this coordinator holds (members or a stored generation). */
  list(): { groupId: string; protocolType: string; state: GroupState }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }

  /**
   * Deletes an Empty group's membership record (Kafka's DeleteGroups): NON_EMPTY_GROUP while it has
   * members, GROUP_ID_NOT_FOUND when there is no such group here. Offsets are the caller's part.
   */
  delete(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    const code = this.persist(groupId, null);
    if (code !== ErrorCode.NONE) return code;
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  /**
   * Puts a group back as its GroupMetadata record stored it (broker open). Members are Stable with
   * their assignments and a fresh session: the ones that heartbeat stay, the others expire.
   */
  restore(groupId: string, stored: StoredGroup | null): void {
    const old = this.groups.get(groupId);
    if (old !== undefined) for (const m of old.members.values()) this.clearSession(m);
    if (stored === null) {
      this.groups.delete(groupId);
      return;
    }
    const group = this.newGroup(groupId);
    group.generationId = stored.generationId;
    group.protocolType = stored.protocolType;
    group.protocolName = stored.protocolName ?? '';
    group.leaderId = stored.leaderId ?? '';
    group.stateTimestampMs = stored.currentStateTimestampMs;
    for (const m of stored.members) {
      const member: Member = { memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs, rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: [{ name: group.protocolName, metadata: m.subscription }], assignment: m.assignment, pendingJoin: null,
        pendingSync: null, sessionTimer: null };
      group.members.set(member.memberId, member);
      if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    group.state = group.members.size === 0 ? 'Empty' : 'Stable';
    this.groups.set(groupId, group);
    for (const m of group.members.values()) this.startSession(group, m);
  }

  private newGroup(groupId: string): Group {
    return { groupId, state: 'Empty', generationId: 0, protocolType: null, protocolName: '', leaderId: '', members: new Map(),
      rebalanceTimer: null, inInitialDelay: false, staticMembers: new Map(), fencedMemberIds: new Set(),
      stateTimestampMs: this.clock.nowMs() };
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = this.newGroup(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** The group as Kafka's GroupMetadata record stores it. */
  private stored(group: Group): StoredGroup {
    return {
      protocolType: group.protocolType ?? '',
      generationId: group.generationId,
      protocolName: group.protocolName === '' ? null : group.protocolName,
      leaderId: group.leaderId === '' ? null : group.leaderId,
      currentStateTimestampMs: group.stateTimestampMs,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs, sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY, assignment: m.assignment,
      })),
    };
  }

  /** Hands the record to the store; the Kafka error code of a failure, or NONE. */
  private persist(groupId: string, group: StoredGroup | null): number {
    try {
      this.store(groupId, group);
      return ErrorCode.NONE;
    } catch (error) {
      const code = errorCodeFor(error);
      return code === ErrorCode.UNKNOWN_SERVER_ERROR ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code;
    }
  }

  private setState(group: Group, state: GroupState): void {
    group.state = state;
    group.stateTimestampMs = this.clock.nowMs();
  }

  join(request: JoinGroupRequest, clientId: string, clientHost = ''): Promise<JoinGroupResponse> {
    if (this.closed) return Promise.resolve(failedJoin(ErrorCode.COORDINATOR_NOT_AVAILABLE, request.memberId));
    if (request.groupId.length === 0) return Promise.resolve(failedJoin(ErrorCode.INVALID_GROUP_ID, request.memberId));
    if (request.sessionTimeoutMs < this.sessionTimeoutMinMs || request.sessionTimeoutMs > this.sessionTimeoutMaxMs) {
      return Promise.resolve(failedJoin(ErrorCode.INVALID_SESSION_TIMEOUT, request.memberId));
    }
    const group = this.group(request.groupId);
    if (request.protocols.length === 0 || (group.members.size > 0 && group.protocolType !== request.protocolType)) {
      return Promise.resolve(failedJoin(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
    }
    if (group.members.size > 0 && !this.sharesProtocol(group, request.protocols, request.memberId)) {
      return Promise.resolve(failedJoin(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
    }
    let member: Member | undefined;
    const staticMemberId = request.groupInstanceId === null ? undefined : group.staticMembers.get(request.groupInstanceId);
    if (request.memberId.length > 0) {
      member = group.members.get(request.memberId);
      if (member === undefined) {
        const code = group.fencedMemberIds.has(request.memberId) ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID;
        return Promise.resolve(failedJoin(code, request.memberId));
      }
      if (member.groupInstanceId !== request.groupInstanceId && request.groupInstanceId !== null) {
        return Promise.resolve(failedJoin(ErrorCode.FENCED_INSTANCE_ID, request.memberId));
      }
    } else if (staticMemberId !== undefined && group.members.has(staticMemberId)) {
      return this.rejoinStatic(group, group.members.get(staticMemberId) as Member, request, clientId, clientHost);
    } else {
      member = {
        memberId: `${clientId}-${randomUUID()}`,
        groupInstanceId: request.groupInstanceId,
        clientId,
        clientHost,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocols: request.protocols,
        assignment: EMPTY,
        pendingJoin: null,
        pendingSync: null,
        sessionTimer: null,
      };
      group.members.set(member.memberId, member);
      if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.protocols = request.protocols;
    group.protocolType = request.protocolType;
    const joined = member;
    return new Promise<JoinGroupResponse>((resolve) => {
      // A second JoinGroup from the same member replaces the first; the old one is told to retry.
      if (joined.pendingJoin !== null) joined.pendingJoin(failedJoin(ErrorCode.REBALANCE_IN_PROGRESS, joined.memberId));
      joined.pendingJoin = resolve;
      this.clearSession(joined);
      if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
      else this.tryCompleteJoin(group);
    });
  }

  /**
   * A static member back with its instance id and no member id: it takes the old member's place
   * under a new id (the old id is fenced). A Stable group whose protocol it still supports keeps its
   * generation and the member its assignment; otherwise the group rebalances.
   */
  private rejoinStatic(group: Group, old: Member, request: JoinGroupRequest, clientId: string, clientHost: string):
      Promise<JoinGroupResponse> {
    const member: Member = { ...old, memberId: `${clientId}-${randomUUID()}`, clientId, clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs, rebalanceTimeoutMs: request.rebalanceTimeoutMs, protocols: request.protocols,
      pendingJoin: null, pendingSync: null, sessionTimer: null };
    this.clearSession(old);
    old.pendingJoin?.(failedJoin(ErrorCode.FENCED_INSTANCE_ID, old.memberId));
    old.pendingJoin = null;
    this.answerSync(old, { errorCode: ErrorCode.FENCED_INSTANCE_ID, assignment: EMPTY });
    group.members.delete(old.memberId);
    group.members.set(member.memberId, member);
    group.fencedMemberIds.add(old.memberId);
    group.staticMembers.set(request.groupInstanceId as string, member.memberId);
    const wasLeader = group.leaderId === old.memberId;
    if (wasLeader) group.leaderId = member.memberId;
    const sameProtocol = request.protocols.some((p) => p.name === group.protocolName);
    if (group.state === 'Stable' && sameProtocol) {
      const code = this.persist(group.groupId, this.stored(group));
      if (code !== ErrorCode.NONE) return Promise.resolve(failedJoin(code, member.memberId));
      this.startSession(group, member);
      // A returning leader gets the member list, as Kafka sends it: it assigns again, and its SyncGroup
      // in a Stable group hands every member its current assignment, so nothing moves.
      const members = wasLeader ? [...group.members.values()].map((m) => ({ memberId: m.memberId,
        metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY })) : [];
      return Promise.resolve({ errorCode: ErrorCode.NONE, generationId: group.generationId, protocolName: group.protocolName,
        leader: group.leaderId, memberId: member.memberId, members });
    }
    return new Promise<JoinGroupResponse>((resolve) => {
      member.pendingJoin = resolve;
      if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
      else this.tryCompleteJoin(group);
    });
  }

  private sharesProtocol(group: Group, protocols: readonly { name: string }[], memberId: string): boolean {
    for (const p of protocols) {
      let everyone = true;
      for (const m of group.members.values()) {
        if (m.memberId !== memberId && !m.protocols.some((q) => q.name === p.name)) everyone = false;
      }
      if (everyone) return true;
    }
    return false;
  }

  private prepareRebalance(group: Group): void {
    const wasEmpty = group.state === 'Empty';
    if (group.state === 'CompletingRebalance') {
      for (const m of group.members.values()) this.answerSync(m, { errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    }
    this.setState(group, 'PreparingRebalance');
    if (group.rebalanceTimer !== null) clearTimeout(group.rebalanceTimer);
    let timeoutMs = 0;
    for (const m of group.members.values()) timeoutMs = Math.max(timeoutMs, m.rebalanceTimeoutMs);
    if (wasEmpty) timeoutMs = this.initialRebalanceDelayMs;
    group.inInitialDelay = wasEmpty;
    group.rebalanceTimer = setTimeout(() => {
      group.rebalanceTimer = null;
      group.inInitialDelay = false;
      this.completeJoin(group);
    }, timeoutMs);
    // The initial delay is a wait for more members, not a deadline: do not finish early.
    if (!wasEmpty) this.tryCompleteJoin(group);
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    if (group.inInitialDelay) return;
    for (const m of group.members.values()) if (m.pendingJoin === null) return;
    if (group.rebalanceTimer !== null) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = null;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    for (const m of [...group.members.values()]) {
      if (m.pendingJoin === null) this.removeMember(group, m);
    }
    group.generationId += 1;
    group.fencedMemberIds.clear();
    if (group.members.size === 0) {
      this.setState(group, 'Empty');
      group.protocolName = '';
      group.leaderId = '';
      this.persist(group.groupId, this.stored(group));
      return;
    }
    if (!group.members.has(group.leaderId)) group.leaderId = (group.members.keys().next().value as string);
    const leader = group.members.get(group.leaderId) as Member;
    group.protocolName = this.electProtocol(group, leader);
    this.setState(group, 'CompletingRebalance');
    const memberList = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
    }));
    for (const m of group.members.values()) {
      const resolve = m.pendingJoin;
      m.pendingJoin = null;
      m.assignment = EMPTY;
      this.startSession(group, m);
      resolve?.({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolName: group.protocolName,
        leader: group.leaderId,
        memberId: m.memberId,
        members: m.memberId === group.leaderId ? memberList : [],
      });
    }
  }

  /** Kafka's vote: each member picks its first protocol that all support; the most picked wins. */
  private electProtocol(group: Group, leader: Member): string {
    const candidates = leader.protocols.filter((p) => this.sharesProtocol(group, [p], '')).map((p) => p.name);
    if (candidates.length === 0) return leader.protocols[0]?.name ?? '';
    const votes = new Map<string, number>(candidates.map((name) => [name, 0]));
    for (const m of group.members.values()) {
      const choice = m.protocols.find((p) => votes.has(p.name));
      if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) as number) + 1);
    }
    let best = candidates[0] as string;
    for (const name of candidates) if ((votes.get(name) as number) > (votes.get(best) as number)) best = name;
    return best;
  }

  sync(request: SyncGroupRequest): Promise<SyncAnswer> {
    const group = this.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) {
      return Promise.resolve({ errorCode: unknownMember(group, request.memberId), assignment: EMPTY });
    }
    if (request.generationId !== group.generationId) return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    if (group.state === 'PreparingRebalance') return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    this.startSession(group, member);
    if (group.state === 'Stable') return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    return new Promise<SyncAnswer>((resolve) => {
      member.pendingSync = resolve;
      if (request.memberId !== group.leaderId) return;
      for (const a of request.assignments) {
        const target = group.members.get(a.memberId);
        if (target !== undefined) target.assignment = a.assignment;
      }
      // Durable before anyone hears of it: a failed store fails this generation, as Kafka's does.
      const code = this.persist(group.groupId, this.stored(group));
      if (code !== ErrorCode.NONE) {
        for (const m of group.members.values()) {
          m.assignment = EMPTY;
          this.answerSync(m, { errorCode: code, assignment: EMPTY });
        }
        this.prepareRebalance(group);
        return;
      }
      this.setState(group, 'Stable');
      for (const m of group.members.values()) this.answerSync(m, { errorCode: ErrorCode.NONE, assignment: m.assignment });
    });
  }

  private answerSync(member: Member, answer: SyncAnswer): void {
    const resolve = member.pendingSync;
    member.pendingSync = null;
    resolve?.(answer);
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return unknownMember(group, memberId);
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (member.pendingJoin === null) this.startSession(group, member);
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return unknownMember(group, memberId);
    this.memberGone(group, member);
    return ErrorCode.NONE;
  }

  /**
   * Whether an offset commit from (generationId, memberId) is acceptable now, by Kafka's rules:
   * generation -1 is a commit from outside group management (kcat, assign(), an operator's reset),
   * accepted only while the group has no members; others must be current members of the current
   * generation. A member may commit while the group prepares a rebalance (it learns of it from its
   * heartbeat, and cooperative consumers keep consuming meanwhile), not between JoinGroup and the
   * leader's assignment (REBALANCE_IN_PROGRESS).
   */
  validateCommit(groupId: string, generationId: number, memberId: string): number {
    if (groupId.length === 0) return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (generationId < 0 && (group === undefined || group.members.size === 0)) return ErrorCode.NONE;
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return unknownMember(group, memberId);
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.startSession(group, member);
    return ErrorCode.NONE;
  }

  private memberGone(group: Group, member: Member): void {
    this.removeMember(group, member);
    if (group.members.size === 0) {
      if (group.rebalanceTimer !== null) clearTimeout(group.rebalanceTimer);
      group.rebalanceTimer = null;
      if (group.state !== 'Empty') group.generationId += 1;
      this.setState(group, 'Empty');
      group.leaderId = '';
      group.protocolName = '';
      this.persist(group.groupId, this.stored(group));
      return;
    }
    if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
    else this.prepareRebalance(group);
  }

  private removeMember(group: Group, member: Member): void {
    this.clearSession(member);
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) {
      group.staticMembers.delete(member.groupInstanceId);
    }
    member.pendingJoin?.(failedJoin(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.pendingJoin = null;
    this.answerSync(member, { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
  }

  private startSession(group: Group, member: Member): void {
    this.clearSession(member);
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = null;
      if (group.members.get(member.memberId) === member) this.memberGone(group, member);
    }, member.sessionTimeoutMs);
  }

  private clearSession(member: Member): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
  }

  /** Answers every parked request with COORDINATOR_NOT_AVAILABLE and stops all timers. */
  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) {
      if (group.rebalanceTimer !== null) clearTimeout(group.rebalanceTimer);
      group.rebalanceTimer = null;
      for (const m of group.members.values()) {
        this.clearSession(m);
        m.pendingJoin?.(failedJoin(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
        m.pendingJoin = null;
        this.answerSync(m, { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: EMPTY });
      }
    }
    this.groups.clear();
  }
}
