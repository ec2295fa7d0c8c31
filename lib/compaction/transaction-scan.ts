/**
 * The transactions a compaction round must know about, found by walking the log's control batches
 * below the high watermark: for each producer, the aborted transactions (first data offset to ABORT
 * marker), and the first offset of any transaction still undecided, which the round must not pass
 * (Kafka's cleaner stops at the first unstable offset). Data of an aborted transaction is dropped by
 * the round; a marker stays while data of its transaction remains.
 */
import type { Log } from '../log/log.js';
import { RecordBatch } from '../record/index.js';
import { BatchScanner } from './batch-scanner.js';
import type { CleanerPacer } from './cleaner-pacer.js';

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  markerOffset: number;
}

/** Transactions found by scanning markers: which data is aborted, where the first undecided one starts. */
export interface TransactionScan {
  abortedByProducer: Map<number, AbortedTxn[]>;
  firstOpenOffset: number;
}

/** The aborted transaction of `producerId` that holds `offset`, or null. */
export function abortedTxnAt(txns: TransactionScan | null, producerId: number, offset: number): AbortedTxn | null {
  if (txns === null) return null;
  const list = txns.abortedByProducer.get(producerId);
  if (list === undefined) return null;
  for (const t of list) if (offset >= t.firstOffset && offset <= t.markerOffset) return t;
  return null;
}

/** Control type of a control batch at the scanner's position ('ABORT', 'COMMIT', other, or null). */
export function controlTypeAt(scanner: BatchScanner): string | null {
  const batch = new RecordBatch(scanner.chunk, scanner.batchStart, scanner.positionBytes - scanner.batchStart, undefined);
  return batch.controlRecord()?.controlType ?? null;
}

/** Finds aborted transactions and the first undecided one from the markers below the high watermark. */
export async function scanTransactions(log: Log, pacer: CleanerPacer): Promise<TransactionScan> {
  const abortedByProducer = new Map<number, AbortedTxn[]>();
  const open = new Map<number, number>();
  const highWatermark = log.highWatermark;
  const scanner = new BatchScanner();
  try {
    // Every segment, sealed then active, up to its size now: what a marker scan covers.
    outer: for (const file of log.segmentInfos()) {
      scanner.open(file.path, file.sizeBytes);
      while (scanner.next()) {
        const h = scanner.header;
        if (h.lastOffset >= highWatermark) break outer;
        if (!h.isTransactional || h.producerId < 0) continue;
        if (!h.isControl) {
          if (!open.has(h.producerId)) open.set(h.producerId, h.baseOffset);
        } else {
          const type = controlTypeAt(scanner);
          if (type === 'ABORT') {
            const list = abortedByProducer.get(h.producerId) ?? [];
            list.push({ producerId: h.producerId, firstOffset: open.get(h.producerId) ?? h.baseOffset, markerOffset: h.lastOffset });
            abortedByProducer.set(h.producerId, list);
          }
          if (type === 'ABORT' || type === 'COMMIT') open.delete(h.producerId);
        }
        await pacer.maybeYield();
      }
    }
  } finally {
    scanner.close();
  }
  let firstOpenOffset = Number.MAX_SAFE_INTEGER;
  for (const first of open.values()) firstOpenOffset = Math.min(firstOpenOffset, first);
  return { abortedByProducer, firstOpenOffset };
}
