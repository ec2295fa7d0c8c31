/**
 * The Kafka wire-protocol server: node:net TCP, size-prefixed frames (int32 size, then the request),
 * one request at a time per connection so responses leave in request order (Kafka "mutes" a channel
 * the same way), any number of connections served concurrently — a long-poll fetch or a parked
 * JoinGroup on one connection never delays another.
 *
 * Robustness rules: a frame whose size is negative, below a request header, above `requestBytesMax`
 * or above its API's own limit (only Produce carries bulk data; see requestBytesMaxFor) closes the
 * connection from its first eight bytes, before its body is buffered. A frame's bytes are reserved in a
 * broker-wide RequestMemoryPool (Kafka's queued.max.request.bytes) before they are read; while it is
 * spent, connections stop reading their sockets and wait their turn. An unparsable request, an
 * unknown API key or an unsupported version (other than ApiVersions, which is answered with
 * UNSUPPORTED_VERSION and the supported list) closes the connection; a failure inside one handler
 * becomes a Kafka error code when the API has a place for one, else a closed connection — never a
 * crash. Idle connections are closed after `idleTimeoutMs` (Kafka's connections.max.idle.ms).
 *
 * No authentication, no TLS: binds 127.0.0.1 unless told otherwise, and must not be exposed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { InvalidArgumentError, InvalidConfigError, RequestRefusedError, type FileRegion } from '../index.js';
import { QUEUED_REQUEST_BYTES_MAX_DEFAULT, REQUEST_BYTES_MAX_DEFAULT } from '../limits.js';
import { RequestMemoryPool } from './request-memory-pool.js';
import { ApiKey, REQUEST_HEADER_MIN_BYTES, SUPPORTED_APIS, isFlexible, isSupported, readRequestHeader, requestBytesMaxFor,
    type RequestHeader } from './protocol/api-keys.js';
import { ErrorCode, errorCodeFor } from './protocol/error-codes.js';
import { ProtocolError, Reader, Writer, type ResponseChunk } from './protocol/wire.js';
import { decodeApiVersionsRequest, encodeApiVersionsResponse } from './api/api-versions.js';
import { decodeMetadataRequest, encodeMetadataResponse, type MetadataTopic } from './api/metadata.js';
import { decodeProduceRequest, encodeProduceResponse, type ProduceTopicResponse } from './api/produce.js';
import { decodeFetchRequest, encodeFetchResponse, type FetchTopicResponse } from './api/fetch.js';
import { decodeListOffsetsRequest, encodeListOffsetsResponse, type ListOffsetsTopicResponse } from './api/list-offsets.js';
import {
  decodeCreateTopicsRequest,
  decodeDeleteTopicsRequest,
  decodeInitProducerIdRequest,
  encodeCreateTopicsResponse,
  encodeDeleteTopicsResponse,
  encodeInitProducerIdResponse,
  type TopicResult,
} from './api/admin.js';
import {
  decodeFindCoordinatorRequest,
  decodeHeartbeatRequest,
  decodeJoinGroupRequest,
  decodeLeaveGroupRequest,
  decodeSyncGroupRequest,
  encodeErrorOnlyResponse,
  encodeFindCoordinatorResponse,
  encodeJoinGroupResponse,
  encodeSyncGroupResponse,
} from './api/group.js';
import { decodeOffsetCommitRequest, decodeOffsetFetchRequest, encodeOffsetCommitResponse, encodeOffsetFetchResponse,
    type OffsetFetchPartition, type PartitionError } from './api/offsets.js';
import type { Broker } from './broker.js';
import { parseWireTopicConfigs, withKafkaConfigNames } from './topic-config.js';
import { topicNameProblem } from './topic-name.js';

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9092; 0 picks a free port. */
  port?: number;
  /** The host clients are told to connect to (Metadata, FindCoordinator); default: the bound host. */
  advertisedHost?: string;
  /** The port clients are told to connect to (behind a proxy or port forward); default: the bound port. */
  advertisedPort?: number;
  /** Largest request frame accepted (default REQUEST_BYTES_MAX_DEFAULT). */
  requestBytesMax?: number;
  /** Request bytes buffered at once over all connections (Kafka's queued.max.request.bytes; default QUEUED_REQUEST_BYTES_MAX_DEFAULT). */
  queuedRequestBytesMax?: number;
  /** Metadata for a missing topic creates it (Kafka's auto.create.topics.enable). Default false. */
  autoCreateTopics?: boolean;
  /** Partitions of an auto-created topic or of CreateTopics with numPartitions -1. Default 1. */
  defaultPartitions?: number;
  /** Close connections idle this long (default 600000, Kafka's connections.max.idle.ms). */
  idleTimeoutMs?: number;
}

