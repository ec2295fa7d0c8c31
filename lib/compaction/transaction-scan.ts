/**
 * The transactions a compaction round must know about: for each producer, the aborted transactions
 * (first data offset to ABORT marker), and where the round must stop (Kafka's cleaner stops at the
 * first unstable offset). Data of an aborted transaction is dropped by the round; a marker stays
 * while data of its transaction remains.
 */
import type { Log } from '../log/log.js';
import { RecordBatch } from '../record/index.js';
import type { AbortedTransaction } from '../segment/transaction-index.js';
import { BatchScanner } from './batch-scanner.js';

/** Which data is aborted (`.txnindex` entries by producer: first data offset to the ABORT marker's), where the round stops. */
export interface TransactionScan {
  abortedByProducer: Map<number, AbortedTransaction[]>;
  firstOpenOffset: number;
}

/** The aborted transaction of `producerId` that holds `offset`, or null. */
export function abortedTxnAt(txns: TransactionScan | null, producerId: number, offset: number): AbortedTransaction | null {
  if (txns === null) return null;
  const list = txns.abortedByProducer.get(producerId);
  if (list === undefined) return null;
  for (const t of list) if (offset >= t.firstOffset && offset <= t.lastOffset) return t;
  return null;
}

/** Control type of a control batch at the scanner's position ('ABORT', 'COMMIT', other, or null). */
export function controlTypeAt(scanner: BatchScanner): string | null {
  const batch = new RecordBatch(scanner.chunk, scanner.batchStart, scanner.positionBytes - scanner.batchStart, undefined);
  return batch.controlRecord()?.controlType ?? null;
}

/**
 * The aborted transactions from the log's `.txnindex` files (the index readers and fetches use, so the
 * cleaner and read_committed consumers agree on what is aborted), and the last stable offset, which
 * a round must not pass: data above it may still belong to a transaction that has not ended.
 */
export function scanTransactions(log: Log): TransactionScan {
  const abortedByProducer = new Map<number, AbortedTransaction[]>();
  for (const t of log.abortedTransactions(log.logStartOffset, Number.MAX_SAFE_INTEGER)) {
    const list = abortedByProducer.get(t.producerId) ?? [];
    list.push(t);
    abortedByProducer.set(t.producerId, list);
  }
  return { abortedByProducer, firstOpenOffset: log.lastStableOffset };
}
