// The review room's data: quarantined items as the page sees them, boxes, and the review log.

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

/** Where quarantined inputs are listed: a watch quarantine folder or a run's report folder. */
export interface ReviewSource {
  kind: 'watch' | 'run';
  /** the folder given (quarantine folder, or report folder) */
  root: string;
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
  /** output folder of released files (hierarchy layout) */
  out: string;
  /** profile(s) releases are de-identified with (default basic) */
  profile?: string[];
  /** folder where "apply to all like this" saves named profiles */
  profilesDir: string;
  secretFile?: string;
}
