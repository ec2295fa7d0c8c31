/**
 * What the wire server needs of a broker (ServedBroker) and what one server shares among its
 * connections and handlers (ServerContext). The Broker class satisfies ServedBroker, and the server
 * depends on this interface only: broker.ts imports server.ts to listen, server.ts never imports
 * broker.ts, so the two have no import cycle and a server can be tested against any implementation.
 */
import type { EventEmitter } from 'node:events';
import type { FetchOptions, FetchPartitionRequest, FetchPartitionResult, OffsetCommit, ProduceOptions, ProduceResult,
  TopicDescription } from './broker-types.js';
import type { BrokerEvents } from './broker-events.js';
import type { GroupCoordinator, GroupDescription, GroupState } from './group-coordinator.js';
import type { CommittedOffset } from './offset-store.js';
import type { RequestMemoryPool } from './request-memory-pool.js';
import type { IsolationLevel, LogConfig } from '../index.js';
import type { TransactionCoordinator } from './transaction-coordinator.js';

export interface ServedBroker extends Pick<EventEmitter<BrokerEvents>, 'emit'> {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly partitionsMax: number;
  readonly groups: GroupCoordinator;
  listTopics(): TopicDescription[];
  hasTopic(name: string): boolean;
  describe(name: string): TopicDescription;
  offlinePartitionsOf(topic: string): number[];
  createTopic(name: string, spec: { partitions: number; config?: Partial<LogConfig> }): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  initProducerId(): { producerId: number; producerEpoch: number };
  produce(topic: string, partition: number | null, input: Uint8Array, options?: ProduceOptions): Promise<ProduceResult>;
  fetch(requests: readonly FetchPartitionRequest[], options?: FetchOptions): Promise<FetchPartitionResult[]>;
  listOffsets(topic: string, partition: number, timestampMs: number, isolation?: IsolationLevel): { offset: number; timestampMs: number };
  readonly transactions: TransactionCoordinator;
  initTransactionalProducer(transactionalId: string, timeoutMs: number): Promise<{ errorCode: number; producerId: number;
    producerEpoch: number }>;
  /** TxnOffsetCommit after the coordinator's check: the offsets wait for the transaction's marker. */
  commitOffsetsInTransaction(groupId: string, offsets: readonly OffsetCommit[], producerId: number, producerEpoch: number): void;
  commitOffsets(groupId: string, offsets: readonly OffsetCommit[]): void;
  committedOffset(groupId: string, topic: string, partition: number): CommittedOffset | null;
  committedOffsets(groupId: string): { topic: string; partition: number; committed: CommittedOffset }[];
  listGroups(): { groupId: string; protocolType: string; state: GroupState }[];
  describeGroup(groupId: string): GroupDescription | null;
  deleteGroup(groupId: string): number;
  deleteGroupOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[]):
    { errorCode: number; partitions: { topic: string; partition: number; errorCode: number }[] };
  topicConfig(name: string): { overrides: Partial<LogConfig>; effective: LogConfig };
  alterTopicConfig(name: string, overrides: Partial<LogConfig>, options?: { validateOnly?: boolean }): TopicDescription;
  createPartitions(name: string, count: number, options?: { validateOnly?: boolean }): Promise<TopicDescription>;
  deleteRecords(topic: string, partition: number, beforeOffset: number): number;
  /** One answered request: its API key and how long the answer took (metrics). */
  observeRequest(apiKey: number, seconds: number): void;
  /** Registers a server so the broker's close() stops it first; returns the unregister function. */
  trackServer(server: { close(): Promise<void> }): () => void;
}

/** One listening server's shared state. */
export interface ServerContext {
  broker: ServedBroker;
  memory: RequestMemoryPool;
  /** Open connections (each removes itself when it closes). */
  connections: Set<{ readonly bufferedBytes: number }>;
  /** Advertised host and port (Metadata, FindCoordinator). */
  host: string;
  port: number;
  autoCreateTopics: boolean;
  defaultPartitions: number;
}
