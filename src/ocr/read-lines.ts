// The recogniser sees only the candidate lines (src/ocr/candidates.ts), each cut out, scaled so its
// glyphs are about 30 px tall, binarised between its ink and its ground into dark text on white,
// and stacked into one page: one recognition per frame, of a few thousand pixels of text instead
// of the whole upscaled frame. Words come back in the frame's coordinates, one line per candidate.
import type { GreyFrame, TextLine } from './candidates.js';
import type { OcrWord } from './types.js';

/** Glyph height (px) the lines are scaled to: tesseract reads 8–12 px text far better this size. */
const TARGET = 30;
const MAX_SCALE = 8;
/** White margin around and between the lines of the page. */
const MARGIN = 16;
const GAP = 24;

export interface PlacedLine {
  line: TextLine;
  /** The cut-out, in frame coordinates (the line plus a margin). */
  crop: { x: number; y: number; width: number; height: number };
  scale: number;
  /** Where the scaled cut-out sits on the page. */
  top: number;
  left: number;
}

export interface LinePage {
  width: number;
  height: number;
  /** Grey, one byte per pixel. */
  pixels: Uint8Array;
  placed: PlacedLine[];
}

/** Bilinear sample of the frame at (x, y), clamped to the frame. */
function sample(f: GreyFrame, x: number, y: number): number {
  const x0 = Math.max(0, Math.min(f.width - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(f.height - 1, Math.floor(y)));
  const x1 = Math.min(f.width - 1, x0 + 1);
  const y1 = Math.min(f.height - 1, y0 + 1);
  const dx = Math.max(0, Math.min(1, x - x0));
  const dy = Math.max(0, Math.min(1, y - y0));
  const g = f.grey;
  const top = g[y0 * f.width + x0] * (1 - dx) + g[y0 * f.width + x1] * dx;
  const bottom = g[y1 * f.width + x0] * (1 - dx) + g[y1 * f.width + x1] * dx;
  return top * (1 - dy) + bottom * dy;
}

/** The candidate lines laid out on one page, dark text on white. */
export function composePage(f: GreyFrame, lines: TextLine[]): LinePage {
  const placed: PlacedLine[] = [];
  let top = MARGIN;
  let width = 0;
  for (const line of lines) {
    const pad = Math.max(3, Math.round(line.glyph * 0.4));
    const x = Math.max(0, line.x - pad);
    const y = Math.max(0, line.y - pad);
    const crop = { x, y, width: Math.min(f.width, line.x + line.width + pad) - x, height: Math.min(f.height, line.y + line.height + pad) - y };
    const scale = Math.max(1, Math.min(MAX_SCALE, TARGET / line.glyph));
    placed.push({ line, crop, scale, top, left: MARGIN });
    top += Math.ceil(crop.height * scale) + GAP;
    width = Math.max(width, Math.ceil(crop.width * scale));
  }
  const page = { width: width + 2 * MARGIN, height: top - GAP + MARGIN, placed };
  const pixels = new Uint8Array(page.width * page.height).fill(255);
  for (const p of placed) {
    const { line, crop, scale } = p;
    const mid = (line.ink + line.ground) / 2;
    const bright = line.polarity === 'bright';
    const w = Math.ceil(crop.width * scale);
    const h = Math.ceil(crop.height * scale);
    // Only the line's own ink is drawn: the margin stays white even where a neighbouring line
    // reaches into it (annotation rows are often a few pixels apart).
    const inY0 = line.y - 1;
    const inY1 = line.y + line.height + 1;
    const inX0 = line.x - 1;
    const inX1 = line.x + line.width + 1;
    for (let j = 0; j < h; j++) {
      const sy = crop.y + (j + 0.5) / scale - 0.5;
      if (sy < inY0 || sy >= inY1) continue;
      const row = (p.top + j) * page.width + p.left;
      for (let i = 0; i < w; i++) {
        const sx = crop.x + (i + 0.5) / scale - 0.5;
        if (sx < inX0 || sx >= inX1) continue;
        const v = sample(f, sx, sy);
        if (bright ? v >= mid : v <= mid) pixels[row + i] = 0;
      }
    }
  }
  return { ...page, pixels };
}

/** The page as a binary PGM (P5): the recogniser reads it without a PNG encoder in between. */
export function pgm(page: LinePage): Buffer {
  const head = Buffer.from(`P5\n${page.width} ${page.height}\n255\n`, 'latin1');
  return Buffer.concat([head, Buffer.from(page.pixels.buffer, page.pixels.byteOffset, page.pixels.byteLength)]);
}

/**
 * Words of the page mapped back to the frame: a word belongs to the line whose band holds its
 * centre; its line id is the candidate's, so a line is read whole by the identifier detectors.
 */
export function wordsToFrame(page: LinePage, words: OcrWord[], prefix: string): OcrWord[] {
  const out: OcrWord[] = [];
  for (const w of words) {
    const cy = w.y + w.height / 2;
    const k = page.placed.findIndex((p) => cy >= p.top && cy < p.top + p.crop.height * p.scale);
    if (k < 0) continue;
    const p = page.placed[k];
    const x = p.crop.x + (w.x - p.left) / p.scale;
    const y = p.crop.y + (w.y - p.top) / p.scale;
    const x0 = Math.max(p.crop.x, Math.floor(x));
    const y0 = Math.max(p.crop.y, Math.floor(y));
    const x1 = Math.min(p.crop.x + p.crop.width, Math.ceil(x + w.width / p.scale));
    const y1 = Math.min(p.crop.y + p.crop.height, Math.ceil(y + w.height / p.scale));
    if (x1 <= x0 || y1 <= y0) continue;
    out.push({ ...w, x: x0, y: y0, width: x1 - x0, height: y1 - y0, line: `${prefix}${k}` });
  }
  return out;
}
