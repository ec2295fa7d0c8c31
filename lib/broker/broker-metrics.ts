/**
 * The broker's figures in Prometheus text format, through prom-client (the ecosystem's own library:
 * names, types and escaping as every scraper expects them). Two kinds:
 *   - per request, on the hot path: a count and a latency histogram per API (one `observe` each);
 *   - per scrape, read from what the broker already keeps (Log.stats(), committed offsets): bytes and
 *     messages in and out, log size, offsets, consumer lag, open transactions. Nothing is counted
 *     twice and produce pays nothing for them.
 * Process figures (open file descriptors, memory, event-loop lag) are prom-client's defaults.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MaintenanceTotals } from './maintenance-history.js';
import { ApiKey } from './protocol/api-keys.js';

/** One partition's cumulative figures (its Log.stats() plus what the broker counts), read without side effects. */
export interface PartitionFigures {
  topic: string;
  partition: number;
  appendedRecords: number;
  appendedBytes: number;
  fetchBytesTotal: number;
  fetchRequestsTotal: number;
  sizeBytes: number;
  segments: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  lastStableOffset: number;
}

/** What the metrics read from a broker at scrape time. */
interface MetricsSource {
  stats(): PartitionFigures[];
  groupLags(): { groupId: string; topic: string; partition: number; lag: number }[];
  openTransactions(): number;
  maintenance(): MaintenanceTotals;
  mappedBytes(): number;
}

/** One API's request count, latency sum and cumulative latency buckets since metrics began (the console's rates). */
export interface RequestTotals {
  api: string;
  count: number;
  sumSeconds: number;
  /** Cumulative counts per upper bound in seconds, ascending; the last bound is +Inf. */
  buckets: { leSeconds: number; count: number }[];
}

