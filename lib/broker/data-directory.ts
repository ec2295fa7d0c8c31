/**
 * What a broker data directory holds before the broker touches it, read without writing a byte:
 * the topics to serve, the directories to leave alone, the checkpoint entries that belong to
 * partitions this broker does not serve, and the committed offsets a real Kafka left in
 * `__consumer_offsets` partitions it will not serve.
 *
 * A data directory is either seglog's own (topics.json lists its topics) or one of Kafka's log dirs
 * (no topics.json; Kafka keeps topic metadata in the KRaft `__cluster_metadata` log). Either way the
 * topics are what the partition directories say, and topics.json adds what Kafka keeps elsewhere
 * (config overrides, the partition count of a topic just created, the next producer id):
 *   - `<topic>-<partition>` directories with a legal topic name whose partitions are 0..n-1 are served;
 *   - Kafka's `__cluster_metadata-0` (the KRaft metadata log: records that describe the cluster, not
 *     data a client reads; Kafka itself never lists it) is not served, not opened, not written;
 *   - Kafka's renamed directories (`<tp>.<id>-delete` awaiting deletion, `<tp>.<id>-future` being
 *     moved between log dirs, `<tp>.<id>-stray`) and anything else that is not a partition directory
 *     are left alone;
 *   - a topic with missing partitions (a copy from one broker of a cluster) is not served: serving it
 *     would mean creating partitions Kafka did not create;
 *   - `__consumer_offsets-N` for N ≠ 0: this broker keeps its group offsets in partition 0; the
 *     others are read once for the offsets Kafka committed there and otherwise left alone.
 * Topics found only on disk (adopted) get retention off (retentionMs -1): their retention settings
 * live in Kafka's metadata log, and deleting data on a guess is not ours to do. topics.json records
 * them so an operator can change that.
 *
 * Checkpoint files (recovery-point / log-start / replication-offset) are Kafka's text format, one
 * file for the whole directory. The broker rewrites them for the partitions it serves and keeps every
 * other entry exactly as it found it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  InvalidArgumentError,
  InvalidConfigError,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  checkpointKey,
  ioError,
  parsePartitionDirName,
  readOffsetCheckpoint,
  writeFileAtomically,
  writeOffsetCheckpoint,
  type CheckpointEntry,
  type LogConfig,
} from '../index.js';
import { OFFSETS_TOPIC } from './offset-store.js';
import { TRANSACTION_STATE_TOPIC } from './transaction-coordinator.js';
import { topicNameProblem } from './topic-name.js';

export const TOPICS_FILE = 'topics.json';
/** Kafka's node identity file at the data-directory root. */
export const META_PROPERTIES = 'meta.properties';
const TOPICS_FILE_VERSION = 1;
/** Kafka's KRaft metadata log: cluster records, never a topic clients see. */
export const KAFKA_METADATA_TOPIC = '__cluster_metadata';
/** Kafka's internal topics that are compacted whatever the defaults say. */
const COMPACTED_INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC]);
/** Overrides given to a topic found only on disk (see the header). */
export const ADOPTED_TOPIC_CONFIG: Partial<LogConfig> = { retentionMs: -1 };
/** The dir-level checkpoint files the broker writes; entries it does not own are kept. */
const DIR_CHECKPOINT_FILES = [RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT] as const;
type DirCheckpointFile = (typeof DIR_CHECKPOINT_FILES)[number];

interface TopicsFile {
  version: number;
  nextProducerId: number;
  topics: { [name: string]: { partitions: number; config: Partial<LogConfig> } };
}

export interface TopicPlan {
  name: string;
  partitions: number;
  config: Partial<LogConfig>;
  /** Found on disk but not in topics.json. */
  adopted: boolean;
}

export interface SkippedEntry {
  name: string;
  reason: string;
}


