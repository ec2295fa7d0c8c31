/**
 * `seglog configs`: kafka-configs.sh for topics. --describe lists a topic's own configs (--all: every
 * config with its source) from a running cluster or a stopped directory; --alter sets (--add-config
 * k=v,k2=v2) and removes (--delete-config k,k2) a topic's own configs on a running cluster, leaving the
 * others as they are. The new values reach the topic's live logs at once.
 */
import { UsageError, flagValue, flagValues, parseArgs, type FlagSpec } from './args.js';
import { SOURCE_FLAGS, chooseAction, openAdmin, openSource, printTable, type OperatorContext } from './operator-common.js';
import { parseConfigPairs } from './topics-command.js';

const ACTIONS = ['describe', 'alter'] as const;

const CONFIGS_FLAGS: readonly FlagSpec[] = [
  ...SOURCE_FLAGS,
  ...ACTIONS.map((name) => ({ name, takesValue: false })),
  { name: 'entity-type', takesValue: true },
  { name: 'entity-name', takesValue: true, aliases: ['topic'] },
  { name: 'add-config', takesValue: true },
  { name: 'delete-config', takesValue: true },
  { name: 'all', takesValue: false },
];

export async function configsCommand(argv: readonly string[], ctx: OperatorContext, usage: () => string): Promise<number> {
  const args = parseArgs(argv, CONFIGS_FLAGS, 'configs');
  if (args.flags.has('help')) {
    ctx.stdout.line(usage());
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`, 'configs');
  const action = chooseAction(args, ACTIONS, 'configs');
  const entityType = flagValue(args, 'entity-type') ?? 'topics';
  if (entityType !== 'topics') throw new UsageError(`--entity-type ${entityType} is not served: only topics have configs here`, 'configs');
  const topic = flagValue(args, 'entity-name');
  if (topic === undefined) throw new UsageError(`--${action} needs --entity-name (or --topic)`, 'configs');
  const json = args.flags.has('json');
  if (action === 'describe') {
    const source = await openSource(args, 'configs');
    try {
      const all = args.flags.has('all');
      const configs = (await source.topicConfigs(topic)).filter((c) => all || c.source === 'topic');
      if (json) ctx.stdout.line(JSON.stringify({ topic, configs }));
      else {
        ctx.stdout.line(`${all ? 'All' : 'Dynamic'} configs for topic ${topic} are:`);
        printTable(ctx.stdout, ['NAME', 'VALUE', 'SOURCE'], configs.map((c) => [c.name, c.value ?? 'null', c.source]));
      }
    } finally {
      await source.close();
    }
    return 0;
  }
  const set = parseConfigPairs(flagValues(args, 'add-config'), 'configs');
  const remove = flagValues(args, 'delete-config').flatMap((v) => v.split(',')).map((k) => k.trim()).filter((k) => k.length > 0);
  if (Object.keys(set).length === 0 && remove.length === 0) {
    throw new UsageError('--alter needs --add-config or --delete-config', 'configs');
  }
  const admin = await openAdmin(args, 'configs', '--alter');
  try {
    await admin.alterTopicConfigs(topic, set, remove);
  } finally {
    await admin.close();
  }
  if (json) ctx.stdout.line(JSON.stringify({ topic, set, removed: remove }));
  else ctx.stdout.line(`Completed updating config for topic ${topic}.`);
  return 0;
}
