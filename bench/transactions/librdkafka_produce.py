"""librdkafka (python3-confluent-kafka) produce rate to seglog serve: idempotent, then transactional.

librdkafka_produce.py <bootstrap> <topic> <messages> <per-transaction>
Prints one JSON line: messages per second for each mode (1 KiB values, delivery waited for).
"""
import json
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, messages, per_txn = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
value = b'x' * 1024


def produce(p, i):
    """One message; a full local queue waits for deliveries instead of failing."""
    while True:
        try:
            p.produce(topic, key=b'k%d' % (i % 100), value=value)
            return
        except BufferError:
            p.poll(0.01)


def idempotent():
    p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'linger.ms': 5})
    # Warm-up: the client's first metadata fetch for a topic waits on its own timer (about half a second).
    p.produce(topic, value=value)
    p.flush(30)
    start = time.perf_counter()
    for i in range(messages):
        produce(p, i)
    p.flush(60)
    return messages / (time.perf_counter() - start)


def transactional():
    p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'bench-txn', 'linger.ms': 5})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(topic, value=value)
    p.commit_transaction(30)
    start = time.perf_counter()
    sent = 0
    while sent < messages:
        p.begin_transaction()
        for _ in range(min(per_txn, messages - sent)):
            produce(p, sent)
            sent += 1
        p.commit_transaction(60)
    return messages / (time.perf_counter() - start)


idem = idempotent()
txn = transactional()
print(json.dumps({'idempotentPerSec': round(idem), 'transactionalPerSec': round(txn)}))
