import { decodeStrings, encodeNumbers } from '../../dicom/values.js';
import { isStringVR } from '../../dicom/vr.js';
import { shiftDA, shiftDT } from '../../pseudo/dates.js';
import { pseudoValue } from '../../pseudo/ids.js';
import { DeidError } from '../errors.js';
import { setBytes, setStrings, writeVR, type ElementCall } from '../state.js';
import type { Action } from '../types.js';
import { category } from './category.js';
import { detectAction } from './detect.js';

const MAX_LENGTH: Record<string, number> = { AE: 16, AS: 4, CS: 16, DA: 8, DS: 16, IS: 12, LO: 64, PN: 64, SH: 16, TM: 14, UI: 64 };

/** Replaces the value with `text`, encoded for the element's VR (numbers for binary VRs). */
export function replaceWith(call: ElementCall, text: string): void {
  const { ds, el, ctx } = call;
  const vr = writeVR(el);
  if (isStringVR(vr)) {
    setStrings(ds, el, vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UR' ? [text] : text.split('\\'), ctx, vr);
  } else {
    const nums = text.split('\\').map(Number);
    if (nums.some((n) => Number.isNaN(n))) throw new DeidError('DEID_FAILED', `cannot write ${JSON.stringify(text)} as ${vr}`, call.path);
    setBytes(ds, el, encodeNumbers(nums, vr, ctx.little), vr);
  }
  call.st.count(category(el));
}

/** The parameterised actions: replace, set, hash, shiftDate, detect. */
export function applyParam(call: ElementCall, action: Exclude<Action, string>): void {
  const { st, el, ctx } = call;
  if ('replace' in action) return replaceWith(call, action.replace);
  if ('set' in action) return replaceWith(call, action.set);
  if ('detect' in action) return detectAction(call, action.detect);
  const vr = writeVR(el);
  const values = el.items || el.fragments ? [] : decodeStrings(el, ctx);
  if ('hash' in action) {
    const max = MAX_LENGTH[vr] ?? 64;
    const hashed = values.map((v) => pseudoValue(st.env.key, `tag:${el.tag}`, v, max, action.hash));
    return replaceWith(call, hashed.join('\\'));
  }
  if (vr !== 'DA' && vr !== 'DT') throw new DeidError('DEID_FAILED', `shiftDate applies to DA and DT, not ${vr}`, call.path);
  const days = action.shiftDate.days ?? st.dateOffset;
  st.datesShifted = true;
  replaceWith(call, values.map((v) => (v === '' ? v : vr === 'DA' ? shiftDA(v, days) : shiftDT(v, days))).join('\\'));
}
