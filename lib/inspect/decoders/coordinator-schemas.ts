/**
 * The key and value schemas of the group and transaction coordinators' internal topics, with every
 * version Kafka has written (facts from Kafka's group-coordinator, transaction-coordinator and
 * clients message specs):
 *
 *   __consumer_offsets   key = int16 keyVersion | message;  keyVersion 0,1 → OffsetCommitKey,
 *                        2 → GroupMetadataKey, 3-8 → the consumer group protocol's records (KIP-848),
 *                        9-15 → share groups' (KIP-932), 16 → a consumer group's regular expression
 *                        value = int16 version | OffsetCommitValue v0-4 / GroupMetadataValue v0-4 /
 *                        the record type's value v0 (flexible: later additions are tagged fields)
 *   __transaction_state  key = int16 0 | TransactionLogKey;  value = int16 version | TransactionLogValue v0-1
 *   consumer protocol    a member's subscription / assignment bytes = int16 version | message v0-3
 */
import { field, message, struct, type FieldSchema, type MessageSchema } from './message-schema.js';

export const OFFSET_COMMIT_KEY = message('OffsetCommitKey', '0-1', 'none', [
  field('group string 0-1'), field('topic string 0-1'), field('partition int32 0-1'),
]);

export const OFFSET_COMMIT_VALUE = message('OffsetCommitValue', '0-4', '4+', [
  field('offset int64 0+'), field('leaderEpoch int32 3+'), field('metadata string 0+'), field('commitTimestamp int64 0+'),
  field('expireTimestamp int64 1'),
]);

export const GROUP_METADATA_KEY = message('GroupMetadataKey', '2', 'none', [field('group string 2')]);

export const GROUP_METADATA_VALUE = message('GroupMetadataValue', '0-4', '4+', [
  field('protocolType string 0+'), field('generation int32 0+'), field('protocol string 0+ null0+'), field('leader string 0+ null0+'),
  field('currentStateTimestamp int64 2+'),
  struct('members [] 0+', [
    field('memberId string 0+'), field('groupInstanceId string 3+ null3+'), field('clientId string 0+'), field('clientHost string 0+'),
    field('rebalanceTimeout int32 1+'), field('sessionTimeout int32 0+'), field('subscription bytes 0+'), field('assignment bytes 0+'),
  ]),
]);

const topicPartitions = [field('topic string 0+'), field('partitions []int32 0+')];

export const CONSUMER_PROTOCOL_SUBSCRIPTION = message('ConsumerProtocolSubscription', '0-3', 'none', [
  field('topics []string 0+'), field('userData bytes 0+ null0+'), struct('ownedPartitions [] 1+', topicPartitions),
  field('generationId int32 2+'), field('rackId string 3+ null3+'),
]);

export const CONSUMER_PROTOCOL_ASSIGNMENT = message('ConsumerProtocolAssignment', '0-3', 'none', [
  struct('assignedPartitions [] 0+', topicPartitions), field('userData bytes 0+ null0+'),
]);

/** A record type of the newer group protocols: its key version, name as Kafka prints it, and schemas. */
interface GroupRecordType {
  keyVersion: number;
  type: string;
  key: MessageSchema;
  value: MessageSchema;
}

function groupRecord(keyVersion: number, type: string, name: string, keyFields: string, valueFields: FieldSchema[]): GroupRecordType {
  const versions = String(keyVersion);
  const key = message(`${name}Key`, versions, 'none', keyFields.split(',').map((f) => field(`${f} string ${versions}`)));
  return { keyVersion, type, key, value: message(`${name}Value`, '0', '0+', valueFields) };
}

const topicIdPartitions = [field('topicId uuid 0+'), field('partitions []int32 0+')];
const topicMetadata = [
  field('topicId uuid 0+'), field('topicName string 0+'), field('numPartitions int32 0+'),
  struct('partitionMetadata [] 0+', [field('partition int32 0+'), field('racks []string 0+')]),
];

