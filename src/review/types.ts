// The review room's data: quarantined items as the page sees them, boxes, and the review log.

import type { DeidEnv } from '../deid/state.js';
import type { EngineProfile } from '../deid/types.js';
import type { Layout } from '../job/layout.js';

/** A rectangle in image pixels; `frame` (1-based) limits it to one frame, absent: every frame. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  frame?: number;
}

/** A text box found by OCR (issue 18), as quarantine records may carry it. */
export interface OcrBox extends Box {
  confidence?: number;
  masked?: boolean;
  /** whether the text looked like an identifier (the text itself is never recorded) */
  identifier?: boolean;
}

/** Where quarantined inputs are listed: a watch quarantine folder, a run's report folder, or a server job's. */
export interface ReviewSource {
  kind: 'watch' | 'run' | 'job';
  /** the folder given (quarantine folder, or report folder) */
  root: string;
  /** a server job's number (kind 'job'): its releases go where the job wrote, with its key */
  job?: number;
}

/** Who looks: a server user sees the quarantines of their own jobs; an admin sees all. */
export interface Viewer {
  name: string;
  admin: boolean;
}

/** Where and how an image of a job's quarantine is released: the job's destination, layout and engine. */
export interface JobRelease {
  out: string;
  outFd: number;
  layout: Layout;
  env?: DeidEnv;
  /** the image's path relative to the job's source, as the job's walk named it */
  rel: string;
  /** after the attempt: closes the destination, and keeps the pseudonyms a written release made */
  close(written: boolean): void;
}

/** What anon serve lends the review page: the report folders of the jobs a user may review. */
export interface JobReviews {
  sources(viewer: Viewer): ReviewSource[];
  /** the job's profile (what the page shows of the decision) */
  profile(source: ReviewSource): EngineProfile;
  release(source: ReviewSource, path: string): JobRelease;
}

/** One quarantined input. `id` is a hash of its path, so no identifier is in a URL. */
export interface QuarantinedItem {
  id: string;
  path: string;
  source: ReviewSource;
  reason: string;
  boxes: OcrBox[];
  /** the last review decision, when one was taken */
  review?: ReviewLogEntry;
}

/** One line of review-log.ndjson, beside the run report or in the quarantine folder. */
export interface ReviewLogEntry {
  id: string;
  input: string;
  action: 'released' | 'rejected';
  reviewer: string;
  at: string;
  /** released: the de-identified output, and where the original went (watch quarantine) */
  output?: string;
  moved_to?: string;
  masks?: Box[];
  note?: string;
}

/** How a review page works: where items come from, where releases go, the profile they are de-identified with. */
export interface ReviewOptions {
  sources: string[];
  /** output folder of released files of those sources (hierarchy layout); not used by jobs' images */
  out?: string;
  /** profile(s) releases are de-identified with (default basic) */
  profile?: string[];
  /** folder where "apply to all like this" saves named profiles */
  profilesDir: string;
  /** anon serve's jobs (their quarantines are listed to their owners) */
  jobs?: JobReviews;
  secretFile?: string;
}
