// The cheap pass before the recogniser: where in a frame could text be? Burned-in annotations are
// rows of small glyphs much brighter than what surrounds them (overlay text), or much darker
// (text on light labels, inverse video). Connected components of such pixels, kept when they are
// glyph-sized and set apart from their surroundings, then joined into lines. Only these lines are
// recognised; a frame with none (most CT and MR slices) costs no recognition at all.
import type { Rect } from '../pixel/index.js';

/** A grey frame, one byte per pixel, rows top to bottom. */
export interface GreyFrame {
  grey: Uint8Array;
  width: number;
  height: number;
}

/** A row of glyph-like components: where to look, and how the glyphs differ from their ground. */
export interface TextLine extends Rect {
  /** bright: lighter than the ground (overlay text); dark: darker (labels, inverse video). */
  polarity: 'bright' | 'dark';
  /** Median glyph height (px): the recogniser is shown the line scaled from it. */
  glyph: number;
  /** Grey level of the glyphs and of their ground: the line is binarised between the two. */
  ink: number;
  ground: number;
  components: number;
  /**
   * Share of the components whose bottom sits on the line's baseline (the median bottom, within
   * an eighth of a glyph): typeset glyphs share one, only descenders and marks ("^", "'") leave
   * it; blobs of texture lie at any height.
   */
  baseline: number;
  /** The baseline's row: the median bottom of the components (frame coordinates). */
  bottom: number;
}

/**
 * Overlay text is drawn bright, label text dark. 160 and 140 found the most text of the bench set
 * with the fewest stray lines (200/80 missed 8–10 px text, 130/150 read noise as lines). Where
 * they find more than BUSY lines the ground itself is bright (speckle, colour flow): the stricter
 * levels are used there, which text drawn at full intensity still passes.
 */
const LEVELS = { bright: [160, 200], dark: [140, 80] };
const BUSY = 40;
/** A glyph differs from the ring around it by at least this much (grey levels). */
const CONTRAST = 70;
/** …and by this many standard deviations of that ring. */
const NOISE = 1.5;
/** Glyph heights (px): 8 px text has 4 px lower-case letters; larger than a quarter frame is a shape. */
const MIN_GLYPH = 4;
const MAX_GLYPH = 80;
/** Past this many lines a frame is not annotated but textured: the caller refuses it (fail closed). */
export const MAX_LINES = 200;

interface Component extends Rect {
  area: number;
  sum: number;
}

/** 8-connected components of the pixels `on` selects (union–find over one row pass). */
function components(f: GreyFrame, on: (v: number) => boolean): Component[] {
  const { grey, width: w, height: h } = f;
  const label = new Int32Array(w * h);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    return Math.min(ra, rb);
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!on(grey[i])) continue;
      let l = 0;
      const link = (j: number): void => {
        const m = label[j];
        if (m) l = l ? union(l, m) : m;
      };
      if (x > 0) link(i - 1);
      if (y > 0) {
        link(i - w);
        if (x > 0) link(i - w - 1);
        if (x < w - 1) link(i - w + 1);
      }
      if (!l) {
        l = parent.length;
        parent.push(l);
      }
      label[i] = l;
    }
  }
  const byRoot = new Map<number, Component>();
  for (let i = 0; i < label.length; i++) {
    if (!label[i]) continue;
    const r = find(label[i]);
    const x = i % w;
    const y = (i - x) / w;
    const c = byRoot.get(r);
    if (!c) byRoot.set(r, { x, y, width: 1, height: 1, area: 1, sum: grey[i] });
    else {
      const x1 = Math.max(c.x + c.width, x + 1);
      const y1 = Math.max(c.y + c.height, y + 1);
      c.x = Math.min(c.x, x);
      c.width = x1 - c.x;
      c.height = y1 - c.y;
      c.area++;
      c.sum += grey[i];
    }
  }
  return [...byRoot.values()];
}

