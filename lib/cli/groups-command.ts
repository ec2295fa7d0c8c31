/**
 * `seglog groups`: kafka-consumer-groups.sh without a JVM. --list and --describe (state, members, and
 * per partition the committed offset, the log end — the high watermark, as Kafka's tool shows — and
 * the lag) against a running cluster or a stopped directory; --reset-offsets (--dry-run prints the
 * plan, --execute commits it) and --delete against a running cluster.
 *
 * Offsets are reset only for an inactive group (Empty, or one that exists only through its offsets),
 * as Kafka's tool requires: a running member would commit over them. New offsets are clamped to the
 * partition's [log start, high watermark].
 */
import { InvalidArgumentError, RequestRefusedError } from '../errors.js';
import { UsageError, flagValue, parseArgs, type FlagSpec } from './args.js';
import type { ClusterAdmin, ClusterSource, GroupDetail, PartitionRow } from './cluster-source.js';
import { SOURCE_FLAGS, cell, chooseAction, openAdmin, openSource, printTable, requiredFlag,
  type OperatorContext } from './operator-common.js';

const ACTIONS = ['list', 'describe', 'reset-offsets', 'delete'] as const;
const RESET_TARGETS = ['to-earliest', 'to-latest', 'to-datetime', 'to-offset', 'shift-by'] as const;
const INACTIVE_STATES: ReadonlySet<string> = new Set(['Empty', 'Dead']);

const GROUPS_FLAGS: readonly FlagSpec[] = [
  ...SOURCE_FLAGS,
  ...ACTIONS.map((name) => ({ name, takesValue: false })),
  { name: 'group', takesValue: true },
  { name: 'topic', takesValue: true },
  { name: 'all-topics', takesValue: false },
  { name: 'to-earliest', takesValue: false },
  { name: 'to-latest', takesValue: false },
  { name: 'to-datetime', takesValue: true },
  { name: 'to-offset', takesValue: true },
  { name: 'shift-by', takesValue: true },
  { name: 'dry-run', takesValue: false },
  { name: 'execute', takesValue: false },
];

interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** null: nothing committed yet. */
  committedOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  memberId: string | null;
  host: string | null;
  clientId: string | null;
}

function byTopicPartition(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/** Every partition the group has committed or is assigned, with its lag against the high watermark. */
async function groupLag(source: ClusterSource, group: GroupDetail): Promise<GroupPartitionLag[]> {
  const rows = new Map<string, GroupPartitionLag>();
  const row = (topic: string, partition: number) => {
    const key = `${topic}\u0000${partition}`;
    let r = rows.get(key);
    if (r === undefined) {
      r = { topic, partition, committedOffset: null, logEndOffset: null, lag: null, memberId: null, host: null, clientId: null };
      rows.set(key, r);
    }
    return r;
  };
  for (const o of group.offsets) row(o.topic, o.partition).committedOffset = o.committedOffset;
  for (const m of group.members) {
    for (const a of m.assignment) Object.assign(row(a.topic, a.partition), { memberId: m.memberId, host: m.host, clientId: m.clientId });
  }
  const topics = [...new Set([...rows.values()].map((r) => r.topic))];
  const existing = new Set((await source.listTopics()).map((t) => t.name));
  const partitions = new Map<string, PartitionRow>();
  for (const t of await source.describeTopics(topics.filter((t) => existing.has(t)))) {
    for (const p of t.partitions) partitions.set(`${p.topic}\u0000${p.partition}`, p);
  }
  for (const [key, r] of rows) {
    const p = partitions.get(key);
    if (p === undefined) continue;
    r.logEndOffset = p.highWatermark;
    if (r.committedOffset !== null) r.lag = Math.max(0, p.highWatermark - r.committedOffset);
  }
  return [...rows.values()].sort(byTopicPartition);
}

function printGroup(ctx: OperatorContext, group: GroupDetail, lags: readonly GroupPartitionLag[]): void {
  ctx.stdout.line(`Consumer group '${group.groupId}' is ${group.state} (protocol type ${group.protocolType || '-'}, `
    + `assignor ${group.protocol || '-'}, ${group.members.length} members).`);
  ctx.stdout.line('');
  const rows = lags.map((l) => [group.groupId, l.topic, cell(l.partition), cell(l.committedOffset), cell(l.logEndOffset), cell(l.lag),
    cell(l.memberId), cell(l.host), cell(l.clientId)]);
  // Members with no partitions show too (Kafka's --members view), with dashes for the partition columns.
  for (const m of group.members) {
    if (m.assignment.length === 0) rows.push([group.groupId, '-', '-', '-', '-', '-', m.memberId, m.host, m.clientId]);
  }
  printTable(ctx.stdout, ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
    rows, new Set([2, 3, 4, 5]));
}

function integerFlag(text: string, name: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) throw new UsageError(`--${name} needs an integer, got ${JSON.stringify(text)}`,
    'groups');
  return value;
}

