/**
 * Topic-name rules, as Kafka's `Topic.validate`: non-empty, at most 249 characters (so that
 * `<topic>-<partition>` and the `-delete` suffixes stay under 255-byte file names), only
 * `[a-zA-Z0-9._-]`, and not "." or "..". Internal topics start with "__".
 */
import { InvalidTopicError } from '../errors.js';

export const TOPIC_NAME_LENGTH_MAX = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal topic name, or null when it is. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`;
  if (name.length > TOPIC_NAME_LENGTH_MAX) return `topic name is ${name.length} characters, more than ${TOPIC_NAME_LENGTH_MAX}`;
  if (!LEGAL.test(name)) return `topic name "${name}" has characters outside [a-zA-Z0-9._-]`;
  return null;
}

export function validateTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem !== null) throw new InvalidTopicError(problem);
}

export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}
