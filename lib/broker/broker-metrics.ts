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
import { ApiKey } from './protocol/api-keys.js';

/** One partition's figures at scrape time (its Log.stats() plus what the broker counts). */
interface PartitionFigures {
  topic: string;
  partition: number;
  appendedRecords: number;
  appendedBytes: number;
  fetchBytesTotal: number;
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
    new Gauge({ name: 'seglog_transactions_open', help: 'Transactions the coordinator holds Ongoing', registers: [registry],
      collect(this: Gauge) {
        this.set(source.openTransactions());
      } });
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
