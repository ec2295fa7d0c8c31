/**
 * The in-process broker: topics of partitions, each a seglog Log in a data directory laid out like one
 * of Kafka's log dirs, plus what a single node must add on top of the logs — idempotent-producer
 * dedupe, committed group offsets, a group coordinator, long-poll fetches and the dir-level files.
 *
 * Data directory (its topics are its partition directories; what else is in it, and what is left
 * alone, is data-directory.ts's header):
 *   meta.properties                    Kafka's text properties (version, node.id, cluster.id)
 *   topics.json                        topic → { partitions, config overrides }, next producer id
 *                                      (written to a temporary name and renamed: never torn)
 *   recovery-point-offset-checkpoint   \
 *   log-start-offset-checkpoint         > Kafka's offset-checkpoint text, every partition
 *   replication-offset-checkpoint      /  (written every checkpointIntervalMs and at close; entries
 *                                          of partitions not served here are kept as found)
 *   .kafka_cleanshutdown               present only while cleanly stopped
 *   <topic>-<partition>/               one Log each (its own lock, segments, snapshots)
 *
 * Crash behaviour: each Log recovers itself; producer state comes back from the newest `.snapshot`
 * (written at close) plus a replay of the batches after it; committed offsets by replaying
 * `__consumer_offsets`. Topic metadata changes are durable before createTopic/deleteTopic return.
 * A crash between creating partition directories and renaming topics.json leaves unlisted directories
 * that the next open serves as a topic (found on disk, like a Kafka directory's).
 *
 * Events: broker-events.ts (typed; never 'error'). Background failures are reported, not thrown.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLEAN_SHUTDOWN_FILE,
  FilePool,
  InvalidArgumentError,
  InvalidConfigError,
  InvalidPartitionsError,
  InvalidTopicError,
  LOG_START_OFFSET_CHECKPOINT,
  OffsetOutOfRangeError,
  Log,
  LogManager,
  RequestRefusedError,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  ShutdownError,
  TopicExistsError,
  UnknownTopicError,
  checkpointKey,
  describeRecovery,
  fsyncDirectory,
  partitionDirName,
  planFetch,
  systemClock,
  takeCleanShutdownMarker,
  validateLogConfig,
  writeCleanShutdownMarker,
  writeFileAtomically,
  mappedBytes,
  lockDirectory,
  type Clock,
  type DirectoryLock,
  type FetchRequest,
  type LogConfig,
  type RecordInput,
  type RunReport,
  type IsolationLevel,
  type BatchHeaderFields,
  ProducerFencedError,
  TransactionStateError,
} from '../index.js';
import { BROKER_OPEN_SEGMENT_FILES_MAX, DIR_CHECKPOINT_INTERVAL_MS_DEFAULT, FETCH_RESPONSE_BYTES_MAX_DEFAULT,
  LOG_CHECK_INTERVAL_MS_DEFAULT, OFFSET_MAP_BYTES_DEFAULT } from '../limits.js';
import type { BrokerOptions, FetchOptions, FetchPartitionRequest, FetchPartitionResult, OffsetCommit, OffsetReplayReport, OpenReport,
  PartitionStats, ProduceOptions, ProduceResult, TopicDescription } from './broker-types.js';
import { asError, type BrokerEvents, type CloseFailure } from './broker-events.js';
import { CommittedOffsets } from './committed-offsets.js';
import { DirCheckpoints, TOPICS_FILE, planDataDirectory, type DataDirectoryPlan, readOrWriteMetaProperties,
  topicsFileText } from './data-directory.js';
import { readOffsetsTopicFiles } from './offsets-topic-reader.js';
import { GroupCoordinator, type GroupDescription, type GroupState } from './group-coordinator.js';
import { encodeGroupMetadataKey, encodeGroupMetadataValue, type StoredGroup } from './group-metadata-record.js';
import { ErrorCode } from './protocol/error-codes.js';
import { partitionForKey } from './murmur2.js';
import { OFFSETS_TOPIC, type CommittedOffset } from './offset-store.js';
import { TRANSACTION_STATE_TOPIC, TransactionCoordinator } from './transaction-coordinator.js';
import { BrokerMetrics, type PartitionFigures } from './broker-metrics.js';
import { MaintenanceHistory } from './maintenance-history.js';
import { appendProducerBatch, appendRecords, newPartition, partitionIn, partitionStats, type Partition,
  type Topic } from './partition.js';
import { partitionsMaxFor } from './partition-budget.js';
import { offlineError, type OfflinePartition, type RecoveryEvent } from './partition-offline.js';
import { refuseClientProduce } from './produce-validation.js';
import { startServer, type BrokerServer, type ListenOptions } from './server.js';
import { isInternalTopic, validateTopicName } from './topic-name.js';


/**
 * The topics a consumer group's members subscribe to, from their metadata in Kafka's consumer
 * protocol (ConsumerProtocolSubscription: version int16, topics STRING[], …). Metadata that does not
 * parse counts as no subscription; a group of another protocol type subscribes to nothing.
 */
function subscribedTopics(group: GroupDescription): Set<string> {
  const topics = new Set<string>();
  if (group.protocolType !== 'consumer') return topics;
  for (const m of group.members) {
    const bytes = m.metadata;
    if (bytes.length < 6) continue;
    const count = bytes.readInt32BE(2);
    let at = 6;
    for (let i = 0; i < count && at + 2 <= bytes.length; i++) {
      const length = bytes.readInt16BE(at);
      if (length < 0 || at + 2 + length > bytes.length) break;
      topics.add(bytes.toString('utf8', at + 2, at + 2 + length));
      at += 2 + length;
    }
  }
  return topics;
}

/** One turn of the event loop for other connections (a long createTopic must not starve them). */
function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type CheckpointRow = { topic: string; partition: number; offset: number };

