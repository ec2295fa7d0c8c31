/**
 * The live console's time series: every `intervalMs` one sample of the broker's cumulative counters
 * (records and bytes in, bytes out, fetches, committed offsets, requests per API with their latency
 * histogram), kept for the last 15 minutes in fixed rings. Rates are differences between neighbouring
 * samples, so a sample costs one pass over the partitions and nothing on the produce or fetch path.
 */
import type { Broker, RequestTotals } from '../broker/index.js';
import { systemClock } from '../index.js';
import { CONSOLE_HISTORY_MS, CONSOLE_SAMPLE_INTERVAL_MS_DEFAULT } from '../limits.js';
import type { RateSeries, RequestRow } from './console-views.js';

interface Sample {
  atMs: number;
  messagesIn: number;
  bytesIn: number;
  bytesOut: number;
  fetchRequests: number;
  /** Sum of every committed offset: its growth is what consumers got through. */
  committed: number;
  lagByGroup: Map<string, number>;
  requests: RequestTotals[];
}

/** The window request rates and latencies are given over. */
const REQUEST_WINDOW_MS = 60_000;
const P99 = 0.99;

export class RateSampler {
  readonly intervalMs: number;
  private readonly capacity: number;
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private sampling: Promise<void> | null = null;

  constructor(private readonly broker: Broker, intervalMs = CONSOLE_SAMPLE_INTERVAL_MS_DEFAULT) {
    this.intervalMs = intervalMs;
    this.capacity = Math.ceil(CONSOLE_HISTORY_MS / intervalMs) + 1;
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
    void this.sample();
  }

  /** Takes a sample now (also the timer's job); a failure (the broker closing) skips this sample. */
  sample(): Promise<void> {
    this.sampling ??= this.take().catch(() => undefined).finally(() => {
      this.sampling = null;
    });
    return this.sampling;
  }

  private async take(): Promise<void> {
    if (this.broker.isClosed) return;
    const requests = await this.broker.metrics.requestTotals();
    const s: Sample = {
      atMs: systemClock.nowMs(), messagesIn: 0, bytesIn: 0, bytesOut: 0, fetchRequests: 0, committed: 0, lagByGroup: new Map(),
      requests };
    const highWatermarks = new Map<string, number>();
    for (const p of this.broker.partitionFigures()) {
      s.messagesIn += p.appendedRecords;
      s.bytesIn += p.appendedBytes;
      s.bytesOut += p.fetchBytesTotal;
      s.fetchRequests += p.fetchRequestsTotal;
      highWatermarks.set(`${p.topic}\u0000${p.partition}`, p.highWatermark);
    }
    for (const l of this.broker.groupLags()) {
      s.committed += (highWatermarks.get(`${l.topic}\u0000${l.partition}`) ?? 0) - l.lag;
      s.lagByGroup.set(l.groupId, (s.lagByGroup.get(l.groupId) ?? 0) + l.lag);
    }
    this.samples.push(s);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  /** Rates between neighbouring samples, at the later one's time. */
  series(): RateSeries {
    const series: RateSeries = { intervalMs: this.intervalMs, timesMs: [], messagesInPerSec: [], bytesInPerSec: [], bytesOutPerSec: [],
      messagesConsumedPerSec: [], fetchRequestsPerSec: [], requestsPerSecByApi: {} };
    const apis = new Set<string>();
    for (const s of this.samples) for (const r of s.requests) apis.add(r.api);
    for (const api of apis) series.requestsPerSecByApi[api] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1] as Sample;
      const b = this.samples[i] as Sample;
      const seconds = Math.max(1e-3, (b.atMs - a.atMs) / 1000);
      const rate = (x: number, y: number): number => Math.max(0, (y - x) / seconds);
      series.timesMs.push(b.atMs);
      series.messagesInPerSec.push(rate(a.messagesIn, b.messagesIn));
      series.bytesInPerSec.push(rate(a.bytesIn, b.bytesIn));
      series.bytesOutPerSec.push(rate(a.bytesOut, b.bytesOut));
      // Offsets committed backwards (a reset) are not negative consumption.
      series.messagesConsumedPerSec.push(rate(a.committed, b.committed));
      series.fetchRequestsPerSec.push(rate(a.fetchRequests, b.fetchRequests));
      for (const api of apis) {
        const count = (s: Sample): number => s.requests.find((r) => r.api === api)?.count ?? 0;
        (series.requestsPerSecByApi[api] as number[]).push(rate(count(a), count(b)));
      }
    }
    return series;
  }

  /** A group's total lag at each sample (0 before its first commit). */
  lagSeries(groupId: string): { timesMs: number[]; lag: number[] } {
    return { timesMs: this.samples.map((s) => s.atMs), lag: this.samples.map((s) => s.lagByGroup.get(groupId) ?? 0) };
  }

  /** Per API: total count, and rate, mean and p99 latency over the last minute of samples. */
  requestRows(): RequestRow[] {
    const newest = this.samples[this.samples.length - 1];
    if (newest === undefined) return [];
    const windowStart = this.samples.find((s) => s.atMs >= newest.atMs - REQUEST_WINDOW_MS) ?? newest;
    const seconds = Math.max(1e-3, (newest.atMs - windowStart.atMs) / 1000);
    return newest.requests.map((now) => {
      const before = windowStart === newest ? undefined : windowStart.requests.find((r) => r.api === now.api);
      const count = now.count - (before?.count ?? 0);
      const sumSeconds = now.sumSeconds - (before?.sumSeconds ?? 0);
      return { api: now.api, count: now.count, perSec: windowStart === newest ? 0 : count / seconds,
        meanMs: count > 0 ? (sumSeconds / count) * 1000 : null, p99Ms: quantileMs(now, before, P99) };
    });
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** The upper bound of the histogram bucket holding quantile q of the requests between two snapshots. */
function quantileMs(now: RequestTotals, before: RequestTotals | undefined, q: number): number | null {
  const total = now.count - (before?.count ?? 0);
  if (total <= 0) return null;
  for (const bucket of now.buckets) {
    const earlier = before?.buckets.find((b) => b.leSeconds === bucket.leSeconds)?.count ?? 0;
    if (bucket.count - earlier >= q * total) return Number.isFinite(bucket.leSeconds) ? bucket.leSeconds * 1000 : null;
  }
  return null;
}
