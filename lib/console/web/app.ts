/**
 * The console's pages, one small single-page app over the JSON API (lib/console/console-server.ts):
 * overview, topic, consumer groups, group, producers and segment, routed by the URL's hash. A live
 * broker's pages poll every POLL_MS and redraw in place (charts keep their canvas and take new data);
 * a stopped directory's pages load once. Charts are uPlot. Everything shown is text nodes.
 */
import uPlot from 'uplot';
import type {
  GroupSummary, GroupView, OverviewView, PartitionView, ProducersView, RateSeries, TopicView,
} from '../console-views.js';
import type { SegmentView } from '../segment-view.js';
import { card, formatBytes, formatMs, formatNumber, formatTime, h, link, table } from './dom.js';

const POLL_MS = 2_000;
/** The live charts' window, as the server keeps it (CONSOLE_HISTORY_MS). */
const HISTORY_SECONDS = 15 * 60;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#7c3aed', '#b45309'];

const main = document.getElementById('app') as HTMLElement;
const modeBadge = document.getElementById('mode') as HTMLElement;
const charts = new Map<string, { plot: uPlot; holder: HTMLElement; labels: string }>();
let generation = 0;
let pollTimer: number | undefined;

class ApiError extends Error {}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`/api/${path}`, { cache: 'no-store' });
  if (!response.ok) {
    let message = `${response.status}`;
    try {
      message = ((await response.json()) as { error: { message: string } }).error.message;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new ApiError(message);
  }
  return (await response.json()) as T;
}

const enc = encodeURIComponent;

// ----------------------------------------------------------------------------------------------
// Charts

function chartWidth(): number {
  return Math.max(320, Math.min(600, (main.clientWidth || window.innerWidth) - 40));
}

/** The largest y value of a chart's data (1 at least, so an idle chart still has an axis). */
function largest(data: uPlot.AlignedData): number {
  let max = 1;
  for (let i = 1; i < data.length; i++) for (const v of data[i] ?? []) if (v !== null && v !== undefined && v > max) max = v;
  return max;
}

/**
 * The chart kept under `id` with new data, or a new one from `options()` when there is none yet or
 * its shape (`shape`: series labels, categories) changed. A kept chart keeps its canvas: no flicker.
 */
function keptChart(id: string, shape: string, data: uPlot.AlignedData, options: () => uPlot.Options): HTMLElement {
  const kept = charts.get(id);
  if (kept !== undefined && kept.labels === shape) {
    kept.plot.setData(data);
    return kept.holder;
  }
  kept?.plot.destroy();
  const holder = h('div', { class: 'chart', 'data-chart': id });
  charts.set(id, { plot: new uPlot(options(), data, holder), holder, labels: shape });
  return holder;
}

/** A time-series line chart (x: seconds since the epoch), kept across redraws under `id`. */
function lineChart(id: string, title: string, labels: readonly string[], data: uPlot.AlignedData,
    unit: (v: number) => string): HTMLElement {
  return keptChart(id, labels.join('\u0000'), data, () => ({
    title, width: chartWidth(), height: 220,
    series: [{}, ...labels.map((label, i) => ({ label, stroke: PALETTE[i % PALETTE.length] as string, width: 2,
      value: (_u: uPlot, v: number | null) => (v === null ? '—' : unit(v)) }))],
    axes: [{}, { values: (_u: uPlot, splits: number[]) => splits.map(unit), size: 90 }],
    // The last 15 minutes, whatever has been sampled so far (a new broker's first points sit on the right),
    // and from 0 to the largest value shown (uPlot's own ranges go astray with one point).
    scales: {
      x: { time: true, range: (u: uPlot) => {
        const times = u.data[0];
        const last = times[times.length - 1];
        return last === undefined ? [0, 1] : [last - HISTORY_SECONDS, last];
      } },
      y: { range: (u: uPlot) => [0, largest(u.data) * 1.1] },
    },
  }));
}

