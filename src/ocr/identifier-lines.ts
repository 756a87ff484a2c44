// Which candidate lines of a frame hold an identifier (the "identifiers" policy, and the labels of
// the report's boxes under both policies). Lines are read in rows: the lines of one row of text
// that the cheap pass split at a faint glyph or a wide space ("DOB" | "12/03/1961", "ID: 69" |
// "563") are joined and read as one text, so a label is seen with its value and a date whole. A
// row is flagged when a span of the detectors (src/detect/burned-in.ts) falls in it; every line of
// the row is then masked whole, label and value alike.
//
// Fail closed: a row of text-like glyphs the recogniser read only unsurely may hold an identifier
// it could not make out. Under the identifiers policy such a row is masked whole (UNSURE), wherever
// it is in the frame: identifiers are not only in banners (screen captures, reports, labels), and a
// mask on an annotation costs a strip of image, a name left costs the patient.
import { burnedInSpans, type PreparedContext } from '../detect/index.js';
import type { TextLine } from './candidates.js';
import { alnum, FLOOR, isTextLine } from './classify.js';
import type { FrameText } from './frame-text.js';
import type { OcrSettings, OcrWord } from './types.js';
import { horizontalGap, verticalOverlap } from './row-geometry.js';

/** The label of a line masked because it was read too unsurely to tell. */
export const UNSURE = 'UNSURE';

/** A row of this many glyphs or more read below this confidence (per letter or digit, on average) is unsure. */
const UNSURE_GLYPHS = 5;
const UNSURE_CONFIDENCE = 50;
/**
 * Lines of one row: vertically overlapping by half, glyphs within a factor of 2, gaps under 4
 * glyphs (a name whose caret and neighbouring glyphs the cheap pass missed leaves a gap of ~3).
 */
const ROW_GAP = 4;

/** The lines of a frame in rows (indices into `lines`, each row left to right). */
export function rowsOf(lines: TextLine[]): number[][] {
  const parent = lines.map((_, i) => i);
  const find = (a: number): number => (parent[a] === a ? a : (parent[a] = find(parent[a])));
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const a = lines[i];
      const b = lines[j];
      const overlap = verticalOverlap(a, b);
      const gap = horizontalGap(a, b);
      const ratio = Math.max(a.glyph, b.glyph) / Math.max(1, Math.min(a.glyph, b.glyph));
      if (overlap >= 0.5 * Math.min(a.height, b.height) && ratio <= 2 && gap <= ROW_GAP * Math.max(a.glyph, b.glyph)) parent[find(j)] = find(i);
    }
  }
  const rows = new Map<number, number[]>();
  lines.forEach((_, i) => rows.set(find(i), [...(rows.get(find(i)) ?? []), i]));
  return [...rows.values()].map((r) => r.sort((a, b) => lines[a].x - lines[b].x));
}

/** Letters and digits read, weighted by the confidence of their words (0–100); -1 when none were read. */
function readConfidence(words: OcrWord[]): number {
  let n = 0;
  let sum = 0;
  for (const w of words) {
    const k = alnum(w.text);
    n += k;
    sum += k * w.confidence;
  }
  return n ? sum / n : -1;
}

export interface IdentifierLineOptions {
  /** Mask rows read too unsurely to tell (the identifiers policy); otherwise only rows that read as identifiers. */
  unsure: boolean;
}

/**
 * The lines of a frame that hold an identifier, with the kind (PERSON, ID, DATE…, or UNSURE).
 * The words of a text-like line are read at any confidence (a caret between names brings a word's
 * to 0); those of other lines only from the floor up (texture read as letters).
 */
export function identifierLines(t: FrameText, ctx: PreparedContext, s: OcrSettings, o: IdentifierLineOptions): Map<number, string> {
  const out = new Map<number, string>();
  const own = t.lines.map((_, k) => t.words.filter((w) => w.line === String(k)).sort((a, b) => a.x - b.x));
  const textLike = t.lines.map((line, k) => isTextLine(line, own[k], s, t.height));
  for (const row of rowsOf(t.lines)) {
    let text = '';
    const at: [start: number, end: number, line: number][] = [];
    for (const k of row) {
      const words = own[k].filter((w) => textLike[k] || w.confidence >= FLOOR);
      if (!words.length) continue;
      if (text) text += ' ';
      const start = text.length;
      text += words.map((w) => w.text).join(' ');
      at.push([start, text.length, k]);
    }
    const spans = burnedInSpans(text, ctx);
    for (const sp of spans) for (const [a, b, k] of at) if (a < sp.end && sp.start < b && !out.has(k)) out.set(k, sp.label);
    if (spans.length) {
      // the whole row: the other parts of a date or a name the cheap pass split off ("05" | "11/1949"), the label
      for (const k of row) if (!out.has(k)) out.set(k, spans[0].label);
      continue;
    }
    if (!o.unsure) continue;
    const texts = row.filter((k) => textLike[k]);
    const glyphs = row.reduce((n, k) => n + t.lines[k].components, 0);
    const conf = readConfidence(texts.flatMap((k) => own[k]));
    if (texts.length && glyphs >= UNSURE_GLYPHS && conf < UNSURE_CONFIDENCE) for (const k of row) out.set(k, UNSURE);
  }
  return out;
}
