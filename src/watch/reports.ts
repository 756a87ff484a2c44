import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../job/report.js';
import { ReportBuilder } from '../job/report-builder.js';
import type { OutcomeRecord } from './journal.js';

/**
 * Run reports per batch, in the run-report format: one per UTC day (`day-YYYY-MM-DD`), or one per
 * study with study grouping (`study-<uuid>`), each in <root>/<batch>/report.json. An open batch's
 * report is rewritten from time to time; after a crash it is rebuilt from the journal.
 */
export class BatchReports {
  private readonly open = new Map<string, ReportBuilder>();

  constructor(
    readonly root: string,
    private readonly init: { profile: string; options: Record<string, unknown> },
  ) {}

  private builder(batch: string): ReportBuilder {
    let b = this.open.get(batch);
    if (!b) {
      const dir = join(this.root, batch);
      mkdirSync(dir, { recursive: true });
      b = new ReportBuilder(dir, { id: ReportBuilder.previousId(dir) ?? randomUUID(), profile: this.init.profile, options: { ...this.init.options, batch } });
      this.open.set(batch, b);
    }
    return b;
  }

  add(r: OutcomeRecord, fromJournal = false): void {
    const b = this.builder(r.batch);
    b.addEntry(r.entry, fromJournal);
    b.addTiming(r.ms, r.bytesIn);
  }

  isOpen(batch: string): boolean {
    return this.open.has(batch);
  }

  /** Writes the batch's report and forgets it. */
  close(batch: string): RunReport | undefined {
    const b = this.open.get(batch);
    if (!b) return undefined;
    this.open.delete(batch);
    try {
      return b.finish();
    } finally {
      b.close();
    }
  }

  /** Writes every open report (a snapshot), keeping them open. */
  flush(): void {
    for (const b of this.open.values()) b.finish();
  }

  /** Daily batches of a day before `today` (their day is over). */
  pastDays(today: string): string[] {
    return [...this.open.keys()].filter((k) => k.startsWith('day-') && k < `day-${today}`);
  }

  get openBatches(): string[] {
    return [...this.open.keys()];
  }
}
