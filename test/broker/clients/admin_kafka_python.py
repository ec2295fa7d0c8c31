"""kafka-python's KafkaAdminClient against a running seglog serve: creates a topic, adds a partition,
produces, consumes in a group and commits, then lists and describes groups, configs and offsets.
Prints one JSON object for the test to check. Usage: admin_kafka_python.py host:port"""
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

bootstrap = sys.argv[1]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id='kp-admin')
admin.create_topics([NewTopic('kp', 3, 1, topic_configs={'retention.ms': '3600000'})])
admin.create_partitions({'kp': NewPartitions(4)})
producer = KafkaProducer(bootstrap_servers=bootstrap)
for i in range(40):
    producer.send('kp', key=str(i).encode(), value=b'v%d' % i)
producer.flush()
consumer = KafkaConsumer('kp', bootstrap_servers=bootstrap, group_id='kp-group', auto_offset_reset='earliest',
                         enable_auto_commit=False, consumer_timeout_ms=10000)
consumed = 0
for _ in consumer:
    consumed += 1
    if consumed == 40:
        break
consumer.commit()
out = {'consumed': consumed}
configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp')])
out['configs'] = {entry[0]: entry[1] for entry in configs[0].resources[0][4]}
out['groups'] = admin.list_consumer_groups()
out['describe'] = [{'group': d.group, 'state': d.state, 'protocol': d.protocol,
                    'members': [m.member_id for m in d.members]} for d in admin.describe_consumer_groups(['kp-group'])]
offsets = admin.list_consumer_group_offsets('kp-group')
out['offsets'] = sorted([[tp.topic, tp.partition, meta.offset] for tp, meta in offsets.items()])
consumer.close()
admin.close()
print(json.dumps(out))
