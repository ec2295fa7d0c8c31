/**
 * `seglog/console`: the web console and `GET /metrics` on an HTTP port of their own, for a running
 * broker (`listenConsole`, what `seglog serve --http-port` runs) or read-only for a stopped data
 * directory (`listenOfflineConsole`, what `seglog ui --data` runs).
 */
export { listenConsole, listenOfflineConsole, type ConsoleOptions, type ConsoleServer } from './console-server.js';
export type {
  GroupSummary, GroupView, OverviewView, PartitionView, ProducerRow, ProducersView, RateSeries, RequestRow, SegmentRow, TopicSummary,
  TopicView,
} from './console-views.js';
export type { SegmentView } from './segment-view.js';
