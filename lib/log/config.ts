/**
 * A log's configuration: Kafka's topic-config names in camelCase with Kafka's defaults (§16 of the
 * format reference), validated once. Kafka's "Long.MAX_VALUE = never" defaults become
 * Number.MAX_SAFE_INTEGER here (offsets and times are safe integers throughout seglog).
 */
import { InvalidArgumentError, InvalidConfigError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, SEGMENT_BYTES_MAX } from '../limits.js';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** Roll when the active segment would exceed this (segment.bytes). */
  segmentBytes: number;
  /** Roll when the active segment's records span more than this (segment.ms), by record timestamps. */
  segmentMs: number;
  /** Random roll jitter upper bound (segment.jitter.ms). */
  segmentJitterMs: number;
  /** Preallocated size of each index file (segment.index.bytes). */
  segmentIndexBytes: number;
  /** Bytes between sparse index entries (index.interval.bytes). */
  indexIntervalBytes: number;
  /** fsync after this many unflushed records (flush.messages). */
  flushMessages: number;
  /** fsync when the last flush is older than this (flush.ms). */
  flushMs: number;
  /** Largest batch accepted from a producer, including the 12-byte log overhead (max.message.bytes). */
  maxMessageBytes: number;
  messageTimestampType: MessageTimestampType;
  /** Reject CreateTime timestamps older / newer than now by more than these (message.timestamp.*.max.ms). */
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  /** Delete segments whose newest record is older than this; -1 = keep forever (retention.ms). */
  retentionMs: number;
  /** Delete the oldest segments while the log is larger than this; -1 = unlimited (retention.bytes). */
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  /** How long tombstones survive after the compaction pass that first kept them (delete.retention.ms). */
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  minCleanableDirtyRatio: number;
  /** Delay between retiring a segment and unlinking its files, so in-flight reads finish (file.delete.delay.ms). */
  fileDeleteDelayMs: number;
  /** Preallocate the .log file to segmentBytes (preallocate). */
  preallocate: boolean;
}

const NEVER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1_073_741_824,
  segmentMs: 604_800_000,
  segmentJitterMs: 0,
  segmentIndexBytes: 10_485_760,
  indexIntervalBytes: 4096,
  flushMessages: NEVER,
  flushMs: NEVER,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  messageTimestampType: 'CreateTime',
  messageTimestampBeforeMaxMs: NEVER,
  messageTimestampAfterMaxMs: NEVER,
  retentionMs: 604_800_000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 86_400_000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: NEVER,
  minCleanableDirtyRatio: 0.5,
  fileDeleteDelayMs: 60_000,
  preallocate: false,
});

type IntRule = { kind: 'int'; min: number; max?: number };
type Rule = IntRule | { kind: 'ratio' } | { kind: 'bool' } | { kind: 'enum'; values: readonly string[] };

const RULES: { [K in keyof LogConfig]: Rule } = {
  segmentBytes: { kind: 'int', min: 14, max: SEGMENT_BYTES_MAX },
  segmentMs: { kind: 'int', min: 1 },
  segmentJitterMs: { kind: 'int', min: 0 },
  segmentIndexBytes: { kind: 'int', min: 12, max: 2_147_483_647 },
  indexIntervalBytes: { kind: 'int', min: 0, max: 2_147_483_647 },
  flushMessages: { kind: 'int', min: 1 },
  flushMs: { kind: 'int', min: 0 },
  maxMessageBytes: { kind: 'int', min: 0, max: 2_147_483_647 },
  messageTimestampType: { kind: 'enum', values: ['CreateTime', 'LogAppendTime'] },
  messageTimestampBeforeMaxMs: { kind: 'int', min: 0 },
  messageTimestampAfterMaxMs: { kind: 'int', min: 0 },
  retentionMs: { kind: 'int', min: -1 },
  retentionBytes: { kind: 'int', min: -1 },
  cleanupPolicy: { kind: 'enum', values: ['delete', 'compact', 'compact,delete'] },
  deleteRetentionMs: { kind: 'int', min: 0 },
  minCompactionLagMs: { kind: 'int', min: 0 },
  maxCompactionLagMs: { kind: 'int', min: 1 },
  minCleanableDirtyRatio: { kind: 'ratio' },
  fileDeleteDelayMs: { kind: 'int', min: 0 },
  preallocate: { kind: 'bool' },
};

/** Kafka's list spelling `delete,compact` is the same policy as `compact,delete`. */
function normaliseCleanupPolicy(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p.length > 0).sort();
  return parts.join(',');
}

/** Merges `partial` over the defaults and checks every key; InvalidConfigError names the first bad key. */
export function validateLogConfig(partial: Partial<LogConfig> = {}, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  if (partial === null || typeof partial !== 'object') throw new InvalidConfigError('log config must be an object');
  const config: LogConfig = { ...base };
  for (const [key, raw] of Object.entries(partial)) {
    if (raw === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(RULES, key)) {
      throw new InvalidConfigError(`unknown log config key '${key}'`);
    }
    const name = key as keyof LogConfig;
    const rule = RULES[name];
    const value = name === 'cleanupPolicy' ? normaliseCleanupPolicy(raw) : raw;
    if (rule.kind === 'int') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < rule.min || (rule.max !== undefined && value > rule.max)) {
        const range = rule.max === undefined ? `>= ${rule.min}` : `in [${rule.min}, ${rule.max}]`;
        throw new InvalidConfigError(`config '${key}' must be an integer ${range}, got ${JSON.stringify(raw)}`);
      }
    } else if (rule.kind === 'ratio') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new InvalidConfigError(`config '${key}' must be a number in [0, 1], got ${JSON.stringify(raw)}`);
      }
    } else if (rule.kind === 'bool') {
      if (typeof value !== 'boolean') throw new InvalidConfigError(`config '${key}' must be true or false, got ${JSON.stringify(raw)}`);
    } else if (typeof value !== 'string' || !rule.values.includes(value)) {
      throw new InvalidConfigError(`config '${key}' must be one of ${rule.values.join(' | ')}, got ${JSON.stringify(raw)}`);
    }
    // The rule above checked the value's type for this key; Reflect keeps the write honest without a double cast.
    Reflect.set(config, name, value);
  }
  return config;
}

export function hasDeletePolicy(config: LogConfig): boolean {
  return config.cleanupPolicy !== 'compact';
}

export function hasCompactPolicy(config: LogConfig): boolean {
  return config.cleanupPolicy !== 'delete';
}

/**
 * Checks a caller-given "now" in epoch milliseconds. Retention and compaction decide what to delete
 * by comparing record times to it: a missing or non-integer time would silently decide nothing
 * (or everything), so it is refused, naming the call.
 */
export function requireNowMs(nowMs: unknown, call: string): number {
  if (typeof nowMs !== 'number' || !Number.isSafeInteger(nowMs) || nowMs < 0) {
    throw new InvalidArgumentError(`${call} needs nowMs, a non-negative integer in epoch milliseconds, got ${String(nowMs)}`);
  }
  return nowMs;
}
