import { randomUUID } from 'node:crypto';
import { isAlive as alive } from '../io/pid.js';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { availableParallelism } from 'node:os';
import type { FSWatcher } from 'chokidar';
import { closeDicom, openDicom } from '../dicom/file.js';
import { tagOf } from '../dicom/tag.js';
import { decodeStrings, fileContext } from '../dicom/values.js';
import { isInside, walk } from '../io/walk.js';
import { openPool, type FilePool } from '../pool/pool.js';
import type { FileResult } from '../job/outcome.js';
import type { JobSpec as WorkerConfig } from '../job/task.js';
import { journalEntry, type JournalEntry } from '../job/journal.js';
import type { Layout } from '../job/layout.js';
import { UsageError } from '../errors.js';
import { prepareTempDir } from '../job/temp-dir.js';
import { dayOf, WatchJournal, type Destination, type OutcomeRecord } from './journal.js';
import { startHealthServer, isLoopback, type HealthServer } from './health.js';
import { fsyncDir, moveOriginal, writeFileAtomic } from './move.js';
import { BatchReports } from './reports.js';
import { Settler } from './settle.js';

export interface WatchOptions {
  inbox: string;
  out: string;
  layout: Layout;
  /**
   * Everything a worker needs (profile, options, secret, pseudonym table). With `worker.fsync`
   * each output is fsynced before its rename (by the codec) and, once in place, the folders from
   * its own up to the output root are fsynced too, before its outcome is journaled and its
   * original moved (see syncOutput).
   */
  worker: Omit<WorkerConfig, 'out' | 'layout' | 'tmpDir'>;
  profileName: string;
  profileOptions: string[];
  /** Worker threads; 0 processes files on the main thread (default: the machine's cores). */
  threads?: number;
  /** Journal, reports, status.json and the lock (default <inbox's parent>/.anonflow-watch/<inbox's name>). */
  state?: string;
  done?: string;
  failed?: string;
  quarantine?: string;
  /** Delete originals that were written instead of moving them to done/. */
  deleteOriginals?: boolean;
  /** How long a file must stay unchanged (size and mtime) before it is read (default 2000). */
  settleMs?: number;
  /** Study grouping: hold a study until none of its files arrived for this long (default: off). */
  studyQuietMs?: number;
  /** A full walk of the inbox, in case the file system dropped events (default 60 000). */
  rescanMs?: number;
  /** How often the stats event is emitted (default 10 000). */
  statsMs?: number;
  /**
   * At most this many inputs are tracked at once (settling, grouping, ready, in flight,
   * retrying; default 50 000). Files seen beyond it stay in the inbox, untracked, and are picked
   * up by a rescan once the queue has drained to half. Bounds the daemon's own bookkeeping;
   * chokidar still keeps a small record per file and folder in the inbox.
   */
  maxQueue?: number;
  /** Serve GET /health and /metrics on this port (0: any free port; default: no endpoint). */
  healthPort?: number;
  /** The address the endpoint listens on (default 127.0.0.1: this machine only). */
  healthHost?: string;
  /** Unhealthy (503) once this many inputs in a row failed (default 10). */
  unhealthyAfter?: number;
  onEvent?: (e: WatchEvent) => void;
}

export interface WatchTotals {
  written: number;
  already_present: number;
  failed: number;
  quarantined: number;
  retried: number;
  bytes_in: number;
}

