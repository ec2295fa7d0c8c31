/**
 * Where the operator's commands (`seglog topics`, `groups`, `configs`) get their answers: a running
 * cluster over the Kafka protocol (`--bootstrap-server host:port`: `seglog serve` or any Kafka), or a
 * stopped data directory read without writing (`--data DIR`, read-only commands only).
 *
 * The wire side uses kafkajs's admin client: it already speaks every admin API these commands need
 * (metadata, offsets, configs, groups, topic creation and deletion), across protocol versions and
 * against real Kafka clusters, so seglog does not grow a second, client-side protocol layer. Its
 * errors become one typed line (ClusterRequestError) that names the server and Kafka's error.
 */
import type { Admin } from 'kafkajs';
import { ClusterRequestError, RequestRefusedError, UnknownTopicError } from '../errors.js';
import { kafkaConfigName, readOfflineDirectory, type OfflineDirectoryView, type StoredGroup } from '../broker/index.js';

export interface PartitionRow {
  topic: string;
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  /** Known offline only (the wire's ListOffsets answers the high watermark). */
  logEndOffset: number | null;
  /** Known offline only. */
  sizeBytes: number | null;
  leader: number | null;
}

export interface TopicRow {
  name: string;
  internal: boolean;
  partitions: PartitionRow[];
}

interface ConfigRow {
  name: string;
  value: string | null;
  /** 'topic': set on the topic; 'default': the broker's default. */
  source: 'topic' | 'default';
}

interface GroupRow {
  groupId: string;
  protocolType: string;
  state: string;
}

interface MemberRow {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  assignment: { topic: string; partition: number }[];
}

export interface GroupDetail extends GroupRow {
  protocol: string;
  members: MemberRow[];
  offsets: { topic: string; partition: number; committedOffset: number }[];
}

/** Read-only questions, answered by a cluster or a stopped directory. */
export interface ClusterSource {
  /** "127.0.0.1:9092" or "data directory /x": for messages. */
  readonly where: string;
  listTopics(): Promise<{ name: string; internal: boolean }[]>;
  describeTopics(names: readonly string[] | null): Promise<TopicRow[]>;
  topicConfigs(name: string): Promise<ConfigRow[]>;
  listGroups(): Promise<GroupRow[]>;
  /** null: no such group. */
  describeGroup(groupId: string): Promise<GroupDetail | null>;
  close(): Promise<void>;
}

/** What only a running cluster can do. */
export interface ClusterAdmin extends ClusterSource {
  createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  createPartitions(name: string, count: number): Promise<void>;
  /** Sets `set` and removes `remove` from the topic's own configs; the others stay. */
  alterTopicConfigs(name: string, set: Record<string, string>, remove: readonly string[]): Promise<void>;
  /** The earliest offset per partition whose timestamp is at or after `timestampMs` (the high watermark when none). */
  offsetsForTimestamp(topic: string, timestampMs: number): Promise<{ partition: number; offset: number }[]>;
  /** Commits offsets for an inactive group (the command checked it is Empty or unknown). */
  setGroupOffsets(groupId: string, topic: string, partitions: readonly { partition: number; offset: number }[]): Promise<void>;
  deleteGroup(groupId: string): Promise<void>;
}

/**
 * The consumer protocol's assignment (ConsumerProtocolAssignment: version int16, [topic STRING,
 * partitions int32[]], userData BYTES); bytes of another protocol give no rows.
 */
