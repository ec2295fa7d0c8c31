/**
 * Child process for the transaction crash test: opens the log in argv[2], writes transactions across
 * several segments (some aborted, some committed, one left open) without flushing or closing (no
 * snapshot at the end, no clean-shutdown marker), prints what a reader must find, then waits to be
 * killed with SIGKILL.
 */
import { Log } from '../../lib/index.js';

const dir = process.argv[2] as string;
const log = await Log.open(dir, { segmentBytes: 600 });
const sequences = new Map<number, number>();
const aborted: number[][] = [];
const firstOffsets = new Map<number, number>();

function write(pid: number, count: number): void {
  const baseSequence = sequences.get(pid) ?? 0;
  const result = log.append(Array.from({ length: count }, (_, i) => ({ key: `p${pid}-${baseSequence + i}`, value: 'x'.repeat(40) })),
    { producerId: pid, producerEpoch: 0, baseSequence, isTransactional: true });
  if (!firstOffsets.has(pid)) firstOffsets.set(pid, result.baseOffset);
  sequences.set(pid, baseSequence + count);
}

function end(pid: number, commit: boolean): void {
  const marker = log.appendTransactionMarker({ producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, commit });
  if (!commit) aborted.push([pid, firstOffsets.get(pid)!, marker.baseOffset]);
  firstOffsets.delete(pid);
}

for (let round = 0; round < 6; round++) {
  write(1, 2);
  write(2, 3);
  write(1, 1);
  end(1, round % 2 === 0);
  end(2, round % 3 !== 0);
}
write(3, 2); // left open
const lso = firstOffsets.get(3)!;
write(4, 1);
end(4, false);
process.stdout.write(`${JSON.stringify({ lso, aborted })}\nready\n`);
setInterval(() => undefined, 1000);