export interface WatchStatus {
  pid: number;
  state: 'starting' | 'running' | 'stopping' | 'stopped';
  started_at: string;
  updated_at: string;
  inbox: string;
  out: string;
  /** deferred: files seen while the queue was full (--max-queue), left for a rescan (0 once it took them). */
  queue: { settling: number; grouping: number; ready: number; in_flight: number; retrying: number; total: number; deferred: number };
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

export type FileStatus = 'written' | 'already-present' | 'failed' | 'quarantined' | 'retry';

export type WatchEvent =
  | { type: 'start'; inbox: string; out: string; state: string; threads: number; recovered: number; health?: string }
  | { type: 'file'; status: FileStatus; input: string; output?: string; moved_to?: string | null; code?: string; message?: string; reason?: string; ms: number }
  | { type: 'stats'; status: WatchStatus }
  | { type: 'notice'; message: string }
  | { type: 'stop'; totals: WatchTotals };

const STUDY_UID = tagOf(0x0020, 0x000d);
const MAX_TRIES = 3;
const PRUNE_AGE_MS = 10 * 60_000;
/** Names a copy tool uses while writing, never picked up (besides hidden files). */
const PARTIAL = /\.(part|partial|tmp|filepart|crdownload|download)$/i;


/**
 * Test-only fault injection: ANONFLOW_WATCH_CRASH=<point>[@n] kills the process with SIGKILL at
 * the n-th time (default first) it reaches <point> (claim, output, outcome, move).
 */
function crashHook(): (point: string) => void {
  const spec = process.env.ANONFLOW_WATCH_CRASH;
  if (!spec) return () => {};
  const [point, n] = spec.split('@');
  let left = Number(n ?? 1);
  return (p) => {
    if (p === point && --left <= 0) process.kill(process.pid, 'SIGKILL');
  };
}

/** Resolves the folders a watch uses and refuses overlaps that would loop or leak. */
export function watchPaths(o: Pick<WatchOptions, 'inbox' | 'out' | 'state' | 'done' | 'failed' | 'quarantine'>) {
  const inbox = resolve(o.inbox);
  const parent = dirname(inbox);
  const p = {
    inbox,
    out: resolve(o.out),
    state: resolve(o.state ?? join(parent, '.anonflow-watch', basename(inbox))),
    done: resolve(o.done ?? join(parent, 'done')),
    failed: resolve(o.failed ?? join(parent, 'failed')),
    quarantine: resolve(o.quarantine ?? join(parent, 'quarantine')),
  };
  let st;
  try {
    st = statSync(inbox);
  } catch {
    throw new UsageError(`inbox ${inbox} does not exist`);
  }
  if (!st.isDirectory()) throw new UsageError(`inbox ${inbox} is not a folder`);
  for (const [name, dir] of [['output', p.out], ['state', p.state], ['done', p.done], ['failed', p.failed], ['quarantine', p.quarantine]] as const) {
    if (isInside(dir, inbox)) throw new UsageError(`${name} folder ${dir} must not be inside the inbox ${inbox}`);
    if (isInside(inbox, dir)) throw new UsageError(`the inbox ${inbox} must not be inside the ${name} folder ${dir}`);
  }
  for (const [name, dir] of [['state', p.state], ['done', p.done], ['failed', p.failed], ['quarantine', p.quarantine]] as const) {
    if (isInside(dir, p.out) || isInside(p.out, dir)) throw new UsageError(`${name} folder ${dir} and the output folder ${p.out} must not contain one another`);
  }
  return p;
}

/** One daemon per state folder: <state>/lock holds its pid; a dead owner's lock is taken over. */
function takeLock(path: string): () => void {
  for (let i = 0; i < 3; i++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (Number(readFileSync(path, 'utf8')) === process.pid) unlinkSync(path);
        } catch {
          /* gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        continue;
      }
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) throw new UsageError(`another watch (pid ${owner}) uses the state folder ${dirname(path)}`);
      try {
        unlinkSync(path);
      } catch {
        /* taken by another */
      }
    }
  }
  throw new UsageError(`cannot take the lock ${path}`);
}

/**
 * The watch-folder daemon: chokidar reports files, the Settler waits until they stop changing,
 * the pool (the same as `anon run`'s) de-identifies them, and each original then leaves the
 * inbox for done/ (or is deleted), failed/ (with .error.json) or quarantine/ (with .reason.json).
 * Every step is journaled first (see journal.ts), so a restart after SIGKILL finishes what was
 * begun: no input lost, none written twice, no partial output visible (outputs are renamed or
 * linked into place by the codec, and hierarchy names are the instance's identity).
 */