export interface DataDirectoryPlan {
  /** false: the directory does not exist yet (a fresh broker). */
  exists: boolean;
  topicsFile: TopicsFile;
  topics: TopicPlan[];
  /** Directory entries not served and not touched, with why. */
  skipped: SkippedEntry[];
  /** `__consumer_offsets-N` (N ≠ 0) directories: read for committed offsets only. */
  foreignOffsetDirs: string[];
  checkpoints: { [file in DirCheckpointFile]: CheckpointEntry[] };
}

/**
 * Reads the data directory (no writes): refuses a path that is a file, finds the topics to serve.
 * A malformed topics.json or checkpoint file is a typed error: rewriting it would lose what it says.
 */
export function planDataDirectory(dataDir: string): DataDirectoryPlan {
  let exists = false;
  try {
    const stat = statSync(dataDir);
    if (!stat.isDirectory()) throw new InvalidArgumentError('data directory is not a directory', { path: dataDir });
    exists = true;
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(error, 'cannot read data directory', { path: dataDir });
  }
  const empty = { [RECOVERY_POINT_CHECKPOINT]: [], [LOG_START_OFFSET_CHECKPOINT]: [], [REPLICATION_OFFSET_CHECKPOINT]: [] };
  if (!exists) {
    return { exists, topicsFile: emptyTopicsFile(), topics: [], skipped: [], foreignOffsetDirs: [], checkpoints: empty };
  }
  const topicsFile = readTopicsFile(dataDir);
  const checkpoints = { ...empty } as DataDirectoryPlan['checkpoints'];
  for (const file of DIR_CHECKPOINT_FILES) checkpoints[file] = readOffsetCheckpoint(join(dataDir, file));
  const { onDisk, skipped, foreignOffsetDirs } = scanPartitionDirs(dataDir);
  const topics: TopicPlan[] = [];
  for (const [name, spec] of Object.entries(topicsFile.topics)) {
    const found = onDisk.get(name);
    onDisk.delete(name);
    // topics.json says how many partitions a listed topic has; a directory beyond that is not ours to serve.
    for (const p of found ?? []) {
      if (p < spec.partitions) continue;
      skipped.push({ name: `${name}-${p}`, reason: `${TOPICS_FILE} lists ${spec.partitions} partitions; left alone` });
    }
    topics.push({ name, partitions: spec.partitions, config: spec.config, adopted: false });
  }
  for (const [name, found] of [...onDisk].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const count = Math.max(...found) + 1;
    if (found.size !== count) {
      const missing = [...Array(count).keys()].filter((p) => !found.has(p));
      skipped.push({ name, reason: `partitions ${missing.join(', ')} of ${name} are not in this directory; not served` });
      continue;
    }
    const config = COMPACTED_INTERNAL_TOPICS.has(name) ? { cleanupPolicy: 'compact' as const } : { ...ADOPTED_TOPIC_CONFIG };
    topics.push({ name, partitions: count, config, adopted: true });
  }
  return { exists, topicsFile, topics, skipped, foreignOffsetDirs, checkpoints };
}

function scanPartitionDirs(dataDir: string): { onDisk: Map<string, Set<number>>; skipped: SkippedEntry[]; foreignOffsetDirs: string[] } {
  const onDisk = new Map<string, Set<number>>();
  const skipped: SkippedEntry[] = [];
  const foreignOffsetDirs: string[] = [];
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const parsed = parsePartitionDirName(entry.name);
    if (parsed === null || topicNameProblem(parsed.topic) !== null) {
      skipped.push({ name: entry.name, reason: 'not a partition directory (Kafka\'s -delete, -future, -stray or foreign); left alone' });
      continue;
    }
    if (parsed.topic === KAFKA_METADATA_TOPIC) {
      skipped.push({ name: entry.name, reason: 'Kafka\'s KRaft metadata log; not a topic, left alone' });
      continue;
    }
    if (parsed.topic === OFFSETS_TOPIC && parsed.partition !== 0) {
      foreignOffsetDirs.push(join(dataDir, entry.name));
      skipped.push({ name: entry.name, reason: 'Kafka\'s group offsets: read for committed offsets, otherwise left alone' });
      continue;
    }
    if (parsed.topic === TRANSACTION_STATE_TOPIC && parsed.partition !== 0) {
      skipped.push({ name: entry.name, reason: 'Kafka\'s transaction state: this broker keeps its own in partition 0; left alone' });
      continue;
    }
    let partitions = onDisk.get(parsed.topic);
    if (partitions === undefined) onDisk.set(parsed.topic, (partitions = new Set()));
    partitions.add(parsed.partition);
  }
  return { onDisk, skipped, foreignOffsetDirs };
}

