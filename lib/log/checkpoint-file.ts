/**
 * Kafka's offset-checkpoint text format (recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 * replication-offset-checkpoint, cleaner-offset-checkpoint):
 *
 *   0                  version, must be 0
 *   2                  number of entries
 *   my-topic 0 1234    "<topic> <partition> <offset>", one per line
 *
 * Written to `<file>.tmp`, fsync'd, renamed over the target, then the directory is fsync'd — so a crash
 * leaves either the old file or the new one, never a torn mix. An empty file reads as no entries.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CorruptCheckpointError, ioError } from '../errors.js';
import { syncFileSync, syncPath } from '../platform/file-sync.js';

export interface CheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

export function checkpointKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Reads a checkpoint file; a missing file is no entries, a malformed one is CorruptCheckpointError. */
export function readOffsetCheckpoint(path: string): CheckpointEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(error, 'cannot read checkpoint', { path });
  }
  return parseOffsetCheckpoint(text, path);
}

export function parseOffsetCheckpoint(text: string, path: string): CheckpointEntry[] {
  if (text.trim().length === 0) return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0]?.trim() !== '0') {
    throw new CorruptCheckpointError(`unsupported checkpoint version ${JSON.stringify(lines[0] ?? '')} (expected 0)`, { path });
  }
  const countText = lines[1]?.trim() ?? '';
  const count = /^\d+$/.test(countText) ? Number(countText) : NaN;
  if (!Number.isSafeInteger(count)) throw new CorruptCheckpointError(`bad entry count ${JSON.stringify(countText)}`, { path });
  const entries: CheckpointEntry[] = [];
  for (let i = 2; i < lines.length; i++) {
    const fields = (lines[i] as string).trim().split(/\s+/);
    const [topic, partText, offsetText] = fields;
    if (fields.length !== 3 || topic === undefined || !/^\d+$/.test(partText ?? '') || !/^-?\d+$/.test(offsetText ?? '')) {
      throw new CorruptCheckpointError(`malformed line ${i + 1}: ${JSON.stringify(lines[i])}`, { path });
    }
    const offset = Number(offsetText);
    if (!Number.isSafeInteger(offset)) throw new CorruptCheckpointError(`offset out of range on line ${i + 1}`, { path });
    entries.push({ topic, partition: Number(partText), offset });
  }
  if (entries.length !== count) {
    throw new CorruptCheckpointError(`expected ${count} entries, found ${entries.length}`, { path });
  }
  return entries;
}

export function formatOffsetCheckpoint(entries: readonly CheckpointEntry[]): string {
  let text = `0\n${entries.length}\n`;
  for (const e of entries) text += `${e.topic} ${e.partition} ${e.offset}\n`;
  return text;
}

/** fsync a directory so a rename or a new file in it survives a crash. */
export function fsyncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    syncFileSync(fd, dir);
  } catch (error) {
    throw ioError(error, 'cannot fsync directory', { path: dir });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** `fsyncDirectory` in the thread pool (a log's flush, beside its segments' fsyncs). */
export async function fsyncDirectoryAsync(dir: string): Promise<void> {
  try {
    await syncPath(dir);
  } catch (error) {
    throw ioError(error, 'cannot fsync directory', { path: dir });
  }
}

/** Atomically replaces `path` with `text`: tmp file, fsync, rename, fsync of the directory. */
export function writeFileAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (error) {
    throw ioError(error, 'cannot write checkpoint', { path });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  fsyncDirectory(dirname(path));
}

/** writeFileAtomically in the thread pool: the flush path never fsyncs on the event loop. */
export async function writeFileAtomicallyAsync(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (error) {
    throw ioError(error, 'cannot write checkpoint', { path });
  }
}

export function writeOffsetCheckpoint(path: string, entries: readonly CheckpointEntry[]): void {
  writeFileAtomically(path, formatOffsetCheckpoint(entries));
}
