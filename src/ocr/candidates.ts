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
  /** The rendering, three bytes a pixel, when it has colour (colour-flow lines are told apart by hue). */
  rgb?: Uint8Array;
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

/**
 * 8-connected components of the pixels `on` selects: union–find over one row pass, labels and
 * boxes in typed arrays (this pass runs on every frame, text or not).
 */
function components(f: GreyFrame, on: (v: number) => boolean): Component[] {
  const { grey, width: w, height: h } = f;
  const label = new Int32Array(w * h);
  let parent = new Int32Array(1024);
  let next = 1;
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const link = (l: number, m: number): number => {
    if (!m) return l;
    if (!l) return m;
    const ra = find(l);
    const rb = find(m);
    if (ra === rb) return ra;
    const lo = Math.min(ra, rb);
    parent[Math.max(ra, rb)] = lo;
    return lo;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!on(grey[i])) continue;
      let l = 0;
      if (x > 0) l = link(l, label[i - 1]);
      if (y > 0) {
        l = link(l, label[i - w]);
        if (x > 0) l = link(l, label[i - w - 1]);
        if (x < w - 1) l = link(l, label[i - w + 1]);
      }
      if (!l) {
        if (next === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        l = next;
        parent[next] = next++;
      }
      label[i] = l;
    }
  }
  const x0 = new Int32Array(next).fill(w);
  const y0 = new Int32Array(next).fill(h);
  const x1 = new Int32Array(next);
  const y1 = new Int32Array(next);
  const area = new Int32Array(next);
  const sum = new Float64Array(next);
  for (let i = 0, x = 0, y = 0; i < label.length; i++, x++) {
    if (x === w) {
      x = 0;
      y++;
    }
    if (!label[i]) continue;
    const r = find(label[i]);
    if (x < x0[r]) x0[r] = x;
    if (y < y0[r]) y0[r] = y;
    if (x >= x1[r]) x1[r] = x + 1;
    if (y >= y1[r]) y1[r] = y + 1;
    area[r]++;
    sum[r] += grey[i];
  }
  const out: Component[] = [];
  for (let r = 1; r < next; r++) if (area[r]) out.push({ x: x0[r], y: y0[r], width: x1[r] - x0[r], height: y1[r] - y0[r], area: area[r], sum: sum[r] });
  return out;
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
  return lines.filter((a) => !lines.some((b) => inside(a, b)) && !colourFlow(f, a)).sort((a, b) => a.y - b.y || a.x - b.x);
}

/** Ink at least this far from grey (max − min of R, G, B) is coloured. */
const CHROMA = 64;
/**
 * Colour Doppler paints velocity as a ramp of hues (red through yellow, blue through cyan); text
 * is drawn in one colour, and keeps one hue when anti-aliased. A line whose ink is mostly coloured,
 * and whose coloured pixels spread so wide in hue that no 30° window holds RAMP of them, is flow.
 * Never recognised, it costs nothing (a colour-flow blob costs as much recognition as a word).
 */
const RAMP = 0.85;

function colourFlow(f: GreyFrame, l: TextLine): boolean {
  const rgb = f.rgb;
  if (!rgb) return false;
  const mid = (l.ink + l.ground) / 2;
  const bins = new Int32Array(36);
  let ink = 0;
  let colouredInk = 0;
  let coloured = 0;
  for (let y = l.y; y < l.y + l.height; y++) {
    for (let x = l.x; x < l.x + l.width; x++) {
      const i = y * f.width + x;
      const isInk = l.polarity === 'bright' ? f.grey[i] >= mid : f.grey[i] <= mid;
      if (isInk) ink++;
      const r = rgb[3 * i];
      const g = rgb[3 * i + 1];
      const b = rgb[3 * i + 2];
      const max = Math.max(r, g, b);
      const c = max - Math.min(r, g, b);
      if (c < CHROMA) continue;
      if (isInk) colouredInk++;
      // The hue of every coloured pixel of the box: a blob's darker rim carries the rest of its ramp.
      coloured++;
      const h = max === r ? ((g - b) / c + 6) % 6 : max === g ? (b - r) / c + 2 : (r - g) / c + 4;
      bins[Math.floor(h * 6) % 36]++;
    }
  }
  if (colouredInk < 0.5 * ink) return false;
  let best = 0;
  for (let i = 0; i < 36; i++) best = Math.max(best, bins[i] + bins[(i + 1) % 36] + bins[(i + 2) % 36]);
  return best < RAMP * coloured;
}
