import sharp from 'sharp';
import type { DicomFile } from '../dicom/part10.js';
import { readRange } from '../dicom/source.js';
import { swapInPlace, valueBytes } from '../dicom/values.js';
import { codecFamily, decodeFrame, toInterleaved } from './codecs.js';
import { PixelError } from './errors.js';
import { encapsulatedFrames } from './frames.js';
import * as TAG from '../dicom/tags.generated.js';
import { nativePixelBytes, readImageInfo, readNumbers, type ImageInfo } from './image.js';
import { frameRects, resolveRegions, type MaskRegion, type Rect } from './regions.js';
import { decodeRleFrame, RLE_LOSSLESS } from './rle.js';

export interface PreviewOptions {
  /** 1-based frame number (default 1). */
  frame?: number;
  /** Regions to outline (resolved against the image; frame limits respected). */
  regions?: MaskRegion[];
  /** Extra rectangles to outline as they are. */
  rects?: Rect[];
  /** Outline colour (default red). */
  color?: [number, number, number];
  /** More rectangles, each outlined in its own colour (OCR boxes: found, masked, left). */
  outlines?: { rect: Rect; color: [number, number, number] }[];
}

/** One frame as the eye sees it: 8-bit RGB, interleaved. */
export interface RenderedFrame {
  rgb: Buffer;
  width: number;
  height: number;
}

/** One frame's samples as numbers: stored values (sign applied), colour-by-pixel. */
interface Samples {
  get(i: number): number;
  components: number;
  photometric: string;
  bits: number;
  signed: boolean;
}

function frameNativeSamples(f: DicomFile, info: ImageInfo, frame: number): Samples {
  const el = f.dataset.get(TAG.PixelData)!;
  if (el.bulkOffset !== undefined && info.bitsAllocated !== 1) {
    // Only the frame shown is read: a multi-frame's Pixel Data may not fit in memory.
    const at = el.bulkOffset + (frame - 1) * info.frameBytes;
    return nativeSamplesOf(f, info, 1, readRange(f.body, at, Math.min(info.frameBytes, Math.max(0, el.bulkOffset + el.length - at))), el.vr);
  }
  return nativeSamplesOf(f, info, frame, nativePixelBytes(f, el), el.vr);
}

function nativeSamplesOf(f: DicomFile, info: ImageInfo, frame: number, all: Buffer, vr: string): Samples {
  const npix = info.rows * info.columns;
  const signed = info.pixelRepresentation === 1;
  const spp = info.samplesPerPixel;
  if (info.bitsAllocated === 1) {
    const base = (frame - 1) * npix;
    return { components: 1, photometric: info.photometric, bits: 1, signed: false, get: (i) => (all[(base + i) >>> 3] >>> ((base + i) & 7)) & 1 };
  }
  const bpp = info.bitsAllocated / 8;
  let buf: Buffer = Buffer.from(all.subarray((frame - 1) * info.frameBytes, frame * info.frameBytes));
  if (buf.length < info.frameBytes) throw new PixelError({ code: 'PIXEL_LENGTH', message: `frame ${frame} is short` });
  if (!f.encoding.little) swapInPlace(buf, bpp > 1 ? bpp : vr === 'OW' ? 2 : 1);
  if (info.photometric === 'YBR_FULL_422') {
    const out = Buffer.alloc(npix * 3);
    for (let p = 0; p < npix; p++) {
      const pair = (p & ~1) * 2;
      out[p * 3] = buf[pair + (p & 1)];
      out[p * 3 + 1] = buf[pair + 2];
      out[p * 3 + 2] = buf[pair + 3];
    }
    buf = out;
  } else if (spp > 1 && info.planarConfiguration === 1) {
    buf = toInterleaved({ pixels: buf, width: info.columns, height: info.rows, components: spp, bitsPerSample: info.bitsAllocated > 8 ? 16 : 8, signed, planar: 1 });
  }
  return {
    components: spp,
    photometric: info.photometric === 'YBR_FULL_422' ? 'YBR_FULL' : info.photometric,
    bits: info.bitsStored,
    signed,
    get: sampleReader(buf, info.bitsAllocated, info.bitsStored, info.highBit, signed),
  };
}

