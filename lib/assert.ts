/**
 * Assertions for bugs, always on. A failed assertion means seglog itself is wrong (not the input),
 * so it throws a plain Error with code SEGLOG_ASSERTION and is never caught by the library.
 */
export class AssertionError extends Error {
  readonly code = 'SEGLOG_ASSERTION';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(`assertion failed: ${message}`);
}

/**
 * The same failure, for hot paths whose message would cost a string on every call: the caller
 * checks, and builds the message only when the check fails.
 */
export function assertionFailed(message: string): never {
  throw new AssertionError(`assertion failed: ${message}`);
}
