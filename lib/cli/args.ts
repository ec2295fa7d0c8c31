/**
 * A small argv parser for the seglog commands: boolean flags, flags with a value (`--x v` or
 * `--x=v`), aliases (kafka-dump-log's spellings), positionals, and `--` to end flags. Anything it
 * does not know is a UsageError, which the CLI prints with the command's usage and exit status 2.
 */

/** Wrong command line: printed with usage, exit status 2. Not a SeglogError: nothing in the data is wrong. */
export class UsageError extends Error {
  readonly command: string | null;
  constructor(message: string, command: string | null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export interface FlagSpec {
  /** Canonical name without dashes, e.g. 'print-data'. */
  name: string;
  takesValue: boolean;
  aliases?: readonly string[];
}

interface ParsedArgs {
  /** The last value of each flag given (true for a flag without a value). */
  flags: Map<string, string | true>;
  /** Every value of each value flag, in order (`--config a=1 --config b=2`). */
  lists: Map<string, string[]>;
  positionals: string[];
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) byName.set(alias, spec);
  }
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`, command);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(`unknown option --${name}`, command);
    if (!spec.takesValue) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`, command);
      flags.set(spec.name, true);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`--${name} needs a value`, command);
    flags.set(spec.name, value);
    lists.set(spec.name, [...(lists.get(spec.name) ?? []), value]);
  }
  return { flags, lists, positionals };
}

export function flagValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** Every value given for `name`, in order. */
export function flagValues(args: ParsedArgs, name: string): string[] {
  return args.lists.get(name) ?? [];
}

export function nonNegativeInteger(args: ParsedArgs, name: string, command: string): number | undefined {
  const text = flagValue(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new UsageError(`--${name} needs a non-negative integer, got ${JSON.stringify(text)}`, command);
  }
  return value;
}
