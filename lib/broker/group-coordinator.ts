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
 * Each generation picks the first protocol of the leader's list that every member supports. A member
 * whose heartbeats stop for `sessionTimeoutMs` is removed and the group rebalances.
 *
 * JoinGroup and SyncGroup answers are promises that resolve when the state machine gets there — the
 * connection that sent them waits (Kafka "parks" them the same way). Nothing here survives a restart:
 * after one, consumers rejoin with UNKNOWN_MEMBER_ID, as after a coordinator failover in Kafka.
 * Committed offsets are not kept here but in the offset store (`__consumer_offsets`).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../index.js';
import { ErrorCode } from './protocol/error-codes.js';
import type { JoinGroupRequest, JoinGroupResponse, SyncGroupRequest } from './api/group.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface GroupCoordinatorOptions {
  clock: Clock;
  /** Kafka's group.initial.rebalance.delay.ms (default 3000). */
  initialRebalanceDelayMs?: number;
  /** Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms. */
  sessionTimeoutMinMs?: number;
  sessionTimeoutMaxMs?: number;
}

interface SyncAnswer {
  errorCode: number;
  assignment: Buffer;
}

interface Member {
  memberId: string;
  clientId: string;
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
}

const EMPTY = Buffer.alloc(0);

function failedJoin(errorCode: number, memberId: string): JoinGroupResponse {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolName: string;
  leaderId: string;
  memberIds: string[];
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly initialRebalanceDelayMs: number;
  private readonly sessionTimeoutMinMs: number;
  private readonly sessionTimeoutMaxMs: number;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.initialRebalanceDelayMs = options.initialRebalanceDelayMs ?? 3000;
    this.sessionTimeoutMinMs = options.sessionTimeoutMinMs ?? 6000;
    this.sessionTimeoutMaxMs = options.sessionTimeoutMaxMs ?? 1_800_000;
  }

  describe(groupId: string): GroupDescription | null {
    const group = this.groups.get(groupId);
    if (group === undefined) return null;
    return {
      groupId,
      state: group.state,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      memberIds: [...group.members.keys()],
    };
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = { groupId, state: 'Empty', generationId: 0, protocolType: null, protocolName: '', leaderId: '', members: new Map(),
          rebalanceTimer: null, inInitialDelay: false };
      this.groups.set(groupId, group);
    }
    return group;
  }

  join(request: JoinGroupRequest, clientId: string): Promise<JoinGroupResponse> {
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
    if (request.memberId.length > 0) {
      member = group.members.get(request.memberId);
      if (member === undefined) return Promise.resolve(failedJoin(ErrorCode.UNKNOWN_MEMBER_ID, request.memberId));
    } else {
      member = {
        memberId: `${clientId}-${randomUUID()}`,
        clientId,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocols: request.protocols,
        assignment: EMPTY,
        pendingJoin: null,
        pendingSync: null,
        sessionTimer: null,
      };
      group.members.set(member.memberId, member);
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
    group.state = 'PreparingRebalance';
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
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = '';
      group.leaderId = '';
      return;
    }
    if (!group.members.has(group.leaderId)) group.leaderId = (group.members.keys().next().value as string);
    const leader = group.members.get(group.leaderId) as Member;
    group.protocolName = leader.protocols.find((p) => this.sharesProtocol(group, [p], ''))?.name ?? (leader.protocols[0]?.name ?? '');
    group.state = 'CompletingRebalance';
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

  sync(request: SyncGroupRequest): Promise<SyncAnswer> {
    const group = this.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
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
      group.state = 'Stable';
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
    if (group === undefined || member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (member.pendingJoin === null) this.startSession(group, member);
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.memberGone(group, member);
    return ErrorCode.NONE;
  }

  /**
   * Whether an offset commit from (generationId, memberId) is acceptable now: generation -1 is a
   * commit from a consumer outside group management (kcat, assign()); others must be current members.
   */
  validateCommit(groupId: string, generationId: number, memberId: string): number {
    if (groupId.length === 0) return ErrorCode.INVALID_GROUP_ID;
    if (generationId < 0) return ErrorCode.NONE;
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.startSession(group, member);
    return ErrorCode.NONE;
  }

  private memberGone(group: Group, member: Member): void {
    this.removeMember(group, member);
    if (group.members.size === 0) {
      if (group.rebalanceTimer !== null) clearTimeout(group.rebalanceTimer);
      group.rebalanceTimer = null;
      if (group.state !== 'Empty') group.generationId += 1;
      group.state = 'Empty';
      group.leaderId = '';
      group.protocolName = '';
      return;
    }
    if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
    else this.prepareRebalance(group);
  }

  private removeMember(group: Group, member: Member): void {
    this.clearSession(member);
    group.members.delete(member.memberId);
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
