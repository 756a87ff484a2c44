import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataSet, Element, Item } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { encodeStrings } from '../dicom/values.js';
import { burnInOverlays, maskPixelData, overlayGroups, renderPreview, type MaskRegion } from '../pixel/index.js';
import type { MaskResult } from '../pixel/result.js';
import type { EngineProfile, MaskRuleSpec, RegionSpec } from '../deid/types.js';
import { ocrCleanImage, ocrSettings, standsFor, type OcrBox, type PixelCheck } from '../ocr/index.js';
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

/** What OCR made of an image that may carry burned-in text. */
export type OcrPixels =
  { kind: 'clean' | 'unchanged'; regions: MaskRegion[]; check: PixelCheck } | { kind: 'quarantine'; reason: string; regions: MaskRegion[]; check: PixelCheck };

/**
 * Finds burned-in text with OCR, masks it with the profile's codecs together with the regions of
 * a mask rule, and recognises the masked frames again (src/ocr). Throws PixelError or OcrError
 * when the image cannot be read or masked: the caller quarantines.
 */
export async function ocrPixels(f: DicomFile, ruleRegions: MaskRegion[], profile: EngineProfile, burnedInYes: boolean): Promise<OcrPixels> {
  const lossy = profile.pixels?.lossy ?? 'explicitLittleEndian';
  const r = await ocrCleanImage(f, {
    settings: ocrSettings(profile.pixels?.ocr),
    ruleRegions,
    mask: async (regions) => void (await cleanPixels(f, regions, lossy)),
  });
  if (r.outcome === 'quarantine')
    return { kind: 'quarantine', reason: `burned-in text left after masking (${r.check.findings?.[0] ?? 'second OCR pass'}): not written`, regions: r.regions, check: r.check };
  // The writer says there is text, and OCR read none: it may be too small or faint to read.
  if (r.outcome === 'unchanged' && burnedInYes) {
    const findings = ['BurnedInAnnotation is YES and OCR read no text: the text cannot be located'];
    return { kind: 'quarantine', reason: `${findings[0]}: not written`, regions: [], check: { ...r.check, verified: false, findings } };
  }
  return { kind: r.outcome, regions: r.regions, check: r.check };
}

/** Outline colours of a preview: masks red, masked boxes green, boxes left yellow, identifiers left magenta. */
const outlines = (boxes: OcrBox[] = []) =>
  boxes.map((b) => ({ rect: b, color: (b.masked ? [0, 255, 0] : b.identifier ? [255, 0, 255] : [255, 255, 0]) as [number, number, number] }));

/** The OCR boxes to outline on `frame`: those read on the frame that stands for it (its group's recognised frame). */
export function frameOutlines(check: PixelCheck | undefined, frame: number): ReturnType<typeof outlines> {
  const rep = check ? standsFor(check, frame) : undefined;
  return rep === undefined ? [] : outlines(check!.boxes?.filter((b) => b.frame === rep));
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
 * PNGs for people to review: masked images under masked/ (named like their output), images OCR
 * read and left unchanged under checked/ (likewise), quarantined ones under quarantined/ (named
 * by a hash of the input path, so no identifier is in the name). One PNG per recognised frame of
 * a multi-frame image (".f<N>" after the first), with the boxes read on it.
 */
export async function writePreview(
  f: DicomFile,
  dir: string,
  kind: 'masked' | 'checked' | 'quarantined',
  name: string,
  regions: MaskRegion[] = [],
  check?: PixelCheck,
): Promise<string> {
  const folder = join(dir, kind);
  mkdirSync(folder, { recursive: true });
  const base = join(folder, kind === 'quarantined' ? createHash('sha256').update(name).digest('hex').slice(0, 16) : basename(name).replace(/\.dcm$/, ''));
  const frames = check?.frames_ocr?.length ? check.frames_ocr : [1];
  for (const [i, frame] of frames.entries()) {
    const png = await renderPreview(f, { frame, regions, outlines: frameOutlines(check, frame) });
    writeFileSync(i === 0 ? `${base}.png` : `${base}.f${frame}.png`, png);
  }
  return `${base}.png`;
}