/** `topic` or `topic:0,2`: the partitions it names (all of the topic's when none are listed). */
function topicSelection(text: string): { topic: string; partitions: number[] | null } {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return { topic: text, partitions: null };
  const partitions = text.slice(colon + 1).split(',').map((p) => integerFlag(p, 'topic'));
  return { topic: text.slice(0, colon), partitions };
}

interface PlannedOffset {
  topic: string;
  partition: number;
  committedOffset: number | null;
  newOffset: number;
}

async function planReset(admin: ClusterAdmin, args: ReturnType<typeof parseArgs>, group: GroupDetail | null, groupId: string):
    Promise<PlannedOffset[]> {
  const target = chooseAction(args, RESET_TARGETS, 'groups');
  const topicText = flagValue(args, 'topic');
  if ((topicText === undefined) === !args.flags.has('all-topics')) {
    throw new UsageError('--reset-offsets needs exactly one of --topic T[:p,p] and --all-topics', 'groups');
  }
  const committed = new Map((group?.offsets ?? []).map((o) => [`${o.topic}\u0000${o.partition}`, o.committedOffset]));
  let selection: { topic: string; partitions: number[] | null }[];
  if (topicText !== undefined) selection = [topicSelection(topicText)];
  else selection = [...new Set((group?.offsets ?? []).map((o) => o.topic))].map((topic) => ({ topic, partitions: null }));
  if (selection.length === 0) throw new RequestRefusedError(`group ${groupId} has no committed offsets: name the topic with --topic`);
  const plan: PlannedOffset[] = [];
  for (const { topic, partitions } of selection) {
    const [described] = await admin.describeTopics([topic]);
    const rows = described?.partitions ?? [];
    const chosen = partitions === null ? rows : partitions.map((p) => {
      const row = rows.find((r) => r.partition === p);
      if (row === undefined) throw new InvalidArgumentError(`topic ${topic} has no partition ${p}`);
      return row;
    });
    const byTime = target === 'to-datetime' ? await admin.offsetsForTimestamp(topic, parseDatetime(requiredFlag(args, 'to-datetime',
      'groups', '--to-datetime'))) : [];
    for (const row of chosen) {
      const current = committed.get(`${topic}\u0000${row.partition}`) ?? null;
      let wanted: number;
      if (target === 'to-earliest') wanted = row.logStartOffset;
      else if (target === 'to-latest') wanted = row.highWatermark;
      else if (target === 'to-datetime') wanted = byTime.find((o) => o.partition === row.partition)?.offset ?? row.highWatermark;
      else if (target === 'to-offset') wanted = integerFlag(requiredFlag(args, 'to-offset', 'groups', '--to-offset'), 'to-offset');
      else {
        if (current === null) {
          throw new RequestRefusedError(`group ${groupId} has no committed offset for ${topic}-${row.partition} to shift`);
        }
        wanted = current + integerFlag(requiredFlag(args, 'shift-by', 'groups', '--shift-by'), 'shift-by');
      }
      const newOffset = Math.min(Math.max(wanted < 0 ? row.highWatermark : wanted, row.logStartOffset), row.highWatermark);
      plan.push({ topic, partition: row.partition, committedOffset: current, newOffset });
    }
  }
  return plan.sort(byTopicPartition);
}

