"""librdkafka (confluent-kafka) consumers with partition.assignment.strategy=cooperative-sticky against a
running seglog serve: member a consumes alone, member b joins (a gives up only some partitions), b leaves
(a gets them back, incrementally), until every record is read. Prints one JSON object with the rebalance
events for the test to check. Usage: cooperative_confluent.py host:port topic group count"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, 4, 1)])[topic].result()
producer = Producer({'bootstrap.servers': bootstrap})
for i in range(count):
    producer.produce(topic, key=str(i), value='v%d' % i)
producer.flush(10)

events = []
seen = {}
reads = 0


def config(name):
    return {'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
            'enable.auto.commit': True, 'auto.commit.interval.ms': 500, 'client.id': name,
            'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': 6000,
            'heartbeat.interval.ms': 500}


def callbacks(name):
    def on_assign(_consumer, partitions):
        events.append([name, 'assign', sorted(tp.partition for tp in partitions)])

    def on_revoke(_consumer, partitions):
        events.append([name, 'revoke', sorted(tp.partition for tp in partitions)])
    return {'on_assign': on_assign, 'on_revoke': on_revoke}


def poll(consumer, name, until):
    global reads
    while time.time() < until and len(seen) < count:
        message = consumer.poll(0.1)
        if message is None or message.error():
            continue
        reads += 1
        seen.setdefault(message.value().decode(), name)
        time.sleep(0.002)  # a slow consumer: the second member joins while there is work left


def read_by(name):
    return sum(1 for v in seen.values() if v == name)


a = Consumer(config('a'))
a.subscribe([topic], **callbacks('a'))
deadline = time.time() + 30
while time.time() < deadline and len(seen) < count // 4:
    poll(a, 'a', time.time() + 0.2)
b = Consumer(config('b'))
b.subscribe([topic], **callbacks('b'))
deadline = time.time() + 30
while time.time() < deadline and read_by('b') < 10 and len(seen) < count:
    poll(a, 'a', time.time() + 0.2)
    poll(b, 'b', time.time() + 0.2)
b.close()
deadline = time.time() + 30
while time.time() < deadline and len(seen) < count:
    poll(a, 'a', time.time() + 0.2)
a.close()
print(json.dumps({'consumed': len(seen), 'reads': reads, 'byA': read_by('a'), 'byB': read_by('b'), 'events': events}))
