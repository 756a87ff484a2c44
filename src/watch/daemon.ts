import { randomUUID } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, rmdirSync, rmSync, type Stats } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { openPool, type FilePool } from '../pool/pool.js';
import type { FileResult } from '../job/outcome.js';
import type { JobSpec } from '../job/task.js';
import { UsageError } from '../errors.js';
import { prepareTempDir } from '../job/temp-dir.js';
import type { WatchEvent } from './events.js';
import { startHealthServer, isLoopback, type HealthServer } from './health.js';
import { Ledger, type Claimed } from './ledger.js';
import { takeLock } from './lock.js';
import type { WatchOptions } from './options.js';
import { OutputSync } from './output-sync.js';
import { watchPaths, type WatchPaths } from './paths.js';
import { WatchQueue } from './queue.js';
import { StatusBoard } from './status-board.js';
import type { WatchState, WatchStatus } from './status.js';
import { InboxWatcher, inboxFiles } from './watcher.js';

export type { FileStatus, WatchEvent } from './events.js';
export type { WatchOptions } from './options.js';
export type { WatchStatus, WatchTotals } from './status.js';
export { watchPaths } from './paths.js';

/**
 * The watch-folder daemon: the InboxWatcher reports files, the WatchQueue waits until they stop
 * changing (and groups studies), the pool (the same as `anon run`'s) de-identifies them, and the
 * Ledger journals each step and moves each original out of the inbox to done/ (or deletes it),
 * failed/ (with .error.json) or quarantine/ (with .reason.json). A restart after SIGKILL finishes
 * what was begun: no input lost, none written twice, no partial output visible (outputs are
 * renamed or linked into place by the codec, and hierarchy names are the instance's identity).
 * The StatusBoard keeps the counters behind status.json, GET /health and the stats event.
 */
export class WatchDaemon {
  readonly paths: WatchPaths;
  private readonly threads: number;
  private readonly board: StatusBoard;
  private readonly ledger: Ledger;
  private readonly queue: WatchQueue;
  private readonly watcher: InboxWatcher;
  private readonly outputs: OutputSync;
  private state: WatchState = 'starting';
  private pool?: FilePool;
  private health?: HealthServer;
  private tmpDir?: string;
  private releaseLock?: () => void;
  private timers: NodeJS.Timeout[] = [];
  private rescanning = false;
  private stopped?: Promise<void>;

  constructor(private readonly o: WatchOptions) {
    const p = (this.paths = watchPaths(o));
    this.threads = o.threads ?? availableParallelism();
    const maxInFlight = Math.max(1, this.threads) * 2;
    this.board = new StatusBoard(p, Math.max(1, o.unhealthyAfter ?? 10));
    const error = this.board.error.bind(this.board);
    this.ledger = new Ledger(p, o, error);
    this.queue = new WatchQueue(
      { settleMs: this.settleMs, maxInFlight, maxQueue: Math.max(maxInFlight + 1, o.maxQueue ?? 50_000), studyQuietMs: o.studyQuietMs, unmoved: this.ledger.unmoved },
      {
        running: () => this.state === 'running' && this.pool !== undefined,
        accepting: () => this.state === 'starting' || this.state === 'running',
        work: (path, batch) => this.handle(path, batch),
        error,
        changedInFlight: (path) => this.emit({ type: 'notice', message: `${relative(p.inbox, path)} changed while it was being processed (raise --settle-ms?)` }),
      },
    );
    this.watcher = new InboxWatcher(p.inbox, {
      seen: (path, changed) => this.queue.seen(path, changed),
      gone: (path) => this.queue.forget(path),
      error: (e) => {
        error('WATCH', e.message);
        void this.rescan(); // events may have been lost: walk the inbox
      },
    });
    this.outputs = new OutputSync(p.out);
  }

  private get settleMs(): number {
    return this.o.settleMs ?? 2000;
  }

  private emit(e: WatchEvent): void {
    this.o.onEvent?.(e);
  }

