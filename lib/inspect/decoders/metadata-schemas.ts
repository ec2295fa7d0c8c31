/**
 * The KRaft metadata records of Kafka 3.x/4.0 (`__cluster_metadata`), by api key, and the control
 * messages of the metadata log (leader change, snapshot header and footer, kraft.version, voters),
 * by control type. Facts from Kafka's message specs (metadata/src/main/resources/common/metadata/*.json,
 * clients/src/main/resources/common/message/*.json); every one of them is flexible from version 0.
 * `type` is the name Kafka's MetadataRecordType prints (the message name in upper snake case).
 */
import { field, message, struct, type MessageSchema } from './message-schema.js';

interface MetadataRecordType {
  apiKey: number;
  type: string;
  schema: MessageSchema;
}

const endpointFields = [
  field('name string 0+'), field('host string 0+'), field('port uint16 0+'), field('securityProtocol int16 0+'),
];
const featureFields = [field('name string 0+'), field('minSupportedVersion int16 0+'), field('maxSupportedVersion int16 0+')];

function record(apiKey: number, type: string, name: string, versions: string, fields: Parameters<typeof message>[3]): MetadataRecordType {
  return { apiKey, type, schema: message(name, versions, '0+', fields) };
}

const RECORDS: readonly MetadataRecordType[] = [
  record(0, 'REGISTER_BROKER_RECORD', 'RegisterBrokerRecord', '0-3', [
    field('brokerId int32 0+'), field('isMigratingZkBroker bool 2+'), field('incarnationId uuid 0+'), field('brokerEpoch int64 0+'),
    struct('endPoints [] 0+', endpointFields), struct('features [] 0+', featureFields), field('rack string 0+ null0+'),
    field('fenced bool 0+'), field('inControlledShutdown bool 1+'), field('logDirs []uuid 3+ tag0'),
  ]),
  record(1, 'UNREGISTER_BROKER_RECORD', 'UnregisterBrokerRecord', '0', [field('brokerId int32 0+'), field('brokerEpoch int64 0+')]),
  record(2, 'TOPIC_RECORD', 'TopicRecord', '0', [field('name string 0+'), field('topicId uuid 0+')]),
  record(3, 'PARTITION_RECORD', 'PartitionRecord', '0-2', [
    field('partitionId int32 0+'), field('topicId uuid 0+'), field('replicas []int32 0+'), field('isr []int32 0+'),
    field('removingReplicas []int32 0+'), field('addingReplicas []int32 0+'), field('leader int32 0+'),
    field('leaderRecoveryState int8 0+ tag0'), field('leaderEpoch int32 0+'), field('partitionEpoch int32 0+'),
    field('directories []uuid 1+'), field('eligibleLeaderReplicas []int32 2+ null2+ tag1'), field('lastKnownElr []int32 2+ null2+ tag2'),
  ]),
  record(4, 'CONFIG_RECORD', 'ConfigRecord', '0', [
    field('resourceType int8 0+'), field('resourceName string 0+'), field('name string 0+'), field('value string 0+ null0+'),
  ]),
  record(5, 'PARTITION_CHANGE_RECORD', 'PartitionChangeRecord', '0-2', [
    field('partitionId int32 0+'), field('topicId uuid 0+'), field('isr []int32 0+ null0+ tag0'), field('leader int32 0+ tag1'),
    field('replicas []int32 0+ null0+ tag2'), field('removingReplicas []int32 0+ null0+ tag3'),
    field('addingReplicas []int32 0+ null0+ tag4'), field('leaderRecoveryState int8 0+ tag5'),
    field('directories []uuid 1+ null1+ tag8'), field('eligibleLeaderReplicas []int32 2+ null2+ tag6'),
    field('lastKnownElr []int32 2+ null2+ tag7'),
  ]),
  record(7, 'FENCE_BROKER_RECORD', 'FenceBrokerRecord', '0', [field('id int32 0+'), field('epoch int64 0+')]),
  record(8, 'UNFENCE_BROKER_RECORD', 'UnfenceBrokerRecord', '0', [field('id int32 0+'), field('epoch int64 0+')]),
  record(9, 'REMOVE_TOPIC_RECORD', 'RemoveTopicRecord', '0', [field('topicId uuid 0+')]),
  record(10, 'DELEGATION_TOKEN_RECORD', 'DelegationTokenRecord', '0', [
    field('owner string 0+'), field('requester string 0+'), field('renewers []string 0+'), field('issueTimestamp int64 0+'),
    field('maxTimestamp int64 0+'), field('expirationTimestamp int64 0+'), field('tokenId string 0+'),
  ]),
  record(11, 'USER_SCRAM_CREDENTIAL_RECORD', 'UserScramCredentialRecord', '0', [
    field('name string 0+'), field('mechanism int8 0+'), field('salt bytes 0+'), field('storedKey bytes 0+'),
    field('serverKey bytes 0+'), field('iterations int32 0+'),
  ]),
  record(12, 'FEATURE_LEVEL_RECORD', 'FeatureLevelRecord', '0', [field('name string 0+'), field('featureLevel int16 0+')]),
  record(14, 'CLIENT_QUOTA_RECORD', 'ClientQuotaRecord', '0', [
    struct('entity [] 0+', [field('entityType string 0+'), field('entityName string 0+ null0+')]),
    field('key string 0+'), field('value float64 0+'), field('remove bool 0+'),
  ]),
  record(15, 'PRODUCER_IDS_RECORD', 'ProducerIdsRecord', '0', [
    field('brokerId int32 0+'), field('brokerEpoch int64 0+'), field('nextProducerId int64 0+'),
  ]),
  record(17, 'BROKER_REGISTRATION_CHANGE_RECORD', 'BrokerRegistrationChangeRecord', '0-2', [
    field('brokerId int32 0+'), field('brokerEpoch int64 0+'), field('fenced int8 0+ tag0'),
    field('inControlledShutdown int8 1+ tag1'), field('logDirs []uuid 2+ tag2'),
  ]),
  record(18, 'ACCESS_CONTROL_ENTRY_RECORD', 'AccessControlEntryRecord', '0', [
    field('id uuid 0+'), field('resourceType int8 0+'), field('resourceName string 0+'), field('patternType int8 0+'),
    field('principal string 0+'), field('host string 0+'), field('operation int8 0+'), field('permissionType int8 0+'),
  ]),
  record(19, 'REMOVE_ACCESS_CONTROL_ENTRY_RECORD', 'RemoveAccessControlEntryRecord', '0', [field('id uuid 0+')]),
  record(20, 'NO_OP_RECORD', 'NoOpRecord', '0', []),
  record(21, 'ZK_MIGRATION_STATE_RECORD', 'ZkMigrationStateRecord', '0', [field('zkMigrationState int8 0+')]),
  record(22, 'REMOVE_USER_SCRAM_CREDENTIAL_RECORD', 'RemoveUserScramCredentialRecord', '0', [
    field('name string 0+'), field('mechanism int8 0+'),
  ]),
  record(23, 'BEGIN_TRANSACTION_RECORD', 'BeginTransactionRecord', '0', [field('name string 0+ null0+ tag0')]),
  record(24, 'END_TRANSACTION_RECORD', 'EndTransactionRecord', '0', []),
  record(25, 'ABORT_TRANSACTION_RECORD', 'AbortTransactionRecord', '0', [field('reason string 0+ null0+ tag0')]),
  record(26, 'REMOVE_DELEGATION_TOKEN_RECORD', 'RemoveDelegationTokenRecord', '0', [field('tokenId string 0+')]),
  record(27, 'REGISTER_CONTROLLER_RECORD', 'RegisterControllerRecord', '0', [
    field('controllerId int32 0+'), field('incarnationId uuid 0+'), field('zkMigrationReady bool 0+'),
    struct('endPoints [] 0+', endpointFields), struct('features [] 0+', featureFields),
  ]),
];

