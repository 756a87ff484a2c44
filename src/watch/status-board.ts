import { writeFileAtomic } from './move.js';
import type { WatchQueueCounts, WatchState, WatchStatus, WatchTotals } from './status.js';

/** How one input ended, as counted in the totals. */
export type Ending = 'written' | 'already_present' | 'failed' | 'quarantined';

/** What the board cannot know by itself: the daemon's state and the other parts' sizes. */
export interface StatusParts {
  state: WatchState;
  queue: WatchQueueCounts;
  /** Originals whose move keeps failing. */
  unmoved: number;
  openReports: string[];
  healthUrl: string | null;
}

/**
 * The daemon's counters (totals, last error, failures in a row, throughput) and the status
 * document built from them, written to status.json and served as GET /health.
 */
export class StatusBoard {
  private readonly totals: WatchTotals = { written: 0, already_present: 0, failed: 0, quarantined: 0, retried: 0, bytes_in: 0 };
  private lastError: WatchStatus['last_error'] = null;
  /** Inputs that failed in a row (reset by any other outcome). */
  private consecutiveFailures = 0;
  private rate = { at: Date.now(), done: 0, value: 0 };
  private readonly startedAt = new Date();

  constructor(
    private readonly where: { inbox: string; out: string },
    private readonly unhealthyAfter: number,
  ) {}

  error(code: string, message: string, path?: string): void {
    this.lastError = { at: new Date().toISOString(), path, code, message };
  }

  retried(): void {
    this.totals.retried++;
  }

  /** Counts a finished input (a failure's error is recorded by the caller). */
  finished(ending: Ending, bytesIn: number): void {
    this.totals.bytes_in += bytesIn;
    this.totals[ending]++;
    this.consecutiveFailures = ending === 'failed' ? this.consecutiveFailures + 1 : 0;
    this.rate.done++;
  }

  totalsNow(): WatchTotals {
    return { ...this.totals };
  }

  status(parts: StatusParts): WatchStatus {
    const now = Date.now();
    if (now - this.rate.at >= 1000) {
      this.rate.value = (this.rate.done * 1000) / (now - this.rate.at);
      this.rate = { at: now, done: 0, value: this.rate.value };
    }
    const reason =
      parts.state !== 'running'
        ? parts.state
        : this.consecutiveFailures >= this.unhealthyAfter
          ? `the last ${this.consecutiveFailures} inputs all failed`
          : parts.unmoved >= this.unhealthyAfter
            ? `${parts.unmoved} originals cannot be moved out of the inbox`
            : undefined;
    return {
      pid: process.pid,
      state: parts.state,
      started_at: this.startedAt.toISOString(),
      updated_at: new Date(now).toISOString(),
      inbox: this.where.inbox,
      out: this.where.out,
      queue: parts.queue,
      totals: { ...this.totals },
      last_error: this.lastError,
      files_per_second: Number(this.rate.value.toFixed(1)),
      rss_mib: Number((process.memoryUsage.rss() / 1048576).toFixed(1)),
      open_reports: parts.openReports,
      health: { ok: reason === undefined, ...(reason ? { reason } : {}), consecutive_failures: this.consecutiveFailures },
      health_url: parts.healthUrl,
    };
  }

  /** Writes status.json atomically; a failure is only recorded (the next write tries again). */
  write(path: string, status: WatchStatus): void {
    try {
      writeFileAtomic(path, JSON.stringify(status, null, 2) + '\n');
    } catch (e) {
      this.error('STATUS', (e as Error).message);
    }
  }
}
