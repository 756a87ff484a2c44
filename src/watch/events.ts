import type { WatchStatus, WatchTotals } from './status.js';

export type FileStatus = 'written' | 'already-present' | 'failed' | 'quarantined' | 'retry';

/** What the daemon reports (anon watch prints each as a line, or as NDJSON with --json). */
export type WatchEvent =
  | { type: 'start'; inbox: string; out: string; state: string; threads: number; recovered: number; health?: string }
  | { type: 'file'; status: FileStatus; input: string; output?: string; moved_to?: string | null; code?: string; message?: string; reason?: string; ms: number }
  | { type: 'stats'; status: WatchStatus }
  | { type: 'notice'; message: string }
  | { type: 'stop'; totals: WatchTotals };