function emptyTopicsFile(): TopicsFile {
  return { version: TOPICS_FILE_VERSION, nextProducerId: 0, topics: {} };
}

function readTopicsFile(dataDir: string): TopicsFile {
  const path = join(dataDir, TOPICS_FILE);
  if (!existsSync(path)) return emptyTopicsFile();
  let parsed: TopicsFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as TopicsFile;
  } catch (error) {
    throw new InvalidConfigError(`${TOPICS_FILE} is not JSON: ${(error as Error).message}`, { path });
  }
  if (parsed.version !== TOPICS_FILE_VERSION) {
    throw new InvalidConfigError(`${TOPICS_FILE} version ${parsed.version} is not ${TOPICS_FILE_VERSION}`, { path });
  }
  return parsed;
}

export function topicsFileText(nextProducerId: number,
    topics: Iterable<{ name: string; partitions: number; config: Partial<LogConfig> }>): string {
  const file: TopicsFile = { version: TOPICS_FILE_VERSION, nextProducerId, topics: {} };
  for (const t of topics) file.topics[t.name] = { partitions: t.partitions, config: t.config };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The dir-level checkpoint files: entries of partitions the broker serves are rewritten from the
 * logs; every other entry found at open is kept as it was (Kafka's partitions this broker does not
 * serve, partitions of other brokers listed in a copied directory), in the place it was found.
 */
export class DirCheckpoints {
  private readonly dataDir: string;
  private readonly found: { [file in DirCheckpointFile]: CheckpointEntry[] };
  /** Partitions served when the directory was opened: their old entries are the broker's to replace or drop. */
  private readonly servedAtOpen: ReadonlySet<string>;

  constructor(dataDir: string, found: DataDirectoryPlan['checkpoints'], servedAtOpen: ReadonlySet<string>) {
    this.dataDir = dataDir;
    this.found = found;
    this.servedAtOpen = servedAtOpen;
  }

  /** The entries one file gets: found entries in their order (own ones updated), then new own ones. */
  merge(file: DirCheckpointFile, own: readonly CheckpointEntry[]): CheckpointEntry[] {
    const ownByKey = new Map(own.map((e) => [checkpointKey(e.topic, e.partition), e]));
    const out: CheckpointEntry[] = [];
    for (const e of this.found[file]) {
      const key = checkpointKey(e.topic, e.partition);
      const mine = ownByKey.get(key);
      if (mine !== undefined) {
        out.push(mine);
        ownByKey.delete(key);
      } else if (!this.servedAtOpen.has(key)) {
        out.push(e);
      }
    }
    out.push(...ownByKey.values());
    return out;
  }

  write(file: DirCheckpointFile, own: readonly CheckpointEntry[]): void {
    writeOffsetCheckpoint(join(this.dataDir, file), this.merge(file, own));
  }
}

/** Reads meta.properties (Kafka's `key=value` text) or writes a new one; returns the cluster id. */
export function readOrWriteMetaProperties(dataDir: string, nodeId: number): string {
  const path = join(dataDir, META_PROPERTIES);
  if (existsSync(path)) {
    const match = /^cluster\.id=(.*)$/m.exec(readFileSync(path, 'utf8'));
    if (match?.[1] !== undefined) return match[1].trim();
  }
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
  writeFileAtomically(path, `#\n#seglog\nnode.id=${nodeId}\nversion=1\ncluster.id=${clusterId}\n`);
  return clusterId;
}
