// Frames as the recogniser is shown them: rendered as people see them (window, MONOCHROME1,
// palette, YBR), grey, upscaled when small so that 8–12 px text has strokes the recogniser reads.
//
// Multi-frame and cine: every frame is rendered (cheap) and grouped by its text-candidate region,
// and one frame per group is recognised (dear). A frame is never assumed clean because a
// neighbour was read: it joins a group only when its overlay-bright pixels match the group's
// exactly, else it starts a group of its own; more groups than the budget and the image cannot
// be shown clean (OCR_BUDGET, quarantined).
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { DicomFile } from '../dicom/part10.js';
import { readImageInfo, renderFrame } from '../pixel/index.js';
import { OcrError } from './errors.js';

/** A frame ready for the recogniser. */
export interface OcrFrame {
  frame: number;
  /** The grey frame (dark or coloured text, text on light labels). */
  png: Buffer;
  /** Only the brightest pixels (≥ BRIGHT): overlay text on noise or texture, which the grey frame hides. */
  bright: Buffer;
  /** Recogniser coordinates ÷ scale = frame coordinates. */
  scale: number;
  width: number;
  height: number;
  /** Of the rendered grey pixels: equal frames are recognised once. */
  hash: string;
  /** The frames this one stands for (itself included, ascending): what it reads holds for all of them. */
  members: number[];
}

/** Frames that show the same text: `frame` is recognised, its findings hold for every frame of `frames`. */
export interface FrameGroup {
  frame: number;
  frames: number[];
}

/** Frames to recognise: all of them up to `max`, else `max` spread evenly, first and last included. */
export function sampleFrames(frames: number, max: number): number[] {
  if (frames <= max) return Array.from({ length: frames }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(1 + Math.round((i * (frames - 1)) / Math.max(1, max - 1)));
  return [...out].sort((a, b) => a - b);
}

/** Images narrower than this are upscaled ×2 before recognition (small text is read far better). */
const UPSCALE_BELOW = 1100;

/** Overlay text is drawn at or near full intensity; speckle and noise rarely reach it. */
const BRIGHT = 200;

/** Bright specks smaller than this (8-connected pixels) are texture, not a stroke of a character. */
const MIN_STROKE = 6;

/** Frames rendered to group at most: a clip longer than this is not shown clean. */
export const MAX_RENDERED_FRAMES = 20_000;

async function grey(f: DicomFile, frame: number): Promise<{ grey: Buffer; width: number; height: number }> {
  const { rgb, width, height } = await renderFrame(f, frame);
  const g = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .greyscale()
    .raw()
    .toBuffer();
  return { grey: g, width, height };
}

/** Grey levels of interleaved RGB (Rec. 601 weights): for the grouping, which only compares frames with each other. */
function luma(rgb: Buffer): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let p = 0, o = 0; p < out.length; p++, o += 3) out[p] = (rgb[o] * 299 + rgb[o + 1] * 587 + rgb[o + 2] * 114 + 500) / 1000;
  return out;
}

/** One frame rendered for the recogniser. */
export async function ocrFrame(f: DicomFile, frame: number, members: number[] = [frame]): Promise<OcrFrame> {
  const { grey: g, width, height } = await grey(f, frame);
  const hash = createHash('sha256').update(g).digest('hex');
  const scale = width < UPSCALE_BELOW ? 2 : 1;
  let img = sharp(g, { raw: { width, height, channels: 1 } });
  if (scale > 1) img = img.resize({ width: width * scale, height: height * scale, kernel: 'cubic' });
  const png = await img.clone().png({ compressionLevel: 0 }).toBuffer();
  const bright = await img.threshold(BRIGHT).png({ compressionLevel: 0 }).toBuffer();
  return { frame, png, bright, scale, width, height, hash, members };
}

/**
 * The text-candidate region of a grey frame: its overlay-bright pixels (≥ BRIGHT), specks of
 * fewer than MIN_STROKE pixels dropped. Two frames with the same region show the same overlay
 * text at the same place, whatever moves below the overlay intensity.
 */
