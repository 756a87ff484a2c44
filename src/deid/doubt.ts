// Fail closed on doubt: elements whose header or value says the file was not read as it was
// written (a flipped tag, a misread length, a VR the dictionary does not give) are removed rather
// than kept, whatever the profile says. Each reason is one warning of the file.

import type { DataSet, Element } from '../dicom/dataset.js';
import { lookup } from '../dicom/dictionary.js';
import { isPrivateCreator } from '../dicom/tag.js';
import { invalidValue } from '../dicom/value-check.js';

/** VRs that carry a person's name. */
const NAME_VRS = new Set(['PN']);

/** Whether the explicit VR is one of the dictionary's (which may offer several: "US or SS"); split only then. */
const dictionaryAllows = (dictVR: string, vr: string): boolean => dictVR === vr || (dictVR.includes(' or ') && dictVR.split(' or ').includes(vr));

/**
 * Why an element must go before any rule is asked, or undefined. Group lengths and command-group
 * elements never belong in a dataset (the writer recomputes what it needs), and a name VR on a tag
 * that is not a name is read as a name.
 */
export function structuralDoubt(el: Element): string | undefined {
  const group = el.tag >>> 16;
  if (group === 0x0000) return 'command group element in a dataset: removed';
  if ((el.tag & 0xffff) === 0x0000 && group !== 0xfffe) return 'group length in a dataset: removed';
  if (group === 0x0002) return 'file meta element inside the dataset: removed';
  if (!NAME_VRS.has(el.vr) || isPrivateCreator(el.tag)) return undefined;
  const entry = lookup(el.tag);
  if (!entry) return `explicit VR ${el.vr} on a tag the dictionary does not know: removed as a name`;
  if (!dictionaryAllows(entry.vr, el.vr)) return `explicit VR ${el.vr} where the dictionary says ${entry.vr}: removed as a name`;
  return undefined;
}

/**
 * Why a value the rules keep cannot be kept as it is, or undefined: its VR differs from the
 * dictionary's (its bytes were not written for this tag), or its bytes are not a value of its VR.
 * UN is not a disagreement: it is what a reader without the tag writes.
 */
export function keptDoubt(el: Element): string | undefined {
  const entry = (el.tag >>> 16) & 1 ? undefined : lookup(el.tag);
  if (entry && entry.vr && el.vr !== 'UN' && !dictionaryAllows(entry.vr, el.vr) && !(entry.vr === 'SQ' && el.items)) {
    return `VR ${el.vr} where the dictionary says ${entry.vr}: removed`;
  }
  const bad = invalidValue(el, entry?.vm);
  return bad === undefined ? undefined : `${bad}: removed`;
}

/**
 * Elements standing out of ascending tag order: a peak (greater than the next, whose predecessor
 * is smaller than that next) or a valley (smaller than the previous, whose successor is greater
 * than that previous). In an implicit VR file a changed tag leaves no other trace: its bytes read
 * as the new tag's VR, valid or not. A kept one is removed.
 */
export function misplaced(ds: DataSet): Set<Element> {
  const els = ds.elements;
  const out = new Set<Element>();
  for (let i = 0; i < els.length; i++) {
    const t = els[i].tag;
    const prev = i > 0 ? els[i - 1].tag : -1;
    const next = i + 1 < els.length ? els[i + 1].tag : Infinity;
    if (t > next && prev < next) out.add(els[i]);
    else if (t < prev && next > prev) out.add(els[i]);
  }
  return out;
}
