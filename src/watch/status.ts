/** The daemon's life: GET /health is ok only while running. */
export type WatchState = 'starting' | 'running' | 'stopping' | 'stopped';

export interface WatchTotals {
  written: number;
  already_present: number;
  failed: number;
  quarantined: number;
  retried: number;
  bytes_in: number;
}

/** Inputs tracked, by stage (what --max-queue bounds). */
export interface WatchQueueCounts {
  settling: number;
  grouping: number;
  ready: number;
  in_flight: number;
  retrying: number;
  total: number;
  /** Files seen while the queue was full (--max-queue), left for a rescan (0 once it took them). */
  deferred: number;
}

/** The document written to status.json and answered by GET /health. */
export interface WatchStatus {
  pid: number;
  state: WatchState;
  started_at: string;
  updated_at: string;
  inbox: string;
  out: string;
  queue: WatchQueueCounts;
  totals: WatchTotals;
  last_error: { at: string; path?: string; code: string; message: string } | null;
  files_per_second: number;
  rss_mib: number;
  open_reports: string[];
  /**
   * What GET /health answers: ok (200) only while running, with fewer than `unhealthyAfter`
   * inputs failed in a row and fewer than that many originals whose move keeps failing.
   */
  health: { ok: boolean; reason?: string; consecutive_failures: number };
  /** The health endpoint's URL, when there is one. */
  health_url: string | null;
}
