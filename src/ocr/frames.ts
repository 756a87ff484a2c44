// Frames as the recogniser is shown them: rendered as people see them (window, MONOCHROME1,
// palette, YBR), grey, upscaled when small so that 8–12 px text has strokes the recogniser reads.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { DicomFile } from '../dicom/part10.js';
import { readImageInfo, renderFrame } from '../pixel/index.js';

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

/** One frame rendered for the recogniser. */
export async function ocrFrame(f: DicomFile, frame: number): Promise<OcrFrame> {
  const { rgb, width, height } = await renderFrame(f, frame);
  const grey = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .greyscale()
    .raw()
    .toBuffer();
  const hash = createHash('sha256').update(grey).digest('hex');
  const scale = width < UPSCALE_BELOW ? 2 : 1;
  let img = sharp(grey, { raw: { width, height, channels: 1 } });
  if (scale > 1) img = img.resize({ width: width * scale, height: height * scale, kernel: 'cubic' });
  const png = await img.clone().png({ compressionLevel: 0 }).toBuffer();
  const bright = await img.threshold(BRIGHT).png({ compressionLevel: 0 }).toBuffer();
  return { frame, png, bright, scale, width, height, hash };
}

/** The frames of an image to recognise, equal ones (by their rendered pixels) dropped. */
export async function* distinctFrames(f: DicomFile, max: number): AsyncGenerator<OcrFrame> {
  const seen = new Set<string>();
  for (const n of sampleFrames(readImageInfo(f).frames, max)) {
    const fr = await ocrFrame(f, n);
    if (seen.has(fr.hash)) continue;
    seen.add(fr.hash);
    yield fr;
  }
}