function decodeConsumerAssignment(bytes: Buffer): { topic: string; partition: number }[] {
  const out: { topic: string; partition: number }[] = [];
  if (bytes.length < 6) return out;
  let at = 2;
  const topics = bytes.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    if (at + 2 > bytes.length) return out;
    const length = bytes.readInt16BE(at);
    if (length < 0 || at + 2 + length + 4 > bytes.length) return out;
    const topic = bytes.toString('utf8', at + 2, at + 2 + length);
    at += 2 + length;
    const count = bytes.readInt32BE(at);
    at += 4;
    for (let i = 0; i < count && at + 4 <= bytes.length; i++, at += 4) out.push({ topic, partition: bytes.readInt32BE(at) });
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// A stopped data directory

function configValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

function storedState(stored: StoredGroup | null): string {
  return stored !== null && stored.members.length > 0 ? 'Stable' : 'Empty';
}

export class OfflineSource implements ClusterSource {
  readonly where: string;
  private readonly view: OfflineDirectoryView;

  constructor(dataDir: string) {
    this.where = `data directory ${dataDir}`;
    this.view = readOfflineDirectory(dataDir);
  }

  listTopics(): Promise<{ name: string; internal: boolean }[]> {
    return Promise.resolve(this.view.topics.map((t) => ({ name: t.name, internal: t.name.startsWith('__') })));
  }

  describeTopics(names: readonly string[] | null): Promise<TopicRow[]> {
    const wanted = names === null ? this.view.topics : names.map((name) => {
      const topic = this.view.topics.find((t) => t.name === name);
      if (topic === undefined) throw new UnknownTopicError(`topic ${name} is not in ${this.where}`);
      return topic;
    });
    return Promise.resolve(wanted.map((t) => ({
      name: t.name,
      internal: t.name.startsWith('__'),
      partitions: t.partitions.map((p) => ({ topic: t.name, partition: p.partition, logStartOffset: p.logStartOffset,
        highWatermark: p.highWatermark, logEndOffset: p.logEndOffset, sizeBytes: p.sizeBytes, leader: null })),
    })));
  }

  topicConfigs(name: string): Promise<ConfigRow[]> {
    const topic = this.view.topics.find((t) => t.name === name);
    if (topic === undefined) return Promise.reject(new UnknownTopicError(`topic ${name} is not in ${this.where}`));
    return Promise.resolve(Object.entries(topic.effective).map(([key, value]) => ({
      name: kafkaConfigName(key),
      value: configValue(value),
      source: key in topic.overrides ? 'topic' as const : 'default' as const,
    })).sort((a, b) => (a.name < b.name ? -1 : 1)));
  }

  listGroups(): Promise<GroupRow[]> {
    return Promise.resolve(this.view.groups.map((g) => ({ groupId: g.groupId, protocolType: g.stored?.protocolType ?? '',
      state: storedState(g.stored) })));
  }

  describeGroup(groupId: string): Promise<GroupDetail | null> {
    const group = this.view.groups.find((g) => g.groupId === groupId);
    if (group === undefined) return Promise.resolve(null);
    const stored = group.stored;
    const members = (stored?.members ?? []).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId,
      host: m.clientHost, assignment: stored?.protocolType === 'consumer' ? decodeConsumerAssignment(m.assignment) : [] }));
    return Promise.resolve({ groupId, protocolType: stored?.protocolType ?? '', state: storedState(stored),
      protocol: stored?.protocolName ?? '', members,
      // A negative commit is a client's sentinel (kafkajs's -2 "earliest"), not a position.
      offsets: group.offsets.filter((o) => o.committed.offset >= 0)
        .map((o) => ({ topic: o.topic, partition: o.partition, committedOffset: o.committed.offset })) });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// -------------------------------------------------------------------------------------------------
// A running cluster

/** kafkajs's errors as one line that names the server; a typed SeglogError passes through. */
function clusterError(where: string, what: string, error: unknown): Error {
  if (error instanceof ClusterRequestError || error instanceof RequestRefusedError || error instanceof UnknownTopicError) return error;
  const e = error as { message?: string; type?: string; name?: string };
  const kind = e.type ?? e.name ?? 'Error';
  const message = (e.message ?? String(error)).split('\n')[0];
  return new ClusterRequestError(`${what} at ${where} failed: ${kind}: ${message}`);
}

export class WireSource implements ClusterAdmin {
  readonly where: string;
  private readonly admin: Admin;

  private constructor(where: string, admin: Admin) {
    this.where = where;
    this.admin = admin;
  }

