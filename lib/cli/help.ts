/**
 * The usage texts of `seglog` and each command, including the exit statuses every command shares.
 */

export const EXIT_OK = 0;
/** Problems found in the data, or an input that could not be read. */
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;
/** A seglog bug: anything not a SeglogError. */
export const EXIT_INTERNAL = 3;
/** verify --repair changed the data (what it cut is kept beside the segment); the result verified clean. */
export const EXIT_REPAIRED = 4;

const EXIT_CODES = `Exit status:
  0  success (verify: no problems found)
  1  problems found in the data, or a file that could not be read (missing, a directory,
     permission denied, corrupt framing, undecodable records); each printed as one line on stderr
     (verify prints its problems on stdout)
  2  usage error (unknown command or option, missing argument)
  3  internal error (a seglog bug), printed as "seglog: internal error: …"
  4  verify --repair repaired something and the result verifies clean (every cut byte is kept in
     a <segment>.recovered-<n> file named in the output)`;

const MAIN_USAGE = `Usage: seglog <command> [options]

Inspect Kafka-format log directories offline (no JVM), or serve one over the Kafka protocol.

Commands:
  dump <file…>          print batches, records, index entries, snapshots (kafka-dump-log's output)
  verify <dir|file…>    check CRCs, offsets, indexes and checkpoints; exit 1 if anything is wrong
  stats <dir>           per-partition sizes, ranges, compression mix, distinct-key estimate
  serve --data <dir>    run a Kafka-protocol broker on a directory (--http-port adds the web console)
  ui --data <dir>       the web console, read-only, for a stopped directory
  topics                list, describe, create, delete topics and add partitions (kafka-topics.sh)
  groups                list and describe consumer groups with lag, reset offsets, delete groups
                        (kafka-consumer-groups.sh)
  configs               describe and alter topic configs (kafka-configs.sh)

Options:
  --help                this text (seglog <command> --help for a command's options)
  --version             the version and which native modules are active

${EXIT_CODES}`;

const DUMP_USAGE = `Usage: seglog dump [options] <file…>

Dumps .log, .index, .timeindex, .snapshot and .txnindex files by suffix, and the other files of a
partition or data directory by name (leader-epoch-checkpoint, partition.metadata, quorum-state,
meta.properties, recovery-point-, log-start-, replication- and cleaner-offset-checkpoint), in
kafka-dump-log's text format; others are ignored with "Ignoring unknown file …" on stderr.

Options:
  --deep                one line per record (alias --deep-iteration)
  --print-data          keys and values too; implies --deep (alias --print-data-log)
  --encoding <e>        utf8 (default), hex or base64 for keys, values and header values
  --max-bytes <n>       only the batches within the first n bytes of each .log
  --json                NDJSON: one object per batch (with "records" when --deep) or per entry
  --files <a,b,…>       files as a comma-separated list (kafka-dump-log's spelling)
  --offsets-decoder     decode __consumer_offsets: offset commits, group metadata with members'
                        subscriptions and assignments, tombstones as <DELETE>; implies --deep
  --transaction-log-decoder
                        decode __transaction_state: transactional id, producer id and epoch,
                        state, partitions, timeout; implies --deep
  --cluster-metadata-decoder
                        decode __cluster_metadata (KRaft): every metadata record type, printed as
                        payload: {"type":"TOPIC_RECORD","version":0,"data":{…}}, and the control
                        records (LeaderChange, SnapshotHeader, …); implies --deep
  --index-sanity-check  check each .index/.timeindex on its own (whole entries, offsets rising and
                        not below the base offset, positions rising, timestamps not falling) and
                        print "<file> passed sanity check." instead of the entries
  --verify-index-only   check each .index/.timeindex against its .log without printing entries
  --help                this text

With a decoder, --json adds "decoded" to each record: type, keyVersion, key, version, data (Kafka's
field names in camelCase), tombstone, and note — why a record was not decoded (an unknown type or
version); such a record shows its raw key and value (as --print-data would) and is not an error.
Add --print-data to keep the raw key and value beside every decoded record.

Index files are checked against the .log beside them; mismatches go to stderr as kafka-dump-log
prints them (exit status 1 only with --index-sanity-check or --verify-index-only). \`seglog verify\`
runs the same index checks on every segment. A side file that breaks a rule (a leader epoch that
does not rise, a malformed topic_id, meta.properties without node.id) prints on stderr, exit 1.
With --deep, non-consecutive record offsets are listed on stderr at the end.

${EXIT_CODES}`;