/** A bar chart over categories (x: 0..n-1, labelled), kept across redraws under `id`. */
function barChart(id: string, title: string, categories: readonly string[], values: readonly number[], label: string): HTMLElement {
  const bars = uPlot.paths.bars?.({ size: [0.6, 80] });
  return keptChart(id, `bars\u0000${categories.join('\u0000')}`, [categories.map((_c, i) => i), [...values]], () => ({
    title, width: chartWidth(), height: 200,
    scales: { x: { time: false, range: () => [-0.5, categories.length - 0.5] }, y: { range: (u) => [0, largest(u.data) * 1.1] } },
    axes: [{ values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? categories[s] ?? '' : '')) }, { size: 70 }],
    series: [{}, { label, stroke: PALETTE[1] as string, fill: `${PALETTE[1] as string}88`,
      ...(bars === undefined ? {} : { paths: bars }) }],
  }));
}

function dropCharts(): void {
  for (const c of charts.values()) c.plot.destroy();
  charts.clear();
}

const perSec = (format: (v: number) => string) => (v: number): string => `${format(v)}/s`;

function rateCharts(series: RateSeries): HTMLElement {
  const times = series.timesMs.map((t) => t / 1000);
  const apis = Object.keys(series.requestsPerSecByApi).sort();
  return h('div', { class: 'charts' },
    lineChart('messages', 'Messages per second', ['in (appended)', 'out (consumed and committed)'],
      [times, series.messagesInPerSec, series.messagesConsumedPerSec], perSec(formatNumber)),
    lineChart('bytes', 'Bytes per second', ['in (appended)', 'out (fetched)'], [times, series.bytesInPerSec, series.bytesOutPerSec],
      perSec(formatBytes)),
    lineChart('requests', 'Requests per second by API', apis.length === 0 ? ['none yet'] : apis,
      [times, ...(apis.length === 0 ? [times.map(() => 0)] : apis.map((a) => series.requestsPerSecByApi[a] as number[]))],
      perSec(formatNumber)));
}

// ----------------------------------------------------------------------------------------------
// Pages

async function overviewPage(): Promise<HTMLElement> {
  const o = await api<OverviewView>('overview');
  const t = o.totals;
  const page = h('section', { 'data-page': 'overview' },
    h('h1', null, 'Overview'),
    h('div', { class: 'cards' },
      card('Topics', formatNumber(t.topics), 'total-topics'), card('Partitions', formatNumber(t.partitions), 'total-partitions'),
      card('Segments', formatNumber(t.segments), 'total-segments'), card('On disk', formatBytes(t.sizeBytes), 'total-bytes'),
      card('Messages (offsets held)', formatNumber(t.messages), 'total-messages'),
      card('Consumer groups', formatNumber(t.groups), 'total-groups')),
    o.series === null
      ? h('p', { class: 'note' }, 'A stopped data directory: nothing flows, so there are no rates. '
        + 'seglog serve --http-port shows them live.')
      : rateCharts(o.series),
    o.requests === null ? null : h('section', null, h('h2', null, 'Requests by API'),
      table(['API', 'Requests', 'Per second (last minute)', 'Mean latency', 'p99 latency'],
        o.requests.map((r) => [r.api, formatNumber(r.count), formatNumber(r.perSec), formatMs(r.meanMs), formatMs(r.p99Ms)]),
        { 'data-testid': 'requests' })),
    h('h2', null, 'Topics'),
    table(['Topic', 'Partitions', 'Segments', 'On disk', 'Messages', ''],
      o.topics.map((x) => [link(`#/topic/${enc(x.name)}`, x.name), x.partitions, x.segments, formatBytes(x.sizeBytes),
        formatNumber(x.messages), [x.internal ? 'internal' : '', x.offlinePartitions > 0 ? `${x.offlinePartitions} offline` : '']
          .filter((s) => s !== '').join(', ')]),
      { 'data-testid': 'topics' }));
  return page;
}

