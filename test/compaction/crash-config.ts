/** The log configuration shared by the compaction crash test and its child process. */
export const CRASH_LOG_CONFIG = {
  cleanupPolicy: 'compact' as const,
  segmentBytes: 16 * 1024,
  indexIntervalBytes: 512,
  deleteRetentionMs: 1000,
  fileDeleteDelayMs: 0,
};
