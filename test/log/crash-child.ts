/**
 * Child process for the crash test: opens the log in argv[2], appends deterministic records from the
 * log end on, flushes every few batches and reports each completed flush on stdout ("flushed N"),
 * until the parent kills it with SIGKILL.
 */
import { Log } from '../../lib/index.js';
import { value } from './log-helpers.js';

const dir = process.argv[2] as string;
const segmentBytes = Number(process.argv[3] ?? 64 * 1024);
const log = await Log.open(dir, { segmentBytes, indexIntervalBytes: 512 });
process.stdout.write(`opened ${log.logEndOffset}\n`);
let batches = 0;
for (;;) {
  const from = log.logEndOffset;
  const count = 1 + (from % 7);
  log.append(Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: value(from + i, 40 + ((from + i) % 300)),
    timestampMs: 1_700_000_000_000 + from + i })));
  if (++batches % 5 === 0) {
    await log.flush();
    process.stdout.write(`flushed ${log.recoveryPoint}\n`);
  }
  if (batches % 50 === 0) await new Promise((r) => setImmediate(r));
}
