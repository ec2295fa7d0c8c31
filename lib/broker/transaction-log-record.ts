/**
 * A transaction's coordinator state as a record of `__transaction_state`, in Kafka's TransactionLog
 * schemas, so a restarted broker finds each transactional id where it was, and Kafka's tools (and
 * `seglog dump --transaction-log-decoder`) read the same records:
 *   key   v0: VERSION int16 (=0), transactionalId STRING
 *   value v0: VERSION int16 (=0), producerId int64, producerEpoch int16, transactionTimeoutMs int32,
 *             transactionStatus int8, transactionPartitions nullable [topic STRING, partitionIds [int32]],
 *             transactionLastUpdateTimestampMs int64, transactionStartTimestampMs int64
 * Value v1 (flexible: compact strings and arrays, tagged fields) is read too. A null value is a
 * tombstone: the transactional id expired.
 */
import { CorruptRecordError } from '../errors.js';
import { decodeBatches } from '../index.js';
import { ProtocolError, Reader, Writer } from './protocol/wire.js';

const TXN_KEY_VERSION = 0;
const TXN_VALUE_VERSION = 0;
const TXN_VALUE_FLEXIBLE_VERSION = 1;

/** Kafka's TransactionState ids, in their byte order. */
export const TXN_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead',
  'PrepareEpochFence'] as const;
export type TxnState = (typeof TXN_STATES)[number];

export interface StoredTransaction {
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** The partitions the transaction wrote to (or will write markers to), as topic → partition ids. */
  partitions: { topic: string; partitions: number[] }[];
  lastUpdateMs: number;
  startMs: number;
}

export function encodeTransactionKey(transactionalId: string): Buffer {
  return new Writer(64).int16(TXN_KEY_VERSION).string(transactionalId).toBuffer();
}

/** The transactional id of a key; CorruptRecordError for anything else. */
export function decodeTransactionKey(bytes: Buffer): string {
  return decoding(bytes, 'key', (r) => {
    const version = r.int16();
    if (version !== TXN_KEY_VERSION) throw new CorruptRecordError(`transaction log key version ${version} is not 0`);
    return r.string();
  });
}

export function encodeTransactionValue(txn: StoredTransaction): Buffer {
  const w = new Writer(128).int16(TXN_VALUE_VERSION).int64(txn.producerId).int16(txn.producerEpoch).int32(txn.timeoutMs)
    .int8(TXN_STATES.indexOf(txn.state));
  w.array(txn.partitions, (pw, p) => {
    pw.string(p.topic);
    pw.array(p.partitions, (iw, id) => iw.int32(id));
  });
  return w.int64(txn.lastUpdateMs).int64(txn.startMs).toBuffer();
}

export function decodeTransactionValue(bytes: Buffer): StoredTransaction {
  return decoding(bytes, 'value', (r) => {
    const version = r.int16();
    if (version !== TXN_VALUE_VERSION && version !== TXN_VALUE_FLEXIBLE_VERSION) {
      throw new CorruptRecordError(`transaction log value version ${version} is not 0 or 1`);
    }
    const flexible = version === TXN_VALUE_FLEXIBLE_VERSION;
    const producerId = r.int64();
    const producerEpoch = r.int16();
    const timeoutMs = r.int32();
    const stateId = r.int8();
    const state = TXN_STATES[stateId];
    if (state === undefined) throw new CorruptRecordError(`transaction state ${stateId} is not one Kafka defines`);
    const count = flexible ? r.compactArrayLength(2) : r.arrayLength(6);
    const partitions: StoredTransaction['partitions'] = [];
    for (let i = 0; i < count; i++) {
      const topic = flexible ? r.compactString() : r.string();
      const ids = flexible ? r.compactArrayLength(4) : r.arrayLength(4);
      const list: number[] = [];
      for (let j = 0; j < ids; j++) list.push(r.int32());
      if (flexible) r.skipTaggedFields();
      partitions.push({ topic, partitions: list });
    }
    const lastUpdateMs = r.int64();
    const startMs = r.int64();
    return { producerId, producerEpoch, timeoutMs, state, partitions, lastUpdateMs, startMs };
  });
}

function decoding<T>(bytes: Buffer, what: string, read: (r: Reader) => T): T {
  try {
    return read(new Reader(bytes));
  } catch (error) {
    if (error instanceof ProtocolError) throw new CorruptRecordError(`transaction log ${what} does not decode: ${error.message}`);
    throw error;
  }
}

/**
 * The records of one `__transaction_state` batch in order, each as its transactional id and state
 * (null: a tombstone): the coordinator's restore and the offline console read the log this one way.
 * Control batches are skipped; a record that does not decode is counted and skipped, as Kafka's loader
 * does. Returns how many were skipped.
 */
export function visitTransactionLogBatch(bytes: Uint8Array,
    visit: (transactionalId: string, stored: StoredTransaction | null) => void): number {
  let skipped = 0;
  for (const batch of decodeBatches(bytes)) {
    if (batch.isControl) continue;
    for (const record of batch.records()) {
      if (record.key === null) continue;
      let transactionalId: string;
      let stored: StoredTransaction | null;
      try {
        transactionalId = decodeTransactionKey(Buffer.from(record.key));
        stored = record.value === null ? null : decodeTransactionValue(Buffer.from(record.value));
      } catch {
        skipped += 1;
        continue;
      }
      visit(transactionalId, stored);
    }
  }
  return skipped;
}