const VERIFY_USAGE = `Usage: seglog verify [options] <dir|file…>

Checks a log directory (topic-partition folders plus checkpoint files), a partition directory or
single files: every batch CRC, offsets rising inside and across segments, .index entries at batch
boundaries with matching offsets, .timeindex entries rising and matching batch max timestamps,
.txnindex and .snapshot files, checkpoints not beyond the log end offset.
Each problem prints as "path: position P: offset O: kind: message".

Options:
  --json                the report as one JSON object
  --repair              run the Log's own recovery on each partition directory first (cut a torn or
                        corrupt tail, rebuild indexes, resolve temporary files), then verify. Every
                        byte it cuts is kept next to its segment as <segment>.recovered-<n> (named
                        in the output); it writes no file Kafka would not write; it takes the
                        directory lock and refuses (exit 1) a directory in use
  --dry-run             with --repair: run the same recovery on a temporary copy and print what it
                        would do; the directory is not touched
  --help                this text

Not a log: a file that is not a segment, index, snapshot or checkpoint, or a directory with no
segments and no partition directories, is refused (exit 1) with one line.
What a live or crashed broker legitimately leaves is accepted: zero-filled preallocated tails of
active indexes (an active index that is all zeros holds no entry yet), index entries not yet
written, and a torn tail past the recovery point, including zeros after the last batch of a
preallocated .log (file.preallocate) (a note).

${EXIT_CODES}`;

const STATS_USAGE = `Usage: seglog stats [options] <dir>

Per partition (and for every topic-partition folder of a Kafka log directory): segments, bytes,
offset range, time range, records, batches, compression mix, average batch size and an estimated
number of distinct keys (HyperLogLog, ~1% error).

Options:
  --json                the report as one JSON object
  --help                this text

${EXIT_CODES}`;

export const SERVE_USAGE = `Usage: seglog serve --data <dir> [options]

Serves a Kafka log directory (seglog's or a Kafka broker's) over the Kafka wire protocol on one
node, until SIGINT or SIGTERM. Topics are the directory's <topic>-<partition> folders; Kafka's
__cluster_metadata-0 and its -delete/-future/-stray folders are left alone. Prints
"listening <host>:<port>" on stdout when ready; logs go to stderr (JSON when not a terminal).
No authentication and no TLS: keep it on 127.0.0.1.

Options:
  --data <dir>                    the log directory (created if missing; a file is refused)
  --host <addr>                   address to bind (default 127.0.0.1)
  --port <n>                      port, 0..65535 (default 9092; 0 picks a free one)
  --http-port <n>                 also serve the web console (/) and GET /metrics (Prometheus text) on
                                  this port of --host (0 picks a free one; prints "console <url>" and
                                  "metrics <url>"); read-only, no authentication
  --advertised-host <h>           host clients are told to connect to (default: --host)
  --advertised-port <n>           port clients are told to connect to (default: the bound port)
  --no-auto-create-topics         unknown topics are errors (default: created on first use, like
                                  Kafka's auto.create.topics.enable; --auto-create-topics says so)
  --partitions <n>                partitions of an auto-created topic, 1..100000 (default 1)
  --durability <level>            page-cache (default): acknowledged writes survive a process crash,
                                  not a power loss; fsync: acks=all waits for fsync of every write
                                  (= --flush-messages 1)
  --flush-messages <n>            fsync after every n messages (Kafka's log.flush.interval.messages)
  --flush-ms <n>                  fsync at most n ms after a write (Kafka's log.flush.interval.ms)
  --request-bytes-max <n>         largest request accepted (default 100 MiB)
  --initial-rebalance-delay-ms <n>  group.initial.rebalance.delay.ms (default 3000)
  --log-level <level>             fatal, error, warn, info (default), debug, trace or silent
  --help                          this text

Exit status:
  0  stopped cleanly
  1  could not listen or open the directory, or a shutdown step failed (each is logged; the
     directory is then not marked clean and the next start recovers)
  2  usage error (bad option or value, --data is a file), printed as one line with its code`;