export class Broker extends EventEmitter<BrokerEvents> {
  readonly dataDir: string;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly defaults: Partial<LogConfig>;
  readonly groups: GroupCoordinator;
  /** The transaction coordinator (`__transaction_state`, markers). */
  readonly transactions: TransactionCoordinator;
  private metricsInstance: BrokerMetrics | null = null;
  /** The broker's time (retention, timeouts, the console's previews). */
  readonly clock: Clock;
  private readonly topics = new Map<string, Topic>();
  private readonly committed = new CommittedOffsets();
  /** One bounded pool of read descriptors for every partition's segments (FilePool). */
  private readonly filePool = new FilePool(BROKER_OPEN_SEGMENT_FILES_MAX);
  /** Topic names whose createTopic is under way (it yields between partitions). */
  private readonly creating = new Set<string>();
  /** Open partitions the broker may hold in all (default: from the descriptor limit, see partition-budget.ts). */
  readonly partitionsMax: number;
  private nextProducerId = 0;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private readonly checkpointIntervalMs: number;
  private closed = false;
  private closing: Promise<void> | null = null;
  private dirCheckpoints: DirCheckpoints;
  openReport: OpenReport = { adoptedTopics: [], skipped: [], foreignCommits: 0, recovered: [] };
  private readonly servers = new Set<{ close(): Promise<void> }>();
  private readonly onRecovery: ((event: RecoveryEvent) => void) | undefined;
  /** Retention and compaction for every partition, on the broker's clock. */
  readonly logManager: LogManager;
  /** The data directory's `.lock`, held from open to the end of close. */
  private dirLock: DirectoryLock | null = null;
  /** What retention and compaction did since open: totals and each log's last clean and deletion. */
  readonly maintenance = new MaintenanceHistory();

  private constructor(dataDir: string, options: BrokerOptions, clusterId: string) {
    super();
    this.dataDir = dataDir;
    this.nodeId = options.nodeId ?? 0;
    this.clusterId = clusterId;
    this.defaults = validateLogConfig(options.defaults ?? {});
    this.clock = options.clock ?? systemClock;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? DIR_CHECKPOINT_INTERVAL_MS_DEFAULT;
    this.onRecovery = options.onRecovery;
    this.partitionsMax = options.partitionsMax ?? partitionsMaxFor();
    this.dirCheckpoints = new DirCheckpoints(dataDir, { [RECOVERY_POINT_CHECKPOINT]: [], [LOG_START_OFFSET_CHECKPOINT]: [],
      [REPLICATION_OFFSET_CHECKPOINT]: [] }, new Set());
    this.logManager = new LogManager({
      clock: this.clock,
      checkIntervalMs: options.logCheckIntervalMs ?? LOG_CHECK_INTERVAL_MS_DEFAULT,
      offsetMapBytes: options.offsetMapBytes ?? OFFSET_MAP_BYTES_DEFAULT,
    });
    this.logManager.on('run', (report: RunReport) => this.maintenance.record(report));
    this.logManager.on('error', (error: unknown) => {
      if (this.listenerCount('maintenanceError') > 0) this.emit('maintenanceError', error);
      this.emit('backgroundError', { task: 'maintenance', error: asError(error) });
    });
    this.transactions = new TransactionCoordinator({
      clock: this.clock,
      stateLog: () => this.partitionOf(TRANSACTION_STATE_TOPIC, 0).log,
      partitionLog: (topic, partition) => partitionIn(this.topics.get(topic), partition)?.log ?? null,
      newProducerId: () => this.initProducerId().producerId,
      offsetsCompleted: (producerId, commit) => this.committed.completeTransaction(producerId, commit),
      offsetsPartition: { topic: OFFSETS_TOPIC, partition: 0 },
      afterMarker: options.afterTransactionMarker,
    });
    this.groups = new GroupCoordinator({
      clock: this.clock,
      store: (groupId, group) => this.storeGroup(groupId, group),
      ...(options.initialRebalanceDelayMs === undefined ? {} : { initialRebalanceDelayMs: options.initialRebalanceDelayMs }),
      ...(options.sessionTimeoutMinMs === undefined ? {} : { sessionTimeoutMinMs: options.sessionTimeoutMinMs }),
    });
  }

  /**
   * Opens (creating if needed) the data directory and serves every topic its partition directories
   * hold (data-directory.ts says which). Reads everything it needs first: a refusal (the path is a
   * file, a malformed topics.json or checkpoint) leaves the directory as it was.
   */
  static async open(dataDir: string, options: BrokerOptions = {}): Promise<Broker> {
    const plan = planDataDirectory(dataDir);
    mkdirSync(dataDir, { recursive: true });
    // Before the first write: a directory another broker serves (seglog's, or Kafka's, which locks the
    // same `.lock`) is refused whole, instead of opening with every partition offline.
    const lock = lockDirectory(dataDir);
    let broker: Broker;
    try {
      takeCleanShutdownMarker(dataDir);
      const clusterId = readOrWriteMetaProperties(dataDir, options.nodeId ?? 0);
      broker = new Broker(dataDir, options, clusterId);
    } catch (error) {
      lock.release();
      throw error;
    }
    broker.dirLock = lock;
    try {
      await broker.openEverything(plan);
    } catch (error) {
      lock.release();
      throw error;
    }
    return broker;
  }

  /** Open's second half, once the directory is locked: every topic, the coordinators' state, the checkpoints. */
  private async openEverything(plan: DataDirectoryPlan): Promise<void> {
    const broker = this;
    broker.nextProducerId = plan.topicsFile.nextProducerId;
    // Kafka's own offsets partitions, read and never written: commits and group membership records.
    const foreign = readOffsetsTopicFiles(plan.foreignOffsetDirs);
    try {
      for (const t of plan.topics) await broker.openTopic(t.name, t.partitions, t.config);
      if (!broker.topics.has(OFFSETS_TOPIC)) await broker.createTopic(OFFSETS_TOPIC, { partitions: 1,
          config: { cleanupPolicy: 'compact' } });
      // Kafka's commits first: this broker's own (partition 0) are replayed after them and win.
      broker.committed.applyForeign(foreign.commits);
      for (const [groupId, stored] of foreign.groups) broker.groups.restore(groupId, stored);
      try {
        // Offline: commits answer KAFKA_STORAGE_ERROR, and there is nothing to replay.
        if (!broker.topicOf(OFFSETS_TOPIC).offline.has(0)) {
          const groups = broker.committed.replay(broker.partitionOf(OFFSETS_TOPIC, 0).log);
          for (const [groupId, stored] of groups) broker.groups.restore(groupId, stored);
        }
      } catch (error) {
        await broker.takeOffline(OFFSETS_TOPIC, 0, error);
      }
      try {
        // After the offsets: a transaction completed now commits or drops its pending offsets. The topic
        // exists once a transactional producer first asked for an id (Kafka creates it on first use too).
        const stateTopic = broker.topics.get(TRANSACTION_STATE_TOPIC);
        if (stateTopic !== undefined && !stateTopic.offline.has(0)) broker.transactions.restore();
      } catch (error) {
        await broker.takeOffline(TRANSACTION_STATE_TOPIC, 0, error);
      }
    } catch (error) {
      await broker.closeLogs();
      throw error;
    }
    for (const topic of broker.topics.values()) {
      for (const p of topic.partitions) broker.nextProducerId = Math.max(broker.nextProducerId, p.log.producers.largestProducerId + 1);
    }
    broker.nextProducerId = Math.max(broker.nextProducerId, broker.transactions.largestProducerId + 1);
    try {
      broker.adopt(plan, foreign.commits.length);
      broker.writeDirCheckpoints();
    } catch (error) {
      await broker.closeLogs();
      throw error;
    }
    broker.scheduleCheckpoints();
  }

