/**
 * `seglog/broker`: the in-process Broker facade over seglog Logs and its Kafka wire-protocol server.
 * Everything here is built on the public surface (lib/index.ts) only.
 */
export { Broker } from './broker.js';
export { kafkaConfigName, logConfigKey, parseTopicConfigs } from './topic-config.js';
export { META_PROPERTIES, TOPICS_FILE } from './data-directory.js';
export type {
  Acks,
  BrokerOptions,
  FetchOptions,
  FetchPartitionRequest,
  FetchPartitionResult,
  OffsetCommit,
  OffsetReplayReport,
  OpenReport,
  PartitionStats,
  ProduceOptions,
  ProduceResult,
  TopicDescription,
} from './broker-types.js';
export type { BackgroundErrorEvent, BackgroundTask, BrokerEvents, CloseFailure, CloseReport, TopicCreatedEvent,
  UnsupportedRequestEvent } from './broker-events.js';
export { BROKER_EVENT_NAMES } from './broker-events.js';
export { ADOPTED_TOPIC_CONFIG, KAFKA_METADATA_TOPIC, planDataDirectory } from './data-directory.js';
export type { DataDirectoryPlan, SkippedEntry, TopicPlan } from './data-directory.js';
export { startServer } from './server.js';
export type { BrokerServer, ListenOptions } from './server.js';
export { GroupCoordinator } from './group-coordinator.js';
export type { GroupCoordinatorOptions, GroupDescription, GroupState } from './group-coordinator.js';
export { murmur2, toPositive, partitionForKey } from './murmur2.js';
export { topicNameProblem, validateTopicName, isInternalTopic, TOPIC_NAME_LENGTH_MAX } from './topic-name.js';
export { offlineError } from './partition-offline.js';
export type { OfflinePartition, RecoveryEvent } from './partition-offline.js';
export { OFFSETS_TOPIC } from './offset-store.js';
export { TransactionCoordinator, TRANSACTION_STATE_TOPIC, TRANSACTION_TIMEOUT_MAX_MS } from './transaction-coordinator.js';
export type { TransactionDescription, TransactionHost } from './transaction-coordinator.js';
export { TXN_STATES, decodeTransactionKey, decodeTransactionValue, encodeTransactionKey,
  encodeTransactionValue, visitTransactionLogBatch } from './transaction-log-record.js';
export type { StoredTransaction, TxnState } from './transaction-log-record.js';
export { ApiKey, SUPPORTED_APIS } from './protocol/api-keys.js';
export { ErrorCode } from './protocol/error-codes.js';
export { Reader, Writer, ProtocolError } from './protocol/wire.js';
export { readOfflineDirectory, readSegmentHeaders } from './offline-view.js';
export type { OfflineDirectoryView, OfflineGroupView, OfflinePartitionView, OfflineTopicView, SegmentHeaders } from './offline-view.js';
export type { GroupMemberDescription } from './group-coordinator.js';
export type { StoredGroup, StoredMember } from './group-metadata-record.js';
export { MaintenanceHistory } from './maintenance-history.js';
export type { LastClean, LastRetention, MaintenanceTotals } from './maintenance-history.js';
export type { BrokerMetrics, PartitionFigures, RequestTotals } from './broker-metrics.js';
