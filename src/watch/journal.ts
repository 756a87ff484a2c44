import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, type JournalEntry } from '../job/journal.js';

/** Where an original goes once its outcome is known. */
export type Destination = 'done' | 'failed' | 'quarantine' | 'delete';

/**
 * The watch journal: one JSON object per line, three records per input, each appended before the
 * step it makes restartable is taken further:
 *   claim   "processing X"      (before the pool reads it)
 *   outcome "output written Y"  (after the output was linked or renamed into place, or the file failed)
 *   moved   "original moved Z"  (after the original left the inbox)
 * An input is named by its path relative to the inbox and its inode, so a later file dropped
 * under the same name is never mistaken for it.
 */
export type WatchRecord =
  | { t: 'claim'; rel: string; ino: number; size: number; mtimeMs: number }
  | {
      t: 'outcome';
      rel: string;
      ino: number;
      entry: JournalEntry;
      dest: Destination;
      batch: string;
      ms: number;
      bytesIn: number;
      alreadyPresent?: boolean;
    }
  | { t: 'moved'; rel: string; ino: number; to: string | null }
  /** A study batch whose report is final. */
  | { t: 'batch-end'; batch: string };

export type OutcomeRecord = Extract<WatchRecord, { t: 'outcome' }>;

const SEGMENT = /^(\d{4}-\d{2}-\d{2})\.ndjson$/;

/** The UTC day of a moment, which names a journal segment and a daily batch. */
export const dayOf = (ms = Date.now()): string => new Date(ms).toISOString().slice(0, 10);

const key = (rel: string, ino: number): string => `${ino}\0${rel}`;

/** What a restart finds in the journal. */
export interface Replay {
  /** Inputs whose outcome is journaled but whose original was not (known to be) moved. */
  unmoved: OutcomeRecord[];
  /** Outcome records of the batches still open (to rebuild their reports), by batch. */
  batches: Map<string, OutcomeRecord[]>;
}

/**
 * Segments are one file per UTC day (<dir>/YYYY-MM-DD.ndjson), so the journal of a daemon that
 * runs for months is never one huge file (old segments may be archived or removed).
 * Writes go straight to the file (a process killed with SIGKILL loses nothing the kernel has);
 * sync() adds durability across power loss and is called on a timer and at close.
 */
export class WatchJournal {
  private fd = -1;
  private day = '';
  private dirty = false;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private segments(): string[] {
    return readdirSync(this.dir)
      .filter((n) => SEGMENT.test(n))
      .sort();
  }

  /**
   * Reads the last two segments: everything begun since the previous start is there (the
   * previous start settled all that came before, and a file spans midnight at most).
   */
  replay(): Replay {
    const open = new Map<string, OutcomeRecord>();
    const batches = new Map<string, OutcomeRecord[]>();
    for (const name of this.segments().slice(-2)) {
      for (const raw of Journal.read(join(this.dir, name))) {
        const r = raw as unknown as WatchRecord;
        switch (r.t) {
          case 'outcome':
            open.set(key(r.rel, r.ino), r);
            if (!batches.has(r.batch)) batches.set(r.batch, []);
            batches.get(r.batch)!.push(r);
            break;
          case 'moved':
            open.delete(key(r.rel, r.ino));
            break;
          case 'batch-end':
            batches.delete(r.batch);
            break;
        }
      }
    }
    return { unmoved: [...open.values()], batches };
  }

  append(r: WatchRecord): void {
    const today = dayOf();
    if (today !== this.day) {
      if (this.fd >= 0) this.close();
      this.fd = openSync(join(this.dir, `${today}.ndjson`), 'a', 0o600);
      this.day = today;
    }
    writeSync(this.fd, JSON.stringify(r) + '\n');
    this.dirty = true;
  }

  sync(): void {
    if (this.fd >= 0 && this.dirty) fsyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    if (this.fd < 0) return;
    this.sync();
    closeSync(this.fd);
    this.fd = -1;
    this.day = '';
  }
}
