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
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, unlinkSync,
    writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  BatchHeaderView,
  CLEAN_SHUTDOWN_FILE,
  CorruptRecordError,
  FileRegion,
  InvalidArgumentError,
  InvalidConfigError,
  LOG_START_OFFSET_CHECKPOINT,
  Log,
  LogManager,
  PartitionOfflineError,
  RequestRefusedError,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  SeglogError,
  ShutdownError,
  TopicExistsError,
  UnknownTopicError,
  checkpointKey,
  decodeBatches,
  describeRecovery,
  fsyncDirectory,
  partitionDirName,
  systemClock,
  validateLogConfig,
  writeFileAtomically,
  type AppendResult,
  type Clock,
  type CompressionType,
  type LogConfig,
  type LogStats,
  type RecordInput,
  type RecoveryReport,
  type RunReport,
} from '../index.js';
import { LOG_OVERHEAD_BYTES } from '../limits.js';
import { GroupCoordinator } from './group-coordinator.js';
import { startServer, type BrokerServer, type ListenOptions } from './server.js';
import { partitionForKey } from './murmur2.js';
import { OFFSETS_TOPIC, decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, offsetMapKey,
    type CommittedOffset } from './offset-store.js';
import { ProducerStateTable, loadNewestSnapshot, sequenceAfter, writeSnapshot } from './producer-state.js';
import { offlineError, type OfflinePartition, type RecoveryEvent } from './partition-offline.js';
import { isInternalTopic, validateTopicName } from './topic-name.js';
import { partitionsMaxFor } from './partition-budget.js';
import { refuseClientProduce, validateProduceRecords } from './produce-validation.js';
import { asError, type BrokerEvents, type CloseFailure } from './broker-events.js';
import { DirCheckpoints, TOPICS_FILE, planDataDirectory, readForeignCommits, topicsFileText, type SkippedEntry } from './data-directory.js';

export { TOPICS_FILE };
export const META_PROPERTIES = 'meta.properties';
const DEFAULT_CHECKPOINT_INTERVAL_MS = 5_000;
/** Replay reads this much of a log at a time when rebuilding producer state or offsets. */
const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;

export type Acks = 0 | 1 | -1 | 'all';

export interface BrokerOptions {
  defaults?: Partial<LogConfig>;
  clock?: Clock;
  nodeId?: number;
  /** Group coordinator: Kafka's group.initial.rebalance.delay.ms (default 3000). */
  initialRebalanceDelayMs?: number;
  sessionTimeoutMinMs?: number;
  /** How often the dir-level checkpoints are rewritten (default 5000). */
  checkpointIntervalMs?: number;
  /** Retention and compaction check interval (Kafka's log.retention.check.interval.ms, default 300000). */
  logCheckIntervalMs?: number;
  /** Open partitions the broker may hold in all; CreateTopics beyond it is refused (default: from the descriptor limit). */
  partitionsMax?: number;
  /** Compaction offset-map memory (default 32 MiB ≈ 1.2 M keys per round: an embedded broker's share). */
  offsetMapBytes?: number;
  /**
   * Called with every partition's recovery event, including those of Broker.open itself (which run
   * before a 'recovery' listener can be attached). Later ones are also emitted as 'recovery'.
   */
  onRecovery?: (event: RecoveryEvent) => void;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  /** The overrides given at creation, on top of the broker defaults. */
  config: Partial<LogConfig>;
  isInternal: boolean;
}

export interface ProduceResult {
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  /** True when an idempotent producer's retry was recognised and nothing was appended. */
  duplicate: boolean;
}

