import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidTopicError } from '../../lib/errors.js';
import { isInternalTopic, topicNameProblem, validateTopicName } from '../../lib/broker/topic-name.js';

test('legal names pass', () => {
  for (const name of ['a', 'my-topic', 'My.Topic_1', '__consumer_offsets', 'x'.repeat(249), '...']) {
    assert.is(topicNameProblem(name), null, name);
  }
});

test('illegal names are refused with a reason', () => {
  for (const name of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'ä', 'a:b', 'a\u0000']) {
    assert.type(topicNameProblem(name), 'string', JSON.stringify(name));
    assert.throws(() => validateTopicName(name), (e: unknown) => e instanceof InvalidTopicError && e.code === 'SEGLOG_INVALID_TOPIC');
  }
});

test('internal topics start with __', () => {
  assert.ok(isInternalTopic('__consumer_offsets'));
  assert.not.ok(isInternalTopic('_a'));
});

test.run();
