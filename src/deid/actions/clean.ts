import { decodeStrings } from '../../dicom/values.js';
import { isStringVR } from '../../dicom/vr.js';
import { ageOver89, shiftDA, shiftDT } from '../../pseudo/dates.js';
import { isSafePrivate } from '../safe-private.js';
import { setStrings, writeVR, type ElementCall } from '../state.js';
import { detectInValue } from '../text-detect.js';
import { scrubCleaned } from '../scrub.js';
import { category } from './category.js';
import { keep } from './keep.js';
import { remove } from './remove.js';
import { uid } from './uid.js';
import { zero } from './zero.js';

const isOverlayData = (tag: number): boolean => (tag & 0xffff) === 0x3000 && tag >>> 16 >= 0x6000 && tag >>> 16 <= 0x601e && ((tag >>> 16) & 1) === 0;
const groupHex = (tag: number): string => (tag >>> 16).toString(16).toUpperCase();

/**
 * C: replace with values of similar meaning known not to contain identifying information.
 * What that means depends on the value:
 *  - private elements (Retain Safe Private): kept if the Safe Private table lists them, else removed;
 *  - sequences: kept, their items cleaned by the rules;
 *  - UIDs: remapped (U); dates (Retain Longitudinal Modified Dates): shifted by the patient's
 *    keyed offset in whole days, so times of day are kept; ages over 89: 90Y;
 *  - text: the identifiers found inside (src/detect: the file's own, identifier shapes, names)
 *    replaced and the rest kept;
 *  - bulk binary values (overlay or curve data): no automatic cleaning exists, so they are removed.
 */
export function clean(call: ElementCall): void {
  const { st, ds, el, ctx } = call;
  if ((el.tag >>> 16) & 1) {
    return isSafePrivate(call.creator, el.tag, el.items ? 'SQ' : writeVR(el), el.value) ? keep({ ...call, cleaning: true }) : remove(call);
  }
  if (el.items) return keep({ ...call, cleaning: true });
  const vr = writeVR(el);
  if (vr === 'UI') return uid(call);
  if (!isStringVR(vr)) {
    // An overlay or curve is a bitmap or a polyline: whether it holds text cannot be told without
    // reading it, so it is removed (fail closed), and the user told: the option kept nothing here.
    const what = isOverlayData(el.tag)
      ? `overlay plane ${groupHex(el.tag)} removed, not cleaned: no cleaning exists for a bitmap (no text detection reads it)`
      : `no cleaning exists for a ${vr} value: removed`;
    st.warnings.push(`${call.path}: ${what}`);
    st.notices.push(`${call.path}: ${what}`);
    return remove(call);
  }
  if (vr === 'TM') return;
  const values = decodeStrings(el, ctx);
  let next: string[];
  try {
    if (vr === 'DA' || vr === 'DT') {
      const days = st.dateOffset;
      next = values.map((v) => (v === '' ? v : vr === 'DA' ? shiftDA(v, days) : shiftDT(v, days)));
      st.datesShifted = true;
    } else if (vr === 'AS') {
      next = values.map((v) => ageOver89(v));
    } else {
      next = values.map((v, i) => scrubCleaned(st, detectInValue(st.detection, v, vr, call.path, i), vr, call.path, i));
    }
  } catch (e) {
    st.warnings.push(`${call.path}: ${(e as Error).message}: emptied`);
    return zero(call);
  }
  if (next.every((v, i) => v === values[i])) return;
  setStrings(ds, el, next, ctx, vr);
  st.count(category(el));
}
