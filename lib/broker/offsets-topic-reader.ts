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
import { BatchWalker, CorruptRecordError, LOG_SUFFIX, decodeBatches } from '../index.js';
import { decodeGroupMetadataKey, decodeGroupMetadataValue, type StoredGroup } from './group-metadata-record.js';
import { decodeOffsetKey, decodeOffsetValue, type CommittedOffset } from './offset-store.js';

export interface ForeignCommit {
  groupId: string;
  topic: string;
  partition: number;
  committed: CommittedOffset | null;
}

interface OffsetsTopicContents {
  commits: ForeignCommit[];
  groups: Map<string, StoredGroup | null>;
  recordsSkipped: number;
}

export function readOffsetsTopicFiles(dirs: readonly string[]): OffsetsTopicContents {
  const contents: OffsetsTopicContents = { commits: [], groups: new Map(), recordsSkipped: 0 };
  for (const dir of dirs) {
    let segments: string[];
    try {
      segments = readdirSync(dir).filter((n) => n.endsWith(LOG_SUFFIX)).sort();
    } catch {
      continue;
    }
    // Offsets committed inside a transaction, by producer, until its marker: a COMMIT makes them commits, an ABORT drops them,
    // and those of a transaction still open at the end are not commits yet.
    const pending = new Map<number, ForeignCommit[]>();
    for (const name of segments) {
      // The shared walker, one batch in memory at a time.
      const walker = new BatchWalker().open(join(dir, name));
      try {
        while (walker.next()) {
          if (!collect(walker.batchBytes(), contents, pending)) break;
        }
      } finally {
        walker.close();
      }
    }
  }
  return contents;
}

/** false: the batch did not decode (the rest of the segment is not read). */
function collect(batchBytes: Buffer, contents: OffsetsTopicContents, pending: Map<number, ForeignCommit[]>): boolean {
  let batches;
  try {
    batches = [...decodeBatches(batchBytes)];
  } catch {
    return false;
  }
  for (const batch of batches) {
    if (batch.isControl) {
      const control = batch.controlRecord()?.controlType;
      const held = pending.get(batch.producerId);
      if (held !== undefined && (control === 'COMMIT' || control === 'ABORT')) {
        pending.delete(batch.producerId);
        if (control === 'COMMIT') contents.commits.push(...held);
      }
      continue;
    }
    let commits = contents.commits;
    if (batch.isTransactional) {
      commits = pending.get(batch.producerId) ?? [];
      pending.set(batch.producerId, commits);
    }
    try {
      for (const record of batch.records()) {
        if (record.key === null) continue;
        try {
          const key = Buffer.from(record.key);
          const groupId = decodeGroupMetadataKey(key);
          if (groupId !== null) {
            contents.groups.set(groupId, record.value === null ? null : decodeGroupMetadataValue(Buffer.from(record.value)));
            continue;
          }
          const offsetKey = decodeOffsetKey(key);
          if (offsetKey === null) continue;
          const committed = record.value === null ? null : decodeOffsetValue(Buffer.from(record.value));
          commits.push({ ...offsetKey, committed });
        } catch (error) {
          if (!(error instanceof CorruptRecordError)) throw error;
          contents.recordsSkipped += 1;
        }
      }
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) throw error;
      return false;
    }
  }
  return true;
}
