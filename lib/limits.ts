/**
 * Every bound seglog enforces, in one place, each with the reason it exists.
 * Relations between them are asserted at the bottom so a wrong edit fails at load.
 */

/** Batch header (RecordBatch v2) size: the smallest valid batch. */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;
/** baseOffset (8) + batchLength (4): framing in front of every batch, any magic. */
export const LOG_OVERHEAD_BYTES = 12;
/** Smallest legacy (v0) message; a batchLength below this is corrupt, not torn. */
export const LEGACY_MIN_MESSAGE_BYTES = 14;
/** Bytes needed to learn offset, size and magic of a batch without parsing the rest. */
export const HEADER_PEEK_BYTES = 17;
/** Kafka's default max.message.bytes (1 MiB + log overhead). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Hard ceiling on one batch we will ever allocate for: a corrupt length cannot make us allocate 2 GiB. */
export const BATCH_BYTES_MAX = 64 * 1024 * 1024;
/** Records per batch: a count above this in a header is corrupt (each record is >= 7 bytes). */
export const BATCH_RECORDS_MAX = Math.floor(BATCH_BYTES_MAX / 7);
/** Decompressed batch payload ceiling: a zip bomb in a batch stops here with a typed error. */
export const DECOMPRESSED_BYTES_MAX = 256 * 1024 * 1024;
/** varint (int32) is at most 5 bytes; varlong (int64) 10. */
export const VARINT_BYTES_MAX = 5;
export const VARLONG_BYTES_MAX = 10;
/** Positions in a segment are int32 (index entries store them so). */
export const SEGMENT_BYTES_MAX = 2_147_483_647;
/** Relative offsets in an index are int32. */
export const RELATIVE_OFFSET_MAX = 2_147_483_647;
/** Kafka's warm section: the last 8 KiB of an index, kept hot for readers near the tail. */
export const INDEX_WARM_SECTION_BYTES = 8192;
/**
 * Index entries an active index holds in memory before the append path writes them to its file in
 * one positioned write (flush, roll and close write the rest): one page, so a syscall per ~512
 * offset-index entries (~2 MiB of appends at the default interval) instead of one per entry.
 */
export const INDEX_PENDING_BYTES_MAX = 4096;
/** First allocation for an active index's entries in memory; it doubles up to the index's size. */
export const INDEX_MEMORY_INITIAL_BYTES = 4096;
/** Chunk in which an active index file is read back at open (stops at the first untrusted slot). */
export const INDEX_LOAD_CHUNK_BYTES = 64 * 1024;
/**
 * Sequential scans (recovery, swap checks, the inspector, set-aside copies) read this much at a time:
 * large enough that syscalls vanish next to the CRC-32C, small enough to stay in cache.
 */
export const SCAN_CHUNK_BYTES = 1024 * 1024;
/** The cleaner reads sealed segments in chunks this size (Kafka's log.cleaner.io.buffer.size, per direction). */
export const CLEANER_READ_CHUNK_BYTES = 256 * 1024;
/** Gaps between offset-index entries up to this size are read at once by a lookup (a few index.interval.bytes). */
export const LOCATE_CHUNK_BYTES = 32 * 1024;
/** Chunks of FileRegion.stream(): handed to the consumer, who may keep them, so each is a fresh Buffer. */
export const STREAM_CHUNK_BYTES = 64 * 1024;
/** The batch encoder's first buffer; it doubles as records need (up to the batch ceiling). */
export const ENCODER_INITIAL_BYTES = 64 * 1024;
/** CRC-32C inputs shorter than this stay in TypeScript, which beats sse4_crc32's call cost there. */
export const CRC32C_NATIVE_MIN_BYTES = 192;
/** The same crossover for seglog's own addon, whose call takes a range and builds no view (measured: 91 vs 127 ns at 48 B). */
export const CRC32C_ADDON_MIN_BYTES = 48;
/**
 * Plain batches with fewer records are walked in TypeScript, which beats the addon's call cost there
 * (measured: 73 vs 91 ns at 4 records, 135 vs 107 at 8).
 */
export const RECORD_WALK_ADDON_MIN_RECORDS = 6;
/** At most this many problem lines from one index sanity check: the first break is what matters. */
export const INDEX_SANITY_PROBLEMS_MAX = 8;
/**
 * What the in-memory batch tables of all segments may hold together (batch-table.ts): 12 bytes per
 * batch, so 5.6 M batches — 5.6 GiB of 1 KiB batches, far more of producer-sized ones. Past it the
 * oldest segments' tables go and their lookups use the sparse index.
 */
export const BATCH_TABLES_BYTES_MAX = 64 * 1024 * 1024;
/**
 * Inside an uncompressed batch the encoder notes where a record starts about this often, and the
 * batch table keeps the notes (8 bytes each, 0.05 % of the bytes): a point read of a record deep in a
 * large batch reads from the nearest note instead of from the batch's first record. 4 KiB read no
 * faster than 16 KiB (4.5–5.0 vs 4.7 µs in 100 × 1 KiB batches) and held 4× the memory.
 */
