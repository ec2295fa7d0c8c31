/**
 * The flush rule as a pure decision (flush-policy.ts): flush.messages triggers a flush now, flush.ms
 * arms one timer for what is left of the interval, and "never" (the defaults) does neither.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FLUSH_NOT_DUE, FLUSH_NOW, flushAfterAppend } from '../../lib/log/flush-policy.js';

const NEVER = Number.MAX_SAFE_INTEGER;

test('flush.messages reached: flush now, whatever the timer', () => {
  assert.is(flushAfterAppend({ flushMessages: 10, flushMs: NEVER }, 10, 0, 5, false), FLUSH_NOW);
  assert.is(flushAfterAppend({ flushMessages: 10, flushMs: 1000 }, 11, 0, 5, true), FLUSH_NOW);
  assert.is(flushAfterAppend({ flushMessages: 1, flushMs: NEVER }, 1, 0, 0, false), FLUSH_NOW);
});

test('flush.ms: arm a timer for the rest of the interval, at once when it has passed, never twice', () => {
  assert.is(flushAfterAppend({ flushMessages: NEVER, flushMs: 1000 }, 3, 10_000, 10_400, false), 600);
  assert.is(flushAfterAppend({ flushMessages: NEVER, flushMs: 1000 }, 3, 10_000, 12_000, false), 0);
  assert.is(flushAfterAppend({ flushMessages: NEVER, flushMs: 1000 }, 3, 10_000, 10_400, true), FLUSH_NOT_DUE);
});

test('the defaults never flush on their own', () => {
  assert.is(flushAfterAppend({ flushMessages: NEVER, flushMs: NEVER }, 1_000_000, 0, 1e12, false), FLUSH_NOT_DUE);
});

test.run();
