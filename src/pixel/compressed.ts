import type { DicomFile } from '../dicom/part10.js';
import { canReencodeLossless, codecFamily, decodeFrame, encodedPhotometric, encodeFrame, type CodecFamily, type DecodedFrame } from './codecs.js';
import { applyLossyReencode, applyNative } from './convert.js';
import type { DecodedImage } from './decoded-image.js';
import { PixelError } from './errors.js';
import { defaultFill, fillWords } from './fill.js';
import { encapsulatedFrames, setEncapsulatedFrames } from './frames.js';
import * as TAG from '../dicom/tags.generated.js';
import { readImageInfo, setStrings, type ImageInfo } from './image.js';
import { frameRects, maskedFrames, resolveRegions, type MaskRegion, type ResolvedMask } from './regions.js';
import type { MaskResult } from './result.js';
import { fillFrame } from './samples.js';

export interface CompressedOptions {
  /** Stored fill value(s), one per sample of the decoded data; default black for display. */
  fill?: number[];
  /**
   * For sources that cannot be re-encoded losslessly in their transfer syntax (JPEG baseline and
   * extended): 'decoded' (default) leaves the file alone and returns the decoded, masked frames;
   * 'reencode' encodes them again with the same codec (lossy; LossyImageCompression history
   * updated); 'native' writes Explicit VR Little Endian.
   */
  lossy?: 'decoded' | 'reencode' | 'native';
  /** JPEG quality for 'reencode' (default 90). */
  quality?: number;
  /** Decode each re-encoded frame again and check it equals what was meant (default true). */
  verify?: boolean;
}

export type { DecodedImage } from './decoded-image.js';

export type CompressedResult = MaskResult & { decoded?: DecodedImage };

const COLOUR_PI = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT', 'YBR_PARTIAL_420']);
const MONO_PI = new Set(['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR']);

function checkDecoded(fr: DecodedFrame, info: ImageInfo, ts: string, n: number): void {
  const bad = (why: string): never => {
    throw new PixelError({ code: 'PIXEL_DECODE', message: `frame ${n}: ${why}`, transferSyntax: ts, frame: n });
  };
  if (fr.width !== info.columns || fr.height !== info.rows) bad(`decoded ${fr.width}×${fr.height}, header says ${info.columns}×${info.rows}`);
  if (fr.components !== info.samplesPerPixel) bad(`decoded ${fr.components} components, SamplesPerPixel is ${info.samplesPerPixel}`);
  if (fr.bitsPerSample > 16 || fr.bitsPerSample < 1) bad(`decoded precision ${fr.bitsPerSample}`);
}

function fillDecoded(f: DicomFile, fr: DecodedFrame, info: ImageInfo, family: CodecFamily, mask: ResolvedMask, n: number, fill?: number[]): number {
  const bytes = fr.bitsPerSample > 8 ? 2 : 1;
  const values = fill ?? defaultFill(f, { ...info, photometric: fr.photometric ?? info.photometric }, Math.min(fr.bitsPerSample, info.bitsStored));
  const signExtend = (family === 'j2k' || family === 'htj2k') && fr.signed;
  const words = fillWords(values, { bitsAllocated: bytes * 8, bitsStored: fr.bitsPerSample, highBit: fr.bitsPerSample - 1 }, signExtend);
  const layout = { columns: fr.width, rows: fr.height, samplesPerPixel: fr.components, bitsAllocated: bytes * 8, planar: fr.planar };
  return fillFrame(fr.pixels, 0, layout, frameRects(mask, n), words);
}

/**
 * Masks encapsulated JPEG, JPEG lossless, JPEG-LS, JPEG 2000 and HTJ2K Pixel Data. Frames with
 * regions are decoded, filled, and — where the codec can — encoded again losslessly in the same
 * transfer syntax (lossy JPEG-LS/J2K/HTJ2K sources too: the decoded pixels are kept exactly, so
 * nothing further is lost). JPEG baseline/extended follow `opts.lossy`. Re-encoded frames are
 * decoded again and compared before anything is changed in the file.
 */
