// Whether a candidate line is shaped like a typeset line of text, whatever the recogniser made of
// it. Asked only of rows the recogniser read without confidence (src/ocr/classify.ts): there the
// shape is the evidence. Glyphs of a typeset line follow each other about a glyph apart, share a
// baseline (descenders and marks such as "^" leave it), rise above it at most as far as an
// ascender and hang below it at most as far as a descender, and the words read there are of one
// size. Blobs of anatomy or texture that happen to be glyph-sized (the paraspinal muscles of an
// axial MR) lie at any height and are read as words of any size.
import type { TextLine } from './candidates.js';
import type { OcrWord } from './types.js';

/** Ascenders and capitals rise about 1.4 x-heights above the baseline; the band allows 1.5 glyphs. */
const RISE = 1.5;
/** Descenders hang about half an x-height below it. */
const DROP = 0.6;
/** Share of the components on the baseline: all but one of three, most of a longer row. */
const ON_BASELINE = 0.6;
/** Words of one line: the tallest at most this many times the shortest. */
const WORD_SIZES = 1.6;

export function typesetLine(line: TextLine, words: OcrWord[]): boolean {
  // Spaced like glyphs of a word (a mosaic's slices are read as digits too, but lie two heights apart).
  if (line.width / line.components > 1.5 * line.glyph) return false;
  if (line.bottom - line.y > RISE * line.glyph || line.y + line.height - line.bottom > DROP * line.glyph) return false;
  if (line.baseline < ON_BASELINE) return false;
  const heights = words.filter((w) => /[\p{L}\p{N}]/u.test(w.text)).map((w) => w.height);
  return heights.length === 0 || Math.max(...heights) <= WORD_SIZES * Math.min(...heights);
}