export class WatchDaemon {
  readonly paths: ReturnType<typeof watchPaths>;
  private readonly settleMs: number;
  private readonly threads: number;
  private readonly maxInFlight: number;
  private readonly journal: WatchJournal;
  private readonly reports: BatchReports;
  private readonly settler: Settler;
  private readonly crash = crashHook();
  private readonly id = randomUUID();
  /** Settled files waiting for the pool, with their study batch when grouped. */
  private readonly ready = new Map<string, string | undefined>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Files being read for their study, or held until their study is quiet. */
  private readonly classifying: string[] = [];
  private classifyBusy = false;
  private readonly studies = new Map<string, { paths: string[]; last: number }>();
  private readonly grouped = new Set<string>();
  /** Batches of a study: files not yet finished. */
  private readonly batchLeft = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly tries = new Map<string, number>();
  /** Originals whose move failed (a full or read-only disk): tried again on each rescan. */
  private readonly unmoved = new Map<string, OutcomeRecord>();
  /** Inbox sub-folders a move may have emptied (see pruneDirs). */
  private readonly emptied = new Set<string>();
  private readonly totals: WatchTotals = { written: 0, already_present: 0, failed: 0, quarantined: 0, retried: 0, bytes_in: 0 };
  private lastError: WatchStatus['last_error'] = null;
  private state: WatchStatus['state'] = 'starting';
  private readonly startedAt = new Date();
  private pool?: FilePool;
  private watcher?: FSWatcher;
  private tmpDir?: string;
  private releaseLock?: () => void;
  private timers: NodeJS.Timeout[] = [];
  private rescanning = false;
  private rate = { at: Date.now(), done: 0, value: 0 };
  private stopped?: Promise<void>;
  private health?: HealthServer;
  private readonly maxQueue: number;
  private readonly unhealthyAfter: number;
  /** Inputs that failed in a row (reset by any other outcome). */
  private consecutiveFailures = 0;
  /** Files not tracked because the queue was full: a rescan takes them once it drains. */
  private deferred = 0;
  /** With fsync: output folders whose own entry in their parent is already durable. */
  private readonly syncedDirs = new Set<string>();

  constructor(private readonly o: WatchOptions) {
    this.paths = watchPaths(o);
    this.settleMs = o.settleMs ?? 2000;
    this.threads = o.threads ?? availableParallelism();
    this.maxInFlight = Math.max(1, this.threads) * 2;
    this.maxQueue = Math.max(this.maxInFlight + 1, o.maxQueue ?? 50_000);
    this.unhealthyAfter = Math.max(1, o.unhealthyAfter ?? 10);
    this.journal = new WatchJournal(join(this.paths.state, 'journal'));
    this.reports = new BatchReports(join(this.paths.state, 'reports'), {
      profile: o.profileName,
      options: { layout: o.layout, inbox: this.paths.inbox, out: this.paths.out, deidentification_options: o.profileOptions },
    });
    this.settler = new Settler(this.settleMs);
  }

  private emit(e: WatchEvent): void {
    this.o.onEvent?.(e);
  }

