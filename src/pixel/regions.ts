import type { DataSet } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { PixelError } from './errors.js';
import * as TAG from '../dicom/tags.generated.js';

/** A rectangle in pixel coordinates: columns [x, x+width), rows [y, y+height). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A mask region: a rectangle, or everything outside the ultrasound regions of
 * SequenceOfUltrasoundRegions (0018,6011). `frames` limits it to the given 1-based frame
 * numbers (as DICOM numbers frames); without it the region applies to every frame.
 */
export type MaskRegion = (Rect & { kind?: 'rect'; frames?: number[] }) | { kind: 'outsideUltrasound'; frames?: number[] };

/** Regions resolved against one image: rectangles clipped to it, per frame. */
export interface ResolvedMask {
  rows: number;
  columns: number;
  frames: number;
  /** Rectangles that apply to every frame. */
  all: Rect[];
  /** Rectangles that apply to one frame only (1-based frame number → rects). */
  byFrame: Map<number, Rect[]>;
}

/** Parses `--mask x,y,w,h` (integers, width and height above zero). */
export function parseMaskArg(text: string): Rect {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 4 || !parts.every((p) => /^\d+$/.test(p))) {
    throw new PixelError({ code: 'PIXEL_REGION', message: `--mask wants x,y,w,h as non-negative integers, got ${JSON.stringify(text)}` });
  }
  const [x, y, width, height] = parts.map(Number);
  if (width === 0 || height === 0) throw new PixelError({ code: 'PIXEL_REGION', message: `--mask ${text}: width and height must be above 0` });
  return { x, y, width, height };
}

const ulAt = (ds: DataSet, tag: number, little: boolean): number | undefined => {
  const v = ds.get(tag)?.value;
  if (!v || v.length < 4) return undefined;
  return little ? v.readUInt32LE(0) : v.readUInt32BE(0);
};

/**
 * The ultrasound regions of a file, as rectangles (RegionLocationMinX0/MinY0/MaxX1/MaxY1 are
 * inclusive corners). Items without all four are skipped.
 */
export function ultrasoundRegions(f: DicomFile): Rect[] {
  const seq = f.dataset.get(TAG.SequenceOfUltrasoundRegions);
  const out: Rect[] = [];
  for (const it of seq?.items ?? []) {
    const little = it.dataset.encoding?.little ?? f.encoding.little;
    const x0 = ulAt(it.dataset, TAG.RegionLocationMinX0, little);
    const y0 = ulAt(it.dataset, TAG.RegionLocationMinY0, little);
    const x1 = ulAt(it.dataset, TAG.RegionLocationMaxX1, little);
    const y1 = ulAt(it.dataset, TAG.RegionLocationMaxY1, little);
    if (x0 === undefined || y0 === undefined || x1 === undefined || y1 === undefined || x1 < x0 || y1 < y0) continue;
    out.push({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
  }
  return out;
}

/** Clips a rectangle to the image; undefined when nothing of it is inside. */
export function clipRect(r: Rect, columns: number, rows: number): Rect | undefined {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(columns, Math.ceil(r.x + r.width));
  const y1 = Math.min(rows, Math.ceil(r.y + r.height));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}

/**
 * The complement of a union of rectangles within the image, as disjoint rectangles (horizontal
 * bands between the rectangles' edges, merged down while a band repeats).
 */
export function outsideRects(inside: Rect[], columns: number, rows: number): Rect[] {
  const clipped = inside.map((r) => clipRect(r, columns, rows)).filter((r): r is Rect => !!r);
  const ys = [...new Set([0, rows, ...clipped.flatMap((r) => [r.y, r.y + r.height])])].sort((a, b) => a - b);
  const out: Rect[] = [];
  let open: Rect[] = [];
  for (let i = 0; i + 1 < ys.length; i++) {
    const y0 = ys[i];
    const y1 = ys[i + 1];
    const covering = clipped
      .filter((r) => r.y <= y0 && r.y + r.height >= y1)
      .map((r) => [r.x, r.x + r.width] as const)
      .sort((a, b) => a[0] - b[0]);
    const gaps: [number, number][] = [];
    let x = 0;
    for (const [a, b] of covering) {
      if (a > x) gaps.push([x, a]);
      x = Math.max(x, b);
    }
    if (x < columns) gaps.push([x, columns]);
    const next: Rect[] = [];
    for (const [a, b] of gaps) {
      const prev = open.find((r) => r.x === a && r.width === b - a && r.y + r.height === y0);
      if (prev) {
        prev.height += y1 - y0;
        next.push(prev);
      } else {
        const r = { x: a, y: y0, width: b - a, height: y1 - y0 };
        out.push(r);
        next.push(r);
      }
    }
    open = next;
  }
  return out;
}

/**
 * Resolves regions against a file. A rectangle wholly outside the image, or an "outside the
 * ultrasound regions" rule on a file without any, throws PIXEL_REGION: the rule does not fit
 * the image, so what it was meant to hide cannot be known to be hidden.
 */
export function resolveRegions(f: DicomFile | undefined, regions: MaskRegion[], columns: number, rows: number, frames: number): ResolvedMask {
  const mask: ResolvedMask = { rows, columns, frames, all: [], byFrame: new Map() };
  for (const region of regions) {
    let rects: Rect[];
    if (region.kind === 'outsideUltrasound') {
      const us = f ? ultrasoundRegions(f) : [];
      if (us.length === 0)
        throw new PixelError({ code: 'PIXEL_REGION', message: 'mask "outside ultrasound regions" but the image has no SequenceOfUltrasoundRegions with region locations' });
      rects = outsideRects(us, columns, rows);
    } else {
      const r = region as Rect;
      if (![r.x, r.y, r.width, r.height].every(Number.isFinite) || r.width <= 0 || r.height <= 0) {
        throw new PixelError({ code: 'PIXEL_REGION', message: `bad rectangle ${JSON.stringify(region)}` });
      }
      const c = clipRect(r, columns, rows);
      if (!c) throw new PixelError({ code: 'PIXEL_REGION', message: `rectangle ${r.x},${r.y},${r.width},${r.height} lies outside the ${columns}×${rows} image` });
      rects = [c];
    }
    if (!region.frames) {
      mask.all.push(...rects);
      continue;
    }
    for (const n of region.frames) {
      if (!Number.isInteger(n) || n < 1 || n > frames) continue; // a frame the image does not have: nothing to hide there
      const list = mask.byFrame.get(n) ?? [];
      list.push(...rects);
      mask.byFrame.set(n, list);
    }
  }
  return mask;
}

/** Rectangles to fill in a frame (1-based). */
export function frameRects(mask: ResolvedMask, frame: number): Rect[] {
  const extra = mask.byFrame.get(frame);
  return extra ? [...mask.all, ...extra] : mask.all;
}

/** Frame numbers (1-based) that have anything to fill. */
export function maskedFrames(mask: ResolvedMask): number[] {
  const out: number[] = [];
  for (let n = 1; n <= mask.frames; n++) if (frameRects(mask, n).length > 0) out.push(n);
  return out;
}
