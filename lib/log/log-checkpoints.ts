/**
 * The files a Log (and a broker's data directory) keeps beside its segments to say how far it can be
 * trusted: the recovery point and log start offset checkpoints, in Kafka's offset-checkpoint text
 * (checkpoint-file.ts), and the clean-shutdown marker `.kafka_cleanshutdown`, whose presence at open
 * means "closed cleanly: trust the files" and whose absence means "recover from the recovery point".
 *
 * The marker is written last on a clean close (fsync'd, then the directory) and taken away first on
 * open (removed and the directory fsync'd before anything else), so a crash at any point in between
 * counts as unclean. One writer for the Log and the broker, which both keep one.
 *
 * The cleaner's checkpoint (`cleaner-offset-checkpoint`, the first dirty offset) lives here too: it
 * is one more offset-checkpoint file of the partition directory, read strictly (only this partition's
 * entry; unreadable means "clean from the start", as Kafka treats it).
 */
import { closeSync, existsSync, fsyncSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ioError } from '../errors.js';
import { CLEANER_OFFSET_CHECKPOINT, CLEAN_SHUTDOWN_FILE, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT,
  parsePartitionDirName } from '../segment/file-names.js';
import { formatOffsetCheckpoint, fsyncDirectory, readOffsetCheckpoint, writeFileAtomically, writeFileAtomicallyAsync,
  writeOffsetCheckpoint } from './checkpoint-file.js';

/** Kafka's marker contents (a JSON object Kafka 3.x writes and reads). */
const CLEAN_SHUTDOWN_CONTENTS = JSON.stringify({ version: 0, brokerEpoch: 0 });

/** Writes `<dir>/.kafka_cleanshutdown` durably (the file, then the directory). */
export function writeCleanShutdownMarker(dir: string): void {
  const path = join(dir, CLEAN_SHUTDOWN_FILE);
  let fd = -1;
  try {
    fd = openSync(path, 'w');
    writeFileSync(fd, CLEAN_SHUTDOWN_CONTENTS);
    fsyncSync(fd);
  } catch (error) {
    throw ioError(error, 'cannot write clean-shutdown marker', { path });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  fsyncDirectory(dir);
}

/** Whether `dir` was closed cleanly; the marker is removed durably, so a crash from here on counts as unclean. */
export function takeCleanShutdownMarker(dir: string): boolean {
  const path = join(dir, CLEAN_SHUTDOWN_FILE);
  if (!existsSync(path)) return false;
  try {
    unlinkSync(path);
  } catch (error) {
    throw ioError(error, 'cannot remove clean-shutdown marker', { path });
  }
  fsyncDirectory(dir);
  return true;
}

/** The Log's two checkpoint files for one partition. */
export class LogCheckpoints {
  constructor(private readonly dir: string, private readonly topic: string, private readonly partition: number) {}

  /** The partition's entry of a checkpoint (or its only entry); null when missing or unreadable. */
  read(name: typeof RECOVERY_POINT_CHECKPOINT | typeof LOG_START_OFFSET_CHECKPOINT): number | null {
    try {
      const entries = readOffsetCheckpoint(join(this.dir, name));
      const mine = entries.find((e) => e.topic === this.topic && e.partition === this.partition) ?? entries[0];
      return mine === undefined ? null : mine.offset;
    } catch {
      // Kafka treats an unreadable checkpoint as empty: recover everything rather than trust it.
      return null;
    }
  }

  write(recoveryOffset: number, startOffset: number): void {
    writeFileAtomically(join(this.dir, RECOVERY_POINT_CHECKPOINT), this.text(recoveryOffset));
    writeFileAtomically(join(this.dir, LOG_START_OFFSET_CHECKPOINT), this.text(startOffset));
  }

  async writeAsync(recoveryOffset: number, startOffset: number): Promise<void> {
    await writeFileAtomicallyAsync(join(this.dir, RECOVERY_POINT_CHECKPOINT), this.text(recoveryOffset));
    await writeFileAtomicallyAsync(join(this.dir, LOG_START_OFFSET_CHECKPOINT), this.text(startOffset));
  }

  private text(offset: number): string {
    return formatOffsetCheckpoint([{ topic: this.topic, partition: this.partition, offset }]);
  }
}

/** The topic and partition a partition directory's name says (the whole name and 0 for another name). */
function topicPartitionOf(dir: string): { topic: string; partition: number } {
  const parsed = parsePartitionDirName(basename(dir));
  return parsed === null ? { topic: basename(dir), partition: 0 } : { topic: parsed.topic, partition: parsed.partition };
}

/** The stored first dirty offset of the log in `log.dir`, null if none. */
export function readCleanerCheckpoint(log: { readonly dir: string }): number | null {
  const { topic, partition } = topicPartitionOf(log.dir);
  try {
    const entries = readOffsetCheckpoint(join(log.dir, CLEANER_OFFSET_CHECKPOINT));
    const mine = entries.find((e) => e.topic === topic && e.partition === partition);
    return mine === undefined ? null : mine.offset;
  } catch {
    // Like Kafka: an unreadable cleaner checkpoint means "clean from the start".
    return null;
  }
}

export function writeCleanerCheckpoint(log: { readonly dir: string }, offset: number): void {
  const { topic, partition } = topicPartitionOf(log.dir);
  writeOffsetCheckpoint(join(log.dir, CLEANER_OFFSET_CHECKPOINT), [{ topic, partition, offset }]);
}
