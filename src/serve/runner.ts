// The job runner: takes ACTIVE jobs from the store (highest priority, oldest first), runs each on
// the engine (runBatch() in src/pool/batch.ts) with its project's profile, pseudonyms, source and
// destination, and keeps status and counters up to date. A job interrupted by a restart is
// UPLOADED in the store; at start it becomes ACTIVE again and its run resumes from its journal.

import { closeSync, existsSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { closeDicom, openDicom } from '../dicom/file.js';
import { decodeStrings, fileContext } from '../dicom/values.js';
import { isInside, walk } from '../io/walk.js';
import { Journal } from '../job/journal.js';
import type { RunReport } from '../job/report.js';
import { runBatch, type RunOptions } from '../pool/batch.js';
import type { ServeConfig } from './config.js';
import { PathRefused } from './errors.js';
import { AnonError, errorData } from '../errors.js';
import { destinationParts, hidePaths, namedPath, resolveSourceInputs, toLocalPath } from './paths.js';
import { runQueuedBatch } from '../queue/producer.js';
import { jobDeid, openDestination } from './job-deid.js';
import { saveMapping } from '../job/mapping-log.js';
import { clearIncomplete, createdOutputs, isMarkedIncomplete, markIncomplete, removeOutputs } from './job-outputs.js';
import type { JobRow, JobStore } from './store.js';
import * as T from '../dicom/tags.generated.js';
import { PacsError } from '../pacs/index.js';
import { fetchJobStudy, isPacsSource, removeDownload } from './pacs-source.js';

/** A job stopped on purpose (cancel, modify, shutdown): the store already says what it is now. */
class JobAborted extends Error {
  override name = 'JobAborted';
}

/** A problem before any file is processed, reported the IDIS way ("Error while pre-processing job N: …"). */
class PreProcessError extends Error {
  override name = 'PreProcessError';
}

export const jobDir = (cfg: ServeConfig, id: number): string => join(cfg.data_dir, 'jobs', String(id));
export const jobReportDir = (cfg: ServeConfig, id: number): string => join(jobDir(cfg, id), 'report');

/** The SOP Class UIDs a job keeps: its own list, else the server's default (empty: all). */
export function sopFilter(job: JobRow, cfg: ServeConfig): string[] {
  const own = (job.source_sop_class_filter_list ?? '').split(/[\s,;]+/).filter(Boolean);
  return own.length ? own : cfg.sop_class_filter;
}

interface Running {
  /** Aborted on cancel, modify or shutdown: the engine stops taking files and journals those in flight. */
  controller: AbortController;
  done: Promise<void>;
  /** The local destination folder, while the job runs: another job writing in or around it waits. */
  dest?: string;
}

export class JobRunner {
  private readonly running = new Map<number, Running>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly store: JobStore,
    private readonly cfg: ServeConfig,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  start(pollMs = 1000): void {
    const n = this.store.requeueInterrupted();
    if (n) this.log(`${n} interrupted job(s) queued again, to resume`);
    this.timer = setInterval(() => this.pump(), pollMs);
    this.timer.unref();
    this.pump();
  }

  /** Something changed (a job was created or modified): look for work now. */
  wake(): void {
    if (!this.stopped) setImmediate(() => this.pump());
  }

  isRunning(id: number): boolean {
    return this.running.has(id);
  }

  /** Stops a running job at the next file; its status is whatever the caller set. */
  abort(id: number): void {
    const r = this.running.get(id);
    r?.controller.abort('job stopped');
  }

  /** Stops taking jobs and stops the running ones; they stay UPLOADED, so the next start resumes them. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const r of this.running.values()) r.controller.abort('server stopping');
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Resolves when no job is ACTIVE or running (for tests and shutdown). */
  get busy(): number {
    return this.running.size;
  }

  private pump(): void {
    if (this.stopped) return;
    while (this.running.size < this.cfg.concurrency) {
      // Overlapping destinations are serialised: two jobs never write into one tree at once.
      const dests = [...this.running.values()].flatMap((r) => (r.dest ? [r.dest] : []));
      const free = (j: JobRow): boolean => {
        const d = this.localDest(j);
        return d === undefined || !dests.some((o) => isInside(d, o) || isInside(o, d));
      };
      const job = this.store.claimNext(new Set(this.running.keys()), free);
      if (!job) return;
      const entry: Running = { controller: new AbortController(), done: Promise.resolve(), dest: this.localDest(job) };
      this.running.set(job.job_id, entry);
      entry.done = this.execute(job, entry)
        .catch((e: unknown) => this.log(`job ${job.job_id}: internal error ${errorKind(e)}`))
        .finally(() => {
          this.running.delete(job.job_id);
          this.pump();
        });
    }
  }

  /** A job's destination as a local folder; undefined when it cannot be resolved (the job will say why). */
  private localDest(j: JobRow): string | undefined {
    try {
      return j.destination_path ? toLocalPath(j.destination_path, this.cfg, 'destination_path') : undefined;
    } catch {
      return undefined;
    }
  }

  private async execute(job: JobRow, self: Running): Promise<void> {
    const id = job.job_id;
    const check = (): void => {
      if (self.controller.signal.aborted) throw new JobAborted();
    };
    const setIfStillOurs = (fields: Parameters<JobStore['update']>[1]): void => {
      if (self.controller.signal.aborted) return;
      const now = this.store.get(id);
      if (now && now.status === 'UPLOADED') this.store.update(id, fields);
    };
    try {
      const reportDir = jobReportDir(this.cfg, id);
      // a reset: what the previous run created goes, if that run never finished (below)
      const previous = job.resume ? [] : createdOutputs(join(reportDir, 'journal.ndjson'));
      if (!job.resume) rmSync(reportDir, { recursive: true, force: true });
      this.store.update(id, { resume: 1 });
      const prepared = await this.prepare(job, check, self.controller.signal, (n) => setIfStillOurs({ files_downloaded: n }));
      setIfStillOurs({ files_downloaded: prepared.files, files_processed: prepared.already, files_quarantined: 0 });
      check();
      let report: RunReport;
      const outFd = openDestination(prepared.dest, job);
      try {
        if (previous.length && isMarkedIncomplete(outFd, id)) removeOutputs(outFd, prepared.out, previous);
        markIncomplete(outFd, id);
        const batch: RunOptions = {
          inputs: prepared.inputs,
          out: prepared.out,
          outFd,
          worker: { deid: prepared.deid, record: true, noOverwrite: true },
          recorder: prepared.recorder,
          layout: this.cfg.layout,
          signal: self.controller.signal,
          profileName: prepared.profileName,
          profileOptions: prepared.profileOptions,
          threads: this.cfg.threads,
          reportDir,
          resume: existsSync(join(reportDir, 'journal.ndjson')),
          onEvent: (e) => {
            if (e.type !== 'file') return;
            setIfStillOurs({ files_processed: prepared.already + e.counts.written, files_quarantined: e.counts.quarantined });
          },
        };
        // With a queue the files go to `anon worker`s; the journal, report and events are the same.
        report = this.cfg.queue
          ? await runQueuedBatch({ ...batch, queue: this.cfg.queue, keyRef: { kind: 'file', id: basename(prepared.keyFile, '.key') }, named: (p) => namedPath(p, this.cfg) })
          : await runBatch(batch);
        // complete: the marker goes (a failure, a cancel or a crash leaves it)
        const c = report.counts;
        if (!self.controller.signal.aborted && c && c.failed === 0 && c.written + c.quarantined > 0) clearIncomplete(outFd, id);
      } catch (e) {
        if (self.controller.signal.aborted) throw new JobAborted();
        throw e;
      } finally {
        closeSync(outFd);
        if (prepared.recorder) saveMapping(this.cfg.data_dir, prepared.keyFile, prepared.recorder); // what was written, cancelled or not
      }
      check();
      const counts = report.counts ?? { written: report.anonymized_files.length, failed: report.failures.length, quarantined: report.quarantined.length };
      const written = counts.written;
      const failed = counts.failed;
      const fields = {
        files_processed: written,
        files_quarantined: counts.quarantined,
        completed_at: new Date().toISOString(),
      };
      if (report.status === 'FAILED' && report.results.error && written === 0 && failed === 0) {
        // the batch could not start (its output folder refused a write): say why, paths hidden
        setIfStillOurs({ ...fields, status: 'ERROR', error: hidePaths(`Error while processing job ${id}: ${report.results.error}`, this.cfg) });
      } else if (failed > 0) {
        const first = report.failures[0];
        setIfStillOurs({
          ...fields,
          status: 'ERROR',
          error: hidePaths(
            `Error while processing job ${id}: ${failed} of ${report.results.samples_processed} files failed; first: ${shownPath(first.path, prepared.inputs)}: ${first.code}: ${first.message}`,
            this.cfg,
          ),
        });
      } else if (written === 0 && counts.quarantined === 0) {
        setIfStillOurs({ ...fields, status: 'ERROR', error: `Error while processing job ${id}: no DICOM files found in ${job.source_path ?? job.source_instance_id}` });
      } else {
        setIfStillOurs({ ...fields, status: 'DONE', error: null });
        if (isPacsSource(job.source_type) && !self.controller.signal.aborted) removeDownload(jobDir(this.cfg, id));
      }
    } catch (e) {
      if (e instanceof JobAborted) return;
      const msg =
        e instanceof PreProcessError || e instanceof PathRefused
          ? `Error while pre-processing job ${id}: ${e.message}`
          : e instanceof AnonError
            ? `Error while processing job ${id}: ${e.message}`
            : `Error while processing job ${id}: internal error (${errorKind(e)})`; // a bug's message may quote anything
      setIfStillOurs({ status: 'ERROR', error: hidePaths(msg, this.cfg), completed_at: new Date().toISOString() });
    }
  }

  /** Everything before the first file: source, destination, opt-out and SOP class checks, profile. */
  private async prepare(job: JobRow, check: () => void, signal: AbortSignal, onDownloaded: (n: number) => void) {
    const id = job.job_id;
    const fromPacs = isPacsSource(job.source_type);
    if (job.source_type !== 'PATH' && !fromPacs) throw new PreProcessError(`source type ${job.source_type} is not supported; use PATH or WADO`);
    if (fromPacs && this.cfg.pacs.length === 0) throw new PreProcessError(`source type ${job.source_type} is not configured on this server (no PACS); use source_type PATH`);
    if ((job.destination_type ?? 'PATH') !== 'PATH') throw new PreProcessError(`destination type ${job.destination_type} is not supported; use PATH`);
    const profileRef = this.cfg.projects[job.project_name];
    if (!profileRef) throw new PreProcessError(`project ${job.project_name} is not configured on this server`);
    if (!fromPacs && !job.source_path) throw new PreProcessError('the job has no source_path');
    if (!job.destination_path) throw new PreProcessError('the job has no destination_path');
    const out = toLocalPath(job.destination_path, this.cfg, 'destination_path');
    const dest = destinationParts(out, this.cfg);
    const inputs = fromPacs ? await this.fetchStudy(job, signal, onDownloaded) : resolveSourceInputs(job.source_path!, this.cfg);

    // One pass over the files: count them, and read headers when opt-out or SOP class filters apply.
    const optOut = job.source_ignore_opt_out ? new Set<string>() : new Set(this.cfg.opt_out);
    const filter = new Set(sopFilter(job, this.cfg));
    const needHeaders = optOut.size > 0 || filter.size > 0;
    let files = 0;
    const kept: string[] = [];
    for await (const entry of walk(inputs)) {
      files++;
      if (files % 64 === 0) check();
      if (!needHeaders) continue;
      let f;
      try {
        f = await openDicom(entry.path);
      } catch {
        continue; // not DICOM or unreadable: the run reports it
      }
      try {
        const read = (tag: number): string | undefined => {
          const el = f.dataset.get(tag);
          return el && el.value ? decodeStrings(el, fileContext(f))[0]?.trim() : undefined;
        };
        const pid = read(T.PatientID);
        if (pid !== undefined && optOut.has(pid)) {
          throw new PreProcessError(`Patient "${pid}" does not want his or her data to be used for research`);
        }
        if (filter.size === 0 || filter.has(read(T.SOPClassUID) ?? '')) kept.push(entry.path);
      } finally {
        closeDicom(f);
      }
    }
    const runInputs = filter.size > 0 ? kept : inputs;
    if (filter.size > 0 && kept.length === 0) {
      throw new PreProcessError(`no file in ${job.source_path ?? job.source_instance_id} has one of the SOP classes ${[...filter].join(', ')}`);
    }

    let setup;
    let keyFile: string;
    try {
      ({ setup, keyFile } = jobDeid(this.cfg, job, profileRef));
    } catch (e) {
      if (e instanceof PathRefused) throw e;
      throw new PreProcessError((e as Error).message);
    }
    const reportDir = jobReportDir(this.cfg, id);
    const already = Journal.doneCounts(join(reportDir, 'journal.ndjson')).written;
    return {
      inputs: runInputs,
      files: filter.size > 0 ? kept.length : files,
      out,
      dest,
      keyFile,
      recorder: setup.recorder,
      deid: setup.spec,
      profileName: setup.profile.name,
      profileOptions: setup.profile.options as string[],
      already,
    };
  }

  /** A PACS job's study, fetched into the job's folder as it arrives (what is there already is kept). */
  private async fetchStudy(job: JobRow, signal: AbortSignal, onDownloaded: (n: number) => void): Promise<string[]> {
    try {
      return (await fetchJobStudy(this.cfg.pacs, job, jobDir(this.cfg, job.job_id), signal, onDownloaded)).files;
    } catch (e) {
      if (signal.aborted) throw new JobAborted();
      // anonapi's troubleshooting style: the exception's name, then which PACS, HTTP status and study
      if (e instanceof PacsError) throw new PreProcessError(`WadoWrapperException: ${e.message}`);
      throw e;
    }
  }
}

/** A file named for a job's error: relative to the job's source, never the server's absolute path. */
function shownPath(p: string, inputs: string[]): string {
  const base = inputs.find((i) => isInside(p, i));
  return base === undefined ? basename(p) : relative(dirname(base), p);
}

/** An error named by its class and code only: a message may quote a path or a patient value, never logged. */
function errorKind(e: unknown): string {
  const code = errorData(e)?.code;
  const name = e instanceof Error ? e.name : typeof e;
  return code ? `${name} ${code}` : name;
}
