/**
 * Topic configs as they cross the wire: Kafka spells them `retention.ms`, LogConfig `retentionMs`.
 * A refusal sent back to a client must name the key the client sent, so messages from the log layer
 * (which name LogConfig keys) are translated back before they leave.
 */
import { InvalidConfigError, validateLogConfig, type LogConfig } from '../index.js';

/** LogConfig key ("retentionMs") → Kafka's config name ("retention.ms"). */
export function kafkaConfigName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `.${c.toLowerCase()}`);
}

/** Kafka config name ("retention.ms") → LogConfig key ("retentionMs"). */
export function logConfigKey(kafkaName: string): string {
  return kafkaName.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The same error with every quoted LogConfig key in its message spelled as Kafka's config name. */
export function withKafkaConfigNames(error: InvalidConfigError): InvalidConfigError {
  const message = error.message.replace(/'([a-z][A-Za-z]*)'/g, (_, key: string) => `'${kafkaConfigName(key)}'`);
  return new InvalidConfigError(message, { path: error.path, cause: error });
}

/**
 * Topic configs as Kafka sends them (CreateTopics name/value strings, Kafka's names) → validated
 * LogConfig overrides; an InvalidConfigError names Kafka's key. The one parser of topic configs.
 */
export function parseTopicConfigs(entries: readonly { name: string; value: string | null }[]): Partial<LogConfig> {
  const overrides: { [key: string]: unknown } = {};
  const known = validateLogConfig({});
  for (const { name, value } of entries) {
    if (value === null) continue;
    const key = logConfigKey(name);
    if (!(key in known) || name !== kafkaConfigName(key)) throw new InvalidConfigError(`unknown topic config '${name}'`);
    overrides[key] = value === 'true' ? true : value === 'false' ? false : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  try {
    validateLogConfig(overrides as Partial<LogConfig>);
  } catch (error) {
    throw error instanceof InvalidConfigError ? withKafkaConfigNames(error) : error;
  }
  return overrides as Partial<LogConfig>;
}