const BY_API_KEY: ReadonlyMap<number, MetadataRecordType> = new Map(RECORDS.map((r) => [r.apiKey, r]));

export function metadataRecordType(apiKey: number): MetadataRecordType | null {
  return BY_API_KEY.get(apiKey) ?? null;
}

export const METADATA_RECORD_TYPES: readonly MetadataRecordType[] = RECORDS;

interface ControlMessageType {
  controlTypeId: number;
  /** The word kafka-dump-log prints before the message's JSON. */
  label: string;
  type: string;
  schema: MessageSchema;
  /** The version Kafka reads the value with (ControlRecordUtils' *_CURRENT_VERSION). */
  readVersion: number;
}

const voterFields = [field('voterId int32 0+'), field('voterDirectoryId uuid 1+')];

const CONTROL_MESSAGES: readonly ControlMessageType[] = [
  { controlTypeId: 2, label: 'LeaderChange', type: 'LEADER_CHANGE', readVersion: 0, schema: message('LeaderChangeMessage', '0-1', '0+', [
    field('version int16 0+'), field('leaderId int32 0+'), struct('voters [] 0+', voterFields), struct('grantingVoters [] 0+', voterFields),
  ]) },
  { controlTypeId: 3, label: 'SnapshotHeader', type: 'SNAPSHOT_HEADER', readVersion: 0, schema: message('SnapshotHeaderRecord', '0', '0+', [
    field('version int16 0+'), field('lastContainedLogTimestamp int64 0+'),
  ]) },
  { controlTypeId: 4, label: 'SnapshotFooter', type: 'SNAPSHOT_FOOTER', readVersion: 0, schema: message('SnapshotFooterRecord', '0', '0+', [
    field('version int16 0+'),
  ]) },
  { controlTypeId: 5, label: 'KRaftVersion', type: 'KRAFT_VERSION', readVersion: 0, schema: message('KRaftVersionRecord', '0', '0+', [
    field('version int16 0+'), field('kRaftVersion int16 0+'),
  ]) },
  { controlTypeId: 6, label: 'KRaftVoters', type: 'KRAFT_VOTERS', readVersion: 0, schema: message('VotersRecord', '0', '0+', [
    field('version int16 0+'),
    struct('voters [] 0+', [
      field('voterId int32 0+'), field('voterDirectoryId uuid 0+'),
      struct('endpoints [] 0+', [field('name string 0+'), field('host string 0+'), field('port uint16 0+')]),
      struct('kRaftVersionFeature {} 0+', [field('minSupportedVersion int16 0+'), field('maxSupportedVersion int16 0+')]),
    ]),
  ]) },
];

export function controlMessageType(controlTypeId: number): ControlMessageType | null {
  return CONTROL_MESSAGES.find((c) => c.controlTypeId === controlTypeId) ?? null;
}
