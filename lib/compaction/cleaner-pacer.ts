/**
 * How a compaction round shares the main thread with appends and reads: batch work runs in slices
 * of at most sliceMs, and between slices the round yields to the event loop (setImmediate), so a
 * request on the same process waits at most one slice. The pacer also measures the longest slice,
 * which the round reports as its longest pause (with the swap, which cannot be sliced).
 */
import { performance } from 'node:perf_hooks';

export class CleanerPacer {
  longestMs = 0;
  private sliceStartMs = performance.now();

  constructor(private readonly sliceMs: number) {}

  /** Yields when the current slice has run for sliceMs. */
  async maybeYield(): Promise<void> {
    const elapsed = performance.now() - this.sliceStartMs;
    if (elapsed < this.sliceMs) return;
    await this.yieldNow();
  }

  async yieldNow(): Promise<void> {
    const elapsed = performance.now() - this.sliceStartMs;
    if (elapsed > this.longestMs) this.longestMs = elapsed;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStartMs = performance.now();
  }

  /** After an await that freed the event loop (an fsync in the thread pool): a new slice starts. */
  resume(): void {
    this.sliceStartMs = performance.now();
  }
}
