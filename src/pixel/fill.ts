import type { DicomFile } from '../dicom/part10.js';
import { valueBytes } from '../dicom/values.js';
import { PixelError } from './errors.js';
import * as TAG from '../dicom/tags.generated.js';
import { type ImageInfo } from './image.js';

/**
 * Fill values, per sample, as stored values (signed where PixelRepresentation is 1): black in
 * display terms. MONOCHROME2: the lowest storable value; MONOCHROME1: the highest; RGB: 0;
 * YBR_*: Y 0 and neutral chroma; PALETTE COLOR: the index whose palette entry is closest to black.
 */
export function defaultFill(f: DicomFile | undefined, info: ImageInfo, bitsStored = info.bitsStored): number[] {
  const signed = info.pixelRepresentation === 1;
  const min = signed ? -(2 ** (bitsStored - 1)) : 0;
  const max = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const pi = info.photometric;
  if (pi === 'MONOCHROME1') return [max];
  if (pi === 'MONOCHROME2') return [min];
  if (pi === 'RGB') return [0, 0, 0].slice(0, info.samplesPerPixel);
  if (pi.startsWith('YBR')) {
    const mid = signed ? 0 : 2 ** (bitsStored - 1);
    return [0, mid, mid];
  }
  if (pi === 'PALETTE COLOR') return [f ? paletteBlack(f, info) : 0];
  throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `no fill value known for PhotometricInterpretation ${pi}` });
}

/** The palette index closest to black (smallest R+G+B); the first mapped index when the LUTs are segmented or unreadable. */
export function paletteBlack(f: DicomFile, info: ImageInfo): number {
  const little = f.encoding.little;
  const desc = f.dataset.get(TAG.RedPaletteColorLookupTableDescriptor)?.value;
  if (!desc || desc.length < 6) return 0;
  const rawFirst = little ? desc.readUInt16LE(2) : desc.readUInt16BE(2);
  const first = info.pixelRepresentation === 1 && rawFirst > 0x7fff ? rawFirst - 0x10000 : rawFirst;
  const luts = [TAG.RedPaletteColorLookupTableData, TAG.GreenPaletteColorLookupTableData, TAG.BluePaletteColorLookupTableData].map((t) => {
    const el = f.dataset.get(t);
    return el ? valueBytes(el, f.body) : undefined;
  });
  if (luts.some((b) => !b || b.length < 2)) return first;
  const n = Math.min(...luts.map((b) => b!.length >>> 1));
  let best = 0;
  let bestSum = Infinity;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const b of luts) sum += little ? b!.readUInt16LE(i * 2) : b!.readUInt16BE(i * 2);
    if (sum < bestSum) {
      bestSum = sum;
      best = i;
    }
  }
  return first + best;
}

/**
 * Stored values → raw words of bitsAllocated bits: shifted to the high bit, and either
 * sign-extended to the whole word (native data, J2K) or kept to bitsStored bits (codecs that
 * take unsigned precision-wide samples: JPEG-LS, JPEG lossless).
 */
export function fillWords(values: number[], info: Pick<ImageInfo, 'bitsAllocated' | 'bitsStored' | 'highBit'>, signExtend: boolean): number[] {
  const { bitsAllocated: ba, bitsStored: bs, highBit: hb } = info;
  const shift = hb + 1 - bs;
  return values.map((v) => {
    if (ba === 1) return v & 1;
    const stored = signExtend ? v : v & (bs >= 32 ? 0xffffffff : 2 ** bs - 1);
    const word = stored * 2 ** shift;
    const mod = 2 ** ba;
    return ((word % mod) + mod) % mod;
  });
}