  private error(code: string, message: string, path?: string): void {
    this.lastError = { at: new Date().toISOString(), path, code, message };
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
        if (!isLoopback(host)) this.emit({ type: 'notice', message: `the health endpoint ${this.health.url} is reachable from other machines: it shows folder paths and the last error's input path, and file names may hold patient data` });
      }
      const recovered = this.recover();
      this.tmpDir = prepareTempDir(p.out, this.id);
      const cfg: WorkerConfig = { ...this.o.worker, out: p.out, layout: this.o.layout, tmpDir: this.tmpDir };
      this.pool = await openPool(cfg, this.threads);
      this.emit({ type: 'start', inbox: p.inbox, out: p.out, state: p.state, threads: this.threads, recovered, ...(this.health ? { health: this.health.url } : {}) });
      await this.watch();
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
      this.journal.sync();
      this.writeStatus();
    });
    every(this.o.statsMs ?? 10_000, () => this.emit({ type: 'stats', status: this.status() }));
    every(this.o.rescanMs ?? 60_000, () => void this.rescan());
    every(60_000, () => this.rollReports());
    this.writeStatus();
  }

  /** Finishes what a killed daemon left half-done; returns how many originals it moved. */
  private recover(): number {
    const replay = this.journal.replay();
    let n = 0;
    for (const rec of replay.unmoved) {
      if (this.moveOriginal(rec) !== false) n++;
    }
    const today = `day-${dayOf()}`;
    for (const [batch, recs] of replay.batches) {
      for (const r of recs) this.reports.add(r, true);
      if (batch === today) continue;
      this.reports.close(batch);
      if (batch.startsWith('study-')) this.journal.append({ t: 'batch-end', batch });
    }
    if (n) this.emit({ type: 'notice', message: `recovered ${n} original(s) whose output was written before a stop` });
    return n;
  }

  private ignored = (path: string): boolean => {
    if (path === this.paths.inbox) return false;
    const name = basename(path);
    return name.startsWith('.') || PARTIAL.test(name);
  };

  private async watch(): Promise<void> {
    const { watch } = await import('chokidar');
    const w = watch(this.paths.inbox, { ignoreInitial: false, persistent: true, ignored: this.ignored, followSymlinks: false });
    this.watcher = w;
    w.on('add', (path: string) => this.seen(path));
    w.on('change', (path: string) => this.seen(path, true));
    w.on('unlink', (path: string) => {
      this.settler.forget(path);
      this.ready.delete(path);
      this.tries.delete(path);
    });
    w.on('error', (e: unknown) => {
      this.error('WATCH', (e as Error).message);
      void this.rescan(); // events may have been lost: walk the inbox
    });
    await new Promise<void>((r) => w.once('ready', () => r()));
  }

  private busy(path: string): boolean {
    return this.ready.has(path) || this.inFlight.has(path) || this.grouped.has(path) || this.retryTimers.has(path) || this.unmoved.has(path);
  }

  /** A file was added or changed (or found by a rescan). */
  private seen(path: string, changed = false): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (this.ready.has(path) && changed) {
      this.ready.delete(path); // still being written: wait again
      this.settler.touch(path);
      return;
    }
    if (this.inFlight.has(path) && changed) {
      this.emit({ type: 'notice', message: `${relative(this.paths.inbox, path)} changed while it was being processed (raise --settle-ms?)` });
      return;
    }
    if (this.busy(path)) return;
    if (!this.settler.has(path) && this.tracked() >= this.maxQueue) {
      this.deferred++; // left in the inbox: a rescan takes it once the queue has drained
      return;
    }
    if (changed || !this.settler.has(path)) this.settler.touch(path);
  }

  /**
   * Inputs the daemon holds bookkeeping for (capped by maxQueue). Originals whose move keeps
   * failing count too: when done/ is unwritable the daemon stops taking new files at the cap.
   */
  private tracked(): number {
    return this.settler.size + this.grouped.size + this.ready.size + this.inFlight.size + this.retryTimers.size + this.unmoved.size;
  }

  private tick(): void {
    if (this.state !== 'running') return;
    const settled = this.settler.sweep();
    for (const path of settled) {
      if (this.o.studyQuietMs === undefined) this.ready.set(path, undefined);
      else {
        this.grouped.add(path);
        this.classifying.push(path);
      }
    }
    if (this.classifying.length) void this.classify();
    if (this.o.studyQuietMs !== undefined) this.releaseStudies(false);
    this.pump();
    if (this.deferred && this.tracked() <= this.maxQueue / 2) void this.rescan();
  }

  /** Study grouping: reads each settled file's Study Instance UID and holds it with its study. */
  private async classify(): Promise<void> {
    if (this.classifyBusy) return;
    this.classifyBusy = true;
    try {
      while (this.classifying.length && this.state === 'running') {
        const path = this.classifying.shift()!;
        let uid: string | undefined;
        try {
          const f = await openDicom(path);
          try {
            const el = f.dataset.get(STUDY_UID);
            uid = el && el.value ? decodeStrings(el, fileContext(f))[0]?.trim() : undefined;
          } finally {
            closeDicom(f);
          }
        } catch {
          /* not DICOM or unreadable: processed on its own, and reported there */
        }
        if (!uid) {
          this.grouped.delete(path);
          this.ready.set(path, undefined);
          continue;
        }
        let s = this.studies.get(uid);
        if (!s) this.studies.set(uid, (s = { paths: [], last: 0 }));
        s.paths.push(path);
        s.last = Date.now();
      }
    } finally {
      this.classifyBusy = false;
    }
  }

  /**
   * Studies quiet for the grouping time (all of them when stopping) become batches. A file still
   * settling or being classified may belong to any study (its Study Instance UID is not known
   * yet), so while there are such files no study is released, unless it has been quiet for ten
   * grouping times (a steady stream of other files must not hold a study forever).
   */
  private releaseStudies(all: boolean): void {
    const now = Date.now();
    const quiet = this.o.studyQuietMs!;
    const arriving = this.settler.size > 0 || this.classifying.length > 0 || this.classifyBusy;
    for (const [uid, s] of this.studies) {
      if (!all && (now - s.last < quiet || (arriving && now - s.last < 10 * quiet))) continue;
      this.studies.delete(uid);
      if (all) {
        for (const p of s.paths) this.grouped.delete(p); // left in the inbox for the next start
        continue;
      }
      const batch = `study-${randomUUID()}`;
      this.batchLeft.set(batch, s.paths.length);
      for (const p of s.paths) {
        this.grouped.delete(p);
        this.ready.set(p, batch);
      }
    }
  }

  private pump(): void {
    if (this.state !== 'running' || !this.pool) return;
    for (const [path, batch] of this.ready) {
      if (this.inFlight.size >= this.maxInFlight) break;
      this.ready.delete(path);
      const job = this.handle(path, batch)
        .catch((e: unknown) => this.error('INTERNAL', (e as Error).message, path))
        .finally(() => {
          this.inFlight.delete(path);
          this.pump();
        });
      this.inFlight.set(path, job);
    }
  }

  /** Claims, processes, journals and moves one file. */
  private async handle(path: string, batch: string | undefined): Promise<void> {
    const rel = relative(this.paths.inbox, path);
    let st;
    try {
      st = statSync(path);
    } catch {
      return; // gone before its turn
    }
    this.journal.append({ t: 'claim', rel, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    this.crash('claim');
    let result: FileResult;
    try {
      result = await this.pool!.run({ path, rel });
      if (this.o.worker.fsync && result.outcome.status === 'written') this.syncOutput(result.outcome.output);
    } catch (e) {
      if (!existsSync(path)) return;
      // Not a typed error of the file: maybe the disk (ENOSPC, EIO). Keep the original and retry.
      const code = (e as NodeJS.ErrnoException).code ?? 'INTERNAL';
      const message = (e as Error).message;
      this.error(code, message, path);
      const n = (this.tries.get(path) ?? 0) + 1;
      if (n < MAX_TRIES && this.state === 'running') {
        this.tries.set(path, n);
        this.totals.retried++;
        this.emit({ type: 'file', status: 'retry', input: rel, code, message, ms: 0 });
        const t = setTimeout(() => {
          this.retryTimers.delete(path);
          this.seen(path);
        }, 5000 * n);
        t.unref();
        this.retryTimers.set(path, t);
        if (batch) this.batchDone(batch);
        return;
      }
      if (n < MAX_TRIES) return; // stopping: left in the inbox for the next start
      result = { outcome: { status: 'failed', path, error: { code, message } }, bytesIn: st.size, ms: 0 };
    }
    this.tries.delete(path);
    this.crash('output');
    const o = result.outcome;
    let entry: JournalEntry;
    let dest: Destination;
    if (o.status === 'skipped' || o.status === 'quarantined') {
      // Not DICOM, a DICOMDIR under hierarchy, or refused by the pixel policy: kept aside with the reason.
      entry = { input: path, status: 'quarantined', reason: o.reason };
      dest = 'quarantine';
    } else {
      entry = journalEntry(o);
      dest = o.status === 'failed' ? 'failed' : this.o.deleteOriginals ? 'delete' : 'done';
    }
    const rec: OutcomeRecord = {
      t: 'outcome', rel, ino: st.ino, entry, dest, batch: batch ?? `day-${dayOf()}`, ms: result.ms, bytesIn: result.bytesIn,
      ...(o.status === 'written' && o.alreadyPresent ? { alreadyPresent: true } : {}),
    };
    this.journal.append(rec);
    this.crash('outcome');
    this.reports.add(rec);
    const to = this.moveOriginal(rec);
    this.totals.bytes_in += result.bytesIn;
    const base = { input: rel, ms: Number(result.ms.toFixed(1)), moved_to: to === false ? undefined : to ?? null };
    if (o.status === 'written') {
      if (o.alreadyPresent) this.totals.already_present++;
      else this.totals.written++;
      this.emit({ type: 'file', status: o.alreadyPresent ? 'already-present' : 'written', output: o.output, ...base });
    } else if (o.status === 'failed') {
      this.totals.failed++;
      this.consecutiveFailures++;
      this.error(o.error.code, o.error.message, path);
      this.emit({ type: 'file', status: 'failed', code: o.error.code, message: o.error.message, ...base });
    } else {
      this.totals.quarantined++;
      this.emit({ type: 'file', status: 'quarantined', reason: o.reason, ...base });
    }
    if (o.status !== 'failed') this.consecutiveFailures = 0;
    this.rate.done++;
    if (batch) this.batchDone(batch);
  }

  /**
   * --fsync: the output's data was fsynced before its rename (by the codec); here its folder is
   * fsynced so the new name is durable, and each folder above it up to the output root the first
   * time (hierarchy folders are made as instances arrive). Done before the outcome is journaled and
   * the original moved or deleted, so a power loss can lose at most work still redone from the inbox.
   * A failure (EIO) is treated like any I/O error: the original stays, and is retried.
   */
  private syncOutput(output: string): void {
    // The file itself again: cheap when the codec already did, and the codec's kernel-copy path
    // (an untouched file, identity profile) does not fsync (src/dicom/file.ts, outside watch).
    const fd = openSync(output, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const root = this.paths.out;
    let dir = dirname(output);
    fsyncDir(dir);
    while (dir !== root && isInside(dir, root)) {
      if (this.syncedDirs.has(dir)) break;
      const up = dirname(dir);
      fsyncDir(up);
      if (this.syncedDirs.size >= 10_000) this.syncedDirs.clear(); // a cache: bounded
      this.syncedDirs.add(dir);
      dir = up;
    }
  }

  private batchDone(batch: string): void {
    const left = (this.batchLeft.get(batch) ?? 1) - 1;
    if (left > 0) {
      this.batchLeft.set(batch, left);
      return;
    }
    this.batchLeft.delete(batch);
    if (this.reports.close(batch)) this.journal.append({ t: 'batch-end', batch });
  }

  /**
   * Moves (or deletes) the original of a journaled outcome and journals that. Returns where it
   * went (null: deleted or already gone), or false when the move failed (tried again later).
   */
  private moveOriginal(rec: OutcomeRecord): string | null | false {
    const p = this.paths;
    const root = rec.dest === 'delete' ? null : p[rec.dest];
    const at = new Date().toISOString();
    const e = rec.entry;
    const sidecar =
      e.status === 'failed'
        ? { suffix: '.error.json', data: { input: rec.rel, code: e.code, message: e.message, element_path: e.element_path, offset: e.offset, at } }
        : e.status === 'quarantined'
          ? { suffix: '.reason.json', data: { input: rec.rel, reason: e.reason, at } }
          : undefined;
    const key = join(p.inbox, rec.rel);
    try {
      const to = moveOriginal(p.inbox, rec.rel, rec.ino, root, sidecar);
      this.crash('move');
      this.journal.append({ t: 'moved', rel: rec.rel, ino: rec.ino, to: to ?? null });
      this.unmoved.delete(key);
      if (to !== undefined && dirname(key) !== p.inbox) this.emptied.add(dirname(key));
      return to ?? null;
    } catch (err) {
      this.error((err as NodeJS.ErrnoException).code ?? 'MOVE', `cannot move the original: ${(err as Error).message}`, key);
      this.unmoved.set(key, rec);
      return false;
    }
  }

  /**
   * Removes inbox sub-folders that moves emptied, on a rescan, once unchanged for PRUNE_AGE_MS:
   * a sender may make a folder and fill it slowly, and must not find it gone.
   */
  private pruneDirs(): void {
    const now = Date.now();
    for (const d of [...this.emptied]) {
      try {
        const st = statSync(d);
        if (now - st.mtimeMs < PRUNE_AGE_MS) continue;
        rmdirSync(d);
        const up = dirname(d);
        if (up !== this.paths.inbox && up.startsWith(this.paths.inbox + sep)) this.emptied.add(up);
      } catch {
        /* not empty, or gone */
      }
      this.emptied.delete(d);
    }
  }

  /** Walks the inbox for files the watcher missed, and retries failed moves. */
  private async rescan(): Promise<void> {
    if (this.rescanning || this.state !== 'running') return;
    this.rescanning = true;
    this.deferred = 0;
    try {
      for (const rec of [...this.unmoved.values()]) this.moveOriginal(rec);
      this.pruneDirs();
      for await (const e of walk([this.paths.inbox])) {
        if (this.state !== 'running') break;
        if (e.rel.split(sep).some((s) => s.startsWith('.')) || PARTIAL.test(e.path)) continue;
        if (this.busy(e.path) || this.settler.has(e.path)) continue;
        if (this.tracked() >= this.maxQueue) {
          this.deferred++; // the rest waits for the next rescan
          break;
        }
        this.settler.touch(e.path);
      }
    } catch (e) {
      this.error('RESCAN', (e as Error).message);
    } finally {
      this.rescanning = false;
    }
  }

  /** Closes the reports of days that are over, and rewrites the open ones. */
  private rollReports(): void {
    for (const b of this.reports.pastDays(dayOf())) this.reports.close(b);
    this.reports.flush();
  }

  status(): WatchStatus {
    const now = Date.now();
    if (now - this.rate.at >= 1000) {
      this.rate.value = (this.rate.done * 1000) / (now - this.rate.at);
      this.rate = { at: now, done: 0, value: this.rate.value };
    }
    const q = {
      settling: this.settler.size,
      grouping: this.grouped.size,
      ready: this.ready.size,
      in_flight: this.inFlight.size,
      retrying: this.retryTimers.size + this.unmoved.size,
      total: 0,
      deferred: this.deferred,
    };
    q.total = q.settling + q.grouping + q.ready + q.in_flight + q.retrying;
    const reason =
      this.state !== 'running'
        ? this.state
        : this.consecutiveFailures >= this.unhealthyAfter
          ? `the last ${this.consecutiveFailures} inputs all failed`
          : this.unmoved.size >= this.unhealthyAfter
            ? `${this.unmoved.size} originals cannot be moved out of the inbox`
            : undefined;
    return {
      pid: process.pid,
      state: this.state,
      started_at: this.startedAt.toISOString(),
      updated_at: new Date(now).toISOString(),
      inbox: this.paths.inbox,
      out: this.paths.out,
      queue: q,
      totals: { ...this.totals },
      last_error: this.lastError,
      files_per_second: Number(this.rate.value.toFixed(1)),
      rss_mib: Number((process.memoryUsage.rss() / 1048576).toFixed(1)),
      open_reports: this.reports.openBatches,
      health: { ok: reason === undefined, ...(reason ? { reason } : {}), consecutive_failures: this.consecutiveFailures },
      health_url: this.health?.url ?? null,
    };
  }

  private writeStatus(): void {
    try {
      writeFileAtomic(join(this.paths.state, 'status.json'), JSON.stringify(this.status(), null, 2) + '\n');
    } catch (e) {
      this.error('STATUS', (e as Error).message);
    }
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
      for (const t of this.retryTimers.values()) clearTimeout(t);
      this.retryTimers.clear();
      await this.watcher?.close();
      await Promise.allSettled([...this.inFlight.values()]);
      this.releaseStudies(true);
      for (const b of this.reports.openBatches) {
        if (b.startsWith('study-')) {
          this.reports.close(b);
          this.journal.append({ t: 'batch-end', batch: b });
        }
      }
      this.reports.flush();
      await this.teardown();
      this.state = 'stopped';
      this.writeStatus();
      this.releaseLock?.();
      this.emit({ type: 'stop', totals: { ...this.totals } });
    })();
    return this.stopped;
  }

  private async teardown(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
    await this.health?.close();
    this.health = undefined;
    this.journal.close();
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
