/**
 * What `seglog topics`, `groups` and `configs` share: where to ask (`--bootstrap-server host:port`
 * or `--data DIR`), aligned tables for people like Kafka's scripts print, one JSON line for scripts.
 */
import { UsageError, flagValue, type FlagSpec, type parseArgs } from './args.js';
import { OfflineSource, WireSource, type ClusterAdmin, type ClusterSource } from './cluster-source.js';
import type { LineWriter } from './output.js';

export const SOURCE_FLAGS: readonly FlagSpec[] = [
  { name: 'bootstrap-server', takesValue: true },
  { name: 'data', takesValue: true },
  { name: 'json', takesValue: false },
  { name: 'help', takesValue: false },
];

export interface OperatorContext {
  stdout: LineWriter;
}

type Parsed = ReturnType<typeof parseArgs>;

/** `host:port` with a port in range, or a UsageError. */
function bootstrapAddress(text: string, command: string): string {
  const match = /^(.+):(\d+)$/.exec(text);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--bootstrap-server needs host:port, got ${JSON.stringify(text)}`, command);
  }
  return text;
}

/** The source the flags name: exactly one of --bootstrap-server and --data. */
export async function openSource(args: Parsed, command: string): Promise<ClusterSource> {
  const bootstrap = flagValue(args, 'bootstrap-server');
  const data = flagValue(args, 'data');
  if ((bootstrap === undefined) === (data === undefined)) {
    throw new UsageError(`${command} needs exactly one of --bootstrap-server host:port and --data DIR`, command);
  }
  if (data !== undefined) return new OfflineSource(data);
  return WireSource.connect(bootstrapAddress(bootstrap as string, command));
}

/** A running cluster, for commands that change something (a stopped directory is read-only here). */
export async function openAdmin(args: Parsed, command: string, action: string): Promise<ClusterAdmin> {
  const bootstrap = flagValue(args, 'bootstrap-server');
  if (bootstrap === undefined) {
    throw new UsageError(`${action} changes the cluster and needs --bootstrap-server host:port (--data is read-only)`, command);
  }
  if (flagValue(args, 'data') !== undefined) throw new UsageError(`${command} takes --bootstrap-server or --data, not both`, command);
  return WireSource.connect(bootstrapAddress(bootstrap, command));
}

/** Exactly one of `actions` given, or a UsageError naming them. */
export function chooseAction<A extends string>(args: Parsed, actions: readonly A[], command: string): A {
  const given = actions.filter((a) => args.flags.has(a));
  if (given.length !== 1) {
    throw new UsageError(`${command} needs exactly one of ${actions.map((a) => `--${a}`).join(', ')}`, command);
  }
  return given[0]!;
}

export function requiredFlag(args: Parsed, name: string, command: string, why: string): string {
  const value = flagValue(args, name);
  if (value === undefined) throw new UsageError(`${why} needs --${name}`, command);
  return value;
}

/** Columns padded to their widest cell, two spaces apart; numeric columns right-aligned. */
export function printTable(out: LineWriter, headings: readonly string[], rows: readonly (readonly string[])[],
    rightAligned: ReadonlySet<number> = new Set()): void {
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: readonly string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!)
    : c.padEnd(widths[i]!))).join('  ').trimEnd();
  out.line(format(headings));
  for (const r of rows) out.line(format(r));
}

export function cell(value: number | string | null): string {
  return value === null ? '-' : String(value);
}
