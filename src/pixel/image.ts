import { DataSet, Element } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import * as TAG from '../dicom/tags.generated.js';
import { decodeStrings, encodeNumbers, encodeStrings, fileContext, valueBytes } from '../dicom/values.js';
import { PixelError } from './errors.js';

/** The Image Pixel module attributes a pixel operation needs. */
export interface ImageInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: string;
  /** 0 = colour-by-pixel (R G B R G B…), 1 = colour-by-plane. */
  planarConfiguration: number;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  /** Bytes of one native frame (for 1-bit data, of the frame's bits rounded up). */
  frameBytes: number;
}

/** First value of an unsigned/signed short attribute, read from the held bytes. */
export function readUS(ds: DataSet, tag: number, little: boolean): number | undefined {
  const v = ds.get(tag)?.value;
  if (!v || v.length < 2) return undefined;
  return little ? v.readUInt16LE(0) : v.readUInt16BE(0);
}

/** Values of a string attribute (trimmed); [] when absent. */
export function readStrings(f: DicomFile, tag: number, ds: DataSet = f.dataset): string[] {
  const el = ds.get(tag);
  if (!el || el.items || el.fragments) return [];
  try {
    return decodeStrings(el, { ...fileContext(f), source: f.body });
  } catch {
    const b = valueBytes(el, f.body);
    return b
      ? b
          .toString('latin1')
          .replace(/[\0 ]+$/, '')
          .split('\\')
          .map((s) => s.trim())
      : [];
  }
}

export const readString = (f: DicomFile, tag: number, ds: DataSet = f.dataset): string | undefined => readStrings(f, tag, ds)[0];

export function readNumbers(f: DicomFile, tag: number, ds: DataSet = f.dataset): number[] {
  return readStrings(f, tag, ds)
    .map(Number)
    .filter((n) => Number.isFinite(n));
}

/** Reads the Image Pixel module; throws PIXEL_MISSING when Pixel Data or a needed attribute is absent. */
export function readImageInfo(f: DicomFile, ds: DataSet = f.dataset): ImageInfo {
  const little = f.encoding.little;
  const need = (tag: number, name: string): number => {
    const v = readUS(ds, tag, little);
    if (v === undefined) throw new PixelError({ code: 'PIXEL_MISSING', message: `${name} is missing`, transferSyntax: f.transferSyntax.uid });
    return v;
  };
  if (!ds.get(TAG.PixelData)) {
    const msg = ds.get(TAG.FloatPixelData) || ds.get(TAG.DoubleFloatPixelData) ? 'float pixel data cannot be masked' : 'no Pixel Data';
    throw new PixelError({ code: ds.get(TAG.FloatPixelData) || ds.get(TAG.DoubleFloatPixelData) ? 'PIXEL_UNSUPPORTED' : 'PIXEL_MISSING', message: msg });
  }
  const rows = need(TAG.Rows, 'Rows');
  const columns = need(TAG.Columns, 'Columns');
  const bitsAllocated = need(TAG.BitsAllocated, 'BitsAllocated');
  const samplesPerPixel = readUS(ds, TAG.SamplesPerPixel, little) ?? 1;
  const bitsStored = readUS(ds, TAG.BitsStored, little) ?? bitsAllocated;
  const highBit = readUS(ds, TAG.HighBit, little) ?? bitsStored - 1;
  const pixelRepresentation = readUS(ds, TAG.PixelRepresentation, little) ?? 0;
  const planarConfiguration = samplesPerPixel > 1 ? (readUS(ds, TAG.PlanarConfiguration, little) ?? 0) : 0;
  const photometric = (readString(f, TAG.PhotometricInterpretation, ds) ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  const nf = Number(readString(f, TAG.NumberOfFrames, ds) ?? '1');
  const frames = Number.isInteger(nf) && nf > 0 ? nf : 1;
  if (rows === 0 || columns === 0) throw new PixelError({ code: 'PIXEL_MISSING', message: 'Rows or Columns is 0' });
  if (bitsStored === 0 || bitsStored > bitsAllocated || highBit >= bitsAllocated || highBit + 1 < bitsStored) {
    throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `inconsistent bits: allocated ${bitsAllocated}, stored ${bitsStored}, high bit ${highBit}` });
  }
  const samples = photometric.endsWith('_422') ? 2 : samplesPerPixel; // YBR_FULL_422: 2 samples per pixel on average
  const frameBytes = bitsAllocated === 1 ? Math.ceil((rows * columns * samplesPerPixel) / 8) : (rows * columns * samples * bitsAllocated) / 8;
  return { rows, columns, samplesPerPixel, photometric, planarConfiguration, frames, bitsAllocated, bitsStored, highBit, pixelRepresentation, frameBytes };
}

/** Replaces (or adds) a US attribute. */
export function setUS(f: DicomFile, tag: number, v: number, ds: DataSet = f.dataset): void {
  const el = new Element(tag, 'US', 2);
  el.value = encodeNumbers([v], 'US', f.encoding.little);
  ds.set(el);
}

/** Replaces (or adds) a string attribute (ASCII values). */
export function setStrings(f: DicomFile, tag: number, vr: string, values: string[], ds: DataSet = f.dataset): void {
  const value = encodeStrings(values, vr);
  const el = new Element(tag, vr, value.length);
  el.value = value;
  ds.set(el);
}

/** Pixel Data bytes of native data (read from the body when left there). */
export function nativePixelBytes(f: DicomFile, el: Element): Buffer {
  const b = valueBytes(el, f.body);
  if (!b) throw new PixelError({ code: 'PIXEL_MISSING', message: 'Pixel Data has no value' });
  return b;
}
