/**
 * Where the CLI writes: stdout lines gathered into ~64 KiB strings and written with backpressure
 * (a dump of a 1 GiB segment never queues more than one block in memory), and a progress line on
 * stderr that appears only when stderr is a terminal — bytes done / total and the rate, redrawn at
 * most five times a second, erased at the end. Piped output carries nothing extra.
 */
import type { Writable } from 'node:stream';
import type { Clock } from '../clock.js';
import { OUTPUT_BLOCK_CHARS as BLOCK_CHARS, PROGRESS_INTERVAL_MS } from '../limits.js';

const MIB = 1024 * 1024;

export class LineWriter {
  private pending = '';
  private readonly stream: Writable;

  constructor(stream: Writable) {
    this.stream = stream;
  }

  line(text: string): void {
    this.pending += text;
    this.pending += '\n';
  }

  /** Writes the gathered block once it is big enough; waits for the stream to drain if it asked. */
  async maybeFlush(): Promise<void> {
    if (this.pending.length >= BLOCK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const block = this.pending;
    this.pending = '';
    if (!this.stream.write(block)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
}

export class Progress {
  private readonly stream: NodeJS.WriteStream | null;
  private readonly clock: Clock;
  private readonly startedMs: number;
  private lastDrawnMs = 0;
  private drawn = false;

  constructor(stream: NodeJS.WriteStream, clock: Clock) {
    this.stream = stream.isTTY === true ? stream : null;
    this.clock = clock;
    this.startedMs = clock.nowMs();
  }

  /** A callback for the inspect functions, or undefined when nothing would be shown. */
  callback(): ((doneBytes: number, totalBytes: number) => void) | undefined {
    if (this.stream === null) return undefined;
    return (done, total) => this.update(done, total);
  }

  update(doneBytes: number, totalBytes: number): void {
    const stream = this.stream;
    if (stream === null) return;
    const nowMs = this.clock.nowMs();
    if (nowMs - this.lastDrawnMs < PROGRESS_INTERVAL_MS) return;
    this.lastDrawnMs = nowMs;
    const seconds = Math.max(0.001, (nowMs - this.startedMs) / 1000);
    const percent = totalBytes > 0 ? Math.floor((doneBytes / totalBytes) * 100) : 100;
    const rate = (doneBytes / MIB / seconds).toFixed(1);
    const text = `${(doneBytes / MIB).toFixed(1)} / ${(totalBytes / MIB).toFixed(1)} MiB (${percent}%), ${rate} MiB/s`;
    stream.write(`\r\x1b[K${text}`);
    this.drawn = true;
  }

  done(): void {
    if (this.stream !== null && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
