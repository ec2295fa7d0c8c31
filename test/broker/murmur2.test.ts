import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { murmur2, partitionForKey, toPositive } from '../../lib/broker/murmur2.js';
import { seededRandom, seedFromEnv } from '../helpers/tmp.js';

// Values from Kafka's UtilsTest.testMurmur2 (Java's Utils.murmur2 over the UTF-8 bytes).
const KAFKA_VECTORS: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

test('murmur2 matches Kafka’s published vectors', () => {
  for (const [text, expected] of KAFKA_VECTORS) assert.is(murmur2(Buffer.from(text, 'utf8')), expected, text);
});

test('toPositive clears the sign bit (MIN_VALUE → 0)', () => {
  assert.is(toPositive(-2147483648), 0);
  assert.is(toPositive(-1), 2147483647);
  assert.is(toPositive(5), 5);
});

test('partitionForKey agrees with kafkajs’s Java-compatible partitioner on random keys', () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  for (let i = 0; i < 2000; i++) {
    const key = Buffer.alloc(Math.floor(random() * 40));
    for (let j = 0; j < key.length; j++) key[j] = Math.floor(random() * 256);
    const partitions = 1 + Math.floor(random() * 50);
    const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 0, partitionErrorCode: 0,
        replicas: [0], isr: [0] }));
    const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
    assert.is(partitionForKey(key, partitions), expected, `seed ${seed}, key ${key.toString('hex')}, ${partitions} partitions`);
  }
});

test.run();