export function textCandidates(g: Uint8Array, width: number, height: number): Uint8Array {
  const on = new Uint8Array(g.length);
  for (let i = 0; i < g.length; i++) if (g[i] >= BRIGHT) on[i] = 1;
  const seen = new Uint8Array(g.length);
  const stack: number[] = [];
  const part: number[] = [];
  for (let s = 0; s < on.length; s++) {
    if (!on[s] || seen[s]) continue;
    part.length = 0;
    stack.push(s);
    seen[s] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      part.push(p);
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (on[q] && !seen[q]) {
            seen[q] = 1;
            stack.push(q);
          }
        }
    }
    if (part.length < MIN_STROKE) for (const p of part) on[p] = 0;
  }
  return on;
}

/** The last grouping of each file (its input pixels): the report and previews say which frames a box stands for. */
const grouped = new WeakMap<DicomFile, FrameGroup[]>();

/** The groups groupFrames last found for this file, if any. */
export const frameGroupsOf = (f: DicomFile): FrameGroup[] | undefined => grouped.get(f);

/** The report's account of a multi-frame image's groups (nothing for one frame). */
export function frameGroupsReport(f: DicomFile): { frame_groups?: { frame: number; frames: string }[] } {
  const g = grouped.get(f);
  return g && (g.length > 1 || g[0].frames.length > 1) ? { frame_groups: g.map((x) => ({ frame: x.frame, frames: frameRanges(x.frames) })) } : {};
}

/**
 * Groups the frames of an image by their text-candidate region (textCandidates). Throws OcrError
 * OCR_BUDGET when more than `budget` groups (recognitions) would be needed.
 */
export async function groupFrames(f: DicomFile, budget: number): Promise<FrameGroup[]> {
  const groups = await group(f, budget);
  grouped.set(f, groups);
  return groups;
}

async function group(f: DicomFile, budget: number): Promise<FrameGroup[]> {
  const { frames } = readImageInfo(f);
  if (frames <= 1) return [{ frame: 1, frames: [1] }];
  if (frames > MAX_RENDERED_FRAMES) throw new OcrError('OCR_BUDGET', `${frames} frames: more than the ${MAX_RENDERED_FRAMES} frames OCR compares`);
  const byKey = new Map<string, FrameGroup>();
  for (let n = 1; n <= frames; n++) {
    const { rgb, width, height } = await renderFrame(f, n);
    const key = createHash('sha256')
      .update(textCandidates(luma(rgb), width, height))
      .digest('hex');
    let group = byKey.get(key);
    if (!group) {
      if (byKey.size >= budget)
        throw new OcrError(
          'OCR_BUDGET',
          `frames show more than ${budget} different text regions (found by frame ${n} of ${frames}): more than OCR may read (pixels.ocr.maxFrames)`,
        );
      group = { frame: n, frames: [] };
      byKey.set(key, group);
    }
    group.frames.push(n);
  }
  return [...byKey.values()];
}

/** The frames of an image to recognise: one per group of frames showing the same text (groupFrames). */
export async function* distinctFrames(f: DicomFile, max: number): AsyncGenerator<OcrFrame> {
  for (const g of await groupFrames(f, max)) yield await ocrFrame(f, g.frame, g.frames);
}

/** A group's frames for the report: "1-40,42,50-60". */
export function frameRanges(frames: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < frames.length;) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j] + 1) j++;
    out.push(j > i ? `${frames[i]}-${frames[j]}` : `${frames[i]}`);
    i = j + 1;
  }
  return out.join(',');
}

/**
 * The recognised frame whose findings hold for `frame` (per the report's frame_groups), or
 * undefined when no recognised frame stands for it.
 */
export function standsFor(check: { frames_ocr?: number[]; frame_groups?: { frame: number; frames: string }[] }, frame: number): number | undefined {
  if (!check.frame_groups) return check.frames_ocr?.includes(frame) ? frame : undefined;
  for (const g of check.frame_groups)
    for (const part of g.frames.split(',')) {
      const [a, b = a] = part.split('-').map(Number);
      if (frame >= a && frame <= b) return g.frame;
    }
  return undefined;
}
