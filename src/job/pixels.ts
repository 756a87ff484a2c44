import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataSet, Element, Item } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { encodeStrings } from '../dicom/values.js';
import { burnInOverlays, maskPixelData, overlayGroups, renderPreview, type MaskRegion } from '../pixel/index.js';
import type { MaskResult } from '../pixel/result.js';
import type { MaskRuleSpec, RegionSpec } from '../deid/types.js';
import * as T from '../dicom/tags.generated.js';

/** The regions of a mask rule, plus rectangles given on the command line (--mask). */
export function maskRegions(rule: MaskRuleSpec | undefined, extra: RegionSpec[] = []): MaskRegion[] {
  const frames = rule?.frames;
  const out: MaskRegion[] = [];
  for (const r of rule?.regions ?? []) out.push({ x: r.x, y: r.y, width: r.width, height: r.height, frames: r.frames ?? frames });
  if (rule?.outsideUltrasoundRegions) out.push({ kind: 'outsideUltrasound', frames });
  for (const r of extra) out.push({ x: r.x, y: r.y, width: r.width, height: r.height, frames: r.frames });
  return out;
}

/**
 * Blanks the regions in every frame they apply to, in whatever encoding the pixels are. Lossy
 * sources follow the profile: re-encoded with their codec, or written Explicit VR Little Endian.
 * Throws PixelError when a region cannot be cleaned: the caller quarantines the file.
 */
export function cleanPixels(f: DicomFile, regions: MaskRegion[], lossy: 'reencode' | 'explicitLittleEndian'): Promise<MaskResult> {
  return maskPixelData(f, regions, { lossy: lossy === 'reencode' ? 'reencode' : 'native' });
}

/**
 * Burns overlay planes into the pixel data (profile pixels.overlays = burnIn), so annotations a
 * reader needs survive the removal of the overlay groups. Returns the groups burnt in; throws
 * PixelError when the pixel data is not native (the caller quarantines).
 */
export function burnOverlays(f: DicomFile): number[] {
  return overlayGroups(f.dataset).length ? burnInOverlays(f) : [];
}

const cs = (tag: number, vr: string, text: string): Element => {
  const value = encodeStrings([text], vr);
  const el = new Element(tag, vr, value.length);
  el.value = value;
  return el;
};

/** PS3.15 E.3.1: after cleaning, BurnedInAnnotation NO and code 113101 in the method codes. */
export function markPixelsCleaned(f: DicomFile): void {
  f.dataset.set(cs(T.BurnedInAnnotation, 'CS', 'NO'));
  const seq = f.dataset.get(T.DeidentificationMethodCodeSequence);
  const item = new DataSet();
  item.set(cs(T.CodeValue, 'SH', '113101'));
  item.set(cs(T.CodingSchemeDesignator, 'SH', 'DCM'));
  item.set(cs(T.CodeMeaning, 'LO', 'Clean Pixel Data Option'));
  const next = new Element(T.DeidentificationMethodCodeSequence, 'SQ', 0);
  next.items = [...(seq?.items ?? []), new Item(item, 0)];
  f.dataset.set(next);
}

/**
 * A PNG for people to review: masked images under masked/ (named like their output), quarantined
 * ones under quarantined/ (named by a hash of the input path, so no identifier is in the name).
 */
export async function writePreview(f: DicomFile, dir: string, kind: 'masked' | 'quarantined', name: string, regions: MaskRegion[] = []): Promise<string> {
  const png = await renderPreview(f, { regions });
  const folder = join(dir, kind);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, kind === 'masked' ? `${basename(name).replace(/\.dcm$/, '')}.png` : `${createHash('sha256').update(name).digest('hex').slice(0, 16)}.png`);
  writeFileSync(file, png);
  return file;
}
