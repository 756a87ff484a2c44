import { Cursor } from '../dicom/cursor.js';
import type { DataSet, Element, Item } from '../dicom/dataset.js';
import { lookup } from '../dicom/dictionary.js';
import { DataSetReader } from '../dicom/read.js';
import { BufferSource } from '../dicom/source.js';
import { IMPLICIT_LE } from '../dicom/transfer-syntax.js';
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
 * Returns false for a sequence whose bytes cannot be read that way: its content stays opaque.
 */
export function retypeUN(el: Element): boolean {
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
  return readAsSequence(el);
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