const SOURCE_OPTIONS = `  --bootstrap-server <host:port>
                        ask a running cluster: seglog serve or any Kafka broker
  --data <dir>          read a stopped data directory instead (seglog's or Kafka's); nothing is
                        written and no lock is taken. Read-only actions only
  --json                one JSON object on stdout instead of the table
  --help                this text`;

const OPERATOR_EXIT_CODES = `Exit status: 0 success; 1 the cluster or directory refused or failed the request (one line on
stderr: SEGLOG_CLUSTER_REQUEST when the server could not be reached or answered an error,
SEGLOG_UNKNOWN_TOPIC, SEGLOG_REQUEST_REFUSED, …); 2 usage error; 3 internal error.`;

const UI_USAGE = `Usage: seglog ui --data <dir> [options]

Serves the web console read-only for a stopped log directory (seglog's or a Kafka broker's):
topics, partitions, segments, retention and compaction state, consumer groups with lag, producer
state, a segment's batches and records, and a page that decodes a dropped .log file in the
browser. Nothing is written and no lock is taken. Prints "console <url>" when ready; serves until
SIGINT or SIGTERM. No authentication: keep it on 127.0.0.1.

Options:
  --data <dir>          the log directory (must exist)
  --host <addr>         address to bind (default 127.0.0.1)
  --port <n>            port, 0..65535 (default 8080; 0 picks a free one)
  --help                this text

${EXIT_CODES}`;

const TOPICS_USAGE = `Usage: seglog topics <action> [options]

Actions (exactly one):
  --list                topic names, one per line
  --describe            each topic's partitions: log start, high watermark, log end and size on
                        disk (log end and size with --data only), leader, and its own configs
  --create              create --topic with --partitions N (default 1) and --config k=v (repeatable)
  --delete              delete --topic
  --alter               grow --topic to --partitions N (a topic never shrinks)

Options:
  --topic <name>        the topic (--describe: only this one)
  --partitions <n>      partition count for --create and --alter
  --config <k=v[,k=v]>  topic configs for --create, Kafka's names (retention.ms, cleanup.policy, …)
  --exclude-internal    leave out internal topics (__consumer_offsets, …)
${SOURCE_OPTIONS}

${OPERATOR_EXIT_CODES}`;

const GROUPS_USAGE = `Usage: seglog groups <action> [options]

Actions (exactly one):
  --list                every group with its state and protocol type
  --describe            --group's state and members, and per partition the committed offset, the
                        log end (high watermark) and the lag
  --reset-offsets       set --group's committed offsets for --topic T[:p,p] or --all-topics (the
                        topics it has committed), to one of --to-earliest, --to-latest,
                        --to-datetime <ISO 8601, UTC unless a zone is given>, --to-offset <n>,
                        --shift-by <±n>; new offsets are kept within [log start, high watermark].
                        --dry-run prints the plan, --execute commits it. Only for an inactive group
                        (Empty): a group with running members is refused
  --delete              delete --group (its membership record and committed offsets); refused while
                        it has members

Options:
  --group <id>          the consumer group
${SOURCE_OPTIONS}

${OPERATOR_EXIT_CODES}`;

const CONFIGS_USAGE = `Usage: seglog configs <action> --entity-type topics --entity-name <topic> [options]

Actions (exactly one):
  --describe            the topic's own configs (--all: every config, with its source)
  --alter               --add-config k=v[,k=v] sets, --delete-config k[,k] removes the topic's own
                        configs; the others stay. The topic's live logs follow at once

Options:
  --entity-type topics  the only entity type served (the default)
  --entity-name <name>  the topic (alias --topic)
${SOURCE_OPTIONS}

${OPERATOR_EXIT_CODES}`;

export function usageFor(command: string | null): string {
  if (command === 'topics') return TOPICS_USAGE;
  if (command === 'groups') return GROUPS_USAGE;
  if (command === 'configs') return CONFIGS_USAGE;
  if (command === 'dump') return DUMP_USAGE;
  if (command === 'verify') return VERIFY_USAGE;
  if (command === 'stats') return STATS_USAGE;
  if (command === 'serve') return SERVE_USAGE;
  if (command === 'ui') return UI_USAGE;
  return MAIN_USAGE;
}
