import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LOG_CONFIG, validateLogConfig } from '../../lib/log/config.js';
import { InvalidConfigError } from '../../lib/errors.js';

test('defaults are Kafka topic defaults', () => {
  const c = validateLogConfig();
  assert.is(c.segmentBytes, 1073741824);
  assert.is(c.segmentMs, 604800000);
  assert.is(c.segmentIndexBytes, 10485760);
  assert.is(c.indexIntervalBytes, 4096);
  assert.is(c.maxMessageBytes, 1048588);
  assert.is(c.retentionMs, 604800000);
  assert.is(c.retentionBytes, -1);
  assert.is(c.cleanupPolicy, 'delete');
  assert.is(c.deleteRetentionMs, 86400000);
  assert.is(c.minCleanableDirtyRatio, 0.5);
  assert.is(c.fileDeleteDelayMs, 60000);
  assert.is(c.preallocate, false);
  assert.is(c.messageTimestampType, 'CreateTime');
});

test('overrides merge over defaults and the defaults object is untouched', () => {
  const c = validateLogConfig({ segmentBytes: 4096, cleanupPolicy: 'delete,compact' as never });
  assert.is(c.segmentBytes, 4096);
  assert.is(c.cleanupPolicy, 'compact,delete');
  assert.is(DEFAULT_LOG_CONFIG.segmentBytes, 1073741824);
});

function rejects(partial: Record<string, unknown>, key: string): void {
  try {
    validateLogConfig(partial as never);
  } catch (error) {
    assert.instance(error, InvalidConfigError);
    assert.is((error as InvalidConfigError).code, 'SEGLOG_INVALID_CONFIG');
    assert.ok((error as Error).message.includes(`'${key}'`), (error as Error).message);
    return;
  }
  assert.unreachable(`expected ${key} to be rejected`);
}

test('invalid values are typed errors naming the key', () => {
  rejects({ segmentBytes: 10 }, 'segmentBytes');
  rejects({ segmentBytes: 2 ** 31 }, 'segmentBytes');
  rejects({ segmentMs: 1.5 }, 'segmentMs');
  rejects({ retentionMs: -2 }, 'retentionMs');
  rejects({ minCleanableDirtyRatio: 1.5 }, 'minCleanableDirtyRatio');
  rejects({ cleanupPolicy: 'archive' }, 'cleanupPolicy');
  rejects({ messageTimestampType: 'WallClock' }, 'messageTimestampType');
  rejects({ preallocate: 'yes' }, 'preallocate');
  rejects({ segmentBytez: 1 }, 'segmentBytez');
  rejects({ indexIntervalBytes: '4096' }, 'indexIntervalBytes');
});

test.run();
