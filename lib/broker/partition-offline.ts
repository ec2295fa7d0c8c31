/**
 * What the broker says about opening its partitions: a partition that cannot be opened (a damaged
 * file recovery cannot get past, an unreadable directory, producer state that does not decode) goes
 * offline with an error naming the partition and the file, while every other partition is served —
 * Kafka takes a failed log dir offline, not the broker. Produce and fetch on it answer
 * KAFKA_STORAGE_ERROR (56). Every opened log's recovery report is handed on as a RecoveryEvent.
 */
import { PartitionOfflineError, SeglogError, type RecoveryReport } from '../index.js';

export interface OfflinePartition {
  topic: string;
  partition: number;
  dir: string;
  /** Why it is offline; `path` names the file when one is to blame. */
  error: PartitionOfflineError;
}

/**
 * Emitted as the broker's 'recovery' event (and passed to BrokerOptions.onRecovery, which also sees
 * the partitions opened by Broker.open itself): one per opened log, and one per offline partition.
 */
export interface RecoveryEvent {
  topic: string;
  partition: number;
  dir: string;
  /** The log's own report (null when it could not be opened). */
  report: RecoveryReport | null;
  /** Broker-level findings: a partition directory recreated empty, a damaged producer snapshot set aside. */
  notes: string[];
  /** Set when the partition is offline. */
  error: PartitionOfflineError | null;
}

/** The typed error an offline partition answers with: names the partition and the file or directory at fault. */
export function offlineError(error: unknown, topic: string, partition: number, dir: string): PartitionOfflineError {
  const path = error instanceof SeglogError && error.path !== undefined ? error.path : dir;
  const detail = error instanceof SeglogError ? error.toLine() : error instanceof Error ? error.message : String(error);
  return new PartitionOfflineError(`partition ${topic}-${partition} is offline: ${detail}`, {
    path,
    positionBytes: error instanceof SeglogError ? error.positionBytes : undefined,
    offset: error instanceof SeglogError ? error.offset : undefined,
    cause: error,
  });
}
