import { Settler } from './settle.js';
import type { WatchQueueCounts } from './status.js';
import { StudyGrouper } from './studies.js';

/** Tries of an input whose processing threw (an I/O error, not a typed error of the file). */
const MAX_TRIES = 3;

export interface QueueOptions {
  settleMs: number;
  maxInFlight: number;
  /** Inputs tracked at once (--max-queue); more stay in the inbox until a rescan takes them. */
  maxQueue: number;
  /** Study grouping's quiet time (undefined: off). */
  studyQuietMs?: number;
  /** Originals whose move keeps failing, by inbox path: tracked, and never taken again meanwhile. */
  unmoved: ReadonlyMap<string, unknown>;
}

export interface QueueHooks {
  /** The daemon takes files (false while starting, stopping and stopped). */
  running(): boolean;
  /** Files are still accepted (false once stopping). */
  accepting(): boolean;
  /** Processes one input; never rejects for the file's own sake. */
  work(path: string, batch: string | undefined): Promise<void>;
  error(code: string, message: string, path?: string): void;
  /** A file in flight changed (it was still being written). */
  changedInFlight(path: string): void;
}

export type TryVerdict = 'retry' | 'later' | 'give-up';

/**
 * The inputs the daemon tracks, from first seen to finished: settling (the Settler), grouping
 * (StudyGrouper), ready, in flight, waiting for a retry. Bounded by --max-queue: inputs seen
 * beyond it are left in the inbox and counted as deferred, for a rescan once it has drained.
 */
export class WatchQueue {
  private readonly settler: Settler;
  private readonly grouper?: StudyGrouper;
  /** Settled files waiting for the pool, with their study batch when grouped. */
  private readonly ready = new Map<string, string | undefined>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly tries = new Map<string, number>();
  /** Files not tracked because the queue was full: a rescan takes them once it drains. */
  private deferred = 0;

  constructor(
    private readonly o: QueueOptions,
    private readonly hooks: QueueHooks,
  ) {
    this.settler = new Settler(o.settleMs);
    if (o.studyQuietMs !== undefined) {
      this.grouper = new StudyGrouper(o.studyQuietMs, {
        settling: () => this.settler.size,
        running: () => hooks.running(),
        ready: (path, batch) => this.ready.set(path, batch),
      });
    }
  }

  /** Tracked anywhere but the Settler (a rescan leaves these alone). */
  private busy(path: string): boolean {
    return this.ready.has(path) || this.inFlight.has(path) || !!this.grouper?.has(path) || this.retryTimers.has(path) || this.o.unmoved.has(path);
  }

  /**
   * Inputs the daemon holds bookkeeping for (capped by maxQueue). Originals whose move keeps
   * failing count too: when done/ is unwritable the daemon stops taking new files at the cap.
   */
  private tracked(): number {
    return this.settler.size + (this.grouper?.size ?? 0) + this.ready.size + this.inFlight.size + this.retryTimers.size + this.o.unmoved.size;
  }

  /** A file was added or changed (watcher event, or a retry due). */
  seen(path: string, changed = false): void {
    if (!this.hooks.accepting()) return;
    if (this.ready.has(path) && changed) {
      this.ready.delete(path); // still being written: wait again
      this.settler.touch(path);
      return;
    }
    if (this.inFlight.has(path) && changed) {
      this.hooks.changedInFlight(path);
      return;
    }
    if (this.busy(path)) return;
    if (!this.settler.has(path) && this.tracked() >= this.o.maxQueue) {
      this.deferred++; // left in the inbox: a rescan takes it once the queue has drained
      return;
    }
    if (changed || !this.settler.has(path)) this.settler.touch(path);
  }

  /** A file found by a rescan; false when the queue is full (the rest waits for the next rescan). */
  found(path: string): boolean {
    if (this.busy(path) || this.settler.has(path)) return true;
    if (this.tracked() >= this.o.maxQueue) {
      this.deferred++;
      return false;
    }
    this.settler.touch(path);
    return true;
  }

  /** A file left the inbox (not by our move): dropped unless already in flight. */
  forget(path: string): void {
    this.settler.forget(path);
    this.ready.delete(path);
    this.tries.delete(path);
  }

  /** A rescan starts: it takes what was deferred, or counts it again. */
  rescanning(): void {
    this.deferred = 0;
  }

  /** Whether inputs were deferred and the queue has drained to half: time for a rescan. */
  get wantsRescan(): boolean {
    return this.deferred > 0 && this.tracked() <= this.o.maxQueue / 2;
  }

  /** Moves settled files on (to grouping or ready), releases quiet studies, starts work. */
  tick(): void {
    const settled = this.settler.sweep();
    if (this.grouper) {
      this.grouper.add(settled);
      this.grouper.release(false);
    } else {
      for (const path of settled) this.ready.set(path, undefined);
    }
    this.pump();
  }

  private pump(): void {
    if (!this.hooks.running()) return;
    for (const [path, batch] of this.ready) {
      if (this.inFlight.size >= this.o.maxInFlight) break;
      this.ready.delete(path);
      const job = this.hooks
        .work(path, batch)
        .catch((e: unknown) => this.hooks.error('INTERNAL', (e as Error).message, path))
        .finally(() => {
          this.inFlight.delete(path);
          this.pump();
        });
      this.inFlight.set(path, job);
    }
  }

  /**
   * Processing threw (maybe the disk: ENOSPC, EIO): 'retry' when another try is scheduled,
   * 'later' when stopping (the original stays for the next start), 'give-up' after MAX_TRIES.
   */
  failedTry(path: string): TryVerdict {
    const n = (this.tries.get(path) ?? 0) + 1;
    if (n >= MAX_TRIES) return 'give-up';
    if (!this.hooks.running()) return 'later';
    this.tries.set(path, n);
    const t = setTimeout(() => {
      this.retryTimers.delete(path);
      this.seen(path);
    }, 5000 * n);
    t.unref();
    this.retryTimers.set(path, t);
    return 'retry';
  }

  /** The input has an outcome: its tries are forgotten. */
  finished(path: string): void {
    this.tries.delete(path);
  }

  /** One file of a study batch is done with; true when it was the batch's last. */
  batchDone(batch: string): boolean {
    return this.grouper?.batchDone(batch) ?? true;
  }

  /** Stopping: no more retries (those originals stay in the inbox for the next start). */
  cancelRetries(): void {
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
  }

  /** Stopping: returns once the files in flight finished; held studies stay in the inbox. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
    this.grouper?.release(true);
  }

  counts(): WatchQueueCounts {
    const q = {
      settling: this.settler.size,
      grouping: this.grouper?.size ?? 0,
      ready: this.ready.size,
      in_flight: this.inFlight.size,
      retrying: this.retryTimers.size + this.o.unmoved.size,
      total: 0,
      deferred: this.deferred,
    };
    q.total = q.settling + q.grouping + q.ready + q.in_flight + q.retrying;
    return q;
  }
}
