// Which recognised words are text, which of them are identifiers, which are readable: the
// thresholds of the policy, in one place.
import { IMPLICIT_SETTINGS, knownIdentifiers, prepareContext, type PreparedContext } from '../detect/index.js';
import type { DicomFile } from '../dicom/part10.js';
import { decodeStrings, fileContext } from '../dicom/values.js';
import type { Rect } from '../pixel/index.js';
import type { TextLine } from './candidates.js';
import { typesetLine } from './line-shape.js';
import type { OcrSettings, OcrWord } from './types.js';

export const alnum = (s: string): number => (s.match(/[\p{L}\p{N}]/gu) ?? []).length;

/** Below this, words are the recogniser's guesses at texture: never text, never identifiers. */
export const FLOOR = 40;
/** A single letter or digit counts as text only from this confidence on. */
const SURE = 90;

/**
 * Text: a word with two letters or digits read with confidence (one, read surely), or three and more read fairly and
 * made mostly of them. Boxes taller than a third of the frame are shapes, not annotations.
 */
export function isText(w: OcrWord, s: OcrSettings, frameHeight: number): boolean {
  if (w.height < 4 || w.height > frameHeight / 3) return false;
  const n = alnum(w.text);
  // A lone character is what the recogniser most often makes of texture: it must be read surely.
  if (n === 1) return w.confidence >= Math.max(s.minConfidence, SURE);
  return (n >= 2 && w.confidence >= s.minConfidence) || (n >= 3 && w.confidence >= FLOOR && n / w.text.length >= 0.5);
}

/**
 * A candidate line is text when a word of it is, or when it is a row of three glyphs or more and
 * the recogniser made letters or digits of at least half of them, however unsure it says it is:
 * the row looks like text and reads like text (small or stylised glyphs, or one odd character such
 * as the "^" between names, bring a word's confidence to 0). Masking such a row costs a strip of
 * image; leaving it may leave a name.
 */
export function isTextLine(line: TextLine, words: OcrWord[], s: OcrSettings, frameHeight: number): boolean {
  // One or two components are little evidence of a row of glyphs: what is read there must be read surely.
  if (line.components <= 2) return words.some((w) => isText(w, s, frameHeight) && w.confidence >= WEAK_ROW);
  if (words.some((w) => isText(w, s, frameHeight))) return true;
  const text = words.map((w) => w.text).join('');
  const n = alnum(text);
  // Read without confidence, the row's shape must be a typeset line's (src/ocr/line-shape.ts).
  return typesetLine(line, words) && n >= 3 && n >= line.components / 2 && n >= 0.6 * text.length;
}

/** The confidence a word needs to be text when its line has only one or two components. */
const WEAK_ROW = 75;

/** Readable after masking: three letters or digits or more, read with the verification confidence. */
export const isReadable = (w: OcrWord, s: OcrSettings): boolean => alnum(w.text) >= 3 && w.confidence >= s.verifyConfidence;

/** The header detector knows the file's own identifiers (read before any rule changes them). */
export function fileDetectContext(f: DicomFile): PreparedContext {
  const ctx = fileContext(f);
  const read = (tag: number): string | undefined => {
    const el = f.dataset.get(tag);
    if (!el || el.items || el.fragments || el.value === undefined) return undefined;
    try {
      return decodeStrings(el, ctx).join('\\');
    } catch {
      return undefined;
    }
  };
  return prepareContext({ known: knownIdentifiers(read), settings: IMPLICIT_SETTINGS });
}

/** The share of a word's box that the rectangles cover (0–1; overlaps counted once per rectangle, capped). */
export function coveredShare(w: Rect, rects: Rect[]): number {
  let covered = 0;
  for (const r of rects) {
    const dx = Math.min(w.x + w.width, r.x + r.width) - Math.max(w.x, r.x);
    const dy = Math.min(w.y + w.height, r.y + r.height) - Math.max(w.y, r.y);
    if (dx > 0 && dy > 0) covered += dx * dy;
  }
  return Math.min(1, covered / Math.max(1, w.width * w.height));
}