/** Key versions 3 and up of `__consumer_offsets`: consumer groups (KIP-848) and share groups (KIP-932). */
export const GROUP_RECORD_TYPES: readonly GroupRecordType[] = [
  groupRecord(3, 'CONSUMER_GROUP_METADATA', 'ConsumerGroupMetadata', 'groupId', [
    field('epoch int32 0+'), field('metadataHash int64 0+ tag0'), field('creationTimeMs int64 0+ tag1'),
  ]),
  groupRecord(4, 'CONSUMER_GROUP_PARTITION_METADATA', 'ConsumerGroupPartitionMetadata', 'groupId', [
    struct('topics [] 0+', topicMetadata),
  ]),
  groupRecord(5, 'CONSUMER_GROUP_MEMBER_METADATA', 'ConsumerGroupMemberMetadata', 'groupId,memberId', [
    field('instanceId string 0+ null0+'), field('rackId string 0+ null0+'), field('clientId string 0+'), field('clientHost string 0+'),
    field('subscribedTopicNames []string 0+'), field('subscribedTopicRegex string 0+ null0+'), field('rebalanceTimeoutMs int32 0+'),
    field('serverAssignor string 0+ null0+'),
    struct('classicMemberMetadata {} 0+ null0+ tag0', [
      field('sessionTimeoutMs int32 0+'), struct('supportedProtocols [] 0+', [field('name string 0+'), field('metadata bytes 0+')]),
    ]),
  ]),
  groupRecord(6, 'CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA', 'ConsumerGroupTargetAssignmentMetadata', 'groupId', [
    field('assignmentEpoch int32 0+'),
  ]),
  groupRecord(7, 'CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER', 'ConsumerGroupTargetAssignmentMember', 'groupId,memberId', [
    struct('topicPartitions [] 0+', topicIdPartitions),
  ]),
  groupRecord(8, 'CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT', 'ConsumerGroupCurrentMemberAssignment', 'groupId,memberId', [
    field('memberEpoch int32 0+'), field('previousMemberEpoch int32 0+'), field('state int8 0+'),
    struct('assignedPartitions [] 0+', topicIdPartitions), struct('partitionsPendingRevocation [] 0+', topicIdPartitions),
  ]),
  groupRecord(9, 'SHARE_GROUP_PARTITION_METADATA', 'ShareGroupPartitionMetadata', 'groupId', [struct('topics [] 0+', topicMetadata)]),
  groupRecord(10, 'SHARE_GROUP_MEMBER_METADATA', 'ShareGroupMemberMetadata', 'groupId,memberId', [
    field('rackId string 0+ null0+'), field('clientId string 0+'), field('clientHost string 0+'), field('subscribedTopicNames []string 0+'),
  ]),
  groupRecord(11, 'SHARE_GROUP_METADATA', 'ShareGroupMetadata', 'groupId', [field('epoch int32 0+'), field('metadataHash int64 0+ tag0')]),
  groupRecord(12, 'SHARE_GROUP_TARGET_ASSIGNMENT_METADATA', 'ShareGroupTargetAssignmentMetadata', 'groupId', [
    field('assignmentEpoch int32 0+'),
  ]),
  groupRecord(13, 'SHARE_GROUP_TARGET_ASSIGNMENT_MEMBER', 'ShareGroupTargetAssignmentMember', 'groupId,memberId', [
    struct('topicPartitions [] 0+', topicIdPartitions),
  ]),
  groupRecord(14, 'SHARE_GROUP_CURRENT_MEMBER_ASSIGNMENT', 'ShareGroupCurrentMemberAssignment', 'groupId,memberId', [
    field('memberEpoch int32 0+'), field('previousMemberEpoch int32 0+'), field('state int8 0+'),
    struct('assignedPartitions [] 0+', topicIdPartitions),
  ]),
  groupRecord(15, 'SHARE_GROUP_STATE_PARTITION_METADATA', 'ShareGroupStatePartitionMetadata', 'groupId', [
    struct('initializedTopics [] 0+', [field('topicId uuid 0+'), field('topicName string 0+'), field('partitions []int32 0+')]),
    struct('deletingTopics [] 0+', [field('topicId uuid 0+'), field('topicName string 0+')]),
  ]),
  groupRecord(16, 'CONSUMER_GROUP_REGULAR_EXPRESSION', 'ConsumerGroupRegularExpression', 'groupId,regularExpression', [
    field('topics []string 0+'), field('version int64 0+'), field('timestamp int64 0+'),
  ]),
];

export const TRANSACTION_LOG_KEY = message('TransactionLogKey', '0', 'none', [field('transactionalId string 0')]);

export const TRANSACTION_LOG_VALUE = message('TransactionLogValue', '0-1', '1+', [
  field('producerId int64 0+'), field('previousProducerId int64 1+ tag0'), field('nextProducerId int64 1+ tag1'),
  field('producerEpoch int16 0+'), field('transactionTimeoutMs int32 0+'), field('transactionStatus int8 0+'),
  struct('transactionPartitions [] 0+ null0+', [field('topic string 0+'), field('partitionIds []int32 0+')]),
  field('transactionLastUpdateTimestampMs int64 0+'), field('transactionStartTimestampMs int64 0+'),
  field('clientTransactionVersion int16 1+ tag2'),
]);

/** TransactionState names by id, as Kafka prints them. */
export const TRANSACTION_STATES: readonly string[] = [
  'Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence',
];
