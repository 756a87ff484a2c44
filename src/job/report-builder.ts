import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeDetection, type DetectionReport } from '../detect/index.js';
import type { JournalEntry } from './journal.js';
import type { RunReport } from './report.js';

/** Per-file lists kept in the report; past this the journal (journal.ndjson) has them all. */
const MAX_LISTED = 50_000;

const percentile = (sorted: Float64Array, p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

/** Builds the run report as files finish, with memory bounded whatever the number of files. */
export class ReportBuilder {
  readonly id: string;
  private readonly report: RunReport;
  private timings = new Float64Array(1024);
  private timed = 0;
  private truncated = false;
  private bytesIn = 0;
  private readonly started = Date.now();

  constructor(
    readonly dir: string,
    init: { id: string; profile: string; options: Record<string, unknown>; detection?: DetectionReport },
  ) {
    this.id = init.id;
    this.report = {
      id: init.id,
      status: 'PROCESSING',
      profile: init.profile,
      options: init.options,
      created_at: new Date(this.started).toISOString(),
      ...(init.detection ?? describeDetection(undefined)),
      results: { samples_processed: 0, entity_summary: {}, entities_found: [], error: null },
      anonymized_files: [],
      skipped: [],
      failures: [],
      quarantined: [],
    };
  }

  /** The id of the run whose report is in `dir`, so a resumed run keeps it. */
  static previousId(dir: string): string | undefined {
    const p = join(dir, 'report.json');
    if (!existsSync(p)) return undefined;
    try {
      return (JSON.parse(readFileSync(p, 'utf8')) as { id?: string }).id;
    } catch {
      return undefined;
    }
  }

  private list<T>(arr: T[], item: T): void {
    if (arr.length < MAX_LISTED) arr.push(item);
    else this.truncated = true;
  }

  addEntry(e: JournalEntry, _fromJournal: boolean): void {
    const r = this.report;
    r.results.samples_processed++;
    switch (e.status) {
      case 'written':
        this.list(r.anonymized_files, {
          id: String(r.anonymized_files.length + 1),
          path: e.output,
          source: e.input,
          size_in_bytes: e.size,
          content_type: 'application/dicom',
          ...(e.pixels ? { pixels: e.pixels } : {}),
        });
        for (const [k, n] of Object.entries(e.entities)) r.results.entity_summary[k] = (r.results.entity_summary[k] ?? 0) + n;
        for (const f of e.entities_found ?? []) this.list(r.results.entities_found, { file: e.output, ...f });
        break;
      case 'skipped':
        this.list(r.skipped, { path: e.input, reason: e.reason });
        break;
      case 'failed':
        this.list(r.failures, { path: e.input, code: e.code, message: e.message, element_path: e.element_path, offset: e.offset });
        break;
      case 'quarantined':
        this.list(r.quarantined, { path: e.input, reason: e.reason, ...(e.pixels ? { pixels: e.pixels } : {}) });
        break;
    }
  }

  addTiming(ms: number, bytesIn = 0): void {
    if (this.timed === this.timings.length) {
      const grown = new Float64Array(this.timings.length * 2);
      grown.set(this.timings);
      this.timings = grown;
    }
    this.timings[this.timed++] = ms;
    this.bytesIn += bytesIn;
  }

  /** Completes the report and writes report.json. */
  finish(cancelled?: string): RunReport {
    const r = this.report;
    const ended = Date.now();
    r.completed_at = new Date(ended).toISOString();
    r.duration_seconds = (ended - this.started) / 1000;
    const failed = r.failures.length || r.quarantined.length;
    r.status = failed ? 'FAILED' : 'SUCCEEDED';
    if (failed) r.results.error = `${r.failures.length} file(s) failed, ${r.quarantined.length} quarantined`;
    if (cancelled) {
      r.status = 'FAILED';
      r.results.error = r.results.error ? `${cancelled}; ${r.results.error}` : cancelled;
    }
    const sorted = this.timings.slice(0, this.timed).sort();
    const usage = process.resourceUsage();
    r.performance = {
      files_timed: this.timed,
      p50_ms: Number(percentile(sorted, 50).toFixed(3)),
      p99_ms: Number(percentile(sorted, 99).toFixed(3)),
      files_per_second: r.duration_seconds > 0 ? Number((this.timed / r.duration_seconds).toFixed(1)) : 0,
      mib_per_second: r.duration_seconds > 0 ? Number((this.bytesIn / 1048576 / r.duration_seconds).toFixed(1)) : 0,
      cpu_seconds: Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(3)),
      peak_rss_mib: Number((usage.maxRSS / 1024).toFixed(1)),
    };
    if (this.truncated) r.lists_truncated_at = MAX_LISTED;
    writeFileSync(join(this.dir, 'report.json'), JSON.stringify(r, null, 2) + '\n');
    return r;
  }
}
