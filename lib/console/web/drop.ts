/**
 * The drop page (drop.html, one self-contained file: it needs no server): `.log` files, or a whole
 * partition folder, decoded in the browser by seglog's own record codec (lib/record, bundled with
 * the pure TypeScript CRC-32C in place of the native one). Per file: each batch's header, its
 * CRC-32C verdict and the records of uncompressed batches; where the framing breaks, the byte it
 * broke at and why, exactly as `seglog dump` would say it.
 */
import { decodeBatches } from '../../record/batch-decoder.js';
import { parseControlRecord } from '../../record/control-record.js';
import { SeglogError } from '../../errors.js';
import { formatBytes, formatTime, h } from './dom.js';

/** Records listed per batch; the count says how many there are. */
const RECORDS_SHOWN_PER_BATCH = 50;
/** Characters of a key or value shown. */
const TEXT_SHOWN_CHARS = 200;
const utf8 = new TextDecoder('utf-8', { fatal: false });

const results = document.getElementById('results') as HTMLElement;
const zone = document.getElementById('zone') as HTMLElement;

function text(bytes: Uint8Array | null): string {
  if (bytes === null) return 'null';
  const s = utf8.decode(bytes);
  return s.length > TEXT_SHOWN_CHARS ? `${s.slice(0, TEXT_SHOWN_CHARS)}… (${bytes.length} bytes)` : s;
}

function oneLine(error: unknown): string {
  if (error instanceof SeglogError) return error.toLine();
  return error instanceof Error ? error.message : String(error);
}

function decodeFile(name: string, bytes: Uint8Array): HTMLElement {
  const rows: HTMLElement[] = [];
  let batches = 0;
  let bad = 0;
  let stopped: string | null = null;
  const walk = decodeBatches(bytes, { path: name });
  try {
    for (const batch of walk) {
      batches++;
      const valid = batch.isValid();
      if (!valid) bad++;
      rows.push(h('tr', { class: valid ? 'batch' : 'batch bad', 'data-offset': String(batch.baseOffset) },
        ...[batch.baseOffset, batch.lastOffset, batch.recordsCount, batch.positionBytes, batch.sizeBytes, batch.magic, batch.compression,
          batch.isControl ? 'control' : batch.isTransactional ? 'transactional' : '', batch.producerId, formatTime(batch.maxTimestampMs),
          valid ? 'valid' : `CRC mismatch (stored ${batch.crc >>> 0}, computed ${batch.computedCrc() >>> 0})`]
          .map((v) => h('td', null, String(v)))));
      if (!valid) continue;
      try {
        let shown = 0;
        for (const record of batch.records()) {
          if (shown++ === RECORDS_SHOWN_PER_BATCH) {
            rows.push(h('tr', { class: 'record' }, h('td', { colspan: '11' }, `… ${batch.recordsCount - RECORDS_SHOWN_PER_BATCH} more`)));
            break;
          }
          const control = batch.isControl ? parseControlRecord(record.key, record.value) : null;
          const data = control !== null ? `${control.controlType} (coordinator epoch ${control.coordinatorEpoch})`
            : `key ${text(record.key)} → ${text(record.value)}${record.headers.length === 0 ? ''
              : `  headers: ${record.headers.map((x) => `${x.key}=${text(x.value)}`).join(', ')}`}`;
          rows.push(h('tr', { class: 'record' }, h('td', null, String(record.offset)),
            h('td', { colspan: '3' }, formatTime(record.timestampMs)), h('td', { colspan: '7', class: 'data' }, data)));
        }
      } catch (error) {
        rows.push(h('tr', { class: 'record-error' }, h('td', { colspan: '11' }, oneLine(error))));
      }
    }
  } catch (error) {
    stopped = oneLine(error);
  }
  const trailing = bytes.length - walk.validBytes;
  return h('section', { class: 'file-result', 'data-file': name },
    h('h2', null, name),
    h('p', { 'data-testid': 'file-summary' }, `${formatBytes(bytes.length)}, ${batches} batches, ${bad} with a CRC mismatch, ${
      trailing} bytes after the last whole batch.`),
    stopped === null ? null : h('p', { class: 'error', 'data-testid': 'file-stopped' }, `Decoding stopped: ${stopped}`),
    h('table', { class: 'batches' },
      h('thead', null, h('tr', null, ...['Base offset', 'Last offset', 'Records', 'Position', 'Size', 'Magic', 'Codec', 'Kind',
        'Producer id', 'Max time', 'CRC'].map((x) => h('th', null, x)))),
      h('tbody', null, ...rows)));
}

async function show(files: readonly File[]): Promise<void> {
  const logs = files.filter((f) => f.name.endsWith('.log')).sort((a, b) => (a.name < b.name ? -1 : 1));
  const others = files.filter((f) => !f.name.endsWith('.log'));
  results.replaceChildren();
  if (logs.length === 0) {
    results.append(h('p', { class: 'error' }, `No .log file among ${files.length} dropped: segments are the <base offset>.log files.`));
    return;
  }
  for (const file of logs) {
    const section = decodeFile(file.webkitRelativePath || file.name, new Uint8Array(await file.arrayBuffer()));
    results.append(section);
  }
  if (others.length > 0) {
    results.append(h('p', { class: 'note' }, `Also there, not decoded here: ${others.map((f) => f.name).join(', ')}`));
  }
  results.setAttribute('data-decoded', String(logs.length));
}

/** Every file under a dropped entry (folders are walked). */
async function filesOf(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) return [await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const all: File[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    for (const child of batch) all.push(...(await filesOf(child)));
  }
}

for (const id of ['files', 'folder']) {
  const input = document.getElementById(id) as HTMLInputElement;
  input.addEventListener('change', () => void show([...(input.files ?? [])]));
}
zone.addEventListener('dragover', (event) => {
  event.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (event) => {
  event.preventDefault();
  zone.classList.remove('over');
  const items = [...(event.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  void Promise.all(items.map(filesOf)).then((lists) => show(lists.flat()),
    (error: unknown) => results.replaceChildren(h('p', { class: 'error' }, oneLine(error))));
});
