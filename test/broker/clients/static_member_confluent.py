"""librdkafka (confluent-kafka) static members (group.instance.id) against a running seglog serve: two
members share a topic; one is closed (a static member does not leave) and restarted with the same
instance id within its session timeout. Prints one JSON object: the assignments before and after and
the group generations seen, for the test to check. Usage: static_member_confluent.py host:port topic group"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, 4, 1)])[topic].result()
producer = Producer({'bootstrap.servers': bootstrap})
for i in range(40):
    producer.produce(topic, key=str(i), value='v%d' % i)
producer.flush(10)
assignments = {}


def member(instance):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'group.instance.id': instance,
                         'client.id': instance, 'session.timeout.ms': 10000, 'heartbeat.interval.ms': 500,
                         'auto.offset.reset': 'earliest'})

    def on_assign(_consumer, partitions):
        assignments.setdefault(instance, []).append(sorted(tp.partition for tp in partitions))
    consumer.subscribe([topic], on_assign=on_assign)
    return consumer


def poll_until(consumers, check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline and not check():
        for consumer in consumers:
            consumer.poll(0.1)


a = member('static-a')
b = member('static-b')
poll_until([a, b], lambda: len(assignments.get('static-a', [[]])[-1]) + len(assignments.get('static-b', [[]])[-1]) == 4
           and len(assignments.get('static-b', [])) > 0 and len(assignments['static-b'][-1]) > 0, 30)
before = {k: v[-1] for k, v in assignments.items()}
a.close()
time.sleep(1)
a = member('static-a')
poll_until([a, b], lambda: len(assignments['static-a']) >= 2, 30)
poll_until([a, b], lambda: False, 2)
after = {k: v[-1] for k, v in assignments.items()}
print(json.dumps({'before': before, 'after': after, 'history': assignments}))
a.close()
b.close()
