/**
 * The key and value schemas of the group and transaction coordinators' internal topics, with every
 * version Kafka has written (facts from Kafka's group-coordinator, transaction-coordinator and
 * clients message specs):
 *
 *   __consumer_offsets   key = int16 keyVersion | message;  keyVersion 0,1 → OffsetCommitKey,
 *                        2 → GroupMetadataKey (3+ are the newer group protocols' records)
 *                        value = int16 version | OffsetCommitValue v0-4 / GroupMetadataValue v0-4
 *   __transaction_state  key = int16 0 | TransactionLogKey;  value = int16 version | TransactionLogValue v0-1
 *   consumer protocol    a member's subscription / assignment bytes = int16 version | message v0-3
 */
import { field, message, struct } from './message-schema.js';

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
