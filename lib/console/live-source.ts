/**
 * The console's figures for a running broker: read from what the broker already keeps (its logs,
 * coordinators, committed offsets, maintenance history, metrics) at request time, plus the rate
 * sampler's 15-minute series. Read-only: nothing here appends, commits or changes a config.
 */
import type { Broker } from '../broker/index.js';
import { isInternalTopic } from '../broker/index.js';
import { decodeConsumerAssignment } from '../inspect/index.js';
import { readCleanerCheckpoint, type Log } from '../index.js';
import {
  offlinePartitionView, partitionView, producerRows,
  type GroupSummary, type GroupView, type OverviewView, type PartitionFacts, type PartitionView,
  type ProducersView, type TopicSummary,
  type TopicView,
} from './console-views.js';
import { ConsoleNotFoundError, type ConsoleSource, type SegmentLocation } from './console-source.js';
import type { RateSampler } from './rate-sampler.js';

export class LiveSource implements ConsoleSource {
  readonly mode = 'live';

  constructor(private readonly broker: Broker, private readonly sampler: RateSampler) {}

  overview(): OverviewView {
    // One pass over the partitions (a broker may hold thousands), summed per topic.
    const byTopic = new Map<string, TopicSummary>(this.broker.listTopics().map((t) => [t.name, { name: t.name,
      partitions: t.partitions, offlinePartitions: this.broker.offlinePartitionsOf(t.name).length, segments: 0, sizeBytes: 0, messages: 0,
      internal: isInternalTopic(t.name) }]));
    for (const f of this.broker.partitionFigures()) {
      const topic = byTopic.get(f.topic);
      if (topic === undefined) continue;
      topic.segments += f.segments;
      topic.sizeBytes += f.sizeBytes;
      topic.messages += f.logEndOffset - f.logStartOffset;
    }
    const topics = [...byTopic.values()];
    return {
      mode: 'live', dataDir: this.broker.dataDir, nowMs: this.broker.clock.nowMs(),
      totals: { topics: topics.length, partitions: topics.reduce((sum, t) => sum + t.partitions, 0),
        segments: topics.reduce((sum, t) => sum + t.segments, 0), sizeBytes: topics.reduce((sum, t) => sum + t.sizeBytes, 0),
        messages: topics.reduce((sum, t) => sum + t.messages, 0), groups: this.broker.listGroups().length },
      topics, series: this.sampler.series(), requests: this.sampler.requestRows(),
    };
  }

  topic(name: string): TopicView {
    if (!this.broker.hasTopic(name)) throw new ConsoleNotFoundError(`no topic ${JSON.stringify(name)}`);
    const description = this.broker.describe(name);
    const config = this.broker.topicConfig(name);
    const offline = new Map(this.broker.offlinePartitions().filter((o) => o.topic === name).map((o) => [o.partition, o.error.toLine()]));
    const partitions: PartitionView[] = [];
    for (let p = 0; p < description.partitions; p++) {
      const reason = offline.get(p);
      partitions.push(reason === undefined ? this.partition(this.broker.log(name, p), p) : offlinePartitionView(p, reason));
    }
    return { name, config, partitions };
  }

  private partition(log: Log, partition: number): PartitionView {
    const sealed = log.sealedSegments();
    const segments = log.segmentInfos().map((s, i) => ({ ...s,
      firstBatchTimestampMs: i < sealed.length ? (sealed[i] as (typeof sealed)[number]).firstBatchTimestamp() : -1 }));
    const facts: PartitionFacts = {
      partition, offline: null, config: log.config, segments, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark,
      lastStableOffset: log.lastStableOffset, logEndOffset: log.logEndOffset, cleanerCheckpoint: readCleanerCheckpoint(log),
      lastClean: this.broker.maintenance.lastClean(log), lastDeletion: this.broker.maintenance.lastRetention(log),
      nowMs: this.broker.clock.nowMs(),
    };
    return partitionView(facts);
  }

  groups(): GroupSummary[] {
    const lags = this.broker.groupLags();
    return this.broker.listGroups().map((g) => {
      const mine = lags.filter((l) => l.groupId === g.groupId);
      return { groupId: g.groupId, state: g.state, protocolType: g.protocolType,
        members: this.broker.describeGroup(g.groupId)?.members.length ?? 0, partitions: this.broker.committedOffsets(g.groupId).length,
        totalLag: mine.reduce((sum, l) => sum + l.lag, 0) };
    });
  }

  group(groupId: string): GroupView {
    const described = this.broker.describeGroup(groupId);
    if (described === null) throw new ConsoleNotFoundError(`no group ${JSON.stringify(groupId)}`);
    const offsets = this.broker.committedOffsets(groupId).map((o) => {
      const log = this.broker.hasTopic(o.topic) && !this.broker.offlinePartitionsOf(o.topic).includes(o.partition)
        && o.partition < this.broker.describe(o.topic).partitions ? this.broker.log(o.topic, o.partition) : null;
      const highWatermark = log?.highWatermark ?? null;
      return { topic: o.topic, partition: o.partition, committedOffset: o.committed.offset, metadata: o.committed.metadata,
        highWatermark, logEndOffset: log?.logEndOffset ?? null,
        lag: highWatermark === null ? null : Math.max(0, highWatermark - o.committed.offset) };
    });
    return {
      groupId, state: described.state, protocolType: described.protocolType, protocolName: described.protocolName || null,
      generationId: described.generationId, leaderId: described.leaderId || null,
      members: described.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost,
        assignment: described.protocolType === 'consumer' ? decodeConsumerAssignment(m.assignment) ?? [] : [] })),
      offsets, totalLag: offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0), lagSeries: this.sampler.lagSeries(groupId),
    };
  }

  producers(): ProducersView {
    const partitions: ProducersView['partitions'] = [];
    for (const t of this.broker.listTopics()) {
      const offline = this.broker.offlinePartitionsOf(t.name);
      for (let p = 0; p < t.partitions; p++) {
        if (offline.includes(p)) continue;
        const producers = producerRows(this.broker.log(t.name, p).producers);
        if (producers.length > 0) partitions.push({ topic: t.name, partition: p, source: 'log', producers });
      }
    }
    const transactions = this.broker.transactions.describe().map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId,
      producerEpoch: t.producerEpoch, state: t.state, timeoutMs: t.timeoutMs, partitions: t.partitions }));
    return { partitions, transactions };
  }

  segment(topic: string, partition: number, baseOffset: number): SegmentLocation {
    if (!this.broker.hasTopic(topic) || partition >= this.broker.describe(topic).partitions
      || this.broker.offlinePartitionsOf(topic).includes(partition)) {
      throw new ConsoleNotFoundError(`no served partition ${topic}-${partition}`);
    }
    const found = this.broker.log(topic, partition).segmentInfos().find((s) => s.baseOffset === baseOffset);
    if (found === undefined) throw new ConsoleNotFoundError(`no segment at base offset ${baseOffset} in ${topic}-${partition}`);
    return { logPath: found.path, topic, partition, baseOffset };
  }
}