export interface BrokerServer {
  readonly host: string;
  readonly port: number;
  readonly connectionCount: number;
  /** Bytes reserved in the request memory pool now, and request bytes actually buffered. */
  readonly requestMemory: { reservedBytes: number; bufferedBytes: number; capacityBytes: number; waitingConnections: number };
  close(): Promise<void>;
}

interface ServerContext {
  broker: Broker;
  memory: RequestMemoryPool;
  connections: Set<Connection>;
  host: string;
  port: number;
  autoCreateTopics: boolean;
  defaultPartitions: number;
}

/** Frames a request may have queued unanswered on one connection before we stop reading it. */
const QUEUED_FRAMES_MAX = 64;

export async function startServer(broker: Broker, options: ListenOptions = {}): Promise<BrokerServer> {
  const host = options.host ?? '127.0.0.1';
  const requestBytesMax = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
  if (!Number.isSafeInteger(requestBytesMax) || requestBytesMax < REQUEST_HEADER_MIN_BYTES) {
    throw new InvalidConfigError(`requestBytesMax must be an integer ≥ ${REQUEST_HEADER_MIN_BYTES}, got ${requestBytesMax}`);
  }
  const advertisedPort = options.advertisedPort;
  if (advertisedPort !== undefined && (!Number.isSafeInteger(advertisedPort) || advertisedPort < 1 || advertisedPort > 65_535)) {
    throw new InvalidConfigError(`advertisedPort must be an integer in [1, 65535], got ${advertisedPort}`);
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
  const sockets = new Set<Socket>();
  const queuedRequestBytesMax = options.queuedRequestBytesMax ?? QUEUED_REQUEST_BYTES_MAX_DEFAULT;
  if (!Number.isSafeInteger(queuedRequestBytesMax) || queuedRequestBytesMax < 1) {
    throw new InvalidConfigError(`queuedRequestBytesMax must be a positive integer, got ${queuedRequestBytesMax}`);
  }
  const context: ServerContext = {
    broker,
    memory: new RequestMemoryPool(queuedRequestBytesMax),
    connections: new Set(),
    host: options.advertisedHost ?? host,
    port: 0,
    autoCreateTopics: options.autoCreateTopics ?? false,
    defaultPartitions: options.defaultPartitions ?? 1,
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    context.connections.add(new Connection(socket, context, requestBytesMax, idleTimeoutMs));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9092, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => broker.emit('backgroundError', { task: 'server', error }));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  context.port = advertisedPort ?? port;
  let closing: Promise<void> | null = null;
  const handle: BrokerServer = {
    host,
    port,
    get connectionCount() {
      return sockets.size;
    },
    get requestMemory() {
      let bufferedBytes = 0;
      for (const c of context.connections) bufferedBytes += c.bufferedBytes;
      const pool = context.memory;
      return { reservedBytes: pool.usedBytes, bufferedBytes, capacityBytes: pool.capacityBytes, waitingConnections: pool.waiting };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        untrack();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
  const untrack = broker.trackServer(handle);
  return handle;
}

/** Size (int32), API key and version (int16 each): what is read of a frame before its body is buffered. */
const FRAME_PREFIX_BYTES = 8;
const SIZE_PREFIX_BYTES = 4;

interface QueuedFrame {
  bytes: Buffer;
  reservedBytes: number;
}

class Connection {
  private readonly socket: Socket;
  private readonly context: ServerContext;
  private readonly requestBytesMax: number;
  private readonly prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
  private prefixBytes = 0;
  /** The frame being read: its buffer (sized from the prefix, reserved in the pool) and how much has arrived. */
  private body: Buffer | null = null;
  private bodyBytes = 0;
  /** Received bytes not yet consumed while this connection waits for pool memory. */
  private stalled: Buffer | null = null;
  private readonly frames: QueuedFrame[] = [];
  private processing = false;
  private closed = false;
  private readonly writer = new Writer();
  private readonly onMemory = (): void => this.memoryGranted();

  constructor(socket: Socket, context: ServerContext, requestBytesMax: number, idleTimeoutMs: number) {
    this.socket = socket;
    this.context = context;
    this.requestBytesMax = requestBytesMax;
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs, () => this.close());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Bytes of request frames this connection holds (partial and queued). */
  get bufferedBytes(): number {
    let bytes = this.bodyBytes;
    for (const f of this.frames) bytes += f.bytes.length;
    return bytes;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const pool = this.context.memory;
    pool.cancel(this.onMemory);
    if (this.body !== null) pool.release(this.body.length);
    this.body = null;
    this.stalled = null;
    // Frames still queued are released here; the one being handled is released by drainFrames.
    for (const f of this.frames.splice(0)) pool.release(f.reservedBytes);
    this.context.connections.delete(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let at = 0;
    while (at < chunk.length) {
      if (this.body === null) {
        const take = Math.min(FRAME_PREFIX_BYTES - this.prefixBytes, chunk.length - at);
        chunk.copy(this.prefix, this.prefixBytes, at, at + take);
        const hadSize = this.prefixBytes >= SIZE_PREFIX_BYTES;
        this.prefixBytes += take;
        at += take;
        if (!hadSize && this.prefixBytes >= SIZE_PREFIX_BYTES) {
          const sizeBytes = this.prefix.readInt32BE(0);
          if (sizeBytes < REQUEST_HEADER_MIN_BYTES || sizeBytes > this.requestBytesMax) {
            this.close();
            return;
          }
        }
        if (this.prefixBytes < FRAME_PREFIX_BYTES) break;
        const sizeBytes = this.prefix.readInt32BE(0);
        const apiKey = this.prefix.readInt16BE(SIZE_PREFIX_BYTES);
        // Size and API are judged before a byte of the body is kept: a frame too large for its API closes the connection.
        const limitBytes = requestBytesMaxFor(apiKey, this.requestBytesMax);
        if (limitBytes === 0) {
          this.context.broker.emit('unsupportedRequest', { apiKey, apiVersion: this.prefix.readInt16BE(SIZE_PREFIX_BYTES + 2),
              clientId: null, remoteAddress: this.socket.remoteAddress ?? null });
        }
        if (sizeBytes > limitBytes) {
          this.close();
          return;
        }
        if (!this.context.memory.reserveOrWait(sizeBytes, this.onMemory)) {
          this.stalled = chunk.subarray(at);
          this.socket.pause();
          return;
        }
        this.startBody(sizeBytes);
      }
      const body = this.body as Buffer;
      const take = Math.min(body.length - this.bodyBytes, chunk.length - at);
      chunk.copy(body, this.bodyBytes, at, at + take);
      this.bodyBytes += take;
      at += take;
      if (this.bodyBytes === body.length) {
        this.frames.push({ bytes: body, reservedBytes: body.length });
        this.body = null;
        this.bodyBytes = 0;
        this.prefixBytes = 0;
      }
    }
    if (this.frames.length >= QUEUED_FRAMES_MAX) this.socket.pause();
    if (!this.processing && this.frames.length > 0) void this.drainFrames();
  }

  private startBody(sizeBytes: number): void {
    const body = Buffer.allocUnsafe(sizeBytes);
    this.prefix.copy(body, 0, SIZE_PREFIX_BYTES, FRAME_PREFIX_BYTES);
    this.body = body;
    this.bodyBytes = FRAME_PREFIX_BYTES - SIZE_PREFIX_BYTES;
  }

  private memoryGranted(): void {
    if (this.closed) {
      this.context.memory.release(this.prefix.readInt32BE(0));
      return;
    }
    this.startBody(this.prefix.readInt32BE(0));
    const rest = this.stalled ?? Buffer.alloc(0);
    this.stalled = null;
    this.onData(rest);
    if (!this.closed && this.stalled === null && this.frames.length < QUEUED_FRAMES_MAX) this.socket.resume();
  }

  private async drainFrames(): Promise<void> {
    this.processing = true;
    const pool = this.context.memory;
    try {
      while (!this.closed && this.frames.length > 0) {
        const frame = this.frames.shift() as QueuedFrame;
        let released = false;
        try {
          if (this.frames.length < QUEUED_FRAMES_MAX / 2 && this.socket.isPaused() && this.stalled === null) this.socket.resume();
          const chunks = await this.handleFrame(frame.bytes);
          // Produce appended the frame's bytes in place: they are on the log now, the memory is free again.
          pool.release(frame.reservedBytes);
          released = true;
          if (chunks === null) continue;
          await this.send(chunks);
        } finally {
          if (!released) pool.release(frame.reservedBytes);
        }
      }
    } catch {
      // A request we cannot parse or answer: Kafka closes the connection; so do we.
      this.close();
    } finally {
      this.processing = false;
    }
  }

  private async send(chunks: readonly ResponseChunk[]): Promise<void> {
    const socket = this.socket;
    let lastWrite: Promise<void> = Promise.resolve();
    for (const chunk of chunks) {
      if (this.closed) return;
      if (chunk instanceof Buffer) {
        lastWrite = new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
      } else {
        // The region goes out from the page cache: earlier bytes must be in the kernel first.
        await lastWrite;
        if (this.closed) return;
        const sentBytes = await (chunk as FileRegion).transferTo(socket);
        if (sentBytes !== (chunk as FileRegion).sizeBytes) {
          throw new ProtocolError(`region sent ${sentBytes} of ${(chunk as FileRegion).sizeBytes} bytes`);
        }
        lastWrite = Promise.resolve();
      }
    }
    if (socket.writableLength > socket.writableHighWaterMark) await lastWrite;
  }

  /** null: no response (acks=0 produce). Throws to close the connection. */
  private async handleFrame(frame: Buffer): Promise<ResponseChunk[] | null> {
    const reader = new Reader(frame);
    const header = readRequestHeader(reader);
    const writer = this.writer.reset();
    writer.int32(0); // size, patched by finishFrame
    writer.int32(header.correlationId);
    if (header.apiKey === ApiKey.ApiVersions) {
      if (!isSupported(header.apiKey, header.apiVersion)) {
        this.context.broker.emit('unsupportedRequest', { apiKey: header.apiKey, apiVersion: header.apiVersion, clientId: header.clientId,
            remoteAddress: this.socket.remoteAddress ?? null });
        encodeApiVersionsResponse(writer, 0, ErrorCode.UNSUPPORTED_VERSION, SUPPORTED_APIS);
        return writer.finishFrame();
      }
      decodeApiVersionsRequest(reader, header.apiVersion);
      encodeApiVersionsResponse(writer, header.apiVersion, ErrorCode.NONE, SUPPORTED_APIS);
      return writer.finishFrame();
    }
    if (!isSupported(header.apiKey, header.apiVersion)) {
      this.context.broker.emit('unsupportedRequest', { apiKey: header.apiKey, apiVersion: header.apiVersion, clientId: header.clientId,
          remoteAddress: this.socket.remoteAddress ?? null });
      throw new ProtocolError(`unsupported api ${header.apiKey} version ${header.apiVersion}`);
    }
    if (isFlexible(header.apiKey, header.apiVersion)) writer.emptyTaggedFields();
    const answered = await this.dispatch(header, reader, writer);
    return answered ? writer.finishFrame() : null;
  }

  private async dispatch(header: RequestHeader, reader: Reader, writer: Writer): Promise<boolean> {
    const version = header.apiVersion;
    const broker = this.context.broker;
    switch (header.apiKey) {
      case ApiKey.Metadata: {
        const request = decodeMetadataRequest(reader, version);
        const names = request.topics ?? broker.listTopics().map((t) => t.name);
        const topics: MetadataTopic[] = [];
        for (const name of names) topics.push(await this.metadataTopic(name, request.allowAutoTopicCreation && request.topics !== null));
        encodeMetadataResponse(writer, version, {
          brokers: [{ nodeId: broker.nodeId, host: this.context.host, port: this.context.port }],
          clusterId: broker.clusterId,
          controllerId: broker.nodeId,
          topics,
        });
        return true;
      }
      case ApiKey.Produce:
        return this.produce(reader, writer, version);
      case ApiKey.Fetch:
        return this.fetch(reader, writer, version);
      case ApiKey.ListOffsets:
        return this.listOffsets(reader, writer, version);
      case ApiKey.CreateTopics:
        return this.createTopics(reader, writer, version);
      case ApiKey.DeleteTopics: {
        const request = decodeDeleteTopicsRequest(reader, version);
        const results: TopicResult[] = [];
        for (const topic of request.topics) {
          try {
            await broker.deleteTopic(topic);
            results.push({ topic, errorCode: ErrorCode.NONE, errorMessage: null });
          } catch (error) {
            const code = error instanceof InvalidArgumentError ? ErrorCode.INVALID_REQUEST : errorCodeFor(error);
            results.push({ topic, errorCode: code, errorMessage: (error as Error).message });
          }
        }
        encodeDeleteTopicsResponse(writer, version, results);
        return true;
      }
      case ApiKey.InitProducerId: {
        const request = decodeInitProducerIdRequest(reader, version);
        if (request.transactionalId !== null) {
          // Transactions are not offered: a transactional producer must not think it has one.
          encodeInitProducerIdResponse(writer, version, ErrorCode.INVALID_REQUEST, -1, -1);
          return true;
        }
        const { producerId, producerEpoch } = broker.initProducerId();
        encodeInitProducerIdResponse(writer, version, ErrorCode.NONE, producerId, producerEpoch);
        return true;
      }
      case ApiKey.FindCoordinator: {
        const request = decodeFindCoordinatorRequest(reader, version);
        const code = request.keyType === 0 ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
        encodeFindCoordinatorResponse(writer, version, code, broker.nodeId, this.context.host, this.context.port);
        return true;
      }
      case ApiKey.JoinGroup: {
        const request = decodeJoinGroupRequest(reader, version);
        const response = await broker.groups.join(request, header.clientId ?? 'client');
        encodeJoinGroupResponse(writer, version, response);
        return true;
      }
      case ApiKey.SyncGroup: {
        const request = decodeSyncGroupRequest(reader, version);
        const answer = await broker.groups.sync(request);
        encodeSyncGroupResponse(writer, version, answer.errorCode, answer.assignment);
        return true;
      }
      case ApiKey.Heartbeat: {
        const request = decodeHeartbeatRequest(reader, version);
        encodeErrorOnlyResponse(writer, version, broker.groups.heartbeat(request.groupId, request.generationId, request.memberId));
        return true;
      }
      case ApiKey.LeaveGroup: {
        const request = decodeLeaveGroupRequest(reader, version);
        encodeErrorOnlyResponse(writer, version, broker.groups.leave(request.groupId, request.memberId));
        return true;
      }
      case ApiKey.OffsetCommit:
        return this.offsetCommit(reader, writer, version);
      case ApiKey.OffsetFetch:
        return this.offsetFetch(reader, writer, version);
      default:
        throw new ProtocolError(`api ${header.apiKey} has no handler`);
    }
  }

  private listOffsets(reader: Reader, writer: Writer, version: number): boolean {
    const broker = this.context.broker;
    const request = decodeListOffsetsRequest(reader, version);
    const topics: ListOffsetsTopicResponse[] = request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        try {
          const hit = broker.listOffsets(t.topic, p.partition, p.timestampMs);
          return { partition: p.partition, errorCode: ErrorCode.NONE, timestampMs: hit.timestampMs, offset: hit.offset };
        } catch (error) {
          return { partition: p.partition, errorCode: errorCodeFor(error), timestampMs: -1, offset: -1 };
        }
      }),
    }));
    encodeListOffsetsResponse(writer, version, topics);
    return true;
  }

  private offsetFetch(reader: Reader, writer: Writer, version: number): boolean {
    const broker = this.context.broker;
    const request = decodeOffsetFetchRequest(reader, version);
    const byTopic = new Map<string, OffsetFetchPartition[]>();
    if (request.topics === null) {
      for (const c of broker.committedOffsets(request.groupId)) {
        const list = byTopic.get(c.topic) ?? [];
        list.push({ partition: c.partition, offset: c.committed.offset, metadata: c.committed.metadata, errorCode: ErrorCode.NONE });
        byTopic.set(c.topic, list);
      }
    } else {
      for (const t of request.topics) {
        byTopic.set(t.topic, t.partitions.map((partition) => {
          const committed = broker.committedOffset(request.groupId, t.topic, partition);
          return { partition, offset: committed?.offset ?? -1, metadata: committed?.metadata ?? '', errorCode: ErrorCode.NONE };
        }));
      }
    }
    encodeOffsetFetchResponse(writer, version, [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), ErrorCode.NONE);
    return true;
  }

  private async metadataTopic(name: string, mayCreate: boolean): Promise<MetadataTopic> {
    const broker = this.context.broker;
    if (!broker.hasTopic(name)) {
      if (topicNameProblem(name) !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, topic: name, isInternal: false,
          partitions: 0 };
      if (!mayCreate || !this.context.autoCreateTopics) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topic: name,
          isInternal: false, partitions: 0 };
      try {
        await broker.createTopic(name, { partitions: this.context.defaultPartitions });
      } catch (error) {
        // Two connections auto-creating the same topic: the loser sees it exists.
        if (!broker.hasTopic(name)) return { errorCode: errorCodeFor(error), topic: name, isInternal: false, partitions: 0 };
      }
    }
    const description = broker.describe(name);
    return { errorCode: ErrorCode.NONE, topic: name, isInternal: description.isInternal, partitions: description.partitions,
      offlinePartitions: broker.offlinePartitionsOf(name) };
  }

  private async produce(reader: Reader, writer: Writer, version: number): Promise<boolean> {
    const request = decodeProduceRequest(reader, version);
    const broker = this.context.broker;
    const acks = request.acks;
    const topics: ProduceTopicResponse[] = [];
    for (const t of request.topics) {
      const partitions = [];
      for (const p of t.partitions) {
        const answer = { partition: p.partition, errorCode: ErrorCode.NONE as number, baseOffset: -1, logAppendTimeMs: -1,
            logStartOffset: -1 };
        partitions.push(answer);
        if (version < 3) {
          answer.errorCode = ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT;
          continue;
        }
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          answer.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
          continue;
        }
        if (p.records === null || p.records.length === 0) {
          answer.errorCode = ErrorCode.CORRUPT_MESSAGE;
          continue;
        }
        try {
          const result = await broker.produce(t.topic, p.partition, p.records, { acks: acks as 0 | 1 | -1 });
          answer.baseOffset = result.baseOffset;
          answer.logAppendTimeMs = result.logAppendTimeMs;
          answer.logStartOffset = result.logStartOffset;
        } catch (error) {
          const corrupt = error instanceof InvalidArgumentError && !(error instanceof ProtocolError);
          answer.errorCode = corrupt ? ErrorCode.CORRUPT_MESSAGE : errorCodeFor(error);
        }
      }
      topics.push({ topic: t.topic, partitions });
    }
    if (acks === 0) return false;
    encodeProduceResponse(writer, version, topics);
    return true;
  }

  private async fetch(reader: Reader, writer: Writer, version: number): Promise<boolean> {
    const request = decodeFetchRequest(reader, version);
    const flat = [];
    for (const t of request.topics) {
      for (const p of t.partitions) flat.push({ topic: t.topic, partition: p.partition, offset: p.fetchOffset,
          maxBytes: p.partitionMaxBytes });
    }
    const results = await this.context.broker.fetch(flat, { maxBytes: request.maxBytes, maxWaitMs: request.maxWaitMs,
        minBytes: request.minBytes });
    const topics: FetchTopicResponse[] = [];
    let at = 0;
    for (const t of request.topics) {
      const partitions = [];
      for (let i = 0; i < t.partitions.length; i++) {
        const r = results[at++];
        if (r === undefined) throw new ProtocolError('fetch result count mismatch');
        partitions.push({
          partition: r.partition,
          errorCode: r.error === null ? ErrorCode.NONE : errorCodeFor(r.error),
          highWatermark: r.highWatermark,
          lastStableOffset: r.highWatermark,
          logStartOffset: r.logStartOffset,
          records: r.regions[0] ?? null,
        });
      }
      topics.push({ topic: t.topic, partitions });
    }
    encodeFetchResponse(writer, version, topics);
    return true;
  }

  private async createTopics(reader: Reader, writer: Writer, version: number): Promise<boolean> {
    const request = decodeCreateTopicsRequest(reader, version);
    const broker = this.context.broker;
    const results: TopicResult[] = [];
    for (const t of request.topics) {
      const result: TopicResult = { topic: t.topic, errorCode: ErrorCode.NONE, errorMessage: null };
      results.push(result);
      const partitions = t.partitions === -1 ? this.context.defaultPartitions : t.partitions;
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        result.errorCode = ErrorCode.INVALID_REPLICATION_FACTOR;
        result.errorMessage = `replication factor ${t.replicationFactor} on a single-node broker`;
        continue;
      }
      if (partitions < 1) {
        result.errorCode = ErrorCode.INVALID_PARTITIONS;
        result.errorMessage = `partitions must be ≥ 1, got ${partitions}`;
        continue;
      }
      if (partitions > broker.partitionsMax) {
        result.errorCode = ErrorCode.INVALID_PARTITIONS;
        result.errorMessage = `${partitions} partitions exceed the broker's limit of ${broker.partitionsMax} open partitions`;
        continue;
      }
      try {
        const config = parseWireTopicConfigs(t.configs);
        const problem = topicNameProblem(t.topic);
        if (problem !== null) {
          result.errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION;
          result.errorMessage = problem;
        } else if (broker.hasTopic(t.topic)) {
          result.errorCode = ErrorCode.TOPIC_ALREADY_EXISTS;
          result.errorMessage = `topic ${t.topic} already exists`;
        } else if (!request.validateOnly) {
          await broker.createTopic(t.topic, { partitions, config });
        }
      } catch (error) {
        const named = error instanceof InvalidConfigError ? withKafkaConfigNames(error) : error;
        result.errorCode = error instanceof RequestRefusedError ? ErrorCode.INVALID_PARTITIONS : errorCodeFor(named);
        result.errorMessage = (named as Error).message;
      }
    }
    encodeCreateTopicsResponse(writer, version, results);
    return true;
  }

  private offsetCommit(reader: Reader, writer: Writer, version: number): boolean {
    const request = decodeOffsetCommitRequest(reader, version);
    const broker = this.context.broker;
    const groupError = broker.groups.validateCommit(request.groupId, request.generationId, request.memberId);
    const topics: { topic: string; partitions: PartitionError[] }[] = [];
    for (const t of request.topics) {
      const partitions: PartitionError[] = [];
      const accepted = [];
      for (const p of t.partitions) {
        let errorCode: number = groupError;
        const known = broker.hasTopic(t.topic) && p.partition >= 0 && p.partition < broker.describe(t.topic).partitions;
        if (errorCode === ErrorCode.NONE && !known) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        partitions.push({ partition: p.partition, errorCode });
        if (errorCode === ErrorCode.NONE) accepted.push({ topic: t.topic, partition: p.partition, offset: p.offset,
            metadata: p.metadata ?? '' });
      }
      if (accepted.length > 0) {
        try {
          broker.commitOffsets(request.groupId, accepted);
        } catch (error) {
          const code = errorCodeFor(error);
          for (const p of partitions) p.errorCode = code;
        }
      }
      topics.push({ topic: t.topic, partitions });
    }
    encodeOffsetCommitResponse(writer, version, topics);
    return true;
  }
}
