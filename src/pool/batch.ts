// A batch: the inputs walked lazily feed the pool; every outcome is journaled, then reported. `anon run`
// and each `anon serve` job are one batch.
import { randomUUID } from 'node:crypto';
import { accessSync, closeSync, constants, mkdirSync, openSync, rmdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { describeDetection } from '../detect/index.js';
import { UsageError } from '../errors.js';
import { isInside, walkAll } from '../io/walk.js';
import { journalEntry, Journal, type JournalEntry } from '../job/journal.js';
import { internalFailure, type FileOutcome, type FileResult } from '../job/outcome.js';
import type { RunReport } from '../job/report.js';
import { ReportBuilder } from '../job/report-builder.js';
import type { JobSpec, PoolOptions } from '../job/task.js';
import { prepareTempDir, prepareTempDirAt, type TempDir } from '../job/temp-dir.js';
import { confinementAvailable } from '../io/confined.js';
import { openPool } from './pool.js';
import type { MappingRecorder } from '../pseudo/mapping.js';

/** What a run tells as it goes (progress displays and --json consume these). */
export type RunEvent =
  | { type: 'start'; id: string; threads: number; resumed: number }
  | { type: 'file'; outcome: FileOutcome; bytes_in: number; ms: number; counts: RunCounts }
  | { type: 'end'; report: RunReport };

export interface RunCounts {
  done: number;
  written: number;
  skipped: number;
  failed: number;
  quarantined: number;
  bytes_in: number;
}

export interface RunOptions extends PoolOptions {
  inputs: string[];
  /**
   * The output folder, already opened by the caller without following symlinks (anon serve); it
   * stays the caller's to close. Else `out` is opened here (by name: the user named it).
   */
  outFd?: number;
  /** Folder for the journal and report (created). */
  reportDir: string;
  /** Continue the run recorded in reportDir: inputs already done are not redone. */
  resume?: boolean;
  recorder?: MappingRecorder;
  onEvent?: (e: RunEvent) => void;
  /**
   * Stops the run: no new file is started, files in flight finish (and are journaled), and the
   * report says CANCELLED-like FAILED with the reason. A resumed run picks up from there.
   */
  signal?: AbortSignal;
}

export async function runBatch(opts: RunOptions): Promise<RunReport> {
  const out = resolve(opts.out);
  for (const input of opts.inputs) {
    if (isInside(out, input)) throw new UsageError(`output folder ${out} must not be inside input ${resolve(input)}`);
  }
  const reportDir = resolve(opts.reportDir);
  if (isInside(reportDir, out)) throw new UsageError(`report folder ${reportDir} must not be inside the output folder ${out}`);
  const journalPath = join(reportDir, 'journal.ndjson');
  try {
    mkdirSync(reportDir, { recursive: true });
    accessSync(reportDir, constants.W_OK);
  } catch (e) {
    // Nowhere to journal or report: refused before any file is touched.
    throw new UsageError(`report folder ${reportDir} cannot be written (${(e as Error).message}): no run was started`);
  }
  const done = opts.resume ? Journal.done(journalPath) : new Map<string, JournalEntry>();
  const builder = new ReportBuilder(reportDir, {
    id: opts.resume ? (ReportBuilder.previousId(reportDir) ?? randomUUID()) : randomUUID(),
    profile: opts.profileName,
    options: { layout: opts.layout, inputs: opts.inputs.map((i) => resolve(i)), out, deidentification_options: opts.profileOptions, resumed: done.size },
    detection: describeDetection((opts.worker.deid?.profile as { detect?: Parameters<typeof describeDetection>[0] } | undefined)?.detect),
  });
  const journal = new Journal(journalPath, opts.resume === true);
  let own: number | undefined;
  let temp: TempDir;
  try {
    own = opts.outFd === undefined && confinementAvailable() ? openOut(out) : undefined;
    const fd = opts.outFd ?? own;
    temp = fd !== undefined ? prepareTempDirAt(fd, builder.id) : namedTempDir(out, builder.id);
  } catch (e) {
    if (own !== undefined) closeSync(own);
    // A read-only or full output folder ends the run at once, with a report saying why.
    journal.close();
    let report: RunReport;
    try {
      report = builder.finish(`output folder ${out} cannot be written (${(e as Error).message}): no file was processed`);
    } finally {
      builder.close();
    }
    opts.onEvent?.({ type: 'end', report });
    return report;
  }
  const outFd = opts.outFd ?? own;
  const threads = opts.threads ?? availableParallelism();
  const cfg: JobSpec = { ...opts.worker, out, outFd, layout: opts.layout, tmpDir: temp.path };
  const counts: RunCounts = { done: 0, written: 0, skipped: 0, failed: 0, quarantined: 0, bytes_in: 0 };
  opts.onEvent?.({ type: 'start', id: builder.id, threads, resumed: done.size });
  for (const e of done.values()) builder.addEntry(e, true);

  const pool = await openPool(cfg, threads).catch((e: unknown) => {
    temp.remove();
    if (own !== undefined) closeSync(own);
    journal.close();
    throw e;
  });

  // Outputs claimed in this run (and, on resume, by the journal): one input per output is
  // written, any other that produced the same output is a duplicate.
  const claimed = new Set<string>();
  let journalError: string | undefined;
  for (const e of done.values()) if (e.status === 'written') claimed.add(e.output);
  const finish = (r: FileResult): void => {
    const o = r.outcome;
    if (o.status === 'written') {
      if (claimed.has(o.output)) r.outcome = { status: 'skipped', path: o.path, reason: `duplicate: another input of this run has the same output ${o.output}` };
      else claimed.add(o.output);
    }
    const entry = journalEntry(r.outcome);
    // after a failed write nothing more is appended: a later line behind a cut one would be lost
    if (!journalError)
      try {
        journal.append(entry);
      } catch (e) {
        // A full or failing report disk: no new file is started; those in flight finish and are
        // reported, and the report says the journal stopped (a resume finds their outputs in place).
        journalError ??= `the journal ${journalPath} could not be written (${(e as Error).message}): no new file was started`;
      }
    builder.addEntry(entry, false);
    if (r.mapping) opts.recorder?.merge(r.mapping);
    counts.done++;
    counts.bytes_in += r.bytesIn;
    counts[r.outcome.status]++;
    builder.addTiming(r.ms, r.bytesIn);
    opts.onEvent?.({ type: 'file', outcome: r.outcome, bytes_in: r.bytesIn, ms: r.ms, counts: { ...counts } });
  };

  // p-limit bounds the files open at once; the pending set bounds the queue, so a walk of a
  // million files never runs ahead of the workers.
  const inFlight = Math.max(1, threads) * 2;
  const limit = pLimit(inFlight);
  const pending = new Set<Promise<void>>();
  try {
    for await (const entry of walkAll(opts.inputs)) {
      if (opts.signal?.aborted || journalError) break;
      if (done.has(entry.path)) continue;
      if (entry.kind === 'problem') {
        // Met by the walk and not processed: journaled and reported like any other input.
        const outcome: FileOutcome =
          entry.status === 'skipped'
            ? { status: 'skipped', path: entry.path, reason: entry.reason }
            : { status: 'failed', path: entry.path, error: { code: entry.code ?? 'IO', message: entry.reason } };
        finish({ outcome, bytesIn: 0, ms: 0 });
        continue;
      }
      const task = { path: entry.path, rel: entry.rel };
      // A worker that dies (out of memory on a pathological file, a bug) fails that file, not the run.
      const p: Promise<void> = limit(() => pool.run(task).catch((e: unknown): FileResult => internalFailure(task.path, e))).then(finish);
      pending.add(p);
      void p.finally(() => pending.delete(p)).catch(() => {});
      if (pending.size >= inFlight * 2) await Promise.race(pending);
    }
    await Promise.all(pending);
  } finally {
    await pool.close();
    try {
      journal.close();
    } catch (e) {
      journalError ??= `the journal ${journalPath} could not be synced (${(e as Error).message})`;
    }
    temp.remove();
    if (own !== undefined) closeSync(own);
  }
  let report: RunReport;
  try {
    const cancelled = opts.signal?.aborted ? `cancelled: ${String(opts.signal.reason ?? 'by request')}` : undefined;
    report = builder.finish([cancelled, journalError].filter(Boolean).join('; ') || undefined);
  } finally {
    builder.close();
  }
  opts.onEvent?.({ type: 'end', report });
  return report;
}

function openOut(out: string): number {
  mkdirSync(out, { recursive: true });
  return openSync(out, constants.O_RDONLY | constants.O_DIRECTORY);
}

/** Without /proc (not Linux): the temp folder by name, created as safely, removed when empty. */
function namedTempDir(out: string, id: string): TempDir {
  const path = prepareTempDir(out, id);
  return {
    path,
    remove: () => {
      for (const d of [path, dirname(path)]) {
        try {
          rmdirSync(d);
        } catch {
          /* not empty: another process's temp files */
        }
      }
    },
  };
}