export interface ProduceOptions {
  acks?: Acks;
  compression?: CompressionType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

export interface FetchOptions {
  maxBytes?: number;
  maxWaitMs?: number;
  minBytes?: number;
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  /** null, or the error that stopped this partition's read (OffsetOutOfRangeError, UnknownTopicError). */
  error: Error | null;
  highWatermark: number;
  logStartOffset: number;
  /** Whole batches from a batch boundary (the last may be cut): send as they are. */
  regions: FileRegion[];
}

export interface PartitionStats extends LogStats {
  topic: string;
  partition: number;
  /** Per second, over the time since the previous stats() call. */
  appendRecordsPerSec: number;
  fetchRequestsPerSec: number;
  fetchBytesTotal: number;
}

export interface OffsetCommit {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
}

export interface OffsetReplayReport {
  recordsApplied: number;
  recordsSkipped: number;
  /** The first skipped record's offset and why it did not decode. */
  firstSkipped: { offset: number; reason: string } | null;
}

/** What open() found and did, for the operator's log (events emitted inside open() have no listener yet). */
export interface OpenReport {
  /** Topics served from partition directories that topics.json did not list (a Kafka log dir's). */
  adoptedTopics: string[];
  /** Directory entries not served and not touched, with why. */
  skipped: SkippedEntry[];
  /** Committed offsets read from Kafka's `__consumer_offsets` partitions not served here. */
  foreignCommits: number;
  /** Partitions whose open ran recovery (no clean-shutdown marker), with what it did. */
  recovered: { topic: string; partition: number; report: RecoveryReport }[];
}

interface Partition {
  topic: string;
  partition: number;
  log: Log;
  producers: ProducerStateTable;
  fetchRequests: number;
  fetchBytes: number;
  lastStatsMs: number;
  lastStatsRecords: number;
  lastStatsFetches: number;
}

interface Topic {
  name: string;
  config: Partial<LogConfig>;
  /** The partitions that opened, in partition order (offline ones are absent: see `offline`). */
  partitions: Partition[];
  partitionCount: number;
  offline: Map<number, OfflinePartition>;
  /** Where null-key records go until the partition changes (Kafka's sticky partitioner, simplified). */
  stickyPartition: number;
}

/** An opened partition by number (the list skips offline ones, so its index is only a first guess). */
function partitionIn(topic: Topic | undefined, partition: number): Partition | undefined {
  if (topic === undefined) return undefined;
  const guess = topic.partitions[partition];
  if (guess !== undefined && guess.partition === partition) return guess;
  return topic.partitions.find((p) => p.partition === partition);
}

function newPartition(topic: string, partition: number, log: Log, nowMs: number): Partition {
  return { topic, partition, log, producers: new ProducerStateTable(), fetchRequests: 0, fetchBytes: 0, lastStatsMs: nowMs,
      lastStatsRecords: 0, lastStatsFetches: 0 };
}

/** One turn of the event loop for other connections (a long createTopic must not starve them). */
function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Kafka config names ("retention.ms") as LogConfig keys ("retentionMs"). */
export function logConfigKey(kafkaName: string): string {
  return kafkaName.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Topic configs as Kafka's CreateTopics sends them (strings) → validated LogConfig overrides. */
export function parseTopicConfigs(entries: readonly { name: string; value: string | null }[]): Partial<LogConfig> {
  const overrides: { [key: string]: unknown } = {};
  for (const { name, value } of entries) {
    if (value === null) continue;
    const key = logConfigKey(name);
    if (!(key in validateLogConfig({}))) throw new InvalidConfigError(`unknown topic config ${name}`);
    overrides[key] = value === 'true' ? true : value === 'false' ? false : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  validateLogConfig(overrides as Partial<LogConfig>);
  return overrides as Partial<LogConfig>;
}


const DEFAULT_LOG_CHECK_INTERVAL_MS = 300_000;
const DEFAULT_OFFSET_MAP_BYTES = 32 * 1024 * 1024;
type CheckpointRow = { topic: string; partition: number; offset: number };

export class Broker extends EventEmitter<BrokerEvents> {
  readonly dataDir: string;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly defaults: Partial<LogConfig>;
  readonly groups: GroupCoordinator;
  private readonly clock: Clock;
  private readonly topics = new Map<string, Topic>();
  private readonly committed = new Map<string, CommittedOffset>();
  /** Topic names whose createTopic is under way (it yields between partitions). */
  private readonly creating = new Set<string>();
  /** Open partitions the broker may hold in all (default: from the descriptor limit, see partition-budget.ts). */
  readonly partitionsMax: number;
  /** What the replay of `__consumer_offsets` at open applied and skipped (undecodable records). */
  readonly offsetReplay: OffsetReplayReport = { recordsApplied: 0, recordsSkipped: 0, firstSkipped: null };
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

  private constructor(dataDir: string, options: BrokerOptions, clusterId: string) {
    super();
    this.dataDir = dataDir;
    this.nodeId = options.nodeId ?? 0;
    this.clusterId = clusterId;
    this.defaults = validateLogConfig(options.defaults ?? {});
    this.clock = options.clock ?? systemClock;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    this.onRecovery = options.onRecovery;
    this.partitionsMax = options.partitionsMax ?? partitionsMaxFor();
    this.dirCheckpoints = new DirCheckpoints(dataDir, { [RECOVERY_POINT_CHECKPOINT]: [], [LOG_START_OFFSET_CHECKPOINT]: [],
      [REPLICATION_OFFSET_CHECKPOINT]: [] }, new Set());
    this.logManager = new LogManager({
      clock: this.clock,
      checkIntervalMs: options.logCheckIntervalMs ?? DEFAULT_LOG_CHECK_INTERVAL_MS,
      offsetMapBytes: options.offsetMapBytes ?? DEFAULT_OFFSET_MAP_BYTES,
    });
    this.logManager.on('error', (error: unknown) => {
      if (this.listenerCount('maintenanceError') > 0) this.emit('maintenanceError', error);
      this.emit('backgroundError', { task: 'maintenance', error: asError(error) });
    });
    this.groups = new GroupCoordinator({
      clock: this.clock,
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
    const marker = join(dataDir, CLEAN_SHUTDOWN_FILE);
    if (existsSync(marker)) {
      unlinkSync(marker);
      fsyncDirectory(dataDir);
    }
    const clusterId = readOrWriteMetaProperties(dataDir, options.nodeId ?? 0);
    const broker = new Broker(dataDir, options, clusterId);
    broker.nextProducerId = plan.topicsFile.nextProducerId;
    const foreignCommits = readForeignCommits(plan.foreignOffsetDirs);
    try {
      for (const t of plan.topics) await broker.openTopic(t.name, t.partitions, t.config);
      if (!broker.topics.has(OFFSETS_TOPIC)) await broker.createTopic(OFFSETS_TOPIC, { partitions: 1,
          config: { cleanupPolicy: 'compact' } });
      // Kafka's commits first: this broker's own (partition 0) are replayed after them and win.
      for (const c of foreignCommits) {
        const key = offsetMapKey(c.groupId, c.topic, c.partition);
        if (c.committed === null) broker.committed.delete(key);
        else broker.committed.set(key, c.committed);
      }
      try {
        broker.replayCommittedOffsets();
      } catch (error) {
        await broker.takeOffline(OFFSETS_TOPIC, 0, error);
      }
    } catch (error) {
      await broker.closeLogs();
      throw error;
    }
    for (const topic of broker.topics.values()) {
      for (const p of topic.partitions) broker.nextProducerId = Math.max(broker.nextProducerId, p.producers.largestProducerId + 1);
    }
    broker.adopt(plan, foreignCommits.length);
    broker.writeDirCheckpoints();
    broker.scheduleCheckpoints();
    return broker;
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
        log = await Log.open(dir, logConfig, { clock: this.clock });
        const partition = newPartition(name, p, log, this.clock.nowMs());
        notes.push(...this.loadProducerState(partition));
        this.watchRolls(partition);
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

  /** Kafka writes a producer snapshot at every roll, so a start replays only the active segment. */
  private watchRolls(p: Partition): void {
    p.log.on('roll', (roll: { baseOffset: number }) => {
      try {
        writeSnapshot(p.log.dir, roll.baseOffset, p.producers);
      } catch (error) {
        // A missing snapshot costs a longer replay at the next start, never data: report, keep appending.
        this.emit('backgroundError', { task: 'snapshot', error: asError(error), path: p.log.dir, topic: p.topic, partition: p.partition });
      }
    });
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

  /** Producer state from the newest snapshot plus a replay after it; returns notes on what it found. */
  private loadProducerState(p: Partition): string[] {
    const log = p.log;
    const snapshot = loadNewestSnapshot(log.dir, log.logEndOffset);
    if (snapshot.table !== null) p.producers = snapshot.table;
    const from = Math.max(snapshot.offset, log.logStartOffset);
    this.replay(log, from, (bytes) => {
      for (const batch of decodeBatches(bytes)) {
        if (batch.producerId < 0 || batch.isControl) continue;
        p.producers.record(batch.producerId, batch.producerEpoch, {
          firstSequence: batch.baseSequence,
          lastSequence: batch.lastSequence,
          firstOffset: batch.baseOffset,
          lastOffset: batch.lastOffset,
          timestampMs: batch.maxTimestampMs,
        });
      }
    });
    return snapshot.notes;
  }

  /** Feeds whole batches from `from` to the log end, chunk by chunk, to `consume`. */
  private replay(log: Log, from: number, consume: (bytes: Buffer) => void): void {
    let offset = from;
    const end = log.logEndOffset;
    const header = new BatchHeaderView();
    while (offset < end) {
      const region = log.read(offset, { maxBytes: REPLAY_CHUNK_BYTES, minOneMessage: true });
      if (region.sizeBytes === 0) break;
      try {
        const bytes = region.toBuffer();
        // Keep only whole batches; the next read starts after the last one.
        let position = 0;
        let next = offset;
        while (position + LOG_OVERHEAD_BYTES <= bytes.length) {
          const sizeBytes = LOG_OVERHEAD_BYTES + bytes.readInt32BE(position + 8);
          if (position + sizeBytes > bytes.length) break;
          next = header.load(bytes, position).lastOffset + 1;
          position += sizeBytes;
        }
        if (position === 0) break;
        consume(bytes.subarray(0, position));
        offset = next;
      } catch (error) {
        // Damage recovery could not see (an int64 outside the CRC, say): name the file and the place.
        const detail = error instanceof SeglogError ? `${error.code}: ${error.message}` : (error as Error).message;
        throw new CorruptRecordError(`cannot replay batches from offset ${offset}: ${detail}`, { path: region.path,
          positionBytes: region.positionBytes + (error instanceof SeglogError ? error.positionBytes ?? 0 : 0), offset, cause: error });
      }
    }
  }

  private replayCommittedOffsets(): void {
    if (this.topicOf(OFFSETS_TOPIC).offline.has(0)) return; // offline: commits answer KAFKA_STORAGE_ERROR
    const p = this.partitionOf(OFFSETS_TOPIC, 0);
    const report = this.offsetReplay;
    this.replay(p.log, p.log.logStartOffset, (bytes) => {
      for (const batch of decodeBatches(bytes)) {
        if (batch.isControl) continue;
        let offset = batch.baseOffset;
        for (const record of batch.records()) {
          offset = record.offset;
          if (record.key === null) continue;
          // A record of the broker's own topic that does not decode is skipped and counted, as Kafka's
          // coordinator loader does: one bad record must not keep the broker from starting.
          try {
            const key = decodeOffsetKey(Buffer.from(record.key));
            if (key === null) continue;
            const mapKey = offsetMapKey(key.groupId, key.topic, key.partition);
            if (record.value === null) this.committed.delete(mapKey);
            else this.committed.set(mapKey, decodeOffsetValue(Buffer.from(record.value)));
            report.recordsApplied += 1;
          } catch (error) {
            if (!(error instanceof CorruptRecordError)) throw error;
            report.recordsSkipped += 1;
            if (report.firstSkipped === null) report.firstSkipped = { offset, reason: error.message };
          }
        }
      }
    });
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
    const made: string[] = [];
    const partitions: Partition[] = [];
    try {
      for (let p = 0; p < spec.partitions; p++) {
        const dir = join(this.dataDir, partitionDirName(name, p));
        if (!existsSync(dir)) {
          made.push(dir);
          mkdirSync(dir);
        }
      }
      for (let p = 0; p < spec.partitions; p++) {
        await yieldToOthers();
        if (this.closed) throw new InvalidArgumentError(`broker closed while creating topic ${name}`);
        const dir = join(this.dataDir, partitionDirName(name, p));
        const log = await Log.open(dir, logConfig, { clock: this.clock });
        log.on('flushError', (error: Error) => this.emit('backgroundError', { task: 'flush', error, path: dir, topic: name,
            partition: p }));
        const partition = newPartition(name, p, log, this.clock.nowMs());
        partitions.push(partition);
        const notes = this.loadProducerState(partition);
        this.watchRolls(partition);
        this.reportRecovery({ topic: name, partition: p, dir, report: log.recoveryReport, notes, error: null });
      }
      this.topics.set(name, { name, config, partitions, partitionCount: spec.partitions, offline: new Map(), stickyPartition: 0 });
      this.writeTopicsFile();
    } catch (error) {
      this.topics.delete(name);
      for (const p of partitions) await p.log.close().catch(() => undefined);
      // Only what this call made goes; a directory that was already there is left as it was.
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
      if (made.length > 0) fsyncDirectory(this.dataDir);
      throw error;
    } finally {
      this.creating.delete(name);
    }
    for (const p of partitions) this.logManager.add(p.log);
    this.emit('topicCreated', { topic: name, partitions: spec.partitions, config });
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
    if (name === OFFSETS_TOPIC) throw new InvalidArgumentError(`${OFFSETS_TOPIC} cannot be deleted`);
    this.topics.delete(name);
    this.writeTopicsFile();
    for (const p of topic.partitions) {
      this.logManager.remove(p.log);
      await p.log.close();
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
    const result = input instanceof Uint8Array ? this.appendBytes(p, input) : this.appendRecords(p, input, options);
    const acks = options.acks ?? 1;
    if ((acks === -1 || acks === 'all') && !result.duplicate && p.log.logEndOffset - p.log.recoveryPoint >= p.log.config.flushMessages) {
      await p.log.flush();
    }
    return result;
  }

  private appendBytes(p: Partition, bytes: Uint8Array): ProduceResult {
    // Everything that can refuse the request is checked before the one append (all or nothing).
    validateProduceRecords(bytes, p.log.dir);
    const h = new BatchHeaderView().load(bytes, 0);
    if (h.producerId < 0) return this.resultOf(p, p.log.appendBatch(bytes));
    const { producerId, producerEpoch: epoch, baseSequence: firstSequence } = h;
    const lastSequence = sequenceAfter(firstSequence, h.lastOffsetDelta);
    const check = p.producers.check(producerId, epoch, firstSequence, lastSequence, { path: p.log.dir, offset: p.log.logEndOffset });
    if (check.duplicate !== null) return this.produceResult(p, check.duplicate.firstOffset, check.duplicate.lastOffset, -1, true);
    const appended = p.log.appendBatch(bytes);
    p.producers.record(producerId, epoch, { firstSequence, lastSequence, firstOffset: appended.baseOffset,
        lastOffset: appended.lastOffset, timestampMs: appended.maxTimestampMs });
    return this.resultOf(p, appended);
  }

  private appendRecords(p: Partition, records: readonly RecordInput[], options: ProduceOptions): ProduceResult {
    const producerId = options.producerId ?? -1;
    if (producerId >= 0) {
      const epoch = options.producerEpoch ?? 0;
      const firstSequence = options.baseSequence ?? 0;
      const lastSequence = sequenceAfter(firstSequence, records.length - 1);
      const check = p.producers.check(producerId, epoch, firstSequence, lastSequence, { path: p.log.dir, offset: p.log.logEndOffset });
      if (check.duplicate !== null) return this.produceResult(p, check.duplicate.firstOffset, check.duplicate.lastOffset, -1, true);
      const appended = p.log.append(records, {
        ...(options.compression === undefined ? {} : { compression: options.compression }),
        producerId, producerEpoch: epoch, baseSequence: firstSequence,
      });
      p.producers.record(producerId, epoch, {
        firstSequence, lastSequence,
        firstOffset: appended.baseOffset, lastOffset: appended.lastOffset, timestampMs: appended.maxTimestampMs,
      });
      return this.resultOf(p, appended);
    }
    return this.resultOf(p, p.log.append(records, options.compression === undefined ? {} : { compression: options.compression }));
  }

  private resultOf(p: Partition, appended: AppendResult): ProduceResult {
    return this.produceResult(p, appended.baseOffset, appended.lastOffset, appended.logAppendTimeMs, false);
  }

  private produceResult(p: Partition, baseOffset: number, lastOffset: number, logAppendTimeMs: number, duplicate: boolean): ProduceResult {
    return { topic: p.topic, partition: p.partition, baseOffset, lastOffset, logAppendTimeMs, logStartOffset: p.log.logStartOffset,
        duplicate };
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
      const results = this.readOnce(requests, options.maxBytes ?? 52_428_800);
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

  private readOnce(requests: readonly FetchPartitionRequest[], responseMaxBytes: number): FetchPartitionResult[] {
    let remainingBytes = responseMaxBytes;
    let minOneMessage = true;
    const results: FetchPartitionResult[] = [];
    for (const request of requests) {
      const result: FetchPartitionResult = { topic: request.topic, partition: request.partition, error: null, highWatermark: -1,
          logStartOffset: -1, regions: [] };
      results.push(result);
      try {
        const log = this.partitionOf(request.topic, request.partition).log;
        result.highWatermark = log.highWatermark;
        result.logStartOffset = log.logStartOffset;
        const maxBytes = Math.max(0, Math.min(request.maxBytes, remainingBytes));
        if (maxBytes === 0 && !minOneMessage) {
          // Still validate the offset so an out-of-range fetch is reported, as Kafka does.
          log.read(request.offset, { maxBytes: 0, minOneMessage: false, maxOffset: log.highWatermark });
          continue;
        }
        const region = log.read(request.offset, { maxBytes, minOneMessage, maxOffset: log.highWatermark });
        if (region.sizeBytes > 0) {
          result.regions.push(region);
          remainingBytes -= region.sizeBytes;
          minOneMessage = false;
        }
      } catch (error) {
        result.error = error as Error;
      }
    }
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

  /** ListOffsets: -2 earliest, -1 latest (high watermark), else the first offset with timestamp ≥ it. */
  listOffsets(topic: string, partition: number, timestampMs: number): { offset: number; timestampMs: number } {
    this.ensureOpen();
    const log = this.partitionOf(topic, partition).log;
    if (timestampMs === -2) return { offset: log.logStartOffset, timestampMs: -1 };
    if (timestampMs === -1) return { offset: log.highWatermark, timestampMs: -1 };
    const hit = log.offsetForTimestamp(timestampMs);
    return hit === null ? { offset: -1, timestampMs: -1 } : { offset: hit.offset, timestampMs: hit.timestampMs };
  }

  /** DeleteRecords: raises the log start offset (bounded by the high watermark); returns the new one. */
  deleteRecords(topic: string, partition: number, beforeOffset: number): number {
    this.ensureOpen();
    const log = this.partitionOf(topic, partition).log;
    const target = beforeOffset === -1 ? log.highWatermark : beforeOffset;
    if (target > log.highWatermark) {
      throw new InvalidArgumentError(`deleteRecords offset ${target} is above the high watermark ${log.highWatermark}`, { offset: target });
    }
    return log.deleteRecordsBefore(target);
  }

  // ---------------------------------------------------------------------------------------------
  // Committed offsets

  commitOffsets(groupId: string, offsets: readonly OffsetCommit[]): void {
    this.ensureOpen();
    if (offsets.length === 0) return;
    const nowMs = this.clock.nowMs();
    const records: RecordInput[] = [];
    for (const o of offsets) {
      this.partitionOf(o.topic, o.partition);
      const value: CommittedOffset = { offset: o.offset, metadata: o.metadata ?? '', commitTimestampMs: nowMs };
      records.push({ key: encodeOffsetKey({ groupId, topic: o.topic, partition: o.partition }), value: encodeOffsetValue(value),
          timestampMs: nowMs });
    }
    this.partitionOf(OFFSETS_TOPIC, 0).log.append(records);
    for (const o of offsets) {
      this.committed.set(offsetMapKey(groupId, o.topic, o.partition), { offset: o.offset, metadata: o.metadata ?? '',
          commitTimestampMs: nowMs });
    }
  }

  /** The committed offset, or null when the group has none for that partition. */
  committedOffset(groupId: string, topic: string, partition: number): CommittedOffset | null {
    return this.committed.get(offsetMapKey(groupId, topic, partition)) ?? null;
  }

  /** Every (topic, partition) the group has committed. */
  committedOffsets(groupId: string): { topic: string; partition: number; committed: CommittedOffset }[] {
    const out: { topic: string; partition: number; committed: CommittedOffset }[] = [];
    for (const [key, committed] of this.committed) {
      const [group, topic, partition] = key.split('\u0000') as [string, string, string];
      if (group === groupId) out.push({ topic, partition: Number(partition), committed });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Stats, checkpoints, lifecycle

  stats(): PartitionStats[] {
    const nowMs = this.clock.nowMs();
    const out: PartitionStats[] = [];
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        const s = p.log.stats();
        const elapsedSec = Math.max(1e-3, (nowMs - p.lastStatsMs) / 1000);
        out.push({
          ...s,
          topic: p.topic,
          partition: p.partition,
          appendRecordsPerSec: (s.appendedRecords - p.lastStatsRecords) / elapsedSec,
          fetchRequestsPerSec: (p.fetchRequests - p.lastStatsFetches) / elapsedSec,
          fetchBytesTotal: p.fetchBytes,
        });
        p.lastStatsMs = nowMs;
        p.lastStatsRecords = s.appendedRecords;
        p.lastStatsFetches = p.fetchRequests;
      }
    }
    return out;
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
    const partitions = [...this.topics.values()].flatMap((t) => t.partitions);
    for (const p of partitions) {
      // With producers only: without any, the roll snapshots already bound the next start's replay to the
      // active segment, and a stop on a full disk must not spend its last page on an empty snapshot.
      if (p.producers.producers.size > 0) {
        await attempt('producer-snapshot', p.log.dir, () => writeSnapshot(p.log.dir, p.log.logEndOffset, p.producers));
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
    await attempt('checkpoint', join(this.dataDir, RECOVERY_POINT_CHECKPOINT),
        () => this.dirCheckpoints.write(RECOVERY_POINT_CHECKPOINT, final.recovery));
    await attempt('checkpoint', join(this.dataDir, LOG_START_OFFSET_CHECKPOINT),
        () => this.dirCheckpoints.write(LOG_START_OFFSET_CHECKPOINT, final.start));
    await attempt('checkpoint', join(this.dataDir, REPLICATION_OFFSET_CHECKPOINT),
        () => this.dirCheckpoints.write(REPLICATION_OFFSET_CHECKPOINT, final.hw));
    const markerPath = join(this.dataDir, CLEAN_SHUTDOWN_FILE);
    if (failures.length === 0) await attempt('clean-shutdown-marker', markerPath, () => this.writeCleanMarker());
    this.emit('closed', { errors: failures });
    if (failures.length > 0) {
      const first = failures[0] as CloseFailure;
      throw new ShutdownError(`${failures.length} shutdown step(s) failed, the first: ${first.step}: ${first.error.message}`,
          { path: this.dataDir, cause: new AggregateError(failures.map((f) => f.error)) });
    }
  }

  private writeCleanMarker(): void {
    const fd = openSync(join(this.dataDir, CLEAN_SHUTDOWN_FILE), 'w');
    try {
      writeFileSync(fd, JSON.stringify({ version: 0, brokerEpoch: 0 }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fsyncDirectory(this.dataDir);
  }

  private async closeLogs(): Promise<void> {
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) await p.log.close();
    }
  }
}

/** Reads meta.properties (Kafka's `key=value` text) or writes a new one; returns the cluster id. */
function readOrWriteMetaProperties(dataDir: string, nodeId: number): string {
  const path = join(dataDir, META_PROPERTIES);
  if (existsSync(path)) {
    const match = /^cluster\.id=(.*)$/m.exec(readFileSync(path, 'utf8'));
    if (match?.[1] !== undefined) return match[1].trim();
  }
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
  writeFileAtomically(path, `#\n#seglog\nnode.id=${nodeId}\nversion=1\ncluster.id=${clusterId}\n`);
  return clusterId;
}

/** Partition directories present in dataDir (for tools; the broker's own reading is data-directory.ts). */
export function partitionDirsIn(dataDir: string): string[] {
  return readdirSync(dataDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
}

export { topicPartitionKey };