const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));
/** Request latency buckets: 50 µs to 5 s (a produce is sub-millisecond, a long-poll fetch waits up to its maxWait). */
const LATENCY_BUCKETS_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const PARTITION_LABELS = ['topic', 'partition'] as const;

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'api'>;
  private readonly latency: Histogram<'api'>;

  constructor(source: MetricsSource) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'seglog_' });
    this.requests = new Counter({ name: 'seglog_requests_total', help: 'Kafka-protocol requests answered, by API', labelNames: ['api'],
      registers: [registry] });
    this.latency = new Histogram({ name: 'seglog_request_duration_seconds', help: 'Time from a request frame to its response, by API',
      labelNames: ['api'], buckets: LATENCY_BUCKETS_SECONDS, registers: [registry] });
    // Scrape-time figures: each collect() sets the values from the broker's own counters.
    const perPartition = (name: string, help: string, value: (s: PartitionFigures) => number, counter: boolean): void => {
      const labelNames = [...PARTITION_LABELS];
      const collect = function collect(this: Gauge<'topic' | 'partition'> | Counter<'topic' | 'partition'>): void {
        this.reset();
        for (const s of source.stats()) {
          const labels = { topic: s.topic, partition: String(s.partition) };
          if (this instanceof Counter) this.inc(labels, value(s));
          else this.set(labels, value(s));
        }
      };
      if (counter) new Counter({ name, help, labelNames, registers: [registry], collect });
      else new Gauge({ name, help, labelNames, registers: [registry], collect });
    };
    perPartition('seglog_partition_messages_in_total', 'Records appended since the broker opened', (s) => s.appendedRecords, true);
    perPartition('seglog_partition_bytes_in_total', 'Batch bytes appended since the broker opened', (s) => s.appendedBytes, true);
    perPartition('seglog_partition_bytes_out_total', 'Record bytes sent to fetches since the broker opened', (s) => s.fetchBytesTotal,
      true);
    perPartition('seglog_partition_size_bytes', 'Bytes of the partition\'s segments on disk', (s) => s.sizeBytes, false);
    perPartition('seglog_partition_segments', 'Segments of the partition', (s) => s.segments, false);
    perPartition('seglog_partition_log_start_offset', 'First offset a consumer may read', (s) => s.logStartOffset, false);
    perPartition('seglog_partition_log_end_offset', 'Offset the next record gets', (s) => s.logEndOffset, false);
    perPartition('seglog_partition_high_watermark', 'Last offset read_uncommitted consumers see, exclusive', (s) => s.highWatermark, false);
    perPartition('seglog_partition_last_stable_offset', 'Last offset read_committed consumers see, exclusive',
      (s) => s.lastStableOffset, false);
    new Gauge({ name: 'seglog_consumer_group_lag', help: 'High watermark minus the group\'s committed offset',
      labelNames: ['group', 'topic', 'partition'], registers: [registry],
      collect(this: Gauge<'group' | 'topic' | 'partition'>) {
        this.reset();
        for (const l of source.groupLags()) this.set({ group: l.groupId, topic: l.topic, partition: String(l.partition) }, l.lag);
      } });
    const maintenance = (name: string, help: string, value: (t: MaintenanceTotals) => number): void => {
      new Counter({ name, help, registers: [registry], collect(this: Counter) {
        this.reset();
        this.inc(value(source.maintenance()));
      } });
    };
    maintenance('seglog_retention_segments_deleted_total', 'Segments retention deleted since the broker opened',
      (t) => t.retentionSegmentsDeleted);
    maintenance('seglog_retention_deleted_bytes_total', 'Bytes of the segments retention deleted', (t) => t.retentionBytesDeleted);
    maintenance('seglog_compaction_runs_total', 'Compaction rounds that cleaned a log', (t) => t.compactionRuns);
    maintenance('seglog_compaction_read_bytes_total', 'Bytes the cleaner read', (t) => t.compactionBytesRead);
    maintenance('seglog_compaction_written_bytes_total', 'Bytes the cleaner wrote', (t) => t.compactionBytesWritten);
    maintenance('seglog_compaction_records_removed_total', 'Records compaction removed (superseded keys, tombstones)',
      (t) => t.compactionRecordsDropped);
    maintenance('seglog_maintenance_errors_total', 'Retention or compaction passes that failed on a log', (t) => t.maintenanceErrors);
    new Gauge({ name: 'seglog_mapped_bytes', help: 'Bytes of segment and index files mapped into memory (mirrored, without mmap)',
      registers: [registry], collect(this: Gauge) {
        this.set(source.mappedBytes());
      } });
    new Gauge({ name: 'seglog_transactions_open', help: 'Transactions the coordinator holds Ongoing', registers: [registry],
      collect(this: Gauge) {
        this.set(source.openTransactions());
      } });
  }

  /** Per API: count, latency sum and buckets (what the histogram holds), for rates and quantiles over an interval. */
  async requestTotals(): Promise<RequestTotals[]> {
    const byApi = new Map<string, RequestTotals>();
    const totalsOf = (api: string): RequestTotals => {
      let t = byApi.get(api);
      if (t === undefined) {
        t = { api, count: 0, sumSeconds: 0, buckets: [] };
        byApi.set(api, t);
      }
      return t;
    };
    for (const v of (await this.latency.get()).values) {
      const api = String(v.labels['api']);
      if (v.metricName === 'seglog_request_duration_seconds_count') totalsOf(api).count = v.value;
      else if (v.metricName === 'seglog_request_duration_seconds_sum') totalsOf(api).sumSeconds = v.value;
      else if (v.metricName === 'seglog_request_duration_seconds_bucket') {
        const le = (v.labels as Record<string, string | number | undefined>)['le'];
        totalsOf(api).buckets.push({ leSeconds: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: v.value });
      }
    }
    for (const t of byApi.values()) t.buckets.sort((a, b) => a.leSeconds - b.leSeconds);
    return [...byApi.values()].sort((a, b) => (a.api < b.api ? -1 : a.api > b.api ? 1 : 0));
  }

  /** One answered request (the connection calls this for every frame it answers). */
  observeRequest(apiKey: number, seconds: number): void {
    const api = API_NAMES.get(apiKey) ?? String(apiKey);
    this.requests.inc({ api });
    this.latency.observe({ api }, seconds);
  }

  /** The exposition text (GET /metrics). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