function segmentTimeline(topic: string, p: PartitionView): HTMLElement {
  const total = Math.max(1, p.sizeBytes);
  const doomed = new Set(p.retention.nextDeletes.map((d) => d.baseOffset));
  return h('div', { class: 'timeline', 'data-testid': `timeline-${p.partition}` }, ...p.segments.map((s) => {
    const bar = link(`#/segment/${enc(topic)}/${p.partition}/${s.baseOffset}`, '', {
      class: `segment${s.isActive ? ' active' : ''}${doomed.has(s.baseOffset) ? ' doomed' : ''}`,
      style: `flex-grow: ${Math.max(s.sizeBytes / total, 0.02)}`,
      title: `offsets ${s.baseOffset}–${s.endOffset - 1}, ${formatBytes(s.sizeBytes)}, ${formatTime(s.firstTimestampMs)} → ${
        formatTime(s.largestTimestampMs)}${s.isActive ? ' (active)' : ''}`,
    });
    bar.textContent = String(s.baseOffset);
    return bar;
  }));
}

function partitionSection(topic: string, p: PartitionView): HTMLElement {
  if (p.offline !== null) {
    return h('section', { class: 'partition offline', 'data-partition': String(p.partition) },
      h('h3', null, `Partition ${p.partition}: offline`), h('p', { class: 'error' }, p.offline));
  }
  const c = p.compaction;
  return h('section', { class: 'partition', 'data-partition': String(p.partition) },
    h('h3', null, `Partition ${p.partition}`),
    table(['Log start', 'High watermark', 'Last stable offset', 'Log end', 'On disk', 'Segments'],
      [[formatNumber(p.logStartOffset), formatNumber(p.highWatermark), formatNumber(p.lastStableOffset), formatNumber(p.logEndOffset),
        formatBytes(p.sizeBytes), p.segments.length]], { class: 'offsets', 'data-testid': `offsets-${p.partition}` }),
    segmentTimeline(topic, p),
    table(['Base offset', 'End offset', 'Size', 'First batch time', 'Largest time', ''],
      p.segments.map((s) => [link(`#/segment/${enc(topic)}/${p.partition}/${s.baseOffset}`, String(s.baseOffset)), s.endOffset,
        formatBytes(s.sizeBytes), formatTime(s.firstTimestampMs), formatTime(s.largestTimestampMs), s.isActive ? 'active' : '']),
      { class: 'segments' }),
    h('div', { class: 'state' },
      h('div', null, h('h4', null, 'Retention'),
        p.retention.nextDeletes.length === 0 ? h('p', { 'data-testid': `retention-${p.partition}` }, 'The next pass deletes nothing.')
          : h('p', { 'data-testid': `retention-${p.partition}` }, `The next pass deletes ${p.retention.nextDeletes.length} segment(s), ${
            formatBytes(p.retention.nextDeletes.reduce((sum, d) => sum + d.sizeBytes, 0))}: ${
            p.retention.nextDeletes.map((d) => `${d.baseOffset} (${d.reason})`).join(', ')}`),
        p.retention.lastDeletion === null ? null : h('p', null, `Last deletion ${formatTime(p.retention.lastDeletion.atMs)}: ${
          p.retention.lastDeletion.segmentsDeleted} segment(s), ${formatBytes(p.retention.lastDeletion.bytesDeleted)} (${
          p.retention.lastDeletion.reasons.join(', ')})`)),
      c === null ? null : h('div', null, h('h4', null, 'Compaction'),
        h('p', { 'data-testid': `compaction-${p.partition}` }, `Dirty ratio ${(c.dirtyRatio * 100).toFixed(1)}% (cleans at ${
          (c.minCleanableDirtyRatio * 100).toFixed(0)}%), first dirty offset ${c.firstDirtyOffset}, ${
          formatBytes(c.cleanableBytes)} cleanable${c.eligible ? ', due' : ''}.`),
        h('meter', { min: '0', max: '1', value: String(c.dirtyRatio), high: String(c.minCleanableDirtyRatio) }),
        h('p', null, c.lastClean === null ? `Cleaner checkpoint: ${c.cleanerCheckpoint ?? 'none'}; no clean since the broker opened.`
          : `Last clean ${formatTime(c.lastClean.atMs)}: ${formatBytes(c.lastClean.bytesRead)} read, ${
            formatBytes(c.lastClean.bytesWritten)} written, ${formatNumber(c.lastClean.recordsDropped)} records removed in ${
            c.lastClean.durationMs} ms.`))));
}

