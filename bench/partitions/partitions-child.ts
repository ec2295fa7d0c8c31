/**
 * One side of the partitions case, in its own process: opens `count` partitions (seglog Logs, each
 * with one record appended, or for the raw side one directory with one open file and one write) and
 * prints the RSS they added, after a forced GC, as one JSON line. Usage: partitions-child.js
 * seglog|raw <dir> <count>
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Log } from '../../lib/index.js';

const [mode, dir, countText] = process.argv.slice(2) as [string, string, string];
const count = Number(countText);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
gc();
const before = process.memoryUsage().rss;
const logs: Log[] = [];
const fds: number[] = [];
const record = [{ key: 'k', value: 'an idle partition' }];
for (let i = 0; i < count; i++) {
  const partitionDir = join(dir, `idle-${i}`);
  if (mode === 'seglog') {
    const log = await Log.open(partitionDir);
    log.append(record);
    logs.push(log);
  } else {
    mkdirSync(partitionDir, { recursive: true });
    const fd = openSync(join(partitionDir, '00000000000000000000.log'), 'a');
    writeSync(fd, Buffer.from('an idle partition'));
    fds.push(fd);
  }
}
gc();
const after = process.memoryUsage().rss;
process.stdout.write(`${JSON.stringify({ count, rssAddedBytes: after - before, rssBytes: after })}\n`);
for (const log of logs) await log.close();
for (const fd of fds) closeSync(fd);
