/**
 * Kafka's swap protocol for putting compacted segments in place of the ones they replace, crash-safe
 * at every step (log-loader.ts finishes or aborts an interrupted swap on open):
 *
 * 1. the new segments (sealed, fsync'd `.cleaned`) are renamed `.swap`, highest base first;
 * 2. the old segments are retired: renamed `.deleted`, unlinked after file.delete.delay.ms;
 * 3. the `.swap` files are renamed to their final names, lowest base first, so that a crash in this
 *    step leaves every remaining `.swap` above every already-renamed new segment;
 * 4. the directory is fsync'd.
 *
 * Only the files move here; the Log updates its segment list once this returns.
 */
import type { Segment } from '../segment/segment.js';
import { fsyncDirectory } from './checkpoint-file.js';

/**
 * Renames `news` in over `olds` in `dir`; `retire` takes an old segment out (segment-deletion.ts).
 * `onRename` runs after every rename: crash tests kill a real process between any two of them.
 */
export function swapSegments(dir: string, olds: readonly Segment[], news: readonly Segment[], retire: (segment: Segment) => void,
    onRename?: () => void): void {
  const ascending = [...news].sort((a, b) => a.baseOffset - b.baseOffset);
  for (let i = ascending.length - 1; i >= 0; i--) {
    (ascending[i] as Segment).changeState('swap');
    onRename?.();
  }
  for (const s of olds) {
    retire(s);
    onRename?.();
  }
  for (const s of ascending) {
    s.changeState(null);
    onRename?.();
  }
  fsyncDirectory(dir);
}
