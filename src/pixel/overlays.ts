import type { DataSet } from '../dicom/dataset.js';
import type { DicomFile } from '../dicom/part10.js';
import { swapInPlace, valueBytes } from '../dicom/values.js';
import { PixelError } from './errors.js';
import { fillWords } from './fill.js';
import * as TAG from '../dicom/tags.generated.js';
import { nativePixelBytes, readImageInfo, readString, readUS, type ImageInfo } from './image.js';
import { checkLayout, layoutOf } from './native.js';
import type { Rect } from './regions.js';
import { fillFrame } from './samples.js';
import { Element } from '../dicom/dataset.js';

const isOverlayGroup = (g: number): boolean => g >= 0x6000 && g <= 0x601e && (g & 1) === 0;

/** Overlay groups (0x6000, 0x6002, …) present in a dataset. */
export function overlayGroups(ds: DataSet): number[] {
  return [...new Set(ds.elements.map((e) => e.tag >>> 16).filter(isOverlayGroup))];
}

/** Removes every overlay group (60xx): data, rows, columns, origin and the rest. Returns the groups removed. */
export function removeOverlays(f: DicomFile): number[] {
  const groups = overlayGroups(f.dataset);
  for (const e of [...f.dataset.elements]) if (isOverlayGroup(e.tag >>> 16)) f.dataset.delete(e.tag);
  return groups;
}

/** Removes Icon Image Sequence (0088,0200) wherever it is nested. Returns how many were removed. */
export function removeIconImages(f: DicomFile): number {
  let n = 0;
  const walk = (ds: DataSet): void => {
    if (ds.delete(TAG.IconImageSequence)) n++;
    for (const e of ds.elements)
      for (const it of e.items ?? []) {
        const before = n;
        walk(it.dataset);
        if (n !== before) {
          it.modified = true;
          e.modified = true;
        }
      }
  };
  walk(f.dataset);
  return n;
}

/** Stored values that display white (the opposite of defaultFill). */
export function whiteFill(info: ImageInfo): number[] {
  const bs = info.bitsStored;
  const signed = info.pixelRepresentation === 1;
  const min = signed ? -(2 ** (bs - 1)) : 0;
  const max = signed ? 2 ** (bs - 1) - 1 : 2 ** bs - 1;
  switch (info.photometric) {
    case 'MONOCHROME1':
      return [min];
    case 'MONOCHROME2':
      return [max];
    case 'RGB':
      return [max, max, max];
    case 'YBR_FULL':
    case 'YBR_FULL_422':
      return [max, 2 ** (bs - 1), 2 ** (bs - 1)];
    default:
      throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `burning overlays into ${info.photometric} is not supported` });
  }
}

/**
 * Burns the overlay planes (60xx,3000) into native pixel data (overlay bit 1 → `value`, default
 * white), then removes the overlay groups. Throws PIXEL_UNSUPPORTED for encapsulated pixel data
 * and for overlays embedded in unused pixel bits (OverlayBitsAllocated ≠ 1).
 */
export function burnInOverlays(f: DicomFile, value?: number[]): number[] {
  const groups = overlayGroups(f.dataset);
  if (groups.length === 0) return [];
  if (f.transferSyntax.encapsulated)
    throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: 'overlays can be burnt into native pixel data only', transferSyntax: f.transferSyntax.uid });
  const info = readImageInfo(f);
  checkLayout(info, f.transferSyntax.uid);
  const little = f.encoding.little;
  const el = f.dataset.get(TAG.PixelData)!;
  const buf = Buffer.from(nativePixelBytes(f, el));
  const swap = !little && (info.bitsAllocated >= 16 ? info.bitsAllocated / 8 : el.vr === 'OW' ? 2 : 0);
  if (swap) swapInPlace(buf, swap);
  const words = fillWords(value ?? whiteFill(info), info, true);
  const layout = layoutOf(info);
  for (const g of groups) {
    const t = (e: number): number => ((g << 16) | e) >>> 0;
    const dataEl = f.dataset.get(t(0x3000));
    if (!dataEl) continue; // attributes without a plane: nothing to burn in
    const rows = readUS(f.dataset, t(0x0010), little);
    const cols = readUS(f.dataset, t(0x0011), little);
    const bits = readUS(f.dataset, t(0x0100), little) ?? 1;
    if (!rows || !cols || bits !== 1)
      throw new PixelError({ code: 'PIXEL_UNSUPPORTED', message: `overlay group ${g.toString(16)}: rows ${rows}, columns ${cols}, bits allocated ${bits}` });
    const originEl = f.dataset.get(t(0x0050))?.value;
    const oy = originEl && originEl.length >= 4 ? (little ? originEl.readInt16LE(0) : originEl.readInt16BE(0)) : 1;
    const ox = originEl && originEl.length >= 4 ? (little ? originEl.readInt16LE(2) : originEl.readInt16BE(2)) : 1;
    const nFrames = Number(readString(f, t(0x0015)) ?? '1') || 1;
    const firstFrame = readUS(f.dataset, t(0x0051), little) ?? 1;
    let data = valueBytes(dataEl, f.body);
    if (!data) continue;
    if (!little && dataEl.vr === 'OW') data = swapInPlace(Buffer.from(data), 2);
    for (let k = 0; k < nFrames; k++) {
      const frame = firstFrame + k;
      if (frame < 1 || frame > info.frames) continue;
      const rects: Rect[] = [];
      for (let y = 0; y < rows; y++) {
        const iy = y + oy - 1;
        if (iy < 0 || iy >= info.rows) continue;
        let run = -1;
        for (let x = 0; x <= cols; x++) {
          const bit = k * rows * cols + y * cols + x;
          const on = x < cols && (data[bit >>> 3] >>> (bit & 7)) & 1;
          const ix = x + ox - 1;
          const inside = on && ix >= 0 && ix < info.columns;
          if (inside && run < 0) run = ix;
          if (!inside && run >= 0) {
            rects.push({ x: run, y: iy, width: ix - run, height: 1 });
            run = -1;
          }
        }
      }
      const at = info.bitsAllocated === 1 ? (frame - 1) * info.rows * info.columns : (frame - 1) * info.frameBytes;
      fillFrame(buf, at, layout, rects, words);
    }
  }
  if (swap) swapInPlace(buf, swap);
  const out = new Element(TAG.PixelData, el.vr, buf.length);
  out.value = buf;
  f.dataset.set(out);
  removeOverlays(f);
  return groups;
}
