/**
 * The broker's committed group offsets: the latest commit per (group, topic, partition), in memory
 * for OffsetFetch, and durable as records of `__consumer_offsets` partition 0 (offset-store.ts holds
 * the record schemas). At open the map is rebuilt: commits read from Kafka's own `__consumer_offsets`
 * partitions first (data-directory.ts), then a replay of this broker's partition, whose commits win.
 *
 * The records are read by the one reader of offsets-topic batches (visitOffsetsBatch, shared with the
 * files reader): a record that does not decode is skipped and counted, as Kafka's coordinator loader
 * does (one bad record must not keep the broker from starting), and commits made in a transaction
 * wait for its marker.
 */
import { decodeBatches, type Log, type RecordInput } from '../index.js';
import type { OffsetCommit, OffsetReplayReport } from './broker-types.js';
import { visitOffsetsBatch, type ForeignCommit, type OffsetsTopicSink, type PendingCommits } from './offsets-topic-reader.js';
import type { StoredGroup } from './group-metadata-record.js';
import { encodeOffsetKey, encodeOffsetValue, offsetMapKey, type CommittedOffset } from './offset-store.js';
import { replayBatches } from './partition.js';

export class CommittedOffsets {
  private readonly committed = new Map<string, CommittedOffset>();
  /** Offsets committed inside a transaction, by producer id: visible once its COMMIT marker is written. */
  private readonly pending: PendingCommits = new Map();
  /** What the replay at open applied and skipped (undecodable records). */
  readonly replayReport: OffsetReplayReport = { recordsApplied: 0, recordsSkipped: 0, firstSkipped: null };

  /** Kafka's commits found in its own offsets partitions (oldest first; a null commit is a deletion). */
  applyForeign(commits: readonly ForeignCommit[]): void {
    for (const c of commits) this.apply(offsetMapKey(c.groupId, c.topic, c.partition), c.committed);
  }

  /**
   * Rebuilds from the offsets log (partition 0 of `__consumer_offsets`), from its start. Returns the
   * last GroupMetadata record of each group (null: deleted), for the coordinator to restore.
   */
  replay(log: Log): Map<string, StoredGroup | null> {
    const report = this.replayReport;
    const groups = new Map<string, StoredGroup | null>();
    const sink: OffsetsTopicSink = {
      group: (groupId, stored) => {
        groups.set(groupId, stored);
        report.recordsApplied += 1;
      },
      commit: (c) => {
        this.apply(offsetMapKey(c.groupId, c.topic, c.partition), c.committed);
        report.recordsApplied += 1;
      },
      skipped: (offset, reason) => {
        report.recordsSkipped += 1;
        if (report.firstSkipped === null) report.firstSkipped = { offset, reason };
      },
    };
    // A transaction still open at the end stays pending: the coordinator's restore commits or aborts it.
    replayBatches(log, log.logStartOffset, (bytes) => {
      for (const batch of decodeBatches(bytes)) visitOffsetsBatch(batch, sink, this.pending);
    });
    return groups;
  }

  /** Appends the commits to the offsets log (one batch: all or none), then makes them visible. */
  commit(offsetsLog: Log, groupId: string, offsets: readonly OffsetCommit[], nowMs: number): void {
    const records: RecordInput[] = [];
    for (const o of offsets) {
      const value: CommittedOffset = { offset: o.offset, metadata: o.metadata ?? '', commitTimestampMs: nowMs };
      records.push({ key: encodeOffsetKey({ groupId, topic: o.topic, partition: o.partition }), value: encodeOffsetValue(value),
          timestampMs: nowMs });
    }
    offsetsLog.append(records);
    for (const o of offsets) {
      this.apply(offsetMapKey(groupId, o.topic, o.partition), { offset: o.offset, metadata: o.metadata ?? '', commitTimestampMs: nowMs });
    }
  }

  /**
   * TxnOffsetCommit: appends the commits as a transactional batch of the producer (Kafka's), held back
   * until the transaction's COMMIT marker reaches the offsets log (completeTransaction).
   */
  commitInTransaction(offsetsLog: Log, groupId: string, offsets: readonly OffsetCommit[], nowMs: number, producerId: number,
      producerEpoch: number): void {
    const records: RecordInput[] = [];
    const values: CommittedOffset[] = [];
    for (const o of offsets) {
      const value: CommittedOffset = { offset: o.offset, metadata: o.metadata ?? '', commitTimestampMs: nowMs };
      values.push(value);
      records.push({ key: encodeOffsetKey({ groupId, topic: o.topic, partition: o.partition }), value: encodeOffsetValue(value),
        timestampMs: nowMs });
    }
    offsetsLog.append(records, { producerId, producerEpoch, baseSequence: -1, isTransactional: true });
    const pending = this.pending.get(producerId) ?? [];
    this.pending.set(producerId, pending);
    offsets.forEach((o, i) => pending.push({ groupId, topic: o.topic, partition: o.partition, committed: values[i]! }));
  }

  /** The producer's transaction ended in the offsets log: its offsets become the committed ones, or vanish. */
  completeTransaction(producerId: number, commit: boolean): void {
    const pending = this.pending.get(producerId);
    if (pending === undefined) return;
    this.pending.delete(producerId);
    if (commit) for (const c of pending) this.apply(offsetMapKey(c.groupId, c.topic, c.partition), c.committed);
  }

  /** Deletes the group's commits for `partitions` (tombstones in one batch), then forgets them. */
  remove(offsetsLog: Log, groupId: string, partitions: readonly { topic: string; partition: number }[], nowMs: number): void {
    if (partitions.length === 0) return;
    offsetsLog.append(partitions.map((p) => ({ key: encodeOffsetKey({ groupId, topic: p.topic, partition: p.partition }), value: null,
      timestampMs: nowMs })));
    for (const p of partitions) this.apply(offsetMapKey(groupId, p.topic, p.partition), null);
  }

  /** Every group with at least one committed offset. */
  groupIds(): Set<string> {
    const out = new Set<string>();
    for (const key of this.committed.keys()) out.add(key.slice(0, key.indexOf('\u0000')));
    return out;
  }

  /** The committed offset, or null when the group has none for that partition. */
  get(groupId: string, topic: string, partition: number): CommittedOffset | null {
    return this.committed.get(offsetMapKey(groupId, topic, partition)) ?? null;
  }

  /** Every (topic, partition) the group has committed. */
  ofGroup(groupId: string): { topic: string; partition: number; committed: CommittedOffset }[] {
    const out: { topic: string; partition: number; committed: CommittedOffset }[] = [];
    for (const [key, committed] of this.committed) {
      const [group, topic, partition] = key.split('\u0000') as [string, string, string];
      if (group === groupId) out.push({ topic, partition: Number(partition), committed });
    }
    return out;
  }

  private apply(key: string, committed: CommittedOffset | null): void {
    if (committed === null) this.committed.delete(key);
    else this.committed.set(key, committed);
  }
}
