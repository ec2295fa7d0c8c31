/**
 * Where the console's pages get their figures: a running broker (live-source.ts) or a stopped data
 * directory (offline-source.ts). Both answer the same views (console-views.ts); the HTTP server only
 * routes and serialises. A name the source does not know is a ConsoleNotFoundError (404).
 */
import type { ConsoleMode, GroupSummary, GroupView, OverviewView, ProducersView, TopicView } from './console-views.js';

/** A segment the source knows: its `.log` path, resolved from a served partition, never from the request. */
export interface SegmentLocation {
  logPath: string;
  topic: string;
  partition: number;
  baseOffset: number;
}

export interface ConsoleSource {
  readonly mode: ConsoleMode;
  overview(): OverviewView;
  topic(name: string): TopicView;
  groups(): GroupSummary[];
  group(groupId: string): GroupView;
  producers(): ProducersView;
  segment(topic: string, partition: number, baseOffset: number): SegmentLocation;
}

/** A topic, group, partition or segment the source does not have: the request's fault, answered 404. */
export class ConsoleNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
}