function sampleReader(buf: Buffer, ba: number, bs: number, hb: number, signed: boolean): (i: number) => number {
  const shift = hb + 1 - bs;
  const m = 2 ** bs;
  const raw = ba === 8 ? (i: number): number => buf[i] : ba === 16 ? (i: number): number => buf.readUInt16LE(i * 2) : (i: number): number => buf.readUInt32LE(i * 4);
  return (i) => {
    const v = Math.floor(raw(i) / 2 ** shift) % m;
    return signed && v >= m / 2 ? v - m : v;
  };
}

async function frameSamples(f: DicomFile, info: ImageInfo, frame: number): Promise<Samples> {
  const ts = f.transferSyntax.uid;
  if (!f.transferSyntax.encapsulated) return frameNativeSamples(f, info, frame);
  const raw = encapsulatedFrames(f, info.frames)[frame - 1];
  const signed = info.pixelRepresentation === 1;
  if (ts === RLE_LOSSLESS) {
    const d = decodeRleFrame(raw, { columns: info.columns, rows: info.rows, samplesPerPixel: info.samplesPerPixel, bitsAllocated: info.bitsAllocated });
    const buf =
      info.samplesPerPixel > 1
        ? toInterleaved({ pixels: d, width: info.columns, height: info.rows, components: info.samplesPerPixel, bitsPerSample: info.bitsAllocated > 8 ? 16 : 8, signed, planar: 1 })
        : d;
    return {
      components: info.samplesPerPixel,
      photometric: info.photometric,
      bits: info.bitsStored,
      signed,
      get: sampleReader(buf, info.bitsAllocated, info.bitsStored, info.highBit, signed),
    };
  }
  if (!codecFamily(ts)) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `no decoder for ${ts}`, transferSyntax: ts });
  const d = await decodeFrame(ts, raw, info.photometric, signed);
  const buf = d.planar ? toInterleaved(d) : d.pixels;
  const ba = d.bitsPerSample > 8 ? 16 : 8;
  return {
    components: d.components,
    photometric: d.photometric ?? info.photometric,
    bits: d.bitsPerSample,
    signed,
    get: sampleReader(buf, ba, d.bitsPerSample, d.bitsPerSample - 1, signed),
  };
}

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/**
 * Renders one frame as people see it: greyscale windowed (Window Center/Width, else the frame's
 * min/max, after Rescale), MONOCHROME1 inverted, palette and YBR turned into RGB.
 */
