import type { DicomFile } from '../dicom/part10.js';
import { TS_UID } from '../dicom/transfer-syntax.js';
import { PixelError } from './errors.js';
import { defaultFill, fillWords } from './fill.js';
import { encapsulatedFrames, setEncapsulatedFrames } from './frames.js';
import { readImageInfo, type ImageInfo } from './image.js';
import { checkLayout, layoutOf } from './native.js';
import { frameRects, maskedFrames, resolveRegions, type MaskRegion, type ResolvedMask } from './regions.js';
import type { MaskResult } from './result.js';
import { fillFrame } from './samples.js';

export const RLE_LOSSLESS = TS_UID.RLELossless;

/** Geometry of an RLE frame: PS3.5 G.2 orders segments by sample, then byte (most significant first). */
export interface RleGeometry {
  columns: number;
  rows: number;
  samplesPerPixel: number;
  /** 8, 16 or 32. */
  bitsAllocated: number;
}

/**
 * Decodes one RLE frame (PS3.5 Annex G) into little endian samples laid out colour-by-plane
 * (sample 0 of every pixel, then sample 1, …), which is how the segments are ordered.
 */
export function decodeRleFrame(data: Buffer, g: RleGeometry): Buffer {
  const bpp = g.bitsAllocated >>> 3;
  const npix = g.columns * g.rows;
  const nseg = g.samplesPerPixel * bpp;
  if (data.length < 64) throw new PixelError({ code: 'PIXEL_DECODE', message: `RLE frame of ${data.length} bytes has no 64-byte header` });
  const count = data.readUInt32LE(0);
  if (count !== nseg) throw new PixelError({ code: 'PIXEL_DECODE', message: `RLE header has ${count} segments, ${nseg} expected` });
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(data.readUInt32LE(4 + i * 4));
  const out = Buffer.alloc(npix * nseg);
  for (let seg = 0; seg < count; seg++) {
    const s = Math.floor(seg / bpp);
    const byte = bpp - 1 - (seg % bpp); // little endian position of this byte plane
    const start = offsets[seg];
    const end = seg + 1 < count ? offsets[seg + 1] : data.length;
    if (start < 64 || end > data.length || end < start) throw new PixelError({ code: 'PIXEL_DECODE', message: `RLE segment ${seg} offset ${start} is out of range` });
    let o = s * npix * bpp + byte;
    let p = 0;
    let i = start;
    while (p < npix && i < end) {
      const n = data[i++];
      if (n < 128) {
        const len = n + 1;
        if (i + len > end) throw new PixelError({ code: 'PIXEL_DECODE', message: `RLE segment ${seg}: literal run past the segment end` });
        for (let k = 0; k < len && p < npix; k++, p++, o += bpp) out[o] = data[i + k];
        i += len;
      } else if (n > 128) {
        const len = 257 - n;
        if (i >= end) throw new PixelError({ code: 'PIXEL_DECODE', message: `RLE segment ${seg}: replicate run past the segment end` });
        const v = data[i++];
        for (let k = 0; k < len && p < npix; k++, p++, o += bpp) out[o] = v;
      }
      // 128 (-128): no operation
    }
    if (p < npix) throw new PixelError({ code: 'PIXEL_DECODE', message: `RLE segment ${seg} decodes to ${p} of ${npix} bytes` });
  }
  return out;
}

/** PackBits one row of a byte plane; runs never cross a row (PS3.5 G.3.1). */
function packRow(src: Uint8Array, start: number, stride: number, n: number, out: number[]): void {
  let i = 0;
  const at = (k: number): number => src[start + k * stride];
  while (i < n) {
    let run = 1;
    while (i + run < n && run < 128 && at(i + run) === at(i)) run++;
    if (run >= 2) {
      out.push(257 - run, at(i));
      i += run;
      continue;
    }
    let lit = 1;
    while (i + lit < n && lit < 128 && !(i + lit + 1 < n && at(i + lit) === at(i + lit + 1))) lit++;
    out.push(lit - 1);
    for (let k = 0; k < lit; k++) out.push(at(i + k));
    i += lit;
  }
}

/** Encodes one frame (little endian samples, colour-by-plane, as decodeRleFrame returns) as DICOM RLE. */
export function encodeRleFrame(frame: Buffer, g: RleGeometry): Buffer {
  const bpp = g.bitsAllocated >>> 3;
  const npix = g.columns * g.rows;
  const nseg = g.samplesPerPixel * bpp;
  if (nseg > 15) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `RLE allows 15 segments, ${nseg} needed` });
  const segs: Buffer[] = [];
  for (let seg = 0; seg < nseg; seg++) {
    const s = Math.floor(seg / bpp);
    const byte = bpp - 1 - (seg % bpp);
    const out: number[] = [];
    for (let y = 0; y < g.rows; y++) packRow(frame, (s * npix + y * g.columns) * bpp + byte, bpp, g.columns, out);
    if (out.length & 1) out.push(0);
    segs.push(Buffer.from(out));
  }
  const header = Buffer.alloc(64);
  header.writeUInt32LE(nseg, 0);
  let pos = 64;
  segs.forEach((s, i) => {
    header.writeUInt32LE(pos, 4 + i * 4);
    pos += s.length;
  });
  return Buffer.concat([header, ...segs]);
}

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
 * Masks RLE Lossless Pixel Data: decodes each frame, fills the regions, encodes again
 * (lossless), writes one fragment per frame and a new Basic Offset Table. Frames with nothing
 * to fill are re-encoded too (the layout is rebuilt as a whole), which is lossless.
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
  for (const n of frames) {
    let frame: Buffer;
    try {
      frame = decodeRleFrame(raw[n - 1], g);
    } catch (e) {
      if (e instanceof PixelError) throw new PixelError({ ...e.toJSON(), transferSyntax: ts, frame: n });
      throw e;
    }
    pixels += fillFrame(frame, 0, layout, frameRects(mask, n), words);
    bytes += frame.length;
    out[n - 1] = encodeRleFrame(frame, g); // frames with nothing to fill keep their bytes
  }
  setEncapsulatedFrames(f, out);
  return { frames, pixels, bytes, output: 'rle', transferSyntax: ts };
}
