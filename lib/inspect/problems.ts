/**
 * What verify finds: a flat list of problems, each naming the file, the byte position and the
 * offset where they apply. The list keeps at most INSPECT_PROBLEMS_MAX entries and counts the rest,
 * so a segment that is corrupt everywhere cannot make the inspector run out of memory.
 */
import { INSPECT_PROBLEMS_MAX } from '../limits.js';

export type ProblemKind =
  | 'unreadable'
  | 'corrupt-batch'
  | 'crc-mismatch'
  | 'torn-tail'
  | 'offset-order'
  | 'segment-base'
  | 'index-length'
  | 'index-order'
  | 'index-mismatch'
  | 'time-index-order'
  | 'time-index-offset'
  | 'time-index-timestamp'
  | 'txn-index'
  | 'snapshot'
  | 'checkpoint'
  | 'not-a-log'
  | 'partition-file';

export interface Problem {
  kind: ProblemKind;
  path: string;
  /** Byte position in `path`, when the problem has one. */
  positionBytes: number | null;
  /** Kafka offset concerned, when there is one. */
  offset: number | null;
  message: string;
}

export class ProblemList {
  readonly items: Problem[] = [];
  /** Problems found, including those not kept. */
  count = 0;

  add(kind: ProblemKind, path: string, message: string, positionBytes: number | null = null, offset: number | null = null): void {
    this.count++;
    if (this.items.length < INSPECT_PROBLEMS_MAX) this.items.push({ kind, path, positionBytes, offset, message });
  }

  /** Removes and returns the kept problems of `kind` in `path` (a finding that turned out legitimate). */
  take(kind: ProblemKind, path: string): Problem[] {
    const taken: Problem[] = [];
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i] as Problem;
      if (item.kind !== kind || item.path !== path) continue;
      this.items.splice(i, 1);
      this.count--;
      taken.unshift(item);
    }
    return taken;
  }
}

/** `path: position P: offset O: message` — one line per problem, as the CLI prints it. */
export function formatProblem(problem: Problem): string {
  let line = problem.path;
  if (problem.positionBytes !== null) line += `: position ${problem.positionBytes}`;
  if (problem.offset !== null) line += `: offset ${problem.offset}`;
  return `${line}: ${problem.kind}: ${problem.message}`;
}
