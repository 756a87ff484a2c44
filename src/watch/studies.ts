import { randomUUID } from 'node:crypto';
import { closeDicom, openDicom } from '../dicom/file.js';
import { decodeStrings, fileContext } from '../dicom/values.js';
import * as T from '../dicom/tags.generated.js';

/** A file's Study Instance UID; undefined when it is not DICOM, unreadable, or has none. */
async function studyOf(path: string): Promise<string | undefined> {
  try {
    const f = await openDicom(path);
    try {
      const el = f.dataset.get(T.StudyInstanceUID);
      return el && el.value ? decodeStrings(el, fileContext(f))[0]?.trim() : undefined;
    } finally {
      closeDicom(f);
    }
  } catch {
    return undefined; // processed on its own, and reported there
  }
}

export interface GrouperHooks {
  /** Files still settling: any of them may belong to any study. */
  settling(): number;
  running(): boolean;
  /** Hands a file on for processing, with its study batch (none: on its own). */
  ready(path: string, batch: string | undefined): void;
}

/**
 * Study grouping (--study-quiet): settled files are read for their Study Instance UID and held
 * with their study until none of its files arrived for the quiet time; a study is then released
 * as one batch (one report), whose end is known once each of its files finished.
 */
export class StudyGrouper {
  /** Files waiting to be read for their study, in arrival order. */
  private readonly unread: string[] = [];
  private reading = false;
  private readonly studies = new Map<string, { paths: string[]; last: number }>();
  /** Every file held here: being read, or waiting for its study to be quiet. */
  private readonly held = new Set<string>();
  /** Released batches: files not yet finished. */
  private readonly batchLeft = new Map<string, number>();

  constructor(
    private readonly quietMs: number,
    private readonly hooks: GrouperHooks,
  ) {}

  get size(): number {
    return this.held.size;
  }

  has(path: string): boolean {
    return this.held.has(path);
  }

  /** Settled files to group; reading starts at once, in the background. */
  add(paths: string[]): void {
    for (const p of paths) {
      this.held.add(p);
      this.unread.push(p);
    }
    if (this.unread.length) void this.read();
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.unread.length && this.hooks.running()) {
        const path = this.unread.shift()!;
        const uid = await studyOf(path);
        if (!uid) {
          this.held.delete(path);
          this.hooks.ready(path, undefined);
          continue;
        }
        let s = this.studies.get(uid);
        if (!s) this.studies.set(uid, (s = { paths: [], last: 0 }));
        s.paths.push(path);
        s.last = Date.now();
      }
    } finally {
      this.reading = false;
    }
  }

  /**
   * Studies quiet for the grouping time (all of them when stopping) become batches. A file still
   * settling or being read may belong to any study (its Study Instance UID is not known yet), so
   * while there are such files no study is released, unless it has been quiet for ten grouping
   * times (a steady stream of other files must not hold a study forever). When stopping, the
   * studies are dropped instead: their files stay in the inbox for the next start.
   */
  release(all: boolean): void {
    const now = Date.now();
    const quiet = this.quietMs;
    const arriving = this.hooks.settling() > 0 || this.unread.length > 0 || this.reading;
    for (const [uid, s] of this.studies) {
      if (!all && (now - s.last < quiet || (arriving && now - s.last < 10 * quiet))) continue;
      this.studies.delete(uid);
      if (all) {
        for (const p of s.paths) this.held.delete(p);
        continue;
      }
      const batch = `study-${randomUUID()}`;
      this.batchLeft.set(batch, s.paths.length);
      for (const p of s.paths) {
        this.held.delete(p);
        this.hooks.ready(p, batch);
      }
    }
  }

  /** One file of the batch finished (or was put back for a retry); true when it was the last. */
  batchDone(batch: string): boolean {
    const left = (this.batchLeft.get(batch) ?? 1) - 1;
    if (left > 0) {
      this.batchLeft.set(batch, left);
      return false;
    }
    this.batchLeft.delete(batch);
    return true;
  }
}
