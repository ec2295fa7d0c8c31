/**
 * `--transaction-log-decoder`: records of `__transaction_state` — key v0 (transactional id) and
 * value v0-1 (producer id and epoch, state, partitions, timeout and timestamps) — in Kafka's text
 * (`transaction_metadata::transactionalId=…` / `producerId:…,producerEpoch:…,state=…,partitions=[…],…`).
 * As in Kafka, the partitions of a transaction in state Empty are not listed in the text.
 */
import { TRANSACTION_LOG_KEY, TRANSACTION_LOG_VALUE, TRANSACTION_STATES } from './coordinator-schemas.js';
import {
  decodedRecord, noteOf, undecoded, type DecodedRecord, type DecodedText, type RecordDecoder,
} from './decoded-record.js';
import { decodeMessage, hasVersion, type JsonValue } from './message-schema.js';
import { expectEnd, readVersion, WireReader } from './wire-reader.js';

const TYPE = 'TRANSACTION_METADATA';
const EMPTY_STATE = 0;
/** One reader for every key and value: a decode finishes with it before the next starts. */
const reader = new WireReader(new Uint8Array(0), '');

function decode(key: Uint8Array | null, value: Uint8Array | null, offset: number): DecodedRecord {
  if (key === null || key.byteLength < 2) return undecoded('UNKNOWN', `record at offset ${offset} has no key version`);
  const keyVersion = readVersion(reader, key, TRANSACTION_LOG_KEY.name);
  if (!hasVersion(TRANSACTION_LOG_KEY, keyVersion)) {
    return undecoded('UNKNOWN', `unknown key version ${keyVersion} at offset ${offset}`, keyVersion);
  }
  try {
    const decodedKey = decodeMessage(reader, TRANSACTION_LOG_KEY, keyVersion);
    expectEnd(reader);
    if (value === null) return decodedRecord(TYPE, keyVersion, decodedKey, null, null);
    const version = readVersion(reader, value, TRANSACTION_LOG_VALUE.name);
    if (!hasVersion(TRANSACTION_LOG_VALUE, version)) reader.fail(`unknown version ${version}`);
    const data = decodeMessage(reader, TRANSACTION_LOG_VALUE, version);
    expectEnd(reader);
    const status = data['transactionStatus'];
    data['transactionState'] = typeof status === 'number' ? TRANSACTION_STATES[status] ?? `Unknown(${status})` : null;
    return decodedRecord(TYPE, keyVersion, decodedKey, version, data);
  } catch (error) {
    return undecoded(TYPE, `offset ${offset}: ${noteOf(error)}`, keyVersion);
  }
}

function partitionsText(partitions: JsonValue | undefined): string {
  const names: string[] = [];
  if (Array.isArray(partitions)) {
    for (const p of partitions) {
      if (p === null || typeof p !== 'object' || Array.isArray(p)) continue;
      const ids = p['partitionIds'];
      if (Array.isArray(ids)) for (const id of ids) names.push(`${String(p['topic'])}-${String(id)}`);
    }
  }
  return `[${names.join(',')}]`;
}

function text(decoded: DecodedRecord): DecodedText {
  const key = decoded.key === null ? null : `transaction_metadata::transactionalId=${String(decoded.key['transactionalId'])}`;
  if (decoded.tombstone) return { key, payload: '<DELETE>' };
  const d = decoded.data;
  if (d === null) return { key, payload: null };
  const partitions = d['transactionStatus'] === EMPTY_STATE ? '[]' : partitionsText(d['transactionPartitions']);
  const payload = `producerId:${String(d['producerId'])},producerEpoch:${String(d['producerEpoch'])},` +
    `state=${String(d['transactionState'])},partitions=${partitions},` +
    `txnLastUpdateTimestamp=${String(d['transactionLastUpdateTimestampMs'])},txnTimeoutMs=${String(d['transactionTimeoutMs'])}`;
  return { key, payload };
}

export const transactionLogDecoder: RecordDecoder = {
  name: 'transaction-log',
  decode,
  decodeControl: () => null,
  text,
};
