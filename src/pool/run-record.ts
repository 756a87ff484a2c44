// What every batch keeps of its files, however they are processed (this machine's pool, or workers
// over a queue): the checked folders, the journal, the duplicate check, the counts and the report.
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeDetection } from '../detect/settings.js';
import { UsageError } from '../errors.js';
import { isInside } from '../io/walk.js';
import { DoneInputs } from '../job/done-inputs.js';
import { journalEntry, Journal } from '../job/journal.js';
import type { FileOutcome, FileResult } from '../job/outcome.js';
import type { RunReport } from '../job/report.js';
import { ReportBuilder } from '../job/report-builder.js';
import type { PoolOptions } from '../job/task.js';
import type { MappingRecorder } from '../pseudo/mapping.js';
import { OutputClaims } from './output-claims.js';

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

export interface RecordOptions extends PoolOptions {
  inputs: string[];
  /** Folder for the journal and report (created). */
  reportDir: string;
  /** Continue the run recorded in reportDir: inputs already done are not redone. */
  resume?: boolean;
  recorder?: MappingRecorder;
  onEvent?: (e: RunEvent) => void;
}

export class RunRecord {
  readonly out: string;
  readonly reportDir: string;
  readonly journalPath: string;
  /** Inputs a resumed run finished before: not redone (a hash and an offset each, not the entry). */
  readonly done: DoneInputs;
  readonly builder: ReportBuilder;
  readonly counts: RunCounts = { done: 0, written: 0, skipped: 0, failed: 0, quarantined: 0, bytes_in: 0 };
  /** Why no new file may start: the journal could not be written (a full or failing report disk). */
  stopped: string | undefined;
  private readonly journal: Journal;
  // one input per output is written; any other that produced the same output is a duplicate
  private readonly claimed: OutputClaims;

  /** Checks the folders (UsageError before any file is touched) and opens the journal and report. */
  constructor(private readonly opts: RecordOptions) {
    const out = (this.out = resolve(opts.out));
    for (const input of opts.inputs) {
      if (isInside(out, input)) throw new UsageError(`output folder ${out} must not be inside input ${resolve(input)}`);
    }
    const reportDir = (this.reportDir = resolve(opts.reportDir));
    if (isInside(reportDir, out)) throw new UsageError(`report folder ${reportDir} must not be inside the output folder ${out}`);
    this.journalPath = join(reportDir, 'journal.ndjson');
    try {
      mkdirSync(reportDir, { recursive: true });
      accessSync(reportDir, constants.W_OK);
    } catch (e) {
      throw new UsageError(`report folder ${reportDir} cannot be written (${(e as Error).message}): no run was started`);
    }
    this.journal = new Journal(this.journalPath, opts.resume === true);
    this.done = opts.resume ? this.journal.done() : new DoneInputs(() => undefined);
    this.builder = new ReportBuilder(reportDir, {
      id: opts.resume ? (ReportBuilder.previousId(reportDir) ?? randomUUID()) : randomUUID(),
      profile: opts.profileName,
      options: { layout: opts.layout, inputs: opts.inputs.map((i) => resolve(i)), out, deidentification_options: opts.profileOptions, resumed: this.done.size },
      detection: describeDetection((opts.worker.deid?.profile as { detect?: Parameters<typeof describeDetection>[0] } | undefined)?.detect),
    });
    this.claimed = new OutputClaims((at) => this.journal.outputAt(at));
  }

  get id(): string {
    return this.builder.id;
  }

  /**
   * The run has started (before any `record`): the resumed entries go into the report, in journal
   * order, and their outputs are claimed again, read from the journal once more rather than kept.
   */
  start(threads: number): void {
    this.opts.onEvent?.({ type: 'start', id: this.id, threads, resumed: this.done.size });
    if (this.done.size)
      for (const { entry, offset } of Journal.entries(this.journalPath)) {
        if (!this.done.decides(entry.input, offset)) continue;
        if (entry.status === 'written' && !this.claimed.has(entry.output)) this.claimed.add(entry.output, offset);
        this.builder.addEntry(entry, true);
      }
  }

  /** One finished input: journaled, counted, reported. */
  record(r: FileResult): void {
    const o = r.outcome;
    const claim = o.status === 'written' && !this.claimed.has(o.output) ? o.output : undefined;
    if (o.status === 'written' && claim === undefined)
      r.outcome = { status: 'skipped', path: o.path, reason: `duplicate: another input of this run has the same output ${o.output}` };
    const entry = journalEntry(r.outcome);
    let at: number | undefined;
    // after a failed write nothing more is appended: a later line behind a cut one would be lost
    if (!this.stopped)
      try {
        at = this.journal.append(entry);
      } catch (e) {
        // those in flight finish and are reported; a resume finds their outputs in place
        this.stopped = `the journal ${this.journalPath} could not be written (${(e as Error).message}): no new file was started`;
      }
    if (claim !== undefined) this.claimed.add(claim, at);
    this.builder.addEntry(entry, false);
    if (r.mapping) this.opts.recorder?.merge(r.mapping);
    const c = this.counts;
    c.done++;
    c.bytes_in += r.bytesIn;
    c[r.outcome.status]++;
    this.builder.addTiming(r.ms, r.bytesIn);
    this.opts.onEvent?.({ type: 'file', outcome: r.outcome, bytes_in: r.bytesIn, ms: r.ms, counts: { ...c } });
  }

  closeJournal(): void {
    try {
      this.journal.close();
    } catch (e) {
      this.stopped ??= `the journal ${this.journalPath} could not be synced (${(e as Error).message})`;
    }
  }

  /** Ends the run: report.json written (or a typed REPORT_WRITE), its spools gone, the end told. */
  finish(why?: string, signal?: AbortSignal): RunReport {
    const cancelled = signal?.aborted ? `cancelled: ${String(signal.reason ?? 'by request')}` : undefined;
    let report: RunReport;
    try {
      report = this.builder.finish([cancelled, why, this.stopped].filter(Boolean).join('; ') || undefined);
    } finally {
      this.builder.close();
    }
    this.opts.onEvent?.({ type: 'end', report });
    return report;
  }
}
