// One review: its sources, the de-identification releases use (set up once, like a run), and a
// bounded cache of rendered frames and thumbnails. The HTTP plugin is a thin layer over this.

import { statSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { isBuiltinName } from '../profile/builtins.js';
import { UsageError } from '../errors.js';
import { closeDicom, openDicom } from '../dicom/file.js';
import type { DicomFile } from '../dicom/part10.js';
import { setupDeid, type DeidSetup } from '../job/setup.js';
import { PixelError, renderPreview } from '../pixel/index.js';
import sharp from 'sharp';
import { describe, summary, type ItemDetail } from './describe.js';
import { reject, release, type ReleaseResult } from './decisions.js';
import { ReviewError } from './errors.js';
import { maskRuleFor, saveMaskRule } from './mask-profile.js';
import { listItems, reviewSource } from './sources.js';
import type { EngineProfile } from '../deid/types.js';
import type { Box, JobReviews, QuarantinedItem, ReviewLogEntry, ReviewOptions, ReviewSource, Viewer } from './types.js';

const CACHE_ENTRIES = 256;
const THUMB_WIDTH = 160;

/** A decision as the page sees it: no server path (anon serve hides them from its users). */
export interface PublicReview {
  action: ReviewLogEntry['action'];
  reviewer: string;
  at: string;
  note?: string;
  /** released: the output's path below the review's output folder */
  output?: string;
}

export interface ListEntry {
  id: string;
  reason: string;
  source: ReviewSource['kind'];
  modality?: string;
  sopClass?: string;
  review?: PublicReview;
}

/** Outside anon serve one reviewer sees everything the session was given. */
const EVERYONE: Viewer = { name: 'reviewer', admin: true };

export class ReviewSession {
  readonly sources: ReviewSource[];
  /** the release set-up of the folders given (none when the session only shows a server's jobs) */
  private readonly deid?: DeidSetup;
  private jobs?: JobReviews;
  private readonly png = new Map<string, Buffer>();
  private readonly summaries = new Map<string, { mtimeMs: number; modality?: string; sopClass?: string }>();
  private readonly busy = new Set<string>();

  /** Sources are checked and the profile and secret loaded before anything is served (UsageError). */
  constructor(private readonly opts: ReviewOptions) {
    this.sources = opts.sources.map(reviewSource);
    this.jobs = opts.jobs;
    if (this.sources.length === 0) return;
    if (!opts.out) throw new UsageError('review folders need an output folder for released images');
    this.deid = setupDeid({ profile: opts.profile ?? ['basic'], secretFile: opts.secretFile });
    // A profile that changes nothing would write the image as read, masks and all unapplied.
    if (!this.deid.env) throw new UsageError('the review profile keeps everything: releases need a de-identifying profile (default basic)');
  }

  get notes(): string[] {
    return this.deid?.notes ?? [];
  }

  /** anon serve lends its jobs after the session was made (a session given by the command line, or none). */
  attachJobs(jobs: JobReviews): void {
    this.jobs = jobs;
  }

  /** The folders given, then the jobs this viewer owns (all, for an admin). */
  private visible(viewer: Viewer): ReviewSource[] {
    return this.jobs ? [...this.sources, ...this.jobs.sources(viewer)] : this.sources;
  }

  /** Another user's item is "not found", like another user's job. */
  private async item(id: string, viewer: Viewer): Promise<QuarantinedItem> {
    const item = (await listItems(this.visible(viewer))).find((i) => i.id === id);
    if (!item) throw new ReviewError('REVIEW_NOT_FOUND', 'no such quarantined item');
    return item;
  }

  private profileOf(item: QuarantinedItem): EngineProfile {
    if (item.source.kind === 'job' && this.jobs) return this.jobs.profile(item.source);
    if (!this.deid) throw new ReviewError('REVIEW_NOT_FOUND', 'no such quarantined item');
    return this.deid.profile;
  }

  private async withFile<R>(item: QuarantinedItem, fn: (f: DicomFile) => R | Promise<R>): Promise<R> {
    const f = await openDicom(item.path);
    try {
      return await fn(f);
    } finally {
      closeDicom(f);
    }
  }

  async list(reason?: string, viewer: Viewer = EVERYONE): Promise<ListEntry[]> {
    const out: ListEntry[] = [];
    for (const item of await listItems(this.visible(viewer))) {
      if (reason && item.reason !== reason) continue;
      let s = this.summaries.get(item.id);
      // a job's downloaded study is removed when it is done: nothing is left to review
      const mtimeMs = statSync(item.path, { throwIfNoEntry: false })?.mtimeMs;
      if (mtimeMs === undefined) continue;
      if (!s || s.mtimeMs !== mtimeMs) {
        s = { mtimeMs, ...(await this.withFile(item, summary).catch(() => ({}))) };
        this.summaries.set(item.id, s);
      }
      out.push({
        id: item.id,
        reason: item.reason,
        source: item.source.kind,
        modality: s.modality,
        sopClass: s.sopClass,
        ...(item.review ? { review: this.public(item.review) } : {}),
      });
    }
    return out;
  }

  /** The decision without server paths. */
  public(e: ReviewLogEntry): PublicReview {
    return { action: e.action, reviewer: e.reviewer, at: e.at, ...(e.note ? { note: e.note } : {}), ...(e.output ? { output: this.shown(e.output) } : {}) };
  }

  /** An output below the review's folder by its relative path; a job's by its name only (no server path). */
  private shown(output: string): string {
    const rel = this.opts.out ? relative(this.opts.out, output) : '';
    return rel && !rel.startsWith('..') ? rel : basename(output);
  }

  async detail(id: string, identifiers: boolean, viewer: Viewer = EVERYONE): Promise<ItemDetail> {
    const item = await this.item(id, viewer);
    const d = await this.withFile(item, (f) => describe(f, item, this.profileOf(item), identifiers));
    return { ...d, review: item.review && this.public(item.review) };
  }

  /** A frame as PNG (windowed as anon preview does), or its thumbnail; cached by file and mtime. */
  async image(id: string, frame: number, thumb: boolean, viewer: Viewer = EVERYONE): Promise<Buffer> {
    const item = await this.item(id, viewer);
    const key = `${id}:${statSync(item.path).mtimeMs}:${thumb ? 'thumb' : frame}`;
    const hit = this.png.get(key);
    if (hit) {
      this.png.delete(key);
      this.png.set(key, hit);
      return hit;
    }
    let png: Buffer;
    try {
      png = await this.withFile(item, (f) => renderPreview(f, { frame }));
    } catch (e) {
      if (e instanceof PixelError) throw new ReviewError('REVIEW_INVALID', `cannot render this image: ${e.message}`);
      throw e;
    }
    if (thumb) png = await sharp(png).resize({ width: THUMB_WIDTH, withoutEnlargement: true }).png().toBuffer();
    this.png.set(key, png);
    if (this.png.size > CACHE_ENTRIES) this.png.delete(this.png.keys().next().value as string);
    return png;
  }

  /** One decision at a time per item: a second click while the first runs is a conflict. */
  private async once<R>(id: string, fn: () => Promise<R>): Promise<R> {
    if (this.busy.has(id)) throw new ReviewError('REVIEW_CONFLICT', 'a decision on this item is already being made');
    this.busy.add(id);
    try {
      return await fn();
    } finally {
      this.busy.delete(id);
    }
  }

  /** A job's image is released as the job wrote the rest of its study: its key, profile, destination and layout. */
  release(id: string, boxes: Box[], reviewer: string, viewer: Viewer = EVERYONE): Promise<ReleaseResult> {
    return this.once(id, async () => {
      const item = await this.item(id, viewer);
      if (item.source.kind !== 'job' || !this.jobs) return release(item, boxes, reviewer, { out: this.opts.out!, env: this.deid!.env });
      const job = this.jobs.release(item.source, item.path);
      let written = false;
      try {
        const r = await release(item, boxes, reviewer, job);
        written = r.released;
        return r;
      } finally {
        job.close(written);
      }
    });
  }

  reject(id: string, note: string, reviewer: string, viewer: Viewer = EVERYONE): Promise<ReviewLogEntry> {
    return this.once(id, async () => reject(await this.item(id, viewer), note, reviewer));
  }

  /** Saves "like this one" into profile `name`; returns the file and the rule. */
  async saveRule(id: string, name: string, boxes: Box[], viewer: Viewer = EVERYONE): Promise<{ file: string; rule: ReturnType<typeof maskRuleFor> }> {
    const item = await this.item(id, viewer);
    const rule = await this.withFile(item, (f) => maskRuleFor(f, boxes));
    const base = (this.opts.profile ?? ['basic']).filter(isBuiltinName).at(-1) ?? 'basic';
    return { file: saveMaskRule(this.opts.profilesDir, name, rule, base), rule };
  }
}
