"""librdkafka's transactional producer (python3-confluent-kafka) against seglog serve.

transactions_confluent.py <bootstrap> <in-topic> <out-topic> <group>

1. Produces 30 records to <in-topic> in three transactions: the second aborts.
2. Consume-transform-produce: a read_committed consumer in <group> reads <in-topic>; each batch of
   records is copied to <out-topic> and the consumer's positions are committed in the same
   transaction (send_offsets_to_transaction). After 10 records the first worker aborts its
   transaction and closes without committing; a second worker takes over from the committed offsets.
3. Prints one JSON line: what read_committed and read_uncommitted consumers of <in-topic> saw, what
   <out-topic> holds, and the group's committed offsets.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, in_topic, out_topic, group = sys.argv[1:5]


def producer(txn_id):
    p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id, 'transaction.timeout.ms': 20000,
                  'linger.ms': 5})
    p.init_transactions(20)
    return p


def consumer(group_id, isolation):
    return Consumer({'bootstrap.servers': bootstrap, 'group.id': group_id, 'isolation.level': isolation,
                     'auto.offset.reset': 'earliest', 'enable.auto.commit': False, 'session.timeout.ms': 6000})


def drain(c, expected, seconds=20):
    out = []
    end = time.time() + seconds
    while time.time() < end and len(out) < expected:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        out.append(m)
    return out


p = producer('cf-in')
for round_number, commit in enumerate([True, False, True]):
    p.begin_transaction()
    for i in range(10):
        p.produce(in_topic, key=b'k%d' % i, value=b'r%d-%d' % (round_number, i))
    if commit:
        p.commit_transaction(20)
    else:
        p.flush(20)
        p.abort_transaction(20)

# Consume-transform-produce, with a worker that aborts half way through.
worker = producer('cf-ctp')
c = consumer(group, 'read_committed')
c.subscribe([in_topic])
first = drain(c, 10)
worker.begin_transaction()
for m in first:
    worker.produce(out_topic, key=m.key(), value=b'copy-' + m.value())
worker.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 20)
worker.flush(20)  # sent, so the abort has data to abort (unsent messages would just be purged)
worker.abort_transaction(20)
c.close()

worker = producer('cf-ctp')
c = consumer(group, 'read_committed')
c.subscribe([in_topic])
copied = 0
while copied < 20:
    batch = drain(c, 20 - copied, 10)
    if not batch:
        break
    worker.begin_transaction()
    for m in batch:
        worker.produce(out_topic, key=m.key(), value=b'copy-' + m.value())
    worker.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 20)
    worker.commit_transaction(20)
    copied += len(batch)
committed = c.committed(c.assignment(), 10)
c.close()


def values(topic, isolation, expected):
    reader = consumer('reader-%s-%s-%f' % (topic, isolation, time.time()), isolation)
    reader.subscribe([topic])
    got = sorted(m.value().decode() for m in drain(reader, expected, 10))
    reader.close()
    return got


print(json.dumps({
    'committed': values(in_topic, 'read_committed', 20),
    'uncommitted': values(in_topic, 'read_uncommitted', 30),
    'out': values(out_topic, 'read_committed', 30),
    'outUncommitted': values(out_topic, 'read_uncommitted', 40),
    'offsets': sorted([[tp.partition, tp.offset] for tp in committed]),
}))
