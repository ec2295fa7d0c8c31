/**
 * `seglog topics`: kafka-topics.sh without a JVM. --list and --describe (partitions with log start,
 * high watermark, log end and size on disk where known, and the topic's own configs) against a running
 * cluster or a stopped directory; --create, --delete and --alter (more partitions) against a cluster.
 */
import { InvalidArgumentError } from '../errors.js';
import { UsageError, flagValue, flagValues, nonNegativeInteger, parseArgs, type FlagSpec } from './args.js';
import type { ClusterSource, TopicRow } from './cluster-source.js';
import { SOURCE_FLAGS, cell, chooseAction, openAdmin, openSource, printTable, requiredFlag,
  type OperatorContext } from './operator-common.js';

const ACTIONS = ['list', 'describe', 'create', 'delete', 'alter'] as const;

const TOPICS_FLAGS: readonly FlagSpec[] = [
  ...SOURCE_FLAGS,
  ...ACTIONS.map((name) => ({ name, takesValue: false })),
  { name: 'topic', takesValue: true },
  { name: 'partitions', takesValue: true },
  { name: 'config', takesValue: true },
  { name: 'exclude-internal', takesValue: false },
];

/** `k=v` pairs of --config (repeatable, each may hold several separated by commas). */
export function parseConfigPairs(values: readonly string[], command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    for (const pair of value.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`a config is name=value, got ${JSON.stringify(pair)}`, command);
      out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
  }
  return out;
}

interface DescribedTopic extends TopicRow {
  configs: Record<string, string | null>;
}

async function describeTopics(source: ClusterSource, names: string[] | null, excludeInternal: boolean): Promise<DescribedTopic[]> {
  const rows = (await source.describeTopics(names)).filter((t) => !(excludeInternal && t.internal));
  const out: DescribedTopic[] = [];
  for (const t of rows) {
    const configs: Record<string, string | null> = {};
    for (const c of await source.topicConfigs(t.name)) if (c.source === 'topic') configs[c.name] = c.value;
    out.push({ ...t, configs });
  }
  return out;
}

function printDescribed(ctx: OperatorContext, topics: readonly DescribedTopic[]): void {
  for (const t of topics) {
    const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v ?? ''}`).join(',');
    ctx.stdout.line(`Topic: ${t.name}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: 1\tConfigs: ${configs}`);
    printTable(ctx.stdout, ['TOPIC', 'PARTITION', 'LOG-START', 'HIGH-WATERMARK', 'LOG-END', 'SIZE-BYTES', 'LEADER'],
      t.partitions.map((p) => [t.name, cell(p.partition), cell(p.logStartOffset), cell(p.highWatermark), cell(p.logEndOffset),
        cell(p.sizeBytes), cell(p.leader)]), new Set([1, 2, 3, 4, 5, 6]));
    ctx.stdout.line('');
  }
}

export async function topicsCommand(argv: readonly string[], ctx: OperatorContext, usage: () => string): Promise<number> {
  const args = parseArgs(argv, TOPICS_FLAGS, 'topics');
  if (args.flags.has('help')) {
    ctx.stdout.line(usage());
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`, 'topics');
  const action = chooseAction(args, ACTIONS, 'topics');
  const json = args.flags.has('json');
  if (action === 'list' || action === 'describe') {
    const source = await openSource(args, 'topics');
    try {
      const topic = flagValue(args, 'topic');
      const excludeInternal = args.flags.has('exclude-internal');
      if (action === 'list') {
        const topics = (await source.listTopics()).filter((t) => !(excludeInternal && t.internal));
        if (json) ctx.stdout.line(JSON.stringify({ topics: topics.map((t) => t.name) }));
        else for (const t of topics) ctx.stdout.line(t.name);
      } else {
        const described = await describeTopics(source, topic === undefined ? null : [topic], excludeInternal);
        if (json) ctx.stdout.line(JSON.stringify({ topics: described }));
        else printDescribed(ctx, described);
      }
    } finally {
      await source.close();
    }
    return 0;
  }
  const topic = requiredFlag(args, 'topic', 'topics', `--${action}`);
  const admin = await openAdmin(args, 'topics', `--${action}`);
  try {
    if (action === 'create') {
      const partitions = nonNegativeInteger(args, 'partitions', 'topics') ?? 1;
      if (partitions < 1) throw new InvalidArgumentError(`--partitions must be at least 1, got ${partitions}`);
      await admin.createTopic(topic, partitions, parseConfigPairs(flagValues(args, 'config'), 'topics'));
      if (json) ctx.stdout.line(JSON.stringify({ created: topic, partitions }));
      else ctx.stdout.line(`Created topic ${topic}.`);
    } else if (action === 'delete') {
      await admin.deleteTopic(topic);
      if (json) ctx.stdout.line(JSON.stringify({ deleted: topic }));
      else ctx.stdout.line(`Deleted topic ${topic}.`);
    } else {
      const partitions = nonNegativeInteger(args, 'partitions', 'topics');
      if (partitions === undefined) throw new UsageError('--alter needs --partitions (the new, larger count)', 'topics');
      await admin.createPartitions(topic, partitions);
      if (json) ctx.stdout.line(JSON.stringify({ altered: topic, partitions }));
      else ctx.stdout.line(`Topic ${topic} now has ${partitions} partitions.`);
    }
  } finally {
    await admin.close();
  }
  return 0;
}
