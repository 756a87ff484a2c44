import { Element } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { swapInPlace } from '../dicom/values.js';
import { PixelError } from './errors.js';
import { defaultFill, fillWords } from './fill.js';
import * as TAG from '../dicom/tags.generated.js';
import { nativePixelBytes, readImageInfo, type ImageInfo } from './image.js';
import { MaskedSource } from './masked-source.js';
import { frameRects, maskedFrames, resolveRegions, type MaskRegion, type ResolvedMask } from './regions.js';
import type { MaskResult } from './result.js';
import { fillFrame, type SampleLayout } from './samples.js';

const SUPPORTED_PI = new Set(['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422']);

/** Checks that an image's layout is one this library can mask; throws PIXEL_UNSUPPORTED otherwise. */
export function checkLayout(info: ImageInfo, ts: string): void {
  const fail = (why: string): never => {
    throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: why, transferSyntax: ts });
  };
  if (![1, 8, 16, 32].includes(info.bitsAllocated)) fail(`BitsAllocated ${info.bitsAllocated} is not supported`);
  if (!SUPPORTED_PI.has(info.photometric)) fail(`PhotometricInterpretation ${info.photometric} is not supported`);
  const colour = info.photometric === 'RGB' || info.photometric.startsWith('YBR');
  if (colour && info.samplesPerPixel !== 3) fail(`${info.photometric} with SamplesPerPixel ${info.samplesPerPixel}`);
  if (!colour && info.samplesPerPixel !== 1) fail(`${info.photometric} with SamplesPerPixel ${info.samplesPerPixel}`);
  if (info.bitsAllocated === 1 && colour) fail('1-bit colour data');
  if (info.photometric === 'YBR_FULL_422' && (info.bitsAllocated !== 8 || info.planarConfiguration !== 0 || info.columns % 2 !== 0)) {
    fail('native YBR_FULL_422 is supported with 8 bits, planar configuration 0 and even Columns only');
  }
}

export function layoutOf(info: ImageInfo, planar = info.planarConfiguration): SampleLayout {
  return {
    columns: info.columns,
    rows: info.rows,
    samplesPerPixel: info.samplesPerPixel,
    bitsAllocated: info.bitsAllocated,
    planar,
    subsampled422: info.photometric === 'YBR_FULL_422',
  };
}

/** Byte-swap width that turns the value as stored into little endian samples (0: none). */
function swapWidth(f: DicomFile, el: Element, info: ImageInfo): number {
  if (f.encoding.little) return 0;
  if (info.bitsAllocated >= 16) return info.bitsAllocated / 8;
  return el.vr === 'OW' ? 2 : 0; // OW words of 8-bit (or 1-bit) data are swapped in big endian
}

/**
 * Masks native (uncompressed) Pixel Data in place in the dataset: a new Pixel Data element
 * replaces the old one. Bytes of pixels outside the regions are kept as they are.
 * `fill` overrides the stored value(s) written (one per sample); default: black for display.
 */
export function maskNative(f: DicomFile, regions: MaskRegion[] | ResolvedMask, fill?: number[]): MaskResult {
  const ts = f.transferSyntax.uid;
  if (f.transferSyntax.encapsulated) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: 'maskNative: pixel data is encapsulated', transferSyntax: ts });
  const info = readImageInfo(f);
  checkLayout(info, ts);
  const el = f.dataset.get(TAG.PixelData)!;
  if (el.fragments) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: 'native transfer syntax with encapsulated Pixel Data', transferSyntax: ts });
  const mask = Array.isArray(regions) ? resolveRegions(f, regions, info.columns, info.rows, info.frames) : regions;
  const frames = maskedFrames(mask);
  const swap = swapWidth(f, el, info);
  const needBytes = info.bitsAllocated === 1 ? Math.ceil((info.rows * info.columns * info.frames) / 8) : info.frameBytes * info.frames;
  const words = fillWords(fill ?? defaultFill(f, info), info, true);
  const layout = layoutOf(info);
  // Bulk Pixel Data stays in the file: frames are masked one at a time as the writer copies them.
  if (el.bulkOffset !== undefined && info.bitsAllocated !== 1 && info.frameBytes % Math.max(swap, 1) === 0) {
    const have = Math.min(el.length, f.body.size - el.bulkOffset);
    if (have < needBytes) throw shortData(have, needBytes, info, ts);
    const result: MaskResult = { frames, pixels: 0, bytes: el.length, output: 'native', transferSyntax: ts };
    if (frames.length === 0) return { ...result, output: 'unchanged' };
    for (const n of frames) for (const r of frameRects(mask, n)) result.pixels += r.width * r.height;
    f.body = new MaskedSource(f.body, {
      start: el.bulkOffset,
      frameBytes: info.frameBytes,
      frames: info.frames,
      masked: new Set(frames.map((n) => n - 1)),
      swap,
      fill: (buf, k) => fillFrame(buf, 0, layout, frameRects(mask, k + 1), words),
    });
    const out = new Element(TAG.PixelData, el.vr, el.length);
    out.bulkOffset = el.bulkOffset;
    f.dataset.replace(el, out);
    return result;
  }
  const src = nativePixelBytes(f, el);
  if (src.length < needBytes) throw shortData(src.length, needBytes, info, ts);
  const result: MaskResult = { frames, pixels: 0, bytes: src.length, output: 'native', transferSyntax: ts };
  if (frames.length === 0) return { ...result, output: 'unchanged' };
  const buf = Buffer.from(src); // a copy: the source may be a view of the input
  if (swap) swapInPlace(buf, swap);
  for (const n of frames) {
    const at = info.bitsAllocated === 1 ? (n - 1) * info.rows * info.columns : (n - 1) * info.frameBytes;
    result.pixels += fillFrame(buf, at, layout, frameRects(mask, n), words);
  }
  if (swap) swapInPlace(buf, swap);
  const out = new Element(TAG.PixelData, el.vr, buf.length);
  out.value = buf;
  f.dataset.set(out);
  return result;
}

const shortData = (have: number, need: number, info: ImageInfo, ts: string): PixelError =>
  new PixelError({ code: 'PIXEL_LENGTH', message: `Pixel Data holds ${have} bytes, ${need} expected for ${info.frames} frame(s)`, transferSyntax: ts });
