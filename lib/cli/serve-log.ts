/**
 * The log of `seglog serve`: pino on stderr, one JSON object per line when stderr is not a terminal
 * (what log shippers and `jq` read), a short human line (`time LEVEL message key=value…`) when it is.
 * stdout stays for the single `listening <host>:<port>` line scripts wait for.
 *
 * What is logged, and at which level, is here too (one place to read it): start, the data directory's
 * topics, recovery, listening, topics created and deleted, unsupported client requests, background
 * failures, stop and each failed shutdown step. The Broker emits the events (broker-events.ts).
 */
import { pino, type Logger } from 'pino';
import { Broker, type OffsetReplayReport, type OpenReport, type RecoveryEvent } from '../broker/index.js';
import type { BackgroundErrorEvent, CloseReport, UnsupportedRequestEvent } from '../broker/broker-events.js';
import { ApiKey } from '../broker/index.js';
import { SeglogError } from '../errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_NAMES: { [level: number]: string } = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const PLAIN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** Writes pino's JSON lines as `HH:MM:SS.mmm LEVEL message key=value…` for a person at a terminal. */
function humanLines(stream: NodeJS.WriteStream): { write(line: string): void } {
  return {
    write(line: string): void {
      const entry = JSON.parse(line) as { [key: string]: unknown };
      const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
      let text = `${time} ${LEVEL_NAMES[entry.level as number] ?? String(entry.level)} ${String(entry.msg ?? '')}`;
      for (const [key, value] of Object.entries(entry)) {
        if (!PLAIN_FIELDS.has(key)) text += ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
      }
      stream.write(`${text}\n`);
    },
  };
}

export function createServeLogger(level: LogLevel, stream: NodeJS.WriteStream = process.stderr): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  return stream.isTTY === true ? pino(options, humanLines(stream)) : pino(options, stream);
}

export function errorFields(error: unknown): { code?: string; error: string; path?: string } {
  if (error instanceof SeglogError) {
    return { code: error.code, error: error.message, ...(error.path === undefined ? {} : { path: error.path }) };
  }
  return { error: error instanceof Error ? error.message : String(error) };
}

const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));

/** What open() found: topics served from disk, entries left alone, recovery that ran. */
export function logOpenReport(log: Logger, report: OpenReport, topics: number, replay: OffsetReplayReport): void {
  if (report.adoptedTopics.length > 0) {
    log.info({ topics: report.adoptedTopics }, 'serving topics found in the data directory (retention off until set in topics.json)');
  }
  for (const s of report.skipped) log.info({ entry: s.name, reason: s.reason }, 'not served');
  if (report.foreignCommits > 0) log.info({ records: report.foreignCommits }, 'committed offsets read from Kafka\'s __consumer_offsets');
  if (replay.recordsSkipped > 0) {
    log.warn({ recordsSkipped: replay.recordsSkipped, recordsApplied: replay.recordsApplied, firstSkipped: replay.firstSkipped },
      'skipped __consumer_offsets records that do not decode');
  }
  log.info({ topics }, 'data directory open');
}

/**
 * One partition's recovery: a line per action (what file, how many bytes and records, why, where
 * the cut bytes were kept) at warn, or the reason it was taken offline at error. A partition that
 * opened with nothing to do logs nothing.
 */
export function logRecovery(log: Logger, event: RecoveryEvent): void {
  const where = { topic: event.topic, partition: event.partition, dir: event.dir };
  const lines = Broker.describeRecovery(event);
  if (event.error !== null) {
    log.error({ ...where, ...errorFields(event.error), details: lines },
      'partition offline: it could not be opened; other partitions are served');
    return;
  }
  const report = event.report;
  if (report !== null && !report.cleanShutdown && report.segmentsLoaded > 0) {
    log.warn({ ...where, segmentsRecovered: report.recovered.length, bytesTruncated: report.bytesTruncated,
      recordsTruncated: report.recordsTruncated, indexesRebuilt: report.indexesRebuilt.length,
      segmentsSetAside: report.segmentsSetAside.length }, 'recovered partition after an unclean stop');
  }
  for (const line of lines) log.warn(where, `recovery: ${line}`);
}

/** Turns the broker's events into log lines for as long as it runs. */
export function logBrokerEvents(log: Logger, broker: Broker): void {
  broker.on('topicCreated', (e) => log.info({ topic: e.topic, partitions: e.partitions }, 'topic created'));
  broker.on('recovery', (e: RecoveryEvent) => logRecovery(log, e));
  broker.on('topicDeleted', (e) => log.info({ topic: e.topic }, 'topic deleted'));
  broker.on('unsupportedRequest', (e: UnsupportedRequestEvent) => {
    const fields = { api: API_NAMES.get(e.apiKey) ?? `key ${e.apiKey}`, apiKey: e.apiKey, apiVersion: e.apiVersion, clientId: e.clientId,
      remote: e.remoteAddress };
    // Clients open with their newest ApiVersions and retry with v0: that one is negotiation, not a failure.
    if (e.apiKey === ApiKey.ApiVersions) log.info(fields, 'client asked for a newer ApiVersions; answered with the supported list');
    else log.warn(fields, 'client sent an unsupported API or version; connection closed');
  });
  broker.on('backgroundError', (e: BackgroundErrorEvent) => {
    const where = e.path === undefined ? {} : { path: e.path };
    log.error({ task: e.task, topic: e.topic, partition: e.partition, ...errorFields(e.error), ...where },
        'background task failed; still serving');
  });
  broker.on('closed', (report: CloseReport) => {
    for (const f of report.errors) log.error({ step: f.step, ...errorFields(f.error), ...(f.path === undefined ? {} : { path: f.path }) },
        'shutdown step failed');
  });
}
