/**
 * The events a Broker emits, with their payload types (`broker.on(name, (payload) => …)` is typed by
 * this map). The broker never emits `'error'`: a failure that happens in the background — a
 * checkpoint write, a flush, a retention or compaction pass, the listening socket — is reported as
 * `backgroundError` and the broker keeps serving what it can, so an embedded broker cannot take its
 * host process down through an unhandled `'error'` event.
 *
 * | event              | payload                    | when |
 * |--------------------|----------------------------|------|
 * | topicCreated       | TopicCreatedEvent          | createTopic (CreateTopics, auto-creation) made a topic |
 * | topicDeleted       | { topic }                  | deleteTopic removed a topic |
 * | topicConfigChanged | { topic, config }          | alterTopicConfig applied new overrides to the topic's logs |
 * | backgroundError    | BackgroundErrorEvent       | a background task failed; the broker goes on |
 * | maintenanceError   | unknown (the error)        | kept for older listeners: also sent as backgroundError |
 * | unsupportedRequest | UnsupportedRequestEvent    | a client sent an API key or version the server does not speak |
 * | recovery           | RecoveryEvent              | a partition opened after Broker.open returned: its recovery |
 * | closing            | (none)                     | close() began: waiters (long-poll fetches) give up |
 * | closed             | CloseReport                | close() finished; `errors` lists every step that failed |
 */
import type { LogConfig } from '../index.js';
import type { RecoveryEvent } from './partition-offline.js';

export type BackgroundTask = 'checkpoint' | 'flush' | 'maintenance' | 'server' | 'snapshot';

export interface BackgroundErrorEvent {
  task: BackgroundTask;
  error: Error;
  /** The file or directory concerned, when known. */
  path?: string;
  topic?: string;
  partition?: number;
}

export interface TopicCreatedEvent {
  topic: string;
  partitions: number;
  config: Partial<LogConfig>;
}

export interface UnsupportedRequestEvent {
  apiKey: number;
  apiVersion: number;
  clientId: string | null;
  remoteAddress: string | null;
}

/** One step of close() that failed; the others still ran. */
export interface CloseFailure {
  step: 'server' | 'maintenance' | 'producer-snapshot' | 'log' | 'checkpoint' | 'clean-shutdown-marker';
  path?: string;
  error: Error;
}

export interface CloseReport {
  errors: CloseFailure[];
}

export interface BrokerEvents {
  topicCreated: [TopicCreatedEvent];
  topicDeleted: [{ topic: string }];
  topicConfigChanged: [{ topic: string; config: Partial<LogConfig> }];
  backgroundError: [BackgroundErrorEvent];
  maintenanceError: [unknown];
  unsupportedRequest: [UnsupportedRequestEvent];
  recovery: [RecoveryEvent];
  closing: [];
  closed: [CloseReport];
}

/** Every event name, for documentation checks; the type below fails to compile if one is missing. */
export const BROKER_EVENT_NAMES = ['topicCreated', 'topicDeleted', 'topicConfigChanged',
  'backgroundError', 'maintenanceError', 'unsupportedRequest', 'recovery',
  'closing', 'closed'] as const satisfies readonly (keyof BrokerEvents)[];
type UnlistedEvent = Exclude<keyof BrokerEvents, (typeof BROKER_EVENT_NAMES)[number]>;
function assertEveryEventListed(check: [UnlistedEvent] extends [never] ? true : never): void {
  void check;
}
assertEveryEventListed(true);

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
