/**
 * The records of `__consumer_offsets` partition directories read straight from their `.log` files, no
 * Log opened (nothing locked, created or recovered there): Kafka's own partitions when the broker
 * adopts a Kafka directory, and any of them, seglog's included, for the operator's offline commands.
 *
 * Offset commits come back oldest first (a null commit is a deletion), group membership records as
 * the last one per group (null: deleted). A batch that does not decode ends that segment's reading
 * (a torn tail); a record whose key or value does not decode is skipped and counted, as Kafka's
 * coordinator loader does.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWalker, CorruptRecordError, LOG_SUFFIX, decodeBatches, type RecordBatch } from '../index.js';
import { decodeGroupMetadataKey, decodeGroupMetadataValue, type StoredGroup } from './group-metadata-record.js';
import { decodeOffsetKey, decodeOffsetValue, type CommittedOffset } from './offset-store.js';

export interface ForeignCommit {
  groupId: string;
  topic: string;
  partition: number;
  committed: CommittedOffset | null;
}

/** What one batch of `__consumer_offsets` holds, handed to whoever keeps it (the broker's state or a reader's lists). */
export interface OffsetsTopicSink {
  group(groupId: string, stored: StoredGroup | null): void;
  commit(commit: ForeignCommit): void;
  /** A record whose key or value did not decode (skipped, as Kafka's loader does). */
  skipped(offset: number, reason: string): void;
}

/** Commits made inside a transaction, by producer id, until its marker (a COMMIT applies them, an ABORT drops them). */
export type PendingCommits = Map<number, ForeignCommit[]>;

/**
 * The one reading of a `__consumer_offsets` batch: group membership records and offset commits to
 * `sink`, in order; a transactional batch's commits held in `pending` until the producer's marker.
 * Commits still pending when the caller's reading ends belong to a transaction not yet ended.
 * Throws CorruptRecordError when the batch's records do not decode (the caller stops there).
 */
export function visitOffsetsBatch(batch: RecordBatch, sink: OffsetsTopicSink, pending: PendingCommits): void {
  if (batch.isControl) {
    const control = batch.controlRecord()?.controlType;
    const held = pending.get(batch.producerId);
    if (held !== undefined && (control === 'COMMIT' || control === 'ABORT')) {
      pending.delete(batch.producerId);
      if (control === 'COMMIT') for (const c of held) sink.commit(c);
    }
    return;
  }
  let held: ForeignCommit[] | null = null;
  if (batch.isTransactional) {
    held = pending.get(batch.producerId) ?? [];
    pending.set(batch.producerId, held);
  }
  for (const record of batch.records()) {
    if (record.key === null) continue;
    try {
      const key = Buffer.from(record.key);
      const groupId = decodeGroupMetadataKey(key);
      if (groupId !== null) {
        sink.group(groupId, record.value === null ? null : decodeGroupMetadataValue(Buffer.from(record.value)));
        continue;
      }
      const offsetKey = decodeOffsetKey(key);
      if (offsetKey === null) continue;
      const commit = { ...offsetKey, committed: record.value === null ? null : decodeOffsetValue(Buffer.from(record.value)) };
      if (held !== null) held.push(commit);
      else sink.commit(commit);
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) throw error;
      sink.skipped(record.offset, error.message);
    }
  }
}

interface OffsetsTopicContents {
  commits: ForeignCommit[];
  groups: Map<string, StoredGroup | null>;
  recordsSkipped: number;
}

export function readOffsetsTopicFiles(dirs: readonly string[]): OffsetsTopicContents {
  const contents: OffsetsTopicContents = { commits: [], groups: new Map(), recordsSkipped: 0 };
  const sink: OffsetsTopicSink = {
    group: (groupId, stored) => contents.groups.set(groupId, stored),
    commit: (commit) => contents.commits.push(commit),
    skipped: () => { contents.recordsSkipped += 1; },
  };
  for (const dir of dirs) {
    let segments: string[];
    try {
      segments = readdirSync(dir).filter((n) => n.endsWith(LOG_SUFFIX)).sort();
    } catch {
      continue;
    }
    // Per partition: what a transaction still open at the end committed is not a commit yet.
    const pending: PendingCommits = new Map();
    for (const name of segments) {
      // The shared walker, one batch in memory at a time.
      const walker = new BatchWalker().open(join(dir, name));
      try {
        while (walker.next()) {
          if (!collect(walker.batchBytes(), sink, pending)) break;
        }
      } finally {
        walker.close();
      }
    }
  }
  return contents;
}

/** false: the batch did not decode (the rest of the segment is not read). */
function collect(batchBytes: Buffer, sink: OffsetsTopicSink, pending: PendingCommits): boolean {
  try {
    for (const batch of decodeBatches(batchBytes)) visitOffsetsBatch(batch, sink, pending);
    return true;
  } catch {
    // Damage in a file we only read (Kafka's, or a stopped broker's): what came before it stands.
    return false;
  }
}
