import { Cursor } from '../dicom/cursor.js';
import type { DataSet, Element, Item } from '../dicom/dataset.js';
import { lookup } from '../dicom/dictionary.js';
import { DataSetReader } from '../dicom/read.js';
import { BufferSource } from '../dicom/source.js';
import { IMPLICIT_LE, type Encoding } from '../dicom/transfer-syntax.js';
import { swapInPlace } from '../dicom/values.js';
import { binaryWidth, isStringVR } from '../dicom/vr.js';
import { isPrivateCreator } from '../dicom/tag.js';

/** Strips source spans: nodes read from a value's bytes are not ranges of the file. */
function detach(items: Item[]): void {
  for (const it of items) {
    it.span = undefined;
    it.modified = true;
    detachDataSet(it.dataset);
  }
}
function detachDataSet(ds: DataSet): void {
  ds.span = undefined;
  ds.modified = true;
  for (const e of ds.elements) {
    e.span = undefined;
    e.modified = true;
    if (e.items) detach(e.items);
  }
}

/**
 * Elements written with VR UN although the dictionary knows them (explicit VR files converted
 * from implicit ones) are given their real VR so rules can read them: a UN private creator is LO,
 * a UN whose tag is a sequence is read as implicit VR little endian items (PS3.5 6.2.2).
 * A public sequence read that way is written back as SQ in the file's own encoding (`file`): a UN
 * holding implicit little endian items in a big endian file is what GDCM cannot read (GH177).
 * Returns false for a sequence whose bytes cannot be read that way: its content stays opaque.
 */
export function retypeUN(el: Element, file?: Encoding): boolean {
  if (el.vr === 'UN' && el.items && file) asSequence(el, file);
  if (el.vr !== 'UN' || el.items || el.fragments) return true;
  if (isPrivateCreator(el.tag)) {
    el.vr = 'LO';
    return true;
  }
  const vr = lookup(el.tag)?.vr;
  if (!vr || !/^[A-Z]{2}$/.test(vr)) return true;
  if (vr !== 'SQ') {
    el.vr = vr;
    return true;
  }
  if (!readAsSequence(el)) return false;
  if (file) asSequence(el, file);
  return true;
}

/**
 * A public UN sequence whose items were read as implicit little endian becomes SQ, its items
 * re-encoded in the file's encoding: binary values byte-swapped for a big endian file.
 */
function asSequence(el: Element, file: Encoding): void {
  if (lookup(el.tag)?.vr !== 'SQ' || !file.explicit) return;
  el.vr = 'SQ';
  el.modified = true;
  for (const it of el.items ?? []) {
    it.span = undefined;
    it.modified = true;
    adopt(it.dataset, IMPLICIT_LE, file);
  }
}

/** Items read in `from` (a UN's implicit little endian) take the file's encoding, values swapped if need be. */
function adopt(ds: DataSet, from: Encoding, file: Encoding): void {
  const own = ds.encoding ?? from;
  ds.encoding = undefined;
  if (own.little === file.little && own.explicit === file.explicit) return;
  detachDataSet(ds);
  for (const e of ds.elements) {
    if (own.little !== file.little && e.value && !isStringVR(e.vr) && e.vr !== 'UN') {
      const w = e.vr === 'AT' ? 2 : binaryWidth(e.vr);
      if (w > 1) e.value = swapInPlace(Buffer.from(e.value), w);
    }
    for (const it of e.items ?? []) adopt(it.dataset, own, file);
  }
}
/** A UN value whose bytes start like an item (FFFE,E000, implicit little endian). */
export const looksLikeSequence = (el: Element): boolean => el.vr === 'UN' && !el.items && el.value !== undefined && el.value.length >= 8 && el.value.readUInt32LE(0) === 0xe000fffe;

/** Reads a UN value as implicit VR little endian items (PS3.5 6.2.2); false when it is not one. */
export function readAsSequence(el: Element): boolean {
  if (!el.value) return false;
  try {
    const items = new DataSetReader(new Cursor(new BufferSource(el.value), 0)).readItemsTo(IMPLICIT_LE, el.value.length);
    detach(items);
    el.items = items;
    el.value = undefined;
    el.modified = true;
    return true;
  } catch {
    return false;
  }
}
