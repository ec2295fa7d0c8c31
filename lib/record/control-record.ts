/**
 * Control records (reference §2.7): the single record of a control batch.
 *   key   = version int16 (0) | type int16   (0 ABORT, 1 COMMIT, 2–6 KRaft metadata-log types)
 *   value = version int16 (0) | coordinatorEpoch int32   (end-transaction markers only)
 * A transaction marker batch is 61 + 17 = 78 bytes.
 */
import { readInt16, readInt32 } from './int64.js';

export type ControlType =
  | 'ABORT' | 'COMMIT' | 'LEADER_CHANGE' | 'SNAPSHOT_HEADER' | 'SNAPSHOT_FOOTER' | 'KRAFT_VERSION' | 'KRAFT_VOTERS' | 'UNKNOWN';

const CONTROL_TYPES: readonly ControlType[] = ['ABORT', 'COMMIT', 'LEADER_CHANGE', 'SNAPSHOT_HEADER', 'SNAPSHOT_FOOTER', 'KRAFT_VERSION',
    'KRAFT_VOTERS'];
const CONTROL_KEY_BYTES = 4;
const END_TXN_MARKER_VALUE_BYTES = 6;

export interface ControlRecordInfo {
  controlType: ControlType;
  controlTypeId: number;
  /** Only for ABORT/COMMIT markers with a well-formed value. */
  coordinatorEpoch: number | null;
}

/** Null if the key is not a control key (shorter than 4 bytes or negative version). */
export function parseControlRecord(key: Uint8Array | null, value: Uint8Array | null): ControlRecordInfo | null {
  if (key === null || key.length < CONTROL_KEY_BYTES || readInt16(key, 0) < 0) return null;
  const controlTypeId = readInt16(key, 2);
  const controlType = CONTROL_TYPES[controlTypeId] ?? 'UNKNOWN';
  let coordinatorEpoch: number | null = null;
  if ((controlType === 'ABORT' || controlType === 'COMMIT') && value !== null && value.length >= END_TXN_MARKER_VALUE_BYTES) {
    coordinatorEpoch = readInt32(value, 2);
  }
  return { controlType, controlTypeId, coordinatorEpoch };
}

export function controlKey(controlTypeId: number): Uint8Array {
  const key = new Uint8Array(CONTROL_KEY_BYTES);
  key[2] = controlTypeId >>> 8;
  key[3] = controlTypeId;
  return key;
}

export function endTxnMarkerValue(coordinatorEpoch: number): Uint8Array {
  const value = new Uint8Array(END_TXN_MARKER_VALUE_BYTES);
  value[2] = coordinatorEpoch >>> 24;
  value[3] = coordinatorEpoch >>> 16;
  value[4] = coordinatorEpoch >>> 8;
  value[5] = coordinatorEpoch;
  return value;
}