export async function maskCompressed(f: DicomFile, regions: MaskRegion[] | ResolvedMask, opts: CompressedOptions = {}): Promise<CompressedResult> {
  const ts = f.transferSyntax.uid;
  const family = codecFamily(ts);
  if (!family) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `transfer syntax ${f.transferSyntax.name} (${ts}) cannot be masked`, transferSyntax: ts });
  const info = readImageInfo(f);
  const pi = info.photometric;
  const okPI = info.samplesPerPixel === 3 ? COLOUR_PI.has(pi) : info.samplesPerPixel === 1 && MONO_PI.has(pi);
  if (!okPI) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `${pi} with SamplesPerPixel ${info.samplesPerPixel}`, transferSyntax: ts });
  if (info.bitsAllocated !== 8 && info.bitsAllocated !== 16)
    throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `BitsAllocated ${info.bitsAllocated} in ${ts}`, transferSyntax: ts });
  const mask = Array.isArray(regions) ? resolveRegions(f, regions, info.columns, info.rows, info.frames) : regions;
  const masked = maskedFrames(mask);
  if (masked.length === 0) return { frames: [], pixels: 0, bytes: 0, output: 'unchanged', transferSyntax: ts };
  const raw = encapsulatedFrames(f, info.frames);
  const lossless = canReencodeLossless(family);
  const decodeAll = !lossless;
  const decoded: (DecodedFrame | undefined)[] = new Array(info.frames);
  const decode = async (n: number): Promise<DecodedFrame> => {
    let fr: DecodedFrame;
    try {
      fr = await decodeFrame(ts, raw[n - 1], pi, info.pixelRepresentation === 1);
    } catch (e) {
      if (e instanceof PixelError) throw new PixelError({ ...e.toJSON(), frame: n });
      throw e;
    }
    checkDecoded(fr, info, ts, n);
    return (decoded[n - 1] = fr);
  };
  let pixels = 0;
  let bytes = 0;
  for (let n = 1; n <= info.frames; n++) {
    if (!decodeAll && !masked.includes(n)) continue;
    const fr = await decode(n);
    bytes += fr.pixels.length;
    if (masked.includes(n)) pixels += fillDecoded(f, fr, info, family, mask, n, opts.fill);
  }
  const result: CompressedResult = { frames: masked, pixels, bytes, output: 'decoded-only', transferSyntax: ts };
  if (!lossless) {
    const image: DecodedImage = { transferSyntax: ts, family, info, frames: decoded as DecodedFrame[] };
    const policy = opts.lossy ?? 'decoded';
    if (policy === 'decoded') return { ...result, decoded: image };
    if (policy === 'native') {
      applyNative(f, image);
      return { ...result, output: 'converted-native' };
    }
    await applyLossyReencode(f, image, { quality: opts.quality, verify: opts.verify });
    return { ...result, output: 'reencoded-lossy' };
  }
  // Lossless re-encode of the masked frames.
  const out = raw.slice();
  const encodeOne = async (n: number): Promise<string | undefined> => {
    const fr = decoded[n - 1]!;
    const enc = await encodeFrame(ts, fr, { lossless: true });
    if (opts.verify !== false) {
      const back = await decodeFrame(ts, enc, pi, fr.signed);
      if (!back.pixels.equals(fr.pixels))
        throw new PixelError({ code: 'PIXEL_ENCODE', message: `frame ${n}: re-encoded frame does not decode to the masked pixels`, transferSyntax: ts, frame: n });
    }
    out[n - 1] = enc;
    return encodedPhotometric(family, fr, enc);
  };
  let newPI: string | undefined;
  for (const n of masked) newPI = (await encodeOne(n)) ?? newPI;
  if (newPI && newPI !== pi) {
    // The encoder's colour transform differs from the source's: every frame must follow it.
    for (let n = 1; n <= info.frames; n++) {
      if (masked.includes(n)) continue;
      await decode(n);
      await encodeOne(n);
    }
    setStrings(f, TAG.PhotometricInterpretation, 'CS', [newPI]);
  }
  setEncapsulatedFrames(f, out);
  return { ...result, output: 'reencoded-lossless' };
}
