import type { DicomFile } from '../dicom/part10.js';
import { maskCompressed, type CompressedOptions, type CompressedResult } from './compressed.js';
import { PixelError } from './errors.js';
import { readImageInfo } from './image.js';
import { maskNative } from './native.js';
import { resolveRegions, type MaskRegion } from './regions.js';
import { maskRle, RLE_LOSSLESS } from './rle.js';

/**
 * Masks the Pixel Data of any supported encoding: native, RLE, JPEG family, JPEG-LS, JPEG 2000,
 * HTJ2K. Throws PixelError for anything it cannot clean: the caller must then not write the file.
 */
export async function maskPixelData(f: DicomFile, regions: MaskRegion[], opts: CompressedOptions = {}): Promise<CompressedResult> {
  const ts = f.transferSyntax;
  const info = readImageInfo(f);
  const mask = resolveRegions(f, regions, info.columns, info.rows, info.frames);
  if (!ts.encapsulated) return maskNative(f, mask, opts.fill);
  if (ts.uid === RLE_LOSSLESS) return maskRle(f, mask, opts.fill);
  if (ts.deflated) throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `${ts.name}`, transferSyntax: ts.uid });
  return maskCompressed(f, mask, opts);
}