async function topicPage(name: string): Promise<HTMLElement> {
  const t = await api<TopicView>(`topics/${enc(name)}`);
  const overrides = new Set(Object.keys(t.config.overrides));
  return h('section', { 'data-page': 'topic' },
    h('h1', null, `Topic ${t.name}`),
    ...t.partitions.map((p) => partitionSection(t.name, p)),
    h('details', null, h('summary', null, 'Configuration'),
      table(['Key', 'Value', ''],
        Object.entries(t.config.effective).map(([k, v]) => [k, String(v), overrides.has(k) ? 'override' : 'default']),
        { 'data-testid': 'config' })));
}

async function groupsPage(): Promise<HTMLElement> {
  const groups = await api<GroupSummary[]>('groups');
  return h('section', { 'data-page': 'groups' },
    h('h1', null, 'Consumer groups'),
    groups.length === 0 ? h('p', { class: 'note' }, 'No consumer group has members or committed offsets.')
      : table(['Group', 'State', 'Protocol', 'Members', 'Partitions', 'Total lag'],
        groups.map((g) => [link(`#/group/${enc(g.groupId)}`, g.groupId), g.state, g.protocolType || '—', g.members, g.partitions,
          formatNumber(g.totalLag)]), { 'data-testid': 'groups' }));
}

