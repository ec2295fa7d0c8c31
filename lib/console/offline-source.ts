/**
 * The console's figures for a stopped data directory (`seglog ui --data DIR`), seglog's or Kafka's:
 * topics, offsets, groups and committed offsets from the operator commands' read-only view
 * (readOfflineDirectory), each segment's offsets and timestamps from a header-only walk (cached per
 * file size and modification time), producer state from the newest `.snapshot`, transactions from
 * the last `__transaction_state` record per id. Nothing is written and no lock is taken: the
 * directory may belong to a broker that is not running, or to one that is (then the figures are
 * those of the moment of reading).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeConsumerAssignment } from '../inspect/index.js';
import {
  BatchWalker, LOG_SUFFIX, partitionDirName, readCleanerCheckpoint,
  readNewestSnapshot, systemClock, type SegmentInfo,
} from '../index.js';
import {
  TRANSACTION_STATE_TOPIC, isInternalTopic, readOfflineDirectory, readSegmentHeaders, visitTransactionLogBatch,
  type OfflineDirectoryView, type SegmentHeaders, type StoredTransaction,
} from '../broker/index.js';
import {
  partitionView, producerRows, type GroupSummary, type GroupView, type OverviewView, type PartitionView, type ProducersView,
  type TopicView,
} from './console-views.js';
import { ConsoleNotFoundError, type ConsoleSource, type SegmentLocation } from './console-source.js';

type OfflineSegment = SegmentInfo & { firstBatchTimestampMs: number };

/** A segment's headers as of its size and modification time (the cache key). */
interface WalkedSegment extends SegmentHeaders {
  sizeBytes: number;
  mtimeMs: number;
}

/** How long one read of the directory's listing serves the pages (they poll; the directory is stopped). */
const DIRECTORY_VIEW_TTL_MS = 2_000;

export class OfflineSource implements ConsoleSource {
  readonly mode = 'offline';
  private readonly walked = new Map<string, WalkedSegment>();
  private view: { readAtMs: number; directory: OfflineDirectoryView } | null = null;

  constructor(readonly dataDir: string) {
    // Fails here, typed, for a path that is not a data directory, before any page is served.
    this.directory();
  }

  private directory(): OfflineDirectoryView {
    const nowMs = systemClock.nowMs();
    if (this.view === null || nowMs - this.view.readAtMs > DIRECTORY_VIEW_TTL_MS) {
      this.view = { readAtMs: nowMs, directory: readOfflineDirectory(this.dataDir) };
    }
    return this.view.directory;
  }

  overview(): OverviewView {
    const d = this.directory();
    const topics = d.topics.map((t) => ({ name: t.name, partitions: t.partitions.length, offlinePartitions: 0,
      segments: t.partitions.reduce((sum, p) => sum + p.segments, 0), sizeBytes: t.partitions.reduce((sum, p) => sum + p.sizeBytes, 0),
      messages: t.partitions.reduce((sum, p) => sum + p.logEndOffset - p.logStartOffset, 0), internal: isInternalTopic(t.name) }));
    return {
      mode: 'offline', dataDir: this.dataDir, nowMs: systemClock.nowMs(),
      totals: { topics: topics.length, partitions: topics.reduce((sum, t) => sum + t.partitions, 0),
        segments: topics.reduce((sum, t) => sum + t.segments, 0), sizeBytes: topics.reduce((sum, t) => sum + t.sizeBytes, 0),
        messages: topics.reduce((sum, t) => sum + t.messages, 0), groups: d.groups.length },
      topics, series: null, requests: null,
    };
  }

  private topicView(name: string): OfflineDirectoryView['topics'][number] {
    const topic = this.directory().topics.find((t) => t.name === name);
    if (topic === undefined) throw new ConsoleNotFoundError(`no topic ${JSON.stringify(name)}`);
    return topic;
  }

  topic(name: string): TopicView {
    const t = this.topicView(name);
    const partitions: PartitionView[] = t.partitions.map((p) => {
      const dir = join(this.dataDir, partitionDirName(name, p.partition));
      return partitionView({
        partition: p.partition, offline: null, config: t.effective, segments: this.segments(dir, p.logEndOffset),
        logStartOffset: p.logStartOffset, highWatermark: p.highWatermark,
        // A stopped directory's open transactions are not known without replaying its producers: the HW bounds it.
        lastStableOffset: p.highWatermark, logEndOffset: p.logEndOffset, cleanerCheckpoint: readCleanerCheckpoint({ dir }),
        lastClean: null, lastDeletion: null, nowMs: systemClock.nowMs(),
      });
    });
    return { name, config: { effective: t.effective, overrides: t.overrides }, partitions };
  }

  /** The partition's segments, oldest first, as retention and compaction see them. */
  private segments(dir: string, logEndOffset: number): OfflineSegment[] {
    const names = logNames(dir);
    const segments: OfflineSegment[] = [];
    names.forEach((name, i) => {
      const path = join(dir, name);
      const walked = this.walk(path);
      if (walked === null) return;
      const next = names[i + 1];
      segments.push({ baseOffset: baseOffsetOf(name), sizeBytes: walked.sizeBytes,
        endOffset: next === undefined ? Math.max(logEndOffset, walked.endOffset ?? 0) : baseOffsetOf(next),
        largestTimestampMs: walked.largestTimestampMs, firstBatchTimestampMs: walked.firstBatchTimestampMs,
        isActive: next === undefined, path });
    });
    return segments;
  }

