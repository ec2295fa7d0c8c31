/**
 * Child for the open-logs memory test: RSS (after a full GC) before and after opening `count` logs
 * under argv[2], each with a few appends and then left idle, open. Prints one JSON line.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Log } from '../../lib/index.js';
import { platformReport } from '../../lib/platform/index.js';

const root = process.argv[2] as string;
const count = Number(process.argv[3]);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function rssAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().rss;
}

// One log opened and closed first, so code loading and first-use allocations are not counted per log.
const warm = await Log.open(join(root, 'warm'), {});
warm.append([{ key: 'k', value: Buffer.alloc(1024) }]);
await warm.close();

const before = rssAfterGc();
const logs: Log[] = [];
for (let i = 0; i < count; i++) {
  const dir = join(root, `topic-${i}`);
  mkdirSync(dir, { recursive: true });
  const log = await Log.open(dir, {});
  for (let b = 0; b < 20; b++) log.append(Array.from({ length: 10 }, (_, r) => ({ key: `k${r}`, value: Buffer.alloc(1024, b) })));
  logs.push(log);
}
const after = rssAfterGc();
process.stdout.write(`${JSON.stringify({ before, after, count, mapFile: platformReport().mapFile })}\n`);
for (const log of logs) await log.close();
