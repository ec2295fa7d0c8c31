/**
 * The transaction coordinator of a single-node broker (Kafka's TransactionCoordinator): one state per
 * transactional id, kept durable as records of `__transaction_state` partition 0 in Kafka's schemas
 * (transaction-log-record.ts), and the transaction markers it writes through `Log.appendTransactionMarker`.
 *
 * Lifecycle of an id (Kafka's states):
 *   InitProducerId → Empty (a new producer id at epoch 0, or the same id at epoch + 1: the previous
 *     producer is fenced; an Ongoing transaction of the previous one is aborted first);
 *   AddPartitionsToTxn / AddOffsetsToTxn → Ongoing, with the partitions it writes to;
 *   EndTxn → PrepareCommit | PrepareAbort (written first), the markers, then CompleteCommit | CompleteAbort.
 * A transaction Ongoing past its timeout is aborted with the epoch bumped, so the producer that let it
 * expire is fenced. At open the records are replayed: a transaction found in PrepareCommit or
 * PrepareAbort (a stop between its markers) is completed — markers already written are skipped, a
 * partition's log knows which transactions are still open — and an Ongoing one waits for its timeout.
 *
 * Every step is synchronous (the logs' appends are), so requests never interleave inside one.
 * Errors are Kafka's codes; a fenced epoch is PRODUCER_FENCED from request version 2 on and
 * INVALID_PRODUCER_EPOCH before, as Kafka answers older clients.
 */
import type { Clock } from '../clock.js';
import type { Log } from '../index.js';
import { ErrorCode } from './protocol/error-codes.js';
import { encodeTransactionKey, encodeTransactionValue, visitTransactionLogBatch, type StoredTransaction,
  type TxnState } from './transaction-log-record.js';
import { replayBatches } from './partition.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
/** Kafka's transaction.max.timeout.ms default: a longer transaction timeout is refused. */
export const TRANSACTION_TIMEOUT_MAX_MS = 900_000;
/** How often expired transactions are looked for (Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms is 10 s). */
const EXPIRY_CHECK_INTERVAL_MS = 1000;
/** The epoch a producer id may reach before the coordinator hands out a new id (Kafka's Short.MaxValue - 1). */
const PRODUCER_EPOCH_MAX = 32_766;
/** One node, never re-elected: every marker carries coordinator epoch 0. */
const COORDINATOR_EPOCH = 0;

export interface TransactionHost {
  clock: Clock;
  /** Partition 0 of `__transaction_state`, where the coordinator's records go. */
  stateLog(): Log;
  /** A partition's log, or null when it is unknown or offline (no marker can be written there). */
  partitionLog(topic: string, partition: number): Log | null;
  /** A fresh producer id, durable before it is returned. */
  newProducerId(): number;
  /** The marker of `producerId`'s transaction was written to the offsets partition: its offsets commit or vanish. */
  offsetsCompleted(producerId: number, commit: boolean): void;
  /** Where the group coordinator's offsets go (AddOffsetsToTxn adds this partition). */
  offsetsPartition: { topic: string; partition: number };
  /** Test hook: called after each marker a completion writes (index from 0). */
  afterMarker?: ((index: number) => void) | undefined;
}

interface Transaction extends StoredTransaction {
  transactionalId: string;
}

export interface TransactionDescription {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: TxnState;
  timeoutMs: number;
  startMs: number;
  partitions: { topic: string; partition: number }[];
}