  /** A header-only walk of one segment, reused while its size and mtime stay the same; null if it vanished. */
  private walk(path: string): WalkedSegment | null {
    let sizeBytes: number;
    let mtimeMs: number;
    try {
      ({ size: sizeBytes, mtimeMs } = statSync(path));
    } catch {
      return null;
    }
    const cached = this.walked.get(path);
    if (cached !== undefined && cached.sizeBytes === sizeBytes && cached.mtimeMs === mtimeMs) return cached;
    const walked: WalkedSegment = { sizeBytes, mtimeMs, ...readSegmentHeaders(path) };
    this.walked.set(path, walked);
    return walked;
  }

  groups(): GroupSummary[] {
    return this.directory().groups.map((g) => {
      const view = this.group(g.groupId);
      return { groupId: g.groupId, state: view.state, protocolType: view.protocolType, members: view.members.length,
        partitions: view.offsets.length, totalLag: view.totalLag };
    });
  }

  group(groupId: string): GroupView {
    const d = this.directory();
    const g = d.groups.find((x) => x.groupId === groupId);
    if (g === undefined) throw new ConsoleNotFoundError(`no group ${JSON.stringify(groupId)}`);
    const stored = g.stored;
    const offsets = g.offsets.map((o) => {
      const p = d.topics.find((t) => t.name === o.topic)?.partitions.find((x) => x.partition === o.partition);
      const highWatermark = p?.highWatermark ?? null;
      return { topic: o.topic, partition: o.partition, committedOffset: o.committed.offset, metadata: o.committed.metadata,
        highWatermark, logEndOffset: p?.logEndOffset ?? null,
        lag: highWatermark === null ? null : Math.max(0, highWatermark - o.committed.offset) };
    });
    const protocolType = stored?.protocolType ?? '';
    return {
      groupId, state: stored === null || stored.members.length === 0 ? 'Empty' : 'Stable (as last recorded)', protocolType,
      protocolName: stored?.protocolName ?? null, generationId: stored?.generationId ?? 0, leaderId: stored?.leaderId ?? null,
      members: (stored?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost,
        assignment: protocolType === 'consumer' ? decodeConsumerAssignment(m.assignment) ?? [] : [] })),
      offsets, totalLag: offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0), lagSeries: null,
    };
  }

  producers(): ProducersView {
    const partitions: ProducersView['partitions'] = [];
    for (const t of this.directory().topics) {
      for (const p of t.partitions) {
        const snapshot = readNewestSnapshot(join(this.dataDir, partitionDirName(t.name, p.partition)), p.logEndOffset);
        if (snapshot === null) continue;
        const producers = producerRows(snapshot.table);
        if (producers.length > 0) {
          partitions.push({ topic: t.name, partition: p.partition, source: `snapshot at offset ${snapshot.offset}`, producers });
        }
      }
    }
    return { partitions, transactions: this.transactions() };
  }

  /** The last record per transactional id in `__transaction_state` (a tombstone removes the id). */
  private transactions(): ProducersView['transactions'] {
    const state = this.directory().topics.find((t) => t.name === TRANSACTION_STATE_TOPIC);
    const latest = new Map<string, StoredTransaction>();
    for (const p of state?.partitions ?? []) {
      const dir = join(this.dataDir, partitionDirName(TRANSACTION_STATE_TOPIC, p.partition));
      for (const name of logNames(dir)) {
        const walker = new BatchWalker().open(join(dir, name));
        try {
          while (walker.next()) {
            visitTransactionLogBatch(walker.batchBytes(), (id, stored) => {
              if (stored === null) latest.delete(id);
              else latest.set(id, stored);
            });
          }
        } finally {
          walker.close();
        }
      }
    }
    return [...latest].map(([transactionalId, t]) => ({ transactionalId, producerId: t.producerId, producerEpoch: t.producerEpoch,
      state: t.state, timeoutMs: t.timeoutMs,
      partitions: t.partitions.flatMap((x) => x.partitions.map((partition) => ({ topic: x.topic, partition }))) }));
  }

  segment(topic: string, partition: number, baseOffset: number): SegmentLocation {
    const t = this.topicView(topic);
    if (!t.partitions.some((p) => p.partition === partition)) throw new ConsoleNotFoundError(`no partition ${topic}-${partition}`);
    const dir = join(this.dataDir, partitionDirName(topic, partition));
    const name = logNames(dir).find((n) => baseOffsetOf(n) === baseOffset);
    if (name === undefined) throw new ConsoleNotFoundError(`no segment at base offset ${baseOffset} in ${topic}-${partition}`);
    return { logPath: join(dir, name), topic, partition, baseOffset };
  }
}

/** The `.log` files of a partition directory, oldest first (none when it cannot be listed). */
function logNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith(LOG_SUFFIX) && /^\d{20}\.log$/.test(n)).sort();
  } catch {
    return [];
  }
}

function baseOffsetOf(name: string): number {
  return Number(name.slice(0, -LOG_SUFFIX.length));
}