/** Mean and standard deviation of the grey of the one-pixel ring two pixels outside a box. */
function ring(f: GreyFrame, r: Rect): { mean: number; sd: number } {
  const x0 = r.x - 2;
  const y0 = r.y - 2;
  const x1 = r.x + r.width + 1;
  const y1 = r.y + r.height + 1;
  let s = 0;
  let s2 = 0;
  let n = 0;
  const at = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= f.width || y >= f.height) return;
    const v = f.grey[y * f.width + x];
    s += v;
    s2 += v * v;
    n++;
  };
  for (let x = x0; x <= x1; x++) {
    at(x, y0);
    at(x, y1);
  }
  for (let y = y0 + 1; y < y1; y++) {
    at(x0, y);
    at(x1, y);
  }
  if (!n) return { mean: 0, sd: 0 };
  const mean = s / n;
  return { mean, sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

interface Glyph extends Rect {
  ink: number;
  ground: number;
}

/** Components shaped like glyphs (or a few glyphs run together) and set apart from their ground. */
function glyphs(f: GreyFrame, polarity: 'bright' | 'dark', level: number): Glyph[] {
  const cs = components(f, polarity === 'bright' ? (v) => v >= level : (v) => v <= level);
  const out: Glyph[] = [];
  for (const c of cs) {
    if (c.height < MIN_GLYPH || c.height > MAX_GLYPH || c.width > c.height * 12) continue;
    // A filled block is a shape, not a glyph ("I" and "l" are thin, so they pass).
    if (c.width >= 4 && c.width > 0.4 * c.height && c.area > 0.9 * c.width * c.height) continue;
    // A wide, mostly filled component is a label or a bar (the glyphs in it are the other polarity).
    if (c.width > 2 * c.height && c.area > 0.6 * c.width * c.height) continue;
    const ink = c.sum / c.area;
    const { mean: ground, sd } = ring(f, c);
    // Set apart from a ground that is itself calm: a speck of noise differs from its ring as much
    // as a glyph does, but so does the ring from itself.
    const contrast = polarity === 'bright' ? ink - ground : ground - ink;
    if (contrast < CONTRAST || contrast < NOISE * sd) continue;
    out.push({ x: c.x, y: c.y, width: c.width, height: c.height, ink, ground });
  }
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Glyphs joined into lines: neighbours that overlap vertically by half the smaller height, have
 * comparable heights and lie within about one and a half heights of each other.
 */
function joinLines(gs: Glyph[], polarity: 'bright' | 'dark'): TextLine[] {
  const sorted = [...gs].sort((a, b) => a.x - b.x);
  const group = sorted.map((_, i) => i);
  const find = (a: number): number => {
    while (group[a] !== a) a = group[a] = group[group[a]];
    return a;
  };
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j];
      const hMax = Math.max(a.height, b.height);
      if (b.x > a.x + a.width + 1.5 * hMax) break;
      const overlap = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (overlap < 0.5 * Math.min(a.height, b.height) || hMax > 3 * Math.min(a.height, b.height)) continue;
      const ra = find(i);
      const rb = find(j);
      if (ra !== rb) group[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }
  const lines = new Map<number, Glyph[]>();
  for (let i = 0; i < sorted.length; i++) lines.set(find(i), [...(lines.get(find(i)) ?? []), sorted[i]]);
  const out: TextLine[] = [];
  for (const members of lines.values()) {
    const x0 = Math.min(...members.map((g) => g.x));
    const y0 = Math.min(...members.map((g) => g.y));
    const x1 = Math.max(...members.map((g) => g.x + g.width));
    const y1 = Math.max(...members.map((g) => g.y + g.height));
    const glyph = median(members.map((g) => g.height));
    // One component is text only when it is wide enough to be several glyphs run together.
    if (members.length === 1 && x1 - x0 < 1.5 * glyph) continue;
    // Glyphs of a word follow each other about a glyph height apart; blobs spread wider are a
    // row of shapes (the slices of a mosaic), not a line of text.
    if (members.length >= 3 && (x1 - x0) / members.length > 2 * glyph) continue;
    const bottom = median(members.map((g) => g.y + g.height));
    const tol = Math.max(1.5, glyph / 8);
    out.push({
      x: x0,
      y: y0,
      width: x1 - x0,
      height: y1 - y0,
      polarity,
      glyph,
      ink: median(members.map((g) => g.ink)),
      ground: median(members.map((g) => g.ground)),
      components: members.length,
      baseline: members.filter((g) => Math.abs(g.y + g.height - bottom) <= tol).length / members.length,
      bottom,
    });
  }
  return out;
}

/** The lines of a frame that may be text, both polarities, top to bottom. */
export function findTextLines(f: GreyFrame): TextLine[] {
  const lines: TextLine[] = [];
  for (const polarity of ['bright', 'dark'] as const) {
    const [loose, strict] = LEVELS[polarity];
    const found = joinLines(glyphs(f, polarity, loose), polarity);
    lines.push(...(found.length > BUSY ? joinLines(glyphs(f, polarity, strict), polarity) : found));
  }
  // The counters of glyphs ("o", "8") are glyph-like components of the other polarity: a line
  // inside a line of several glyphs of the other polarity is that line's holes.
  const inside = (a: TextLine, b: TextLine): boolean =>
    a.polarity !== b.polarity && b.components >= 2 && a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
  return lines.filter((a) => !lines.some((b) => inside(a, b))).sort((a, b) => a.y - b.y || a.x - b.x);
}