  /** Connects to `bootstrap` (host:port); a refused or silent server is a ClusterRequestError. */
  static async connect(bootstrap: string): Promise<WireSource> {
    const kafkajs = (await import('kafkajs')).default;
    const kafka = new kafkajs.Kafka({
      clientId: 'seglog-cli',
      brokers: [bootstrap],
      logLevel: kafkajs.logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 15000,
      retry: { retries: 2, initialRetryTime: 100 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw clusterError(bootstrap, 'connecting', error);
    }
    return new WireSource(bootstrap, admin);
  }

  private async run<T>(what: string, call: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await call(this.admin);
    } catch (error) {
      throw clusterError(this.where, what, error);
    }
  }

  async listTopics(): Promise<{ name: string; internal: boolean }[]> {
    const names = await this.run('listing topics', (a) => a.listTopics());
    return names.sort().map((name) => ({ name, internal: name.startsWith('__') }));
  }

  async describeTopics(names: readonly string[] | null): Promise<TopicRow[]> {
    const topics = names === null ? (await this.listTopics()).map((t) => t.name) : [...names];
    const existing = new Set((await this.listTopics()).map((t) => t.name));
    for (const name of topics) if (!existing.has(name)) throw new UnknownTopicError(`topic ${name} does not exist at ${this.where}`);
    if (topics.length === 0) return [];
    const metadata = await this.run('describing topics', (a) => a.fetchTopicMetadata({ topics }));
    const rows: TopicRow[] = [];
    for (const t of metadata.topics) {
      const offsets = await this.run(`reading offsets of ${t.name}`, (a) => a.fetchTopicOffsets(t.name));
      const byPartition = new Map(offsets.map((o) => [o.partition, o]));
      rows.push({
        name: t.name,
        internal: t.name.startsWith('__'),
        partitions: t.partitions.sort((a, b) => a.partitionId - b.partitionId).map((p) => {
          const o = byPartition.get(p.partitionId);
          return { topic: t.name, partition: p.partitionId, logStartOffset: Number(o?.low ?? -1), highWatermark: Number(o?.high ?? -1),
            logEndOffset: null, sizeBytes: null, leader: p.leader };
        }),
      });
    }
    return rows.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async topicConfigs(name: string): Promise<ConfigRow[]> {
    const kafkajs = (await import('kafkajs')).default;
    const described = await this.run(`describing configs of ${name}`, (a) => a.describeConfigs({ includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name }] }));
    const resource = described.resources[0];
    if (resource === undefined) return [];
    if (resource.errorCode !== 0) {
      const why = resource.errorMessage ?? `error ${resource.errorCode}`;
      throw new ClusterRequestError(`describing configs of ${name} at ${this.where} failed: ${why}`);
    }
    return resource.configEntries.map((c) => ({ name: c.configName, value: c.configValue ?? null,
      source: c.isDefault ? 'default' as const : 'topic' as const })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async listGroups(): Promise<GroupRow[]> {
    const listed = await this.run('listing groups', (a) => a.listGroups());
    const ids = listed.groups.map((g) => g.groupId).sort();
    if (ids.length === 0) return [];
    const described = await this.run('describing groups', (a) => a.describeGroups(ids));
    const state = new Map(described.groups.map((g) => [g.groupId, g.state]));
    return listed.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: state.get(g.groupId) ?? 'Unknown' }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  async describeGroup(groupId: string): Promise<GroupDetail | null> {
    const described = await this.run(`describing group ${groupId}`, (a) => a.describeGroups([groupId]));
    const group = described.groups[0];
    if (group === undefined) return null;
    const offsets = await this.run(`reading offsets of group ${groupId}`, (a) => a.fetchOffsets({ groupId }));
    const committed = offsets.flatMap((t) => t.partitions.filter((p) => Number(p.offset) >= 0)
      .map((p) => ({ topic: t.topic, partition: p.partition, committedOffset: Number(p.offset) })));
    if (group.state === 'Dead' && committed.length === 0) return null;
    return {
      groupId,
      protocolType: group.protocolType,
      state: group.state,
      protocol: group.protocol,
      members: group.members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, clientId: m.clientId, host: m.clientHost,
        assignment: group.protocolType === 'consumer' ? decodeConsumerAssignment(m.memberAssignment) : [] })),
      offsets: committed,
    };
  }

  async createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<void> {
    const created = await this.run(`creating topic ${name}`, (a) => a.createTopics({ waitForLeaders: true, topics: [{ topic: name,
      numPartitions: partitions, configEntries: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }] }));
    if (!created) throw new ClusterRequestError(`creating topic ${name} at ${this.where} failed: TOPIC_ALREADY_EXISTS`);
  }

  deleteTopic(name: string): Promise<void> {
    return this.run(`deleting topic ${name}`, (a) => a.deleteTopics({ topics: [name] }));
  }

  createPartitions(name: string, count: number): Promise<void> {
    return this.run(`adding partitions to ${name}`, (a) => a.createPartitions({ topicPartitions: [{ topic: name, count }] }))
      .then(() => undefined);
  }

  async alterTopicConfigs(name: string, set: Record<string, string>, remove: readonly string[]): Promise<void> {
    // AlterConfigs replaces the topic's whole set: start from what it has now.
    const current = await this.topicConfigs(name);
    const entries = new Map(current.filter((c) => c.source === 'topic' && c.value !== null).map((c) => [c.name, c.value as string]));
    for (const key of remove) {
      if (!entries.has(key)) throw new RequestRefusedError(`topic ${name} has no config ${key} of its own to delete`);
      entries.delete(key);
    }
    for (const [key, value] of Object.entries(set)) entries.set(key, value);
    const kafkajs = (await import('kafkajs')).default;
    await this.run(`altering configs of ${name}`, (a) => a.alterConfigs({ validateOnly: false, resources: [{
      type: kafkajs.ConfigResourceTypes.TOPIC, name, configEntries: [...entries].map(([n, value]) => ({ name: n, value })) }] }));
  }

  async offsetsForTimestamp(topic: string, timestampMs: number): Promise<{ partition: number; offset: number }[]> {
    const found = await this.run(`finding offsets of ${topic} at ${new Date(timestampMs).toISOString()}`,
        (a) => a.fetchTopicOffsetsByTimestamp(topic, timestampMs));
    return found.map((o) => ({ partition: o.partition, offset: Number(o.offset) }));
  }

  setGroupOffsets(groupId: string, topic: string, partitions: readonly { partition: number; offset: number }[]): Promise<void> {
    return this.run(`committing offsets of group ${groupId}`, (a) => a.setOffsets({ groupId, topic,
      partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) })) }));
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.run(`deleting group ${groupId}`, (a) => a.deleteGroups([groupId]));
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }
}
