/** Test oracles for logs: read everything back, and check index files independently of lib/segment. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { decodeBatches, type Log, type LogRecord } from '../../lib/index.js';

/** A deterministic value for offset `i`, so any record can be checked without a model. */
export function value(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let j = 0; j < size; j++) b[j] = (i * 31 + j * 7) & 0xff;
  b.writeUInt32BE(i >>> 0, 0);
  return b;
}

/** Every record from the log start to the log end, through log.read + decodeBatches. */
export function readAll(log: Log): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const region = log.read(offset, { maxBytes: 1 << 20 });
    assert.ok(region.sizeBytes > 0, `empty region at ${offset} below the log end ${log.logEndOffset}`);
    let progressed = false;
    for (const batch of decodeBatches(region.toBuffer(), { verifyCrc: true })) {
      assert.ok(batch.isValid(), `CRC at ${batch.baseOffset}`);
      for (const record of batch.records()) {
        if (record.offset < offset) continue;
        out.push(record);
      }
      offset = batch.lastOffset + 1;
      progressed = true;
    }
    assert.ok(progressed, `no complete batch at ${offset}`);
  }
  return out;
}

/**
 * What `kafka-dump-log --verify-index-only` checks, done from the raw bytes: every offset-index entry
 * points at a batch start whose last offset equals the entry's offset; time-index entries strictly
 * increase and each names a batch whose running max timestamp equals the entry's timestamp.
 */
export function checkIndexes(dir: string): void {
  for (const name of readdirSync(dir).filter((n) => /^\d{20}\.log$/.test(n))) {
    const base = Number(name.slice(0, 20));
    const log = readFileSync(join(dir, name));
    const byPosition = new Map<number, number>();
    const runningMax = new Map<number, number>();
    let max = -1;
    for (const batch of decodeBatches(log)) {
      byPosition.set(batch.positionBytes, batch.lastOffset);
      max = Math.max(max, batch.maxTimestampMs);
      runningMax.set(batch.lastOffset, max);
    }
    const index = readFileSync(join(dir, `${name.slice(0, 20)}.index`));
    let lastOffset = -1;
    for (let p = 0; p + 8 <= index.length; p += 8) {
      const offset = base + index.readInt32BE(p);
      const position = index.readInt32BE(p + 4);
      if (offset === base && position === 0 && (p > 0 || byPosition.get(0) !== base)) break; // unused preallocated slot
      assert.is(byPosition.get(position), offset, `${name}: index entry ${offset}@${position} is not a batch start with that last offset`);
      assert.ok(offset > lastOffset, `${name}: index offsets must increase`);
      lastOffset = offset;
    }
    const timeIndex = readFileSync(join(dir, `${name.slice(0, 20)}.timeindex`));
    let lastTs = -Infinity;
    for (let p = 0; p + 12 <= timeIndex.length; p += 12) {
      const ts = Number(timeIndex.readBigInt64BE(p));
      const offset = base + timeIndex.readInt32BE(p + 8);
      if (ts === 0 && offset === base && (p > 0 || runningMax.get(base) !== 0)) break;
      assert.ok(ts > lastTs, `${name}: time index timestamps must increase`);
      assert.is(runningMax.get(offset), ts, `${name}: time index entry ${ts}@${offset} does not match the log`);
      lastTs = ts;
    }
  }
}