  /** Recovers what the journal left open, then watches. Resolves once the watcher is ready. */
  async start(): Promise<void> {
    const p = this.paths;
    for (const d of [p.out, p.state, p.done, p.failed, p.quarantine]) mkdirSync(d, { recursive: true });
    this.releaseLock = takeLock(join(p.state, 'lock'));
    try {
      if (this.o.healthPort !== undefined) {
        const host = this.o.healthHost ?? '127.0.0.1';
        try {
          this.health = await startHealthServer(host, this.o.healthPort, () => this.status());
        } catch (e) {
          throw new UsageError(`cannot serve the health endpoint on ${host}:${this.o.healthPort}: ${(e as Error).message}`);
        }
        if (!isLoopback(host))
          this.emit({
            type: 'notice',
            message: `the health endpoint ${this.health.url} is reachable from other machines: it shows folder paths and the last error's input path, and file names may hold patient data`,
          });
      }
      const recovered = this.ledger.recover();
      if (recovered) this.emit({ type: 'notice', message: `recovered ${recovered} original(s) whose output was written before a stop` });
      this.tmpDir = prepareTempDir(p.out, randomUUID());
      const cfg: JobSpec = { ...this.o.worker, out: p.out, layout: this.o.layout, tmpDir: this.tmpDir };
      this.pool = await openPool(cfg, this.threads);
      this.emit({ type: 'start', inbox: p.inbox, out: p.out, state: p.state, threads: this.threads, recovered, ...(this.health ? { health: this.health.url } : {}) });
      await this.watcher.start();
    } catch (e) {
      await this.teardown();
      throw e;
    }
    this.state = 'running';
    const every = (ms: number, f: () => void): void => {
      const t = setInterval(f, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(20, Math.min(250, this.settleMs / 4)), () => this.tick());
    every(1000, () => {
      this.ledger.sync();
      this.writeStatus();
    });
    every(this.o.statsMs ?? 10_000, () => this.emit({ type: 'stats', status: this.status() }));
    every(this.o.rescanMs ?? 60_000, () => void this.rescan());
    every(60_000, () => this.ledger.rollReports());
    this.writeStatus();
  }

  private tick(): void {
    if (this.state !== 'running') return;
    this.queue.tick();
    if (this.queue.wantsRescan) void this.rescan();
  }

  /** Claims, processes, journals and moves one file. */
  private async handle(path: string, batch: string | undefined): Promise<void> {
    const rel = relative(this.paths.inbox, path);
    let st;
    try {
      st = lstatSync(path); // a link is the entry itself: never followed, moved out as it is
    } catch {
      return; // gone before its turn
    }
    const input: Claimed = { path, rel, st };
    this.ledger.claim(input);
    let result: FileResult;
    try {
      const notFile = notRegular(st);
      // Never opened (a FIFO would block a worker) nor followed: skipped, moved out with the reason.
      result = notFile ? { outcome: { status: 'skipped', path, reason: `${notFile} in the inbox: not processed` }, bytesIn: 0, ms: 0 } : await this.pool!.run({ path, rel });
      const o = result.outcome;
      // A disk that is full or failing is not the file's fault: the original stays and is retried.
      if (o.status === 'failed' && o.error.code === 'IO_TRANSIENT') throw Object.assign(new Error(o.error.message), { code: 'IO_TRANSIENT' });
      if (this.o.worker.fsync && result.outcome.status === 'written') this.outputs.sync(result.outcome.output);
    } catch (e) {
      if (!existsSync(path)) return;
      // Not a typed error of the file: maybe the disk (ENOSPC, EIO). Keep the original and retry.
      const code = (e as NodeJS.ErrnoException).code ?? 'INTERNAL';
      const message = (e as Error).message;
      this.board.error(code, message, path);
      const verdict = this.queue.failedTry(path);
      if (verdict === 'retry') {
        this.board.retried();
        this.emit({ type: 'file', status: 'retry', input: rel, code, message, ms: 0 });
        if (batch) this.batchDone(batch);
      }
      if (verdict !== 'give-up') return;
      result = { outcome: { status: 'failed', path, error: { code, message } }, bytesIn: st.size, ms: 0 };
    }
    this.queue.finished(path);
    const rec = this.ledger.outcome(input, result, batch);
    const to = this.ledger.move(rec);
    const o = result.outcome;
    const base = { input: rel, ms: Number(result.ms.toFixed(1)), moved_to: to === false ? undefined : (to ?? null) };
    if (o.status === 'written') {
      this.board.finished(o.alreadyPresent ? 'already_present' : 'written', result.bytesIn);
      this.emit({ type: 'file', status: o.alreadyPresent ? 'already-present' : 'written', output: o.output, ...base });
    } else if (o.status === 'failed') {
      this.board.finished('failed', result.bytesIn);
      this.board.error(o.error.code, o.error.message, path);
      this.emit({ type: 'file', status: 'failed', code: o.error.code, message: o.error.message, ...base });
    } else {
      this.board.finished('quarantined', result.bytesIn);
      this.emit({ type: 'file', status: 'quarantined', reason: o.reason, ...base });
    }
    if (batch) this.batchDone(batch);
  }

  private batchDone(batch: string): void {
    if (this.queue.batchDone(batch)) this.ledger.closeBatch(batch);
  }

  /** Walks the inbox for files the watcher missed, and retries failed moves. */
  private async rescan(): Promise<void> {
    if (this.rescanning || this.state !== 'running') return;
    this.rescanning = true;
    this.queue.rescanning();
    try {
      this.ledger.retryMoves();
      this.ledger.pruneDirs();
      for await (const path of inboxFiles(this.paths.inbox)) {
        if (this.state !== 'running' || !this.queue.found(path)) break;
      }
    } catch (e) {
      this.board.error('RESCAN', (e as Error).message);
    } finally {
      this.rescanning = false;
    }
  }

  status(): WatchStatus {
    return this.board.status({
      state: this.state,
      queue: this.queue.counts(),
      unmoved: this.ledger.unmoved.size,
      openReports: this.ledger.openBatches,
      healthUrl: this.health?.url ?? null,
    });
  }

  private writeStatus(): void {
    this.board.write(join(this.paths.state, 'status.json'), this.status());
  }

  /**
   * Stops taking files, lets the files in flight finish (output written, original moved), writes
   * the reports and status, and releases everything. Files not yet started stay in the inbox.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.state = 'stopping';
      this.writeStatus();
      for (const t of this.timers) clearInterval(t);
      this.queue.cancelRetries();
      await this.watcher.close();
      await this.queue.drain();
      this.ledger.closeAll();
      await this.teardown();
      this.state = 'stopped';
      this.writeStatus();
      this.releaseLock?.();
      this.emit({ type: 'stop', totals: this.board.totalsNow() });
    })();
    return this.stopped;
  }

  private async teardown(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
    await this.health?.close();
    this.health = undefined;
    this.ledger.close();
    if (this.tmpDir) {
      rmSync(this.tmpDir, { recursive: true, force: true });
      try {
        rmdirSync(dirname(this.tmpDir));
      } catch {
        /* another run's temp files are there */
      }
    }
    if (this.state === 'starting') this.releaseLock?.();
  }
}

/** What an inbox entry is when it is not a regular file (undefined for a file). */
function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isSymbolicLink()) return 'a symbolic link (links are not followed in the inbox)';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
