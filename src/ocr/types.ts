// What OCR of burned-in text finds and what the report says about it. Plain data: it crosses worker
// threads, lands in the journal and the run report, and the review page reads it.
import type { Rect } from '../pixel/index.js';

/** One word as the recogniser read it, in the frame's pixel coordinates. */
export interface OcrWord extends Rect {
  text: string;
  /** 0–100, the recogniser's own. */
  confidence: number;
  /** Words of one line share it (block, paragraph, line). */
  line: string;
}

/**
 * A box in the report: where, how sure, what became of it. Never the recognised text: a box may
 * hold a patient's name. `label` is the kind of identifier when the detectors flagged one (the
 * box's row holds it), or UNSURE: a row of text read too unsurely to tell, masked all the same
 * under the identifiers policy (`identifier` is false then).
 */
export interface OcrBox extends Rect {
  /** 1-based frame number. */
  frame: number;
  confidence: number;
  masked: boolean;
  identifier: boolean;
  label?: string;
}

/** How the pixels of one image were checked for burned-in text (report and quarantine entries). */
export interface PixelCheck {
  /** ocr: found and verified by OCR; "mask rule, not verified": a fixed rule applied blind. */
  method: 'ocr' | 'mask rule, not verified';
  policy?: OcrPolicy;
  frames?: number;
  /** Frames recognised (1-based): one per group of frames showing the same text. */
  frames_ocr?: number[];
  /** Multi-frame: the frames each recognised frame stands for ("1-40,42"); its boxes and masks hold for all of them. */
  frame_groups?: { frame: number; frames: string }[];
  /** Boxes of the first pass (found), then any the second pass still read (left). */
  boxes?: OcrBox[];
  found?: number;
  masked?: number;
  left?: number;
  /** The second pass supports "no readable text left": the marks may say so. */
  verified?: boolean;
  /** Why the image was not written as clean (quarantine only). */
  findings?: string[];
}

/** Mask all text (default) or only the text the identifier detectors flag (Presidio's mode). */
export type OcrPolicy = 'all' | 'identifiers';

/** The OCR settings of a profile's pixels section, with their defaults filled. */
export interface OcrSettings {
  policy: OcrPolicy;
  /** Pixels added around each box before masking. */
  padding: number;
  /** A word with one letter or digit counts as text from this confidence on. */
  minConfidence: number;
  /** The second pass: a word of ≥ 3 letters or digits from this confidence on is readable. */
  verifyConfidence: number;
  /** At most this many frames of a multi-frame image are recognised (one per group of frames showing the same text); more groups: quarantine. */
  maxFrames: number;
}

export const DEFAULT_OCR: OcrSettings = { policy: 'all', padding: 4, minConfidence: 60, verifyConfidence: 50, maxFrames: 8 };