async function groupPage(groupId: string): Promise<HTMLElement> {
  const g = await api<GroupView>(`groups/${enc(groupId)}`);
  return h('section', { 'data-page': 'group' },
    h('h1', null, `Group ${g.groupId}`),
    h('div', { class: 'cards' }, card('State', g.state, 'group-state'), card('Members', String(g.members.length), 'group-members'),
      card('Generation', String(g.generationId), 'group-generation'), card('Total lag', formatNumber(g.totalLag), 'group-lag')),
    g.lagSeries === null ? null : lineChart('lag', 'Total lag', ['lag'], [g.lagSeries.timesMs.map((t) => t / 1000), g.lagSeries.lag],
      formatNumber),
    g.offsets.length === 0 ? null : barChart('lag-by-partition', 'Lag by partition', g.offsets.map((o) => `${o.topic}-${o.partition}`),
      g.offsets.map((o) => o.lag ?? 0), 'lag'),
    h('h2', null, 'Committed offsets'),
    table(['Topic', 'Partition', 'Committed', 'High watermark', 'Log end', 'Lag', 'Metadata'],
      g.offsets.map((o) => [link(`#/topic/${enc(o.topic)}`, o.topic), o.partition, formatNumber(o.committedOffset),
        o.highWatermark === null ? '—' : formatNumber(o.highWatermark), o.logEndOffset === null ? '—' : formatNumber(o.logEndOffset),
        o.lag === null ? '—' : formatNumber(o.lag), o.metadata]), { 'data-testid': 'group-offsets' }),
    h('h2', null, 'Members'),
    g.members.length === 0 ? h('p', { class: 'note' }, 'No members.')
      : table(['Member', 'Client', 'Host', 'Assignment'], g.members.map((m) => [m.memberId, m.clientId, m.clientHost,
        m.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ') || '—']), { 'data-testid': 'group-member-table' }));
}

async function producersPage(): Promise<HTMLElement> {
  const p = await api<ProducersView>('producers');
  return h('section', { 'data-page': 'producers' },
    h('h1', null, 'Producers'),
    h('h2', null, 'Transactions'),
    p.transactions.length === 0 ? h('p', { class: 'note' }, 'No transactional ids.')
      : table(['Transactional id', 'Producer id', 'Epoch', 'State', 'Timeout', 'Partitions'],
        p.transactions.map((t) => [t.transactionalId, t.producerId, t.producerEpoch, t.state, `${t.timeoutMs} ms`,
          t.partitions.map((x) => `${x.topic}-${x.partition}`).join(', ') || '—']), { 'data-testid': 'transactions' }),
    h('h2', null, 'Idempotent and transactional producer state'),
    p.partitions.length === 0 ? h('p', { class: 'note' }, 'No partition holds producer state.')
      : h('div', null, ...p.partitions.map((x) => h('section', null, h('h3', null, `${x.topic}-${x.partition} (${x.source})`),
        table(['Producer id', 'Epoch', 'Last sequence', 'Last offset', 'Last time', 'Coordinator epoch', 'Open transaction from'],
          x.producers.map((r) => [r.producerId, r.producerEpoch, r.lastSequence, r.lastOffset, formatTime(r.lastTimestampMs),
            r.coordinatorEpoch, r.currentTxnFirstOffset < 0 ? '—' : r.currentTxnFirstOffset]), { 'data-testid': 'producers' })))));
}

/** An index check's count, or why there is none (a large segment: checking reads all of it). */
function checked(count: number | null, what: string): string {
  return count === null ? 'not checked against the log here (a large segment: seglog verify checks it)' : `${count} ${what}`;
}

async function segmentPage(topic: string, partition: number, base: number, from: number): Promise<HTMLElement> {
  const s = await api<SegmentView>(`segment?topic=${enc(topic)}&partition=${partition}&base=${base}&from=${from}`);
  const summary = s.summary;
  const rows: HTMLElement[] = [];
  for (const b of s.batches) {
    rows.push(h('tr', { class: b.crcValid ? 'batch' : 'batch bad', 'data-offset': String(b.baseOffset) },
      ...[b.baseOffset, b.lastOffset, b.count, b.positionBytes, b.sizeBytes, b.compression, b.isControl ? 'control' : b.isTransactional
        ? 'transactional' : '', b.producerId, formatTime(b.maxTimestampMs), b.crcValid ? 'valid' : 'CRC mismatch']
        .map((v) => h('td', null, String(v)))));
    if (b.recordError !== undefined) rows.push(h('tr', { class: 'record-error' }, h('td', { colspan: '10' }, b.recordError)));
    for (const r of b.records ?? []) {
      const shown = r.control != null ? `${r.control.controlType} (coordinator epoch ${r.control.coordinatorEpoch})`
        : r.decoded !== undefined ? JSON.stringify(r.decoded) : `key ${r.key ?? 'null'} → ${r.value ?? 'null'}`;
      rows.push(h('tr', { class: 'record' }, h('td', null, String(r.offset)), h('td', { colspan: '3' }, formatTime(r.timestampMs)),
        h('td', { colspan: '6', class: 'data' }, shown, r.headers.length === 0 ? ''
          : `  headers: ${r.headers.map((x) => `${x.key}=${x.value ?? 'null'}`).join(', ')}`)));
    }
  }
  const base64 = `#/segment/${enc(topic)}/${partition}/${base}`;
  return h('section', { 'data-page': 'segment' },
    h('h1', null, `Segment ${base} of ${topic}-${partition}`),
    h('p', null, link(`#/topic/${enc(topic)}`, `← topic ${topic}`)),
    h('div', { class: 'cards' }, card('Batches on this page', String(s.batches.length), 'segment-batches'),
      card('CRC mismatches', String(s.crcInvalidBatches), 'segment-crc-invalid'),
      card('Trailing bytes', summary === null ? '…' : formatBytes(summary.trailingBytes), 'segment-trailing')),
    summary?.corruption == null ? null : h('p', { class: 'error', 'data-testid': 'segment-corruption' },
      `The walk stopped at byte ${summary.corruption.positionBytes}: ${summary.corruption.message}`),
    h('table', { class: 'batches', 'data-testid': 'segment-table' },
      h('thead', null, h('tr', null, ...['Base offset', 'Last offset', 'Records', 'Position', 'Size', 'Codec', 'Kind', 'Producer id',
        'Max time', 'CRC'].map((x) => h('th', null, x)))),
      h('tbody', null, ...rows)),
    s.nextOffset === null ? null : h('p', null, link(`${base64}/from/${s.nextOffset}`, `Next page, from offset ${s.nextOffset} →`)),
    h('details', null,
      h('summary', null, `Offset index: ${s.offsetIndex.entryCount} entries, ${checked(s.offsetIndex.mismatches, 'mismatches')}`),
      table(['Offset', 'Position'], s.offsetIndex.entries.map((e) => [e.offset, e.positionBytes]), { 'data-testid': 'offset-index' })),
    h('details', null, h('summary', null, `Time index: ${s.timeIndex.entryCount} entries, ${checked(s.timeIndex.errors, 'problems')}`),
      table(['Timestamp', 'Offset'], s.timeIndex.entries.map((e) => [formatTime(e.timestampMs), e.offset]))),
    s.txnIndex === null ? null : h('details', null, h('summary', null, `Transaction index: ${s.txnIndex.entryCount} aborted transactions`),
      table(['Producer id', 'First offset', 'Last offset', 'Last stable offset'],
        s.txnIndex.entries.map((e) => [e.producerId, e.firstOffset, e.lastOffset, e.lastStableOffset]))));
}

// ----------------------------------------------------------------------------------------------
// Routing

function pageFor(hash: string): () => Promise<HTMLElement> {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => decodeURIComponent(p));
  switch (parts[0]) {
    case 'topic':
      return () => topicPage(parts[1] ?? '');
    case 'groups':
      return groupsPage;
    case 'group':
      return () => groupPage(parts.slice(1).join('/'));
    case 'producers':
      return producersPage;
    case 'segment':
      return () => segmentPage(parts[1] ?? '', Number(parts[2]), Number(parts[3]),
        parts[4] === 'from' ? Number(parts[5]) : Number(parts[3]));
    default:
      return overviewPage;
  }
}

let live = false;
/** Pages drawn so far (tests wait for a redraw by watching it). */
let loads = 0;

async function show(fresh: boolean): Promise<void> {
  const mine = fresh ? ++generation : generation;
  if (fresh) {
    dropCharts();
    window.clearTimeout(pollTimer);
  }
  let page: HTMLElement;
  try {
    page = await pageFor(location.hash)();
  } catch (error) {
    page = h('section', { 'data-page': 'error' }, h('p', { class: 'error' }, error instanceof Error ? error.message : String(error)));
  }
  if (mine !== generation) return;
  const scrollY = window.scrollY;
  main.replaceChildren(page);
  if (!fresh) window.scrollTo(0, scrollY);
  main.setAttribute('data-loads', String(++loads));
  // The segment page is a snapshot of a file: it is not polled (it would lose the reader's place).
  if (live && !location.hash.startsWith('#/segment')) pollTimer = window.setTimeout(() => void show(false), POLL_MS);
}

async function start(): Promise<void> {
  try {
    const o = await api<OverviewView>('overview');
    live = o.mode === 'live';
    modeBadge.textContent = live ? `live · ${o.dataDir}` : `stopped directory (read-only) · ${o.dataDir}`;
    modeBadge.className = live ? 'badge live' : 'badge offline';
  } catch (error) {
    modeBadge.textContent = error instanceof Error ? error.message : String(error);
  }
  window.addEventListener('hashchange', () => void show(true));
  await show(true);
}

void start();