export async function renderFrame(f: DicomFile, frame = 1): Promise<RenderedFrame> {
  const info = readImageInfo(f);
  if (!Number.isInteger(frame) || frame < 1 || frame > info.frames) throw new PixelError({ code: 'PIXEL_REGION', message: `frame ${frame} is not in 1..${info.frames}` });
  const s = await frameSamples(f, info, frame);
  const w = info.columns;
  const h = info.rows;
  const npix = w * h;
  const rgb = Buffer.alloc(npix * 3);
  if (s.components === 3) {
    const scale = 255 / (2 ** s.bits - 1);
    const ybr = s.photometric.startsWith('YBR');
    const mid = 2 ** (s.bits - 1);
    for (let p = 0; p < npix; p++) {
      let a = s.get(p * 3) * scale;
      let b = s.get(p * 3 + 1) * scale;
      let c = s.get(p * 3 + 2) * scale;
      if (ybr) {
        const y = a;
        const cb = (b / scale - mid) * scale;
        const cr = (c / scale - mid) * scale;
        a = y + 1.402 * cr;
        b = y - 0.344136 * cb - 0.714136 * cr;
        c = y + 1.772 * cb;
      }
      rgb[p * 3] = clamp8(a);
      rgb[p * 3 + 1] = clamp8(b);
      rgb[p * 3 + 2] = clamp8(c);
    }
  } else if (info.photometric === 'PALETTE COLOR') {
    const luts = [TAG.RedPaletteColorLookupTableData, TAG.GreenPaletteColorLookupTableData, TAG.BluePaletteColorLookupTableData].map((t) => {
      const el = f.dataset.get(t);
      return el ? valueBytes(el, f.body) : undefined;
    });
    const desc = f.dataset.get(TAG.RedPaletteColorLookupTableDescriptor)?.value;
    const little = f.encoding.little;
    const first = desc && desc.length >= 6 ? (little ? desc.readUInt16LE(2) : desc.readUInt16BE(2)) : 0;
    const bits = desc && desc.length >= 6 ? (little ? desc.readUInt16LE(4) : desc.readUInt16BE(4)) : 16;
    for (let p = 0; p < npix; p++) {
      for (let c = 0; c < 3; c++) {
        const lut = luts[c];
        if (!lut || lut.length < 2) {
          rgb[p * 3 + c] = clamp8(s.get(p));
          continue;
        }
        const n = lut.length >>> 1;
        const i = Math.min(n - 1, Math.max(0, s.get(p) - first));
        const v = little ? lut.readUInt16LE(i * 2) : lut.readUInt16BE(i * 2);
        rgb[p * 3 + c] = bits > 8 ? v >>> 8 : v & 0xff;
      }
    }
  } else {
    const slope = readNumbers(f, TAG.RescaleSlope)[0] ?? 1;
    const intercept = readNumbers(f, TAG.RescaleIntercept)[0] ?? 0;
    const values = new Float64Array(npix);
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < npix; p++) {
      const v = s.get(p) * slope + intercept;
      values[p] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    let lo = min;
    let hi = max;
    const wc = readNumbers(f, TAG.WindowCenter)[0];
    const ww = readNumbers(f, TAG.WindowWidth)[0];
    if (s.bits > 1 && wc !== undefined && ww !== undefined && ww > 0) {
      lo = wc - ww / 2;
      hi = wc + ww / 2;
    }
    const span = hi > lo ? hi - lo : 1;
    const invert = info.photometric === 'MONOCHROME1';
    for (let p = 0; p < npix; p++) {
      let g = clamp8(((values[p] - lo) / span) * 255);
      if (invert) g = 255 - g;
      rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = g;
    }
  }
  return { rgb, width: w, height: h };
}

/** Renders one frame (renderFrame) as a PNG for people, with region rectangles and boxes outlined on top. */
export async function renderPreview(f: DicomFile, opts: PreviewOptions = {}): Promise<Buffer> {
  const frame = opts.frame ?? 1;
  const { rgb, width: w, height: h } = await renderFrame(f, frame);
  const info = readImageInfo(f);
  const rects = [...(opts.rects ?? [])];
  if (opts.regions?.length) rects.push(...frameRects(resolveRegions(f, opts.regions, w, h, info.frames), frame));
  const color = opts.color ?? [255, 0, 0];
  const all = [...(opts.outlines ?? []), ...rects.map((rect) => ({ rect, color }))];
  for (const {
    rect: q,
    color: [r, g, b],
  } of all) {
    const dot = (x: number, y: number): void => {
      if (x < 0 || y < 0 || x >= w || y >= h) return;
      const o = (y * w + x) * 3;
      rgb[o] = r;
      rgb[o + 1] = g;
      rgb[o + 2] = b;
    };
    const x1 = q.x + q.width - 1;
    const y1 = q.y + q.height - 1;
    for (let x = q.x; x <= x1; x++) {
      dot(x, q.y);
      dot(x, y1);
    }
    for (let y = q.y; y <= y1; y++) {
      dot(q.x, y);
      dot(x1, y);
    }
  }
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}
