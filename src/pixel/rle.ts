import type { DicomFile } from '../dicom/part10.js';
import { TS_UID } from '../dicom/transfer-syntax.js';
import { PixelError } from './errors.js';
import { defaultFill, fillWords } from './fill.js';
import { encapsulatedFrames, setEncapsulatedFrames } from './frames.js';
import { readImageInfo, type ImageInfo } from './image.js';
import { checkLayout, layoutOf } from './native.js';
import { frameRects, maskedFrames, resolveRegions, type MaskRegion, type ResolvedMask } from './regions.js';
import type { MaskResult } from './result.js';
import { decodeRleFrame, encodeRleFrame, type RleGeometry, type RleRows } from './rle-codec.js';
import { fillFrame } from './samples.js';

export { decodeRleFrame, encodeRleFrame, type RleGeometry, type RleRows } from './rle-codec.js';

export const RLE_LOSSLESS = TS_UID.RLELossless;

function geometry(info: ImageInfo, ts: string): RleGeometry {
  if (info.bitsAllocated === 1 || info.photometric === 'YBR_FULL_422') {
    throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `RLE with ${info.bitsAllocated === 1 ? '1-bit data' : 'YBR_FULL_422'} is not supported`, transferSyntax: ts });
  }
  return { columns: info.columns, rows: info.rows, samplesPerPixel: info.samplesPerPixel, bitsAllocated: info.bitsAllocated };
}

/** The decoded frames of an RLE file (colour-by-plane, little endian). */
export function decodeRle(f: DicomFile): { info: ImageInfo; frames: Buffer[] } {
  const ts = f.transferSyntax.uid;
  const info = readImageInfo(f);
  checkLayout(info, ts);
  const g = geometry(info, ts);
  const frames = encapsulatedFrames(f, info.frames).map((d, i) => {
    try {
      return decodeRleFrame(d, g);
    } catch (e) {
      if (e instanceof PixelError) throw new PixelError({ ...e.toJSON(), transferSyntax: ts, frame: i + 1 });
      throw e;
    }
  });
  return { info, frames };
}

/**
 * Masks RLE Lossless Pixel Data: decodes each frame a region touches, fills the regions and encodes
 * it again (lossless), copying the source's bytes for the rows no region touches where they stand
 * on their own; writes one fragment per frame and a new Basic Offset Table. Frames no region
 * touches keep their bytes and are never decoded.
 */
export function maskRle(f: DicomFile, regions: MaskRegion[] | ResolvedMask, fill?: number[]): MaskResult {
  const ts = f.transferSyntax.uid;
  if (ts !== RLE_LOSSLESS) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `maskRle: transfer syntax ${ts} is not RLE Lossless`, transferSyntax: ts });
  const info0 = readImageInfo(f);
  const mask = Array.isArray(regions) ? resolveRegions(f, regions, info0.columns, info0.rows, info0.frames) : regions;
  const frames = maskedFrames(mask);
  if (frames.length === 0) return { frames, pixels: 0, bytes: 0, output: 'unchanged', transferSyntax: ts };
  const info = info0;
  checkLayout(info, ts);
  const g = geometry(info, ts);
  const raw = encapsulatedFrames(f, info.frames);
  const words = fillWords(fill ?? defaultFill(f, info), info, true);
  const layout = layoutOf(info, 1);
  let pixels = 0;
  let bytes = 0;
  const out = raw.slice();
  const changed = new Uint8Array(info.rows);
  for (const n of frames) {
    let frame: Buffer;
    const rows: { starts?: Int32Array } = {};
    try {
      frame = decodeRleFrame(raw[n - 1], g, rows);
    } catch (e) {
      if (e instanceof PixelError) throw new PixelError({ ...e.toJSON(), transferSyntax: ts, frame: n });
      throw e;
    }
    const rects = frameRects(mask, n);
    pixels += fillFrame(frame, 0, layout, rects, words);
    bytes += frame.length;
    changed.fill(0);
    for (const r of rects) changed.fill(1, r.y, r.y + r.height);
    const source: RleRows = { source: raw[n - 1], starts: rows.starts! };
    out[n - 1] = encodeRleFrame(frame, g, { rows: source, changed }); // frames with nothing to fill keep their bytes
  }
  setEncapsulatedFrames(f, out);
  return { frames, pixels, bytes, output: 'rle', transferSyntax: ts };
}
