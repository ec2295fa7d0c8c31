/**
 * The pages' small DOM toolkit: elements built with text nodes only (names, keys and values come
 * from clients and files: nothing is ever parsed as HTML), tables, and the number, byte and time
 * formats every page uses.
 */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: { [name: string]: string } | null = null,
    ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) element.setAttribute(name, value);
  for (const child of children) append(element, child);
  return element;
}

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
}

export function link(href: string, text: string, props: { [name: string]: string } = {}): HTMLAnchorElement {
  return h('a', { href, ...props }, text);
}

/** A table with a header row; each row a list of cells (a cell may be an element, e.g. a link). */
export function table(headers: readonly string[], rows: readonly Child[][], props: { [name: string]: string } = {}): HTMLTableElement {
  return h('table', props,
    h('thead', null, h('tr', null, ...headers.map((x) => h('th', null, x)))),
    h('tbody', null, ...rows.map((row) => h('tr', null, ...row.map((cell) => h('td', null, cell))))));
}

export function card(label: string, value: string, testId: string): HTMLElement {
  return h('div', { class: 'card', 'data-testid': testId }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value));
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function formatTime(ms: number): string {
  if (ms < 0) return '—';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}
