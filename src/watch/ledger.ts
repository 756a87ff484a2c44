import type { Stats } from 'node:fs';
import { rmdirSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { FileResult } from '../job/outcome.js';
import { journalEntry, type JournalEntry } from '../job/journal.js';
import type { Layout } from '../job/layout.js';
import { crashHook } from './crash.js';
import { dayOf, WatchJournal, type Destination, type OutcomeRecord } from './journal.js';
import { moveOriginal } from './move.js';
import type { WatchPaths } from './paths.js';
import { BatchReports } from './reports.js';

/** An emptied inbox folder is removed only once unchanged this long: a sender may still fill it. */
const PRUNE_AGE_MS = 10 * 60_000;

/** An input being handled: its inbox path, that path relative to the inbox, and what it was when claimed. */
export interface Claimed {
  path: string;
  rel: string;
  st: Stats;
}

export interface LedgerOptions {
  layout: Layout;
  profileName: string;
  profileOptions: string[];
  deleteOriginals?: boolean;
}

/**
 * Each input's journaled steps, claim → outcome → moved (see journal.ts), with what hangs on
 * them: the batch reports, the original's move out of the inbox (retried while it fails) and the
 * inbox folders those moves emptied. Every step is journaled before the next is taken, so a
 * restart after SIGKILL finishes what was begun (recover).
 */
export class Ledger {
  /** Originals whose move failed (a full or read-only disk), by inbox path: tried again on each rescan. */
  readonly unmoved = new Map<string, OutcomeRecord>();
  private readonly journal: WatchJournal;
  private readonly reports: BatchReports;
  /** Inbox sub-folders a move may have emptied (see pruneDirs). */
  private readonly emptied = new Set<string>();
  private readonly crash = crashHook();

  constructor(
    private readonly paths: WatchPaths,
    private readonly o: LedgerOptions,
    private readonly onError: (code: string, message: string, path?: string) => void,
  ) {
    this.journal = new WatchJournal(join(paths.state, 'journal'));
    this.reports = new BatchReports(join(paths.state, 'reports'), {
      profile: o.profileName,
      options: { layout: o.layout, inbox: paths.inbox, out: paths.out, deidentification_options: o.profileOptions },
    });
  }

  get openBatches(): string[] {
    return this.reports.openBatches;
  }

  /** Finishes what a killed daemon left half-done; returns how many originals it moved. */
  recover(): number {
    const replay = this.journal.replay();
    let n = 0;
    for (const rec of replay.unmoved) {
      if (this.move(rec) !== false) n++;
    }
    const today = `day-${dayOf()}`;
    for (const [batch, recs] of replay.batches) {
      for (const r of recs) this.reports.add(r, true);
      if (batch === today) continue;
      this.reports.close(batch);
      if (batch.startsWith('study-')) this.journal.append({ t: 'batch-end', batch });
    }
    return n;
  }

  /** Before the pool reads the input. */
  claim({ rel, st }: Claimed): void {
    this.journal.append({ t: 'claim', rel, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    this.crash('claim');
  }

  /** Once the output is in place (or the input failed): journals and reports the outcome. */
  outcome({ path, rel, st }: Claimed, result: FileResult, batch: string | undefined): OutcomeRecord {
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
      t: 'outcome',
      rel,
      ino: st.ino,
      entry,
      dest,
      batch: batch ?? `day-${dayOf()}`,
      ms: result.ms,
      bytesIn: result.bytesIn,
      ...(o.status === 'written' && o.alreadyPresent ? { alreadyPresent: true } : {}),
    };
    this.journal.append(rec);
    this.crash('outcome');
    this.reports.add(rec);
    return rec;
  }

  /**
   * Moves (or deletes) the original of a journaled outcome and journals that. Returns where it
   * went (null: deleted or already gone), or false when the move failed (tried again later).
   */
  move(rec: OutcomeRecord): string | null | false {
    const p = this.paths;
    const root = rec.dest === 'delete' ? null : p[rec.dest];
    const at = new Date().toISOString();
    const e = rec.entry;
    const sidecar =
      e.status === 'failed'
        ? { suffix: '.error.json', data: { input: rec.rel, code: e.code, message: e.message, element_path: e.element_path, offset: e.offset, at } }
        : e.status === 'quarantined'
          ? { suffix: '.reason.json', data: { input: rec.rel, reason: e.reason, at, ...(e.pixels ? { pixels: e.pixels } : {}) } }
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
      this.onError((err as NodeJS.ErrnoException).code ?? 'MOVE', `cannot move the original: ${(err as Error).message}`, key);
      this.unmoved.set(key, rec);
      return false;
    }
  }

  retryMoves(): void {
    for (const rec of [...this.unmoved.values()]) this.move(rec);
  }

  /**
   * Removes inbox sub-folders that moves emptied, once unchanged for PRUNE_AGE_MS: a sender may
   * make a folder and fill it slowly, and must not find it gone.
   */
  pruneDirs(): void {
    const now = Date.now();
    const inbox = this.paths.inbox;
    for (const d of [...this.emptied]) {
      try {
        const st = statSync(d);
        if (now - st.mtimeMs < PRUNE_AGE_MS) continue;
        rmdirSync(d);
        const up = dirname(d);
        if (up !== inbox && up.startsWith(inbox + sep)) this.emptied.add(up);
      } catch {
        /* not empty, or gone */
      }
      this.emptied.delete(d);
    }
  }

  /** A study batch whose files are all finished: its report is final. */
  closeBatch(batch: string): void {
    if (this.reports.close(batch)) this.journal.append({ t: 'batch-end', batch });
  }

  /** Closes the reports of days that are over, and rewrites the open ones. */
  rollReports(): void {
    for (const b of this.reports.pastDays(dayOf())) this.reports.close(b);
    this.reports.flush();
  }

  /** On stop: study batches end here (their unstarted files are regrouped at the next start). */
  closeAll(): void {
    for (const b of this.reports.openBatches) {
      if (b.startsWith('study-')) {
        this.reports.close(b);
        this.journal.append({ t: 'batch-end', batch: b });
      }
    }
    this.reports.flush();
  }

  /** Makes the journal durable across power loss (on a timer; appends already survive SIGKILL). */
  sync(): void {
    this.journal.sync();
  }

  close(): void {
    this.journal.close();
  }
}