type Answer = { errorCode: number };

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class TransactionCoordinator {
  private readonly host: TransactionHost;
  private readonly txns = new Map<string, Transaction>();
  /** Producer id → its transactional id's state, for the check on every transactional produce. */
  private readonly byProducer = new Map<number, Transaction>();
  private timer: NodeJS.Timeout | null = null;
  /** Records a replay at open could not decode (skipped, as Kafka's loader does). */
  recordsSkipped = 0;

  constructor(host: TransactionHost) {
    this.host = host;
  }

  /** Replays `__transaction_state` and completes what a stop left between PrepareX and CompleteX. */
  restore(): void {
    const log = this.host.stateLog();
    replayBatches(log, log.logStartOffset, (bytes) => {
      this.recordsSkipped += visitTransactionLogBatch(bytes, (transactionalId, stored) => {
        if (stored === null) this.txns.delete(transactionalId);
        else this.txns.set(transactionalId, { transactionalId, ...stored });
      });
    });
    for (const txn of this.txns.values()) {
      this.byProducer.set(txn.producerId, txn);
      if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') this.writeMarkersAndComplete(txn, txn.state === 'PrepareCommit');
    }
    if (this.timer === null) {
      this.timer = setInterval(() => this.abortExpired(), EXPIRY_CHECK_INTERVAL_MS);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The largest producer id any transactional id holds (ids must not be handed out twice after a restart). */
  get largestProducerId(): number {
    let largest = -1;
    for (const txn of this.txns.values()) largest = Math.max(largest, txn.producerId);
    return largest;
  }

  /** InitProducerId with a transactional id. */
  initProducerId(transactionalId: string, timeoutMs: number): Answer & { producerId: number; producerEpoch: number } {
    if (timeoutMs <= 0 || timeoutMs > TRANSACTION_TIMEOUT_MAX_MS) {
      return { errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT, producerId: -1, producerEpoch: -1 };
    }
    const nowMs = this.host.clock.nowMs();
    let txn = this.txns.get(transactionalId);
    if (txn === undefined) {
      txn = { transactionalId, producerId: this.host.newProducerId(), producerEpoch: 0, timeoutMs, state: 'Empty', partitions: [],
        lastUpdateMs: nowMs, startMs: -1 };
      this.txns.set(transactionalId, txn);
    } else {
      // A new producer for the id: the previous one's open transaction is aborted (fencing it), then the epoch moves on.
      if (txn.state === 'Ongoing') this.endWithEpoch(txn, false, txn.producerEpoch + 1);
      if (txn.producerEpoch >= PRODUCER_EPOCH_MAX) {
        txn.producerId = this.host.newProducerId();
        txn.producerEpoch = 0;
      } else {
        txn.producerEpoch += 1;
      }
      txn.state = 'Empty';
      txn.partitions = [];
      txn.timeoutMs = timeoutMs;
      txn.startMs = -1;
      txn.lastUpdateMs = nowMs;
    }
    this.write(txn);
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  }

  /** AddPartitionsToTxn: one error code per partition (all fail together, as Kafka's do). */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, version: number,
      partitions: readonly { topic: string; partition: number }[]): number[] {
    const checked = this.checkProducer(transactionalId, producerId, producerEpoch, version);
    if (checked.errorCode !== ErrorCode.NONE) return partitions.map(() => checked.errorCode);
    const unknown = partitions.map((p) => this.host.partitionLog(p.topic, p.partition) === null);
    if (unknown.some(Boolean)) {
      return unknown.map((u) => (u ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    }
    this.add(checked.txn!, partitions);
    return partitions.map(() => ErrorCode.NONE);
  }

  /** AddOffsetsToTxn: the offsets partition joins the transaction, so EndTxn writes its marker there too. */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, version: number): Answer {
    const checked = this.checkProducer(transactionalId, producerId, producerEpoch, version);
    if (checked.errorCode !== ErrorCode.NONE) return { errorCode: checked.errorCode };
    this.add(checked.txn!, [this.host.offsetsPartition]);
    return { errorCode: ErrorCode.NONE };
  }

  /**
   * TxnOffsetCommit's check: the producer is the id's current one and its transaction holds the
   * offsets partition (AddOffsetsToTxn came first).
   */
  checkOffsetCommit(transactionalId: string, producerId: number, producerEpoch: number, version: number): Answer {
    const checked = this.checkProducer(transactionalId, producerId, producerEpoch, version);
    if (checked.errorCode !== ErrorCode.NONE) return { errorCode: checked.errorCode };
    const { topic, partition } = this.host.offsetsPartition;
    if (checked.txn!.state !== 'Ongoing' || !this.holds(checked.txn!, topic, partition)) return { errorCode: ErrorCode.INVALID_TXN_STATE };
    return { errorCode: ErrorCode.NONE };
  }

  /** EndTxn: commit or abort the producer's transaction (a retry of a completed one is answered as it was). */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, version: number): Answer {
    const txn = this.txns.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (producerEpoch !== txn.producerEpoch) return { errorCode: this.fencedCode(version) };
    switch (txn.state) {
      case 'Ongoing':
        this.endWithEpoch(txn, commit, txn.producerEpoch);
        return { errorCode: ErrorCode.NONE };
      case 'CompleteCommit':
        return { errorCode: commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE };
      case 'CompleteAbort':
        return { errorCode: commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE };
      case 'Empty':
        // Nothing was added: nothing to end (clients that skip AddPartitions for an empty transaction may still ask).
        return { errorCode: ErrorCode.NONE };
      default:
        return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
    }
  }

  /**
   * Whether a transactional produce may go to this partition: the producer is the id's current one
   * and its Ongoing transaction added the partition (Kafka's partition verification, KIP-890).
   */
  verifyProduce(producerId: number, producerEpoch: number, topic: string, partition: number): 'ok' | 'fenced' | 'not-in-transaction' {
    const txn = this.byProducer.get(producerId);
    if (txn === undefined || txn.producerId !== producerId) return 'not-in-transaction';
    if (producerEpoch < txn.producerEpoch) return 'fenced';
    return txn.state === 'Ongoing' && producerEpoch === txn.producerEpoch && this.holds(txn, topic, partition) ? 'ok'
      : 'not-in-transaction';
  }

  /** Every transactional id's state (for operators and tests). */
  describe(): TransactionDescription[] {
    return [...this.txns.values()].map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId,
      producerEpoch: t.producerEpoch, state: t.state, timeoutMs: t.timeoutMs, startMs: t.startMs,
      partitions: t.partitions.flatMap((p) => p.partitions.map((partition) => ({ topic: p.topic, partition }))) }));
  }

  /** Aborts, with the epoch bumped, every Ongoing transaction past its timeout. */
  abortExpired(): number {
    const nowMs = this.host.clock.nowMs();
    let aborted = 0;
    for (const txn of this.txns.values()) {
      if (txn.state !== 'Ongoing' || txn.startMs < 0 || nowMs - txn.startMs < txn.timeoutMs) continue;
      try {
        this.endWithEpoch(txn, false, Math.min(txn.producerEpoch + 1, PRODUCER_EPOCH_MAX + 1));
        aborted += 1;
      } catch {
        // A full disk or an offline partition: the next check tries again.
      }
    }
    return aborted;
  }

  private checkProducer(transactionalId: string, producerId: number, producerEpoch: number, version: number):
      Answer & { txn: Transaction | null } {
    const txn = this.txns.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING, txn: null };
    if (producerEpoch !== txn.producerEpoch) return { errorCode: this.fencedCode(version), txn: null };
    if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, txn: null };
    return { errorCode: ErrorCode.NONE, txn };
  }

  private fencedCode(version: number): number {
    return version >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
  }

  private holds(txn: Transaction, topic: string, partition: number): boolean {
    return txn.partitions.some((p) => p.topic === topic && p.partitions.includes(partition));
  }

  private add(txn: Transaction, partitions: readonly { topic: string; partition: number }[]): void {
    const nowMs = this.host.clock.nowMs();
    const known = new Set(txn.partitions.flatMap((p) => p.partitions.map((id) => partitionKey(p.topic, id))));
    let changed = txn.state !== 'Ongoing';
    for (const p of partitions) {
      if (known.has(partitionKey(p.topic, p.partition))) continue;
      known.add(partitionKey(p.topic, p.partition));
      const entry = txn.partitions.find((e) => e.topic === p.topic);
      if (entry === undefined) txn.partitions.push({ topic: p.topic, partitions: [p.partition] });
      else entry.partitions.push(p.partition);
      changed = true;
    }
    if (!changed) return;
    if (txn.state !== 'Ongoing') txn.startMs = nowMs;
    txn.state = 'Ongoing';
    txn.lastUpdateMs = nowMs;
    this.write(txn);
  }

  /** PrepareX with `epoch` (written first), the markers, CompleteX. */
  private endWithEpoch(txn: Transaction, commit: boolean, epoch: number): void {
    txn.producerEpoch = epoch;
    txn.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    txn.lastUpdateMs = this.host.clock.nowMs();
    this.write(txn);
    this.writeMarkersAndComplete(txn, commit);
  }

  private writeMarkersAndComplete(txn: Transaction, commit: boolean): void {
    let index = 0;
    const offsets = this.host.offsetsPartition;
    for (const { topic, partitions } of txn.partitions) {
      for (const partition of partitions) {
        const log = this.host.partitionLog(topic, partition);
        // Unknown or offline now, or the transaction wrote nothing there, or its marker is already written (a restart).
        if (log === null || !log.producers.hasOpenTransaction(txn.producerId)) continue;
        log.appendTransactionMarker({ producerId: txn.producerId, producerEpoch: txn.producerEpoch, coordinatorEpoch: COORDINATOR_EPOCH,
          commit });
        if (topic === offsets.topic && partition === offsets.partition) this.host.offsetsCompleted(txn.producerId, commit);
        this.host.afterMarker?.(index++);
      }
    }
    txn.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    txn.partitions = [];
    txn.lastUpdateMs = this.host.clock.nowMs();
    this.write(txn);
  }

  private write(txn: Transaction): void {
    this.byProducer.set(txn.producerId, txn);
    const nowMs = this.host.clock.nowMs();
    const record = { key: encodeTransactionKey(txn.transactionalId), value: encodeTransactionValue(txn), timestampMs: nowMs };
    this.host.stateLog().append([record]);
  }
}
