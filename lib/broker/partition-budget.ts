/**
 * How many partitions this process can keep open, from its descriptor budget: every open partition
 * holds PARTITION_DESCRIPTORS descriptors for as long as it is open, and partitions may take only
 * PARTITION_DESCRIPTOR_SHARE of the process limit (the rest is for connections, segment reads and
 * the files a roll or a checkpoint opens). A CreateTopics beyond it is refused before any directory
 * is made, instead of failing half-way at EMFILE.
 */
import { readFileSync } from 'node:fs';
import { DESCRIPTOR_LIMIT_FALLBACK, PARTITION_DESCRIPTORS, PARTITION_DESCRIPTOR_SHARE } from '../limits.js';

/** The soft "Max open files" limit of this process (Linux /proc), else DESCRIPTOR_LIMIT_FALLBACK. */
function descriptorLimit(): number {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (match?.[1] !== undefined && match[1] !== 'unlimited') return Number(match[1]);
  } catch {
    // No /proc (macOS, BSD): the conservative default below.
  }
  return DESCRIPTOR_LIMIT_FALLBACK;
}

/** Partitions the whole broker may hold open for a descriptor limit of `limit`. */
export function partitionsMaxFor(limit: number = descriptorLimit()): number {
  return Math.max(1, Math.floor((limit * PARTITION_DESCRIPTOR_SHARE) / PARTITION_DESCRIPTORS));
}