export const RECORD_MARK_INTERVAL_BYTES = 16 * 1024;
/** Segment file handles kept open at once per log; older inactive segments close lazily. */
export const OPEN_SEGMENT_FILES_MAX = 64;
/** Read descriptors a broker's partitions share (one FilePool for every Log it opens). */
export const BROKER_OPEN_SEGMENT_FILES_MAX = 256;
/** A fetch response's data budget when the request names none (Kafka's fetch.max.bytes default, 50 MiB). */
export const FETCH_RESPONSE_BYTES_MAX_DEFAULT = 52_428_800;
/** Request frames one connection may have queued unanswered before the server stops reading it. */
export const CONNECTION_QUEUED_FRAMES_MAX = 64;
/** Connections idle this long are closed (Kafka's connections.max.idle.ms). */
export const CONNECTION_IDLE_MS_DEFAULT = 600_000;
/** The broker's replay (producer state, committed offsets) reads a log this much at a time. */
export const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;
/** How often the broker rewrites the data directory's offset checkpoints. */
export const DIR_CHECKPOINT_INTERVAL_MS_DEFAULT = 5_000;
/** A response writer's first buffer; it grows by doubling. */
export const RESPONSE_WRITER_INITIAL_BYTES = 4096;
/** Largest partition count `seglog serve --partitions` accepts for auto-created topics. */
export const SERVE_PARTITIONS_MAX = 100_000;
/** The CLI writes its output in blocks of this many characters (one write per block, not per line). */
export const OUTPUT_BLOCK_CHARS = 64 * 1024;
/** The CLI redraws a progress line at most this often. */
export const PROGRESS_INTERVAL_MS = 200;
/** Semi-space size (MiB) the inspector's streaming commands run with (lib/cli/streaming-relaunch.ts). */
export const INSPECT_SEMI_SPACE_MB = 4;
/** Largest request the wire server accepts by default (Kafka's socket.request.max.bytes). */
export const REQUEST_BYTES_MAX_DEFAULT = 100 * 1024 * 1024;
/**
 * Descriptors one open partition holds: its directory lock and its active .log (measured). Index
 * files are opened only while entries are written (a page at a time, at flush and roll).
 */
export const PARTITION_DESCRIPTORS = 2;
/** Share of the process's descriptor limit partitions may hold; the rest serves connections and segment reads. */
export const PARTITION_DESCRIPTOR_SHARE = 0.5;
/** Descriptor limit assumed where the platform does not say (POSIX's common soft default). */
export const DESCRIPTOR_LIMIT_FALLBACK = 1024;
/** Broker-wide bytes of request frames buffered at once (Kafka's queued.max.request.bytes is unbounded by default; 500 MiB here). */
export const QUEUED_REQUEST_BYTES_MAX_DEFAULT = 500 * 1024 * 1024;
/** A request frame this small may overdraw the request memory pool (see request-memory-pool.ts). */
export const SMALL_REQUEST_BYTES = 64 * 1024;
/** How far small frames may overdraw the request memory pool. */
export const SMALL_REQUEST_HEADROOM_BYTES = 8 * 1024 * 1024;
/** Idempotent producer: batches remembered per producer for duplicate detection. */
export const PRODUCER_BATCHES_RETAINED = 5;
/** Compaction offset map: 16-byte key hash + 8-byte offset. */
export const OFFSET_MAP_SLOT_BYTES = 24;
/**
 * Most offset-map memory a compaction round may use (Kafka's log.cleaner.dedupe.buffer.size); rounds
 * size their map to the dirty range below it. One default for the cleaner, the LogManager and the broker.
 */
export const OFFSET_MAP_BYTES_DEFAULT = 128 * 1024 * 1024;
/** How often retention and compaction run (Kafka's log.retention.check.interval.ms). */
export const LOG_CHECK_INTERVAL_MS_DEFAULT = 300_000;
/** Longest stretch of compaction work on the main thread before it yields to the event loop (cleaner-pacer.ts). */
export const CLEANER_SLICE_MS_DEFAULT = 5;
/** Offset map fill ceiling (log.cleaner.io.buffer.load.factor). */
export const OFFSET_MAP_LOAD_FACTOR = 0.9;

/** Inspector: problems (or non-consecutive offset pairs) kept per file; beyond it only a count, so memory stays bounded. */
export const INSPECT_PROBLEMS_MAX = 10_000;
/** Inspector: largest index / snapshot file read whole (10 MiB is Kafka's default index size; allow 8x). */
export const INSPECT_INDEX_FILE_BYTES_MAX = 80 * 1024 * 1024;

/** Console: how much history the live charts keep, and how often a sample is taken. */
export const CONSOLE_HISTORY_MS = 15 * 60_000;
export const CONSOLE_SAMPLE_INTERVAL_MS_DEFAULT = 5_000;
/** Console segment view: most batches one page shows, and the longest key/value/header text shown per record. */
export const CONSOLE_SEGMENT_BATCHES_MAX = 500;
export const CONSOLE_RECORD_TEXT_CHARS_MAX = 512;
/** Console segment view: largest segment whose indexes a page checks against the log (a whole read of it). */
export const CONSOLE_INDEX_CHECK_BYTES_MAX = 16 * 1024 * 1024;

if (SEGMENT_BYTES_MAX > 2 ** 31 - 1) throw new Error('limits: segment positions must fit in int32');
if (BATCH_BYTES_MAX < DEFAULT_MAX_MESSAGE_BYTES) throw new Error('limits: batch ceiling below default max.message.bytes');
if (HEADER_PEEK_BYTES > RECORD_BATCH_OVERHEAD_BYTES) throw new Error('limits: header peek larger than header');