  /** Records what open found, keeps the checkpoint entries it does not own, lists adopted topics in topics.json. */
  private adopt(plan: ReturnType<typeof planDataDirectory>, foreignCommits: number): void {
    const served = new Set<string>();
    const recovered: OpenReport['recovered'] = [];
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        served.add(checkpointKey(p.topic, p.partition));
        const report = p.log.recoveryReport;
        if (!report.cleanShutdown && report.segmentsLoaded > 0) recovered.push({ topic: p.topic, partition: p.partition, report });
      }
    }
    this.dirCheckpoints = new DirCheckpoints(this.dataDir, plan.checkpoints, served);
    const adoptedTopics = plan.topics.filter((t) => t.adopted).map((t) => t.name);
    this.openReport = { adoptedTopics, skipped: plan.skipped, foreignCommits, recovered };
    if (adoptedTopics.length > 0) this.writeTopicsFile();
  }

  private writeTopicsFile(): void {
    const topics = [...this.topics.values()].map((t) => ({ name: t.name, partitions: t.partitionCount, config: t.config }));
    writeFileAtomically(join(this.dataDir, TOPICS_FILE), topicsFileText(this.nextProducerId, topics));
  }

  /**
   * Opens every partition of a topic the data directory holds (Broker.open). A listed partition whose
   * directory is missing is news worth reporting. A partition that fails to open goes offline; the
   * others serve.
   */
  private async openTopic(name: string, partitionCount: number, config: Partial<LogConfig>): Promise<Topic> {
    const topic: Topic = { name, config, partitions: [], partitionCount, offline: new Map(), stickyPartition: 0 };
    this.topics.set(name, topic);
    const logConfig = { ...this.defaults, ...config };
    for (let p = 0; p < partitionCount; p++) {
      const dir = join(this.dataDir, partitionDirName(name, p));
      const notes: string[] = [];
      if (!existsSync(dir)) notes.push(`${dir} was missing: partition recreated empty`);
      let log: Log | null = null;
      try {
        log = await Log.open(dir, logConfig, { clock: this.clock, filePool: this.filePool });
        const partition = newPartition(name, p, log, this.clock.nowMs());
        this.logManager.add(log);
        log.on('flushError', (error: Error) => this.emit('backgroundError', { task: 'flush', error, path: dir, topic: name,
          partition: p }));
        topic.partitions.push(partition);
        this.reportRecovery({ topic: name, partition: p, dir, report: log.recoveryReport, notes, error: null });
      } catch (error) {
        if (log !== null) await log.close().catch(() => undefined);
        const offline = offlineError(error, name, p, dir);
        topic.offline.set(p, { topic: name, partition: p, dir, error: offline });
        this.reportRecovery({ topic: name, partition: p, dir, report: log?.recoveryReport ?? null, notes, error: offline });
      }
    }
    return topic;
  }

  /** A partition found unusable after it opened: closed, offline, reported. */
  private async takeOffline(topicName: string, partition: number, error: unknown): Promise<void> {
    const topic = this.topicOf(topicName);
    const p = partitionIn(topic, partition);
    if (p === undefined) return;
    this.logManager.remove(p.log);
    await p.log.close().catch(() => undefined);
    topic.partitions.splice(topic.partitions.indexOf(p), 1);
    const offline = offlineError(error, topicName, partition, p.log.dir);
    topic.offline.set(partition, { topic: topicName, partition, dir: p.log.dir, error: offline });
    this.reportRecovery({ topic: topicName, partition, dir: p.log.dir, report: null, notes: [], error: offline });
  }

  private reportRecovery(event: RecoveryEvent): void {
    this.onRecovery?.(event);
    if (this.listenerCount('recovery') > 0) this.emit('recovery', event);
  }

  /** Partitions that could not be opened, with why (each answers KAFKA_STORAGE_ERROR). */
  offlinePartitions(): OfflinePartition[] {
    const out: OfflinePartition[] = [];
    for (const topic of this.topics.values()) out.push(...topic.offline.values());
    return out;
  }

  /** Numbers of one topic's offline partitions (Metadata reports them without a leader). */
  offlinePartitionsOf(topic: string): number[] {
    return [...(this.topics.get(topic)?.offline.keys() ?? [])];
  }

  /** Lines describing a recovery event (one per action or note): what a server logs. */
  static describeRecovery(event: RecoveryEvent): string[] {
    const lines = event.report === null ? [] : describeRecovery(event.report);
    lines.push(...event.notes);
    if (event.error !== null) lines.push(event.error.toLine());
    return lines;
  }

  // ---------------------------------------------------------------------------------------------
  // Topics

  /**
   * Creates a topic: all its partitions or none. The count is bounded by `partitionsMax` (from the
   * descriptor budget) before anything is made; directories are made first and the logs opened one
   * at a time, yielding to other connections between partitions; any failure (EMFILE, ENOSPC, a close
   * meanwhile) closes what was opened and removes the directories this call made, then rethrows.
   * topics.json, renamed into place last, is the commit point.
   */
  async createTopic(name: string, spec: { partitions: number; config?: Partial<LogConfig> }): Promise<TopicDescription> {
    this.ensureOpen();
    validateTopicName(name);
    if (this.topics.has(name) || this.creating.has(name)) throw new TopicExistsError(`topic ${name} already exists`);
    if (!Number.isSafeInteger(spec.partitions) || spec.partitions < 1) {
      throw new InvalidArgumentError(`partitions must be a positive integer, got ${spec.partitions}`);
    }
    const available = this.partitionsMax - this.partitionCount();
    if (spec.partitions > available) {
      throw new RequestRefusedError(`${spec.partitions} partitions would exceed the broker's limit of ${this.partitionsMax} open `
          + `partitions (${available} left; the limit follows from the process's descriptor limit)`);
    }
    const config = spec.config ?? {};
    const logConfig = validateLogConfig({ ...this.defaults, ...config });
    this.creating.add(name);
    try {
      await this.openNewPartitions(name, 0, spec.partitions, logConfig, (partitions) => {
        this.topics.set(name, { name, config, partitions, partitionCount: spec.partitions, offline: new Map(), stickyPartition: 0 });
        this.writeTopicsFile();
      }, () => this.topics.delete(name));
    } finally {
      this.creating.delete(name);
    }
    this.emit('topicCreated', { topic: name, partitions: spec.partitions, config });
    return this.describe(name);
  }

  /**
   * Makes and opens partitions [from, to) of `name`, one at a time, yielding between them; `commit`
   * (which writes topics.json, the commit point) runs once all are open. Any failure, in the opening
   * or the commit, closes what was opened, runs `undo`, removes the directories this call made (a
   * directory that was already there is left as it was) and rethrows. The new logs join maintenance
   * only after the commit.
   */
  private async openNewPartitions(name: string, from: number, to: number, logConfig: LogConfig, commit: (partitions: Partition[]) => void,
      undo: () => void): Promise<Partition[]> {
    const made: string[] = [];
    const partitions: Partition[] = [];
    try {
      for (let p = from; p < to; p++) {
        const dir = join(this.dataDir, partitionDirName(name, p));
        if (!existsSync(dir)) {
          made.push(dir);
          mkdirSync(dir);
        }
      }
      for (let p = from; p < to; p++) {
        await yieldToOthers();
        if (this.closed) throw new InvalidArgumentError(`broker closed while creating partitions of topic ${name}`);
        const dir = join(this.dataDir, partitionDirName(name, p));
        const log = await Log.open(dir, logConfig, { clock: this.clock, filePool: this.filePool });
        log.on('flushError', (error: Error) => this.emit('backgroundError', { task: 'flush', error, path: dir, topic: name,
            partition: p }));
        const partition = newPartition(name, p, log, this.clock.nowMs());
        partitions.push(partition);
        this.reportRecovery({ topic: name, partition: p, dir, report: log.recoveryReport, notes: [], error: null });
      }
      commit(partitions);
    } catch (error) {
      undo();
      for (const p of partitions) await p.log.close().catch(() => undefined);
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
      if (made.length > 0) fsyncDirectory(this.dataDir);
      throw error;
    }
    for (const p of partitions) this.logManager.add(p.log);
    return partitions;
  }

  /**
   * CreatePartitions: grows `name` to `count` partitions (Kafka never shrinks a topic). The new
   * partitions take the topic's config; topics.json names the new count once all are open.
   */
  async createPartitions(name: string, count: number, options: { validateOnly?: boolean } = {}): Promise<TopicDescription> {
    this.ensureOpen();
    const topic = this.topicOf(name);
    if (name === OFFSETS_TOPIC || name === TRANSACTION_STATE_TOPIC) {
      throw new InvalidPartitionsError(`${name} keeps its one partition: this broker writes its state only there`);
    }
    if (!Number.isSafeInteger(count) || count <= topic.partitionCount) {
      throw new InvalidPartitionsError(`topic ${name} has ${topic.partitionCount} partitions; a new count must be larger, got ${count}`);
    }
    if (this.creating.has(name)) throw new RequestRefusedError(`topic ${name} is being created or grown`);
    const available = this.partitionsMax - this.partitionCount();
    if (count - topic.partitionCount > available) {
      throw new RequestRefusedError(`${count - topic.partitionCount} more partitions would exceed the broker's limit of `
          + `${this.partitionsMax} open partitions (${available} left)`);
    }
    if (options.validateOnly === true) return this.describe(name);
    const logConfig = validateLogConfig({ ...this.defaults, ...topic.config });
    const from = topic.partitionCount;
    this.creating.add(name);
    try {
      await this.openNewPartitions(name, from, count, logConfig, (partitions) => {
        topic.partitions.push(...partitions);
        topic.partitionCount = count;
        this.writeTopicsFile();
      }, () => {
        topic.partitions = topic.partitions.filter((p) => p.partition < from);
        topic.partitionCount = from;
      });
    } finally {
      this.creating.delete(name);
    }
    this.writeDirCheckpoints();
    return this.describe(name);
  }

  /**
   * The topic's config: `overrides` as set on the topic (Kafka's "dynamic topic config") and
   * `effective`, every key with the broker's defaults filled in.
   */
  topicConfig(name: string): { overrides: Partial<LogConfig>; effective: LogConfig } {
    const topic = this.topicOf(name);
    return { overrides: { ...topic.config }, effective: validateLogConfig({ ...this.defaults, ...topic.config }) };
  }

  /**
   * Replaces the topic's overrides (AlterConfigs; IncrementalAlterConfigs computes the new set first)
   * and applies them to every open partition's Log at once: validated whole before anything changes,
   * durable in topics.json before the logs see them.
   */
  alterTopicConfig(name: string, overrides: Partial<LogConfig>, options: { validateOnly?: boolean } = {}): TopicDescription {
    this.ensureOpen();
    const topic = this.topicOf(name);
    const logConfig = validateLogConfig({ ...this.defaults, ...overrides });
    if ((name === OFFSETS_TOPIC || name === TRANSACTION_STATE_TOPIC) && logConfig.cleanupPolicy !== 'compact') {
      throw new InvalidConfigError(`${name} must keep cleanup.policy=compact`);
    }
    if (options.validateOnly === true) return this.describe(name);
    const previous = topic.config;
    topic.config = { ...overrides };
    try {
      this.writeTopicsFile();
    } catch (error) {
      topic.config = previous;
      throw error;
    }
    for (const p of topic.partitions) p.log.reconfigure(logConfig);
    this.emit('topicConfigChanged', { topic: name, config: { ...overrides } });
    return this.describe(name);
  }

  private partitionCount(): number {
    let count = 0;
    for (const t of this.topics.values()) count += t.partitions.length;
    return count;
  }

  async deleteTopic(name: string): Promise<void> {
    this.ensureOpen();
    const topic = this.topics.get(name);
    if (topic === undefined) throw new UnknownTopicError(`topic ${name} does not exist`);
    if (name === OFFSETS_TOPIC || name === TRANSACTION_STATE_TOPIC) throw new InvalidArgumentError(`${name} cannot be deleted`);
    this.topics.delete(name);
    this.writeTopicsFile();
    for (const p of topic.partitions) {
      this.logManager.remove(p.log);
      // Its data is being deleted: a close that fails (a lost fsync, a full disk) must not stop the rest.
      await p.log.close().catch(() => undefined);
      rmSync(p.log.dir, { recursive: true, force: true });
    }
    fsyncDirectory(this.dataDir);
    this.writeDirCheckpoints();
    this.emit('topicDeleted', { topic: name });
  }

  listTopics(): TopicDescription[] {
    return [...this.topics.keys()].sort().map((name) => this.describe(name));
  }

  describe(name: string): TopicDescription {
    const topic = this.topicOf(name);
    return { name, partitions: topic.partitionCount, config: { ...topic.config }, isInternal: isInternalTopic(name) };
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  /** The Log of one partition (read-only use: stats, tests, tools). */
  log(topic: string, partition: number): Log {
    return this.partitionOf(topic, partition).log;
  }

  private topicOf(name: string): Topic {
    const topic = this.topics.get(name);
    if (topic === undefined) throw new UnknownTopicError(`topic ${name} does not exist`);
    return topic;
  }

  private partitionOf(topic: string, partition: number): Partition {
    const t = this.topicOf(topic);
    const offline = t.offline.get(partition);
    if (offline !== undefined) throw offline.error;
    const p = partitionIn(t, partition);
    if (p === undefined) throw new UnknownTopicError(`topic ${topic} has no partition ${partition}`);
    return p;
  }

  // ---------------------------------------------------------------------------------------------
  // Produce

  /** A fresh producer id for an idempotent producer (epoch 0). Durable before it is returned. */
  initProducerId(): { producerId: number; producerEpoch: number } {
    this.ensureOpen();
    const producerId = this.nextProducerId++;
    this.writeTopicsFile();
    return { producerId, producerEpoch: 0 };
  }

  /** The partition Kafka's default partitioner would choose for `key` (sticky for null keys). */
  choosePartition(topic: string, key: Uint8Array | string | null | undefined): number {
    const t = this.topicOf(topic);
    const count = t.partitionCount;
    if (key === null || key === undefined) return t.stickyPartition % count;
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    return partitionForKey(bytes, count);
  }

  /**
   * Appends to a partition. `input`: a producer's encoded v2 batch (base offset 0; appended in place,
   * the caller's bytes are modified) or records to encode. partition null: the default partitioner on
   * the first record's key. acks 0/1: appended to the page cache; acks all: also fsync'd when the
   * topic's flush policy (flushMessages) asks for it — on one node "all replicas" is this one.
   */
  async produce(topic: string, partition: number | null, input: Uint8Array | readonly RecordInput[],
      options: ProduceOptions = {}): Promise<ProduceResult> {
    this.ensureOpen();
    refuseClientProduce(topic);
    const t = this.topicOf(topic);
    let index = partition;
    if (index === null) {
      const first = input instanceof Uint8Array ? null : input[0];
      index = this.choosePartition(topic, first?.key);
      if (first?.key === null || first?.key === undefined) t.stickyPartition = (t.stickyPartition + 1) % t.partitionCount;
    }
    const p = this.partitionOf(topic, index);
    const acks = options.acks ?? 1;
    const needsDurability = acks === -1 || acks === 'all';
    // After a failed fsync nothing more can be made durable here: refused before the append, so a
    // retrying producer does not pile up copies that each fail their flush.
    if (needsDurability && p.log.durabilityFailure !== null) throw p.log.durabilityFailure;
    const result = input instanceof Uint8Array ? appendProducerBatch(p, input, (h) => this.verifyTransactional(h, topic, p.partition))
      : appendRecords(p, input, options);
    // A duplicate too: its first copy may not be durable yet (its flush failed, or is still running).
    if (needsDurability && p.log.logEndOffset - p.log.recoveryPoint >= p.log.config.flushMessages) await p.log.flush();
    return result;
  }

  // ---------------------------------------------------------------------------------------------
  // Fetch

  /**
   * Reads from several partitions within one response budget (Kafka's rules: whole batches from a
   * batch boundary, the first partition with data may exceed the budget by one batch — KIP-74 — and
   * reads stop at the high watermark). Waits up to maxWaitMs for minBytes to be available.
   */
  async fetch(requests: readonly FetchPartitionRequest[], options: FetchOptions = {}): Promise<FetchPartitionResult[]> {
    this.ensureOpen();
    const maxWaitMs = options.maxWaitMs ?? 0;
    const minBytes = options.minBytes ?? 1;
    const deadlineMs = this.clock.nowMs() + maxWaitMs;
    for (;;) {
      const results = this.readOnce(requests, options.maxBytes ?? FETCH_RESPONSE_BYTES_MAX_DEFAULT, options.hardMaxBytesLimit === true,
        options.isolation ?? 'read_uncommitted');
      let totalBytes = 0;
      let anyError = false;
      for (const r of results) {
        for (const region of r.regions) totalBytes += region.sizeBytes;
        if (r.error !== null) anyError = true;
      }
      const remainingMs = deadlineMs - this.clock.nowMs();
      if (totalBytes >= minBytes || anyError || remainingMs <= 0 || this.closed) {
        for (const r of results) {
          const p = partitionIn(this.topics.get(r.topic), r.partition);
          if (p !== undefined) {
            p.fetchRequests += 1;
            for (const region of r.regions) p.fetchBytes += region.sizeBytes;
          }
        }
        return results;
      }
      await this.waitForAppend(requests, remainingMs);
    }
  }

  /**
   * One read of every requested partition through the fetch planner (planFetch: Kafka's budget rules,
   * the same code its tests check). A partition that is unknown or offline is its own error.
   */
  private readOnce(requests: readonly FetchPartitionRequest[], responseMaxBytes: number, hardMaxBytesLimit: boolean,
      isolation: IsolationLevel): FetchPartitionResult[] {
    const results: FetchPartitionResult[] = [];
    const planned: FetchRequest[] = [];
    const plannedIndexes: number[] = [];
    for (const request of requests) {
      const result: FetchPartitionResult = { topic: request.topic, partition: request.partition, error: null, highWatermark: -1,
          lastStableOffset: -1, logStartOffset: -1, regions: [], abortedTransactions: [] };
      try {
        const log = this.partitionOf(request.topic, request.partition).log;
        plannedIndexes.push(results.length);
        planned.push({ log, offset: request.offset, maxBytes: request.maxBytes });
      } catch (error) {
        result.error = error as Error;
      }
      results.push(result);
    }
    const plan = planFetch(planned, responseMaxBytes, { hardMaxBytesLimit, isolation });
    plan.partitions.forEach((p, i) => {
      const result = results[plannedIndexes[i] as number] as FetchPartitionResult;
      result.highWatermark = p.highWatermark;
      result.lastStableOffset = p.lastStableOffset;
      result.logStartOffset = p.logStartOffset;
      result.error = p.error;
      if (p.region !== null) {
        result.regions.push(p.region);
        if (p.region.abortedTransactions !== null) result.abortedTransactions = p.region.abortedTransactions;
      }
    });
    return results;
  }

  private waitForAppend(requests: readonly FetchPartitionRequest[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const logs = new Set<Log>();
      for (const r of requests) {
        const p = partitionIn(this.topics.get(r.topic), r.partition);
        if (p !== undefined) logs.add(p.log);
      }
      const done = (): void => {
        clearTimeout(timer);
        for (const log of logs) log.off('append', done);
        this.off('closing', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const log of logs) log.on('append', done);
      this.on('closing', done);
    });
  }

  /**
   * ListOffsets: -2 earliest, -1 latest (the high watermark; the last stable offset for
   * 'read_committed'), else the first offset with timestamp ≥ it below that bound.
   */
  listOffsets(topic: string, partition: number, timestampMs: number, isolation: IsolationLevel = 'read_uncommitted'):
      { offset: number; timestampMs: number } {
    this.ensureOpen();
    const log = this.partitionOf(topic, partition).log;
    if (timestampMs === -2) return { offset: log.logStartOffset, timestampMs: -1 };
    if (timestampMs === -1) return { offset: log.latestOffset(isolation), timestampMs: -1 };
    const hit = log.offsetForTimestamp(timestampMs, isolation);
    return hit === null ? { offset: -1, timestampMs: -1 } : { offset: hit.offset, timestampMs: hit.timestampMs };
  }

  /**
   * DeleteRecords: raises the log start offset (bounded by the high watermark); returns the new one.
   * Internal topics are refused, as Kafka refuses them: their records are the broker's own state
   * (committed offsets, groups), replayed from the log start at every open.
   */
  deleteRecords(topic: string, partition: number, beforeOffset: number): number {
    this.ensureOpen();
    if (isInternalTopic(topic)) throw new InvalidTopicError(`records of the internal topic ${topic} cannot be deleted`);
    const log = this.partitionOf(topic, partition).log;
    const target = beforeOffset === -1 ? log.highWatermark : beforeOffset;
    if (target > log.highWatermark) {
      throw new OffsetOutOfRangeError(`deleteRecords offset ${target} is above the high watermark ${log.highWatermark}`,
        { offset: target });
    }
    return log.deleteRecordsBefore(target);
  }

  /**
   * A transactional batch must come from the transactional id's current producer, into a partition its
   * Ongoing transaction added (AddPartitionsToTxn): anything else would leave a transaction no marker
   * ever ends (Kafka's partition verification).
   */
  private verifyTransactional(header: BatchHeaderFields, topic: string, partition: number): void {
    if (!header.isTransactional) return;
    const { producerId, producerEpoch } = header;
    const verdict = this.transactions.verifyProduce(producerId, producerEpoch, topic, partition);
    const place = { path: this.partitionOf(topic, partition).log.dir };
    if (verdict === 'fenced') {
      throw new ProducerFencedError(`producer ${producerId} epoch ${producerEpoch} was fenced by a newer one`, place);
    }
    if (verdict !== 'ok') {
      throw new TransactionStateError(`transactional batch from producer ${producerId} for ${topic}-${partition}, which its `
        + 'transaction did not add', place);
    }
  }

  /** InitProducerId with a transactional id; `__transaction_state` is created on the first one. */
  async initTransactionalProducer(transactionalId: string, timeoutMs: number):
      Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
    this.ensureOpen();
    if (!this.topics.has(TRANSACTION_STATE_TOPIC)) {
      await this.createTopic(TRANSACTION_STATE_TOPIC, { partitions: 1, config: { cleanupPolicy: 'compact' } });
      this.transactions.restore();
    }
    return this.transactions.initProducerId(transactionalId, timeoutMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Committed offsets

  /** TxnOffsetCommit (after the coordinator's check): appended now, visible when the transaction commits. */
  commitOffsetsInTransaction(groupId: string, offsets: readonly OffsetCommit[], producerId: number, producerEpoch: number): void {
    this.ensureOpen();
    if (offsets.length === 0) return;
    for (const o of offsets) this.partitionOf(o.topic, o.partition);
    this.committed.commitInTransaction(this.partitionOf(OFFSETS_TOPIC, 0).log, groupId, offsets, this.clock.nowMs(), producerId,
      producerEpoch);
  }

  commitOffsets(groupId: string, offsets: readonly OffsetCommit[]): void {
    this.ensureOpen();
    if (offsets.length === 0) return;
    for (const o of offsets) this.partitionOf(o.topic, o.partition);
    this.committed.commit(this.partitionOf(OFFSETS_TOPIC, 0).log, groupId, offsets, this.clock.nowMs());
  }

  /** A group's membership as a GroupMetadata record of `__consumer_offsets` (null: a tombstone). */
  private storeGroup(groupId: string, group: StoredGroup | null): void {
    this.ensureOpen();
    const nowMs = this.clock.nowMs();
    this.partitionOf(OFFSETS_TOPIC, 0).log.append([{ key: encodeGroupMetadataKey(groupId),
      value: group === null ? null : encodeGroupMetadataValue(group), timestampMs: nowMs }]);
  }

  /**
   * Every group: those the coordinator holds and those that only have committed offsets (kcat,
   * `assign()` consumers, groups whose members left), which Kafka lists as Empty too.
   */
  listGroups(): { groupId: string; protocolType: string; state: GroupState }[] {
    const out = new Map(this.groups.list().map((g) => [g.groupId, g]));
    for (const groupId of this.committed.groupIds()) {
      if (!out.has(groupId)) out.set(groupId, { groupId, protocolType: '', state: 'Empty' });
    }
    return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** The group's state and members; a group with only committed offsets is Empty; null: no such group. */
  describeGroup(groupId: string): GroupDescription | null {
    const described = this.groups.describe(groupId);
    if (described !== null) return described;
    if (!this.committed.groupIds().has(groupId)) return null;
    return { groupId, state: 'Empty', generationId: 0, protocolType: '', protocolName: '', leaderId: '', memberIds: [], members: [] };
  }

  /**
   * DeleteGroups for one group: only an Empty group (NON_EMPTY_GROUP otherwise) is deleted, its
   * membership record and every committed offset tombstoned. Returns a Kafka error code.
   */
  deleteGroup(groupId: string): number {
    this.ensureOpen();
    const offsets = this.committed.ofGroup(groupId);
    const code = this.groups.delete(groupId);
    if (code === ErrorCode.GROUP_ID_NOT_FOUND && offsets.length === 0) return code;
    if (code !== ErrorCode.NONE && code !== ErrorCode.GROUP_ID_NOT_FOUND) return code;
    this.committed.remove(this.partitionOf(OFFSETS_TOPIC, 0).log, groupId, offsets, this.clock.nowMs());
    return ErrorCode.NONE;
  }

  /**
   * OffsetDelete: removes the group's committed offsets for `partitions`. A partition of a topic the
   * group's live members subscribe to keeps its offset (GROUP_SUBSCRIBED_TO_TOPIC), as in Kafka.
   * Returns the group-level code and one code per partition.
   */
  deleteGroupOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[]):
      { errorCode: number; partitions: { topic: string; partition: number; errorCode: number }[] } {
    this.ensureOpen();
    const described = this.describeGroup(groupId);
    if (described === null) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    const subscribed = described.state === 'Empty' ? new Set<string>() : subscribedTopics(described);
    const results = partitions.map((p) => ({ ...p, errorCode: subscribed.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC
      : !this.hasTopic(p.topic) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE }));
    const removable = results.filter((r) => r.errorCode === ErrorCode.NONE && this.committed.get(groupId, r.topic, r.partition) !== null);
    this.committed.remove(this.partitionOf(OFFSETS_TOPIC, 0).log, groupId, removable, this.clock.nowMs());
    return { errorCode: ErrorCode.NONE, partitions: results };
  }

  /** The committed offset, or null when the group has none for that partition. */
  committedOffset(groupId: string, topic: string, partition: number): CommittedOffset | null {
    return this.committed.get(groupId, topic, partition);
  }

  /** Every (topic, partition) the group has committed. */
  committedOffsets(groupId: string): { topic: string; partition: number; committed: CommittedOffset }[] {
    return this.committed.ofGroup(groupId);
  }

  /** What the replay of `__consumer_offsets` at open applied and skipped (undecodable records). */
  get offsetReplay(): OffsetReplayReport {
    return this.committed.replayReport;
  }

  // ---------------------------------------------------------------------------------------------
  // Stats, checkpoints, lifecycle

  stats(): PartitionStats[] {
    const nowMs = this.clock.nowMs();
    return [...this.topics.values()].flatMap((topic) => topic.partitions.map((p) => partitionStats(p, nowMs)));
  }

  private scheduleCheckpoints(): void {
    this.checkpointTimer = setInterval(() => {
      try {
        this.writeDirCheckpoints();
      } catch (error) {
        // The data directory went away or filled up: say so and keep serving; the next tick retries.
        this.emit('backgroundError', { task: 'checkpoint', error: asError(error), path: this.dataDir });
      }
    }, this.checkpointIntervalMs);
    this.checkpointTimer.unref();
  }

  /** Writes the three dir-level offset checkpoints (Kafka's text format): every served partition, every other entry kept. */
  writeDirCheckpoints(): void {
    const recovery: { topic: string; partition: number; offset: number }[] = [];
    const start: { topic: string; partition: number; offset: number }[] = [];
    const hw: { topic: string; partition: number; offset: number }[] = [];
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        const log = p.log;
        if (log.isClosed) continue;
        recovery.push({ topic: p.topic, partition: p.partition, offset: log.recoveryPoint });
        start.push({ topic: p.topic, partition: p.partition, offset: log.logStartOffset });
        hw.push({ topic: p.topic, partition: p.partition, offset: log.highWatermark });
      }
    }
    this.dirCheckpoints.write(RECOVERY_POINT_CHECKPOINT, recovery);
    this.dirCheckpoints.write(LOG_START_OFFSET_CHECKPOINT, start);
    this.dirCheckpoints.write(REPLICATION_OFFSET_CHECKPOINT, hw);
  }

  /** Serves the Kafka wire protocol for this broker (127.0.0.1:9092 unless told otherwise). */
  listen(options: ListenOptions = {}): Promise<BrokerServer> {
    this.ensureOpen();
    return startServer(this, options);
  }

  /** The broker's metrics (created on first use: until then requests are not timed). */
  get metrics(): BrokerMetrics {
    this.metricsInstance ??= new BrokerMetrics({
      stats: () => this.partitionFigures(),
      groupLags: () => this.groupLags(),
      openTransactions: () => this.transactions.describe().filter((t) => t.state === 'Ongoing').length,
      maintenance: () => this.maintenance.totals,
      mappedBytes,
    });
    return this.metricsInstance;
  }

  /** Every open partition's cumulative figures since the broker opened; unlike stats() it resets no rate window. */
  partitionFigures(): PartitionFigures[] {
    return [...this.topics.values()].flatMap((t) => t.partitions.map((p) => ({ ...p.log.stats(), topic: p.topic,
      partition: p.partition, fetchBytesTotal: p.fetchBytes, fetchRequestsTotal: p.fetchRequests,
      lastStableOffset: p.log.lastStableOffset })));
  }

  /** One answered wire request (the connection reports each); counted once metrics exist. */
  observeRequest(apiKey: number, seconds: number): void {
    this.metricsInstance?.observeRequest(apiKey, seconds);
  }

  /** Every committed offset's lag: the partition's high watermark minus the offset (0 when it is past it). */
  groupLags(): { groupId: string; topic: string; partition: number; lag: number }[] {
    const lags: { groupId: string; topic: string; partition: number; lag: number }[] = [];
    for (const groupId of this.committed.groupIds()) {
      for (const o of this.committed.ofGroup(groupId)) {
        const p = partitionIn(this.topics.get(o.topic), o.partition);
        if (p === undefined) continue;
        lags.push({ groupId, topic: o.topic, partition: o.partition, lag: Math.max(0, p.log.highWatermark - o.committed.offset) });
      }
    }
    return lags;
  }

  /** Registered by the wire server so close() stops it first. */
  trackServer(server: { close(): Promise<void> }): () => void {
    this.servers.add(server);
    return () => this.servers.delete(server);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private ensureOpen(): void {
    if (this.closed) throw new InvalidArgumentError('broker is closed');
  }

  /** One retention + compaction pass now (the background task runs it every logCheckIntervalMs). */
  runMaintenance(nowMs: number = this.clock.nowMs()): Promise<RunReport> {
    this.ensureOpen();
    return this.logManager.runOnce(nowMs);
  }

  /**
   * Clean shutdown: stops servers and the coordinator, snapshots producer state, closes (flushes and
   * checkpoints) every log, writes the dir checkpoints and finally the clean-shutdown marker. Every
   * step runs whatever the others did (a full disk fails one log's checkpoint, not the other logs'
   * close); the marker is written only when all succeeded. Failures are in the 'closed' event and the
   * ShutdownError close() then rejects with. Calling close() again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.closeEverything();
    return this.closing;
  }

  private async closeEverything(): Promise<void> {
    this.closed = true;
    this.emit('closing');
    if (this.checkpointTimer !== null) clearInterval(this.checkpointTimer);
    this.checkpointTimer = null;
    const failures: CloseFailure[] = [];
    const attempt = async (step: CloseFailure['step'], path: string | undefined, action: () => unknown): Promise<boolean> => {
      try {
        await action();
        return true;
      } catch (error) {
        failures.push({ step, ...(path === undefined ? {} : { path }), error: asError(error) });
        return false;
      }
    };
    for (const server of [...this.servers]) await attempt('server', undefined, () => server.close());
    await attempt('maintenance', undefined, () => this.logManager.close());
    this.groups.close();
    this.transactions.close();
    const partitions = [...this.topics.values()].flatMap((t) => t.partitions);
    for (const p of partitions) {
      // With producers only: without any, the roll snapshots already bound the next start's replay to the
      // active segment, and a stop on a full disk must not spend its last page on an empty snapshot.
      if (p.log.producers.producers.size > 0) {
        await attempt('producer-snapshot', p.log.dir, () => p.log.snapshotProducerState());
      }
    }
    const final = { recovery: [] as CheckpointRow[], start: [] as CheckpointRow[], hw: [] as CheckpointRow[] };
    for (const p of partitions) {
      const end = p.log.logEndOffset;
      const closed = await attempt('log', p.log.dir, () => p.log.close());
      // A log that closed has flushed everything; one that failed keeps the recovery point it reached.
      final.recovery.push({ topic: p.topic, partition: p.partition, offset: closed ? end : p.log.recoveryPoint });
      final.start.push({ topic: p.topic, partition: p.partition, offset: p.log.logStartOffset });
      final.hw.push({ topic: p.topic, partition: p.partition, offset: p.log.highWatermark });
    }
    // The logs share the broker's pool and leave it open; its idle descriptors go now.
    this.filePool.closeAll();
    await attempt('checkpoint', join(this.dataDir, RECOVERY_POINT_CHECKPOINT),
        () => this.dirCheckpoints.write(RECOVERY_POINT_CHECKPOINT, final.recovery));
    await attempt('checkpoint', join(this.dataDir, LOG_START_OFFSET_CHECKPOINT),
        () => this.dirCheckpoints.write(LOG_START_OFFSET_CHECKPOINT, final.start));
    await attempt('checkpoint', join(this.dataDir, REPLICATION_OFFSET_CHECKPOINT),
        () => this.dirCheckpoints.write(REPLICATION_OFFSET_CHECKPOINT, final.hw));
    const markerPath = join(this.dataDir, CLEAN_SHUTDOWN_FILE);
    if (failures.length === 0) await attempt('clean-shutdown-marker', markerPath, () => writeCleanShutdownMarker(this.dataDir));
    // Last: until here the directory is this broker's, whatever failed.
    this.dirLock?.release();
    this.dirLock = null;
    this.emit('closed', { errors: failures });
    if (failures.length > 0) {
      const first = failures[0] as CloseFailure;
      throw new ShutdownError(`${failures.length} shutdown step(s) failed, the first: ${first.step}: ${first.error.message}`,
          { path: this.dataDir, cause: new AggregateError(failures.map((f) => f.error)) });
    }
  }

  private async closeLogs(): Promise<void> {
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) await p.log.close();
    }
    this.filePool.closeAll();
  }
}
