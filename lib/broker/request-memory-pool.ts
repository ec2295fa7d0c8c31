/**
 * A broker-wide budget for request bytes (Kafka's queued.max.request.bytes): a connection reserves a
 * frame's whole size, as soon as the size prefix is read and before the body is buffered, and
 * releases it once the request is answered (or the connection closes). When the budget is spent the
 * connection stops reading its socket and queues; releases wake queued connections in arrival order,
 * so a flood of large partial frames from some clients bounds the broker's memory instead of growing
 * it, and the other clients wait rather than fail.
 *
 * Small frames (at most SMALL_REQUEST_BYTES: metadata, heartbeats, commits, fetch requests) may
 * overdraw the budget by up to SMALL_REQUEST_HEADROOM_BYTES without queueing, so clients holding
 * large partial frames cannot stop the broker answering everyone else; the bound stays
 * capacity + headroom.
 *
 * One frame larger than the whole budget is admitted when nothing else is reserved, so the budget
 * never refuses a request the size limit allows — it only serialises them.
 */
import { assert } from '../assert.js';
import { SMALL_REQUEST_BYTES, SMALL_REQUEST_HEADROOM_BYTES } from '../limits.js';

type MemoryWaiter = () => void;

export class RequestMemoryPool {
  readonly capacityBytes: number;
  private reservedBytes = 0;
  private readonly waiters: { bytes: number; granted: MemoryWaiter }[] = [];

  constructor(capacityBytes: number) {
    assert(Number.isSafeInteger(capacityBytes) && capacityBytes > 0, 'request memory pool needs a positive capacity');
    this.capacityBytes = capacityBytes;
  }

  /** Bytes reserved by frames being read or handled now. */
  get usedBytes(): number {
    return this.reservedBytes;
  }

  /** Connections waiting for memory. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Reserves `bytes` now if they fit (and no one is queued ahead), else queues `granted`; true when reserved now. */
  reserveOrWait(bytes: number, granted: MemoryWaiter): boolean {
    const small = bytes <= SMALL_REQUEST_BYTES && this.reservedBytes + bytes <= this.capacityBytes + SMALL_REQUEST_HEADROOM_BYTES;
    if (small || (this.waiters.length === 0 && this.fits(bytes))) {
      this.reservedBytes += bytes;
      return true;
    }
    this.waiters.push({ bytes, granted });
    return false;
  }

  /** Withdraws a queued request (its connection closed while waiting). */
  cancel(granted: MemoryWaiter): void {
    const at = this.waiters.findIndex((w) => w.granted === granted);
    if (at >= 0) this.waiters.splice(at, 1);
  }

  release(bytes: number): void {
    assert(bytes >= 0 && bytes <= this.reservedBytes, 'request memory released more than reserved');
    this.reservedBytes -= bytes;
    while (this.waiters.length > 0 && this.fits((this.waiters[0] as { bytes: number }).bytes)) {
      const next = this.waiters.shift() as { bytes: number; granted: MemoryWaiter };
      this.reservedBytes += next.bytes;
      next.granted();
    }
  }

  private fits(bytes: number): boolean {
    return this.reservedBytes === 0 || this.reservedBytes + bytes <= this.capacityBytes;
  }
}