/** ISO 8601 (Kafka's tool takes yyyy-MM-ddTHH:mm:ss.SSS, with an optional zone; UTC when none). */
function parseDatetime(text: string): number {
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  if (!Number.isFinite(ms)) throw new UsageError(`--to-datetime needs an ISO 8601 date and time, got ${JSON.stringify(text)}`, 'groups');
  return ms;
}

export async function groupsCommand(argv: readonly string[], ctx: OperatorContext, usage: () => string): Promise<number> {
  const args = parseArgs(argv, GROUPS_FLAGS, 'groups');
  if (args.flags.has('help')) {
    ctx.stdout.line(usage());
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`, 'groups');
  const action = chooseAction(args, ACTIONS, 'groups');
  const json = args.flags.has('json');
  if (action === 'list' || action === 'describe') {
    const source = await openSource(args, 'groups');
    try {
      if (action === 'list') {
        const groups = await source.listGroups();
        if (json) ctx.stdout.line(JSON.stringify({ groups }));
        else printTable(ctx.stdout, ['GROUP', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.state, g.protocolType || '-']));
        return 0;
      }
      const groupId = requiredFlag(args, 'group', 'groups', '--describe');
      const group = await source.describeGroup(groupId);
      if (group === null) throw new InvalidArgumentError(`consumer group ${groupId} does not exist at ${source.where}`);
      const partitions = await groupLag(source, group);
      if (json) ctx.stdout.line(JSON.stringify({ ...group, partitions }));
      else printGroup(ctx, group, partitions);
    } finally {
      await source.close();
    }
    return 0;
  }
  const groupId = requiredFlag(args, 'group', 'groups', `--${action}`);
  if (action === 'reset-offsets' && args.flags.has('dry-run') === args.flags.has('execute')) {
    throw new UsageError('--reset-offsets needs exactly one of --dry-run and --execute', 'groups');
  }
  const admin = await openAdmin(args, 'groups', `--${action}`);
  try {
    const group = await admin.describeGroup(groupId);
    if (action === 'delete') {
      if (group === null) throw new InvalidArgumentError(`consumer group ${groupId} does not exist at ${admin.where}`);
      await admin.deleteGroup(groupId);
      if (json) ctx.stdout.line(JSON.stringify({ deleted: groupId }));
      else ctx.stdout.line(`Deletion of requested consumer groups ('${groupId}') was successful.`);
      return 0;
    }
    if (group !== null && !INACTIVE_STATES.has(group.state)) {
      throw new RequestRefusedError(`group ${groupId} is ${group.state} with ${group.members.length} members: offsets can only be `
        + 'reset for an inactive group (stop its consumers first)');
    }
    const plan = await planReset(admin, args, group, groupId);
    const execute = args.flags.has('execute');
    if (execute) {
      const byTopic = new Map<string, { partition: number; offset: number }[]>();
      for (const p of plan) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { partition: p.partition, offset: p.newOffset }]);
      for (const [topic, partitions] of byTopic) await admin.setGroupOffsets(groupId, topic, partitions);
    }
    if (json) ctx.stdout.line(JSON.stringify({ groupId, executed: execute, partitions: plan }));
    else {
      printTable(ctx.stdout, ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
        plan.map((p) => [groupId, p.topic, cell(p.partition), cell(p.committedOffset), cell(p.newOffset)]), new Set([2, 3, 4]));
      if (!execute) ctx.stdout.line('(dry run: nothing committed; --execute commits these offsets)');
    }
  } finally {
    await admin.close();
  }
  return 0;
}
