import { decodeStrings } from '../../dicom/values.js';
import { isStringVR } from '../../dicom/vr.js';
import { shiftDA, shiftDT } from '../../pseudo/dates.js';
import { CODE_ATTRIBUTES } from '../codes.js';
import { dummyBinaryLength, dummyString } from '../dummy.js';
import { setBytes, setStrings, writeVR, type ElementCall } from '../state.js';
import { detectInValue } from '../text-detect.js';
import { category } from './category.js';
import { keep } from './keep.js';
import { remove } from './remove.js';
import * as T from '../../dicom/tags.generated.js';

const BINARY_KEPT = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'AT', 'SV', 'UV', 'OF', 'OD', 'OL']);

/**
 * An attribute no row names, inside a sequence the profile replaces (D): attributes with a row of
 * their own get that row (engine.ts); the rest get this minimal dummy. Codes, code strings and
 * binary numbers stay (PS3.15 E.1.1 Notes 9, 10), a code's text is scrubbed of the file's identifiers;
 * dates follow the longitudinal options as top-level dates do; UIDs get their pseudonyms unless
 * Retain UIDs is in effect; any other text becomes a dummy.
 */
export function dummyNested(call: ElementCall): void {
  const { st, ds, el, ctx } = call;
  if (el.items) return keep({ ...call, dummying: true });
  if (el.fragments) return remove(call);
  const vr = writeVR(el);
  if (el.tag === T.SpecificCharacterSet || vr === 'CS' || BINARY_KEPT.has(vr)) return;
  const options = st.rules.options;
  if (vr === 'UI') {
    if (options.has('retainUIDs')) return;
    const values = decodeStrings(el, ctx);
    const mapped = values.map((v) => st.uid(v));
    if (mapped.some((v, i) => v !== values[i])) setStrings(ds, el, mapped, ctx, 'UI');
    return;
  }
  if ((vr === 'DA' || vr === 'DT') && options.has('retainLongFullDates')) return;
  if ((vr === 'DA' || vr === 'DT') && options.has('retainLongModifiedDates')) {
    const days = st.dateOffset;
    const values = decodeStrings(el, ctx);
    setStrings(
      ds,
      el,
      values.map((v) => (v === '' ? v : vr === 'DA' ? shiftDA(v, days) : shiftDT(v, days))),
      ctx,
      vr,
    );
    st.datesShifted = true;
    return st.count('dates');
  }
  if (CODE_ATTRIBUTES.has(el.tag) && isStringVR(vr)) {
    const values = decodeStrings(el, ctx);
    const next = values.map((v, i) => detectInValue(st.detection, v, vr, call.path, i));
    if (next.some((v, i) => v !== values[i])) setStrings(ds, el, next, ctx, vr);
    return;
  }
  // An integer dummy of 1, not 0: integers here are mostly frame and item numbers, which start at 1.
  const text = vr === 'IS' ? '1' : dummyString(vr);
  if (text !== undefined && isStringVR(vr)) setStrings(ds, el, [text], ctx, vr);
  else setBytes(ds, el, Buffer.alloc(dummyBinaryLength(vr)), vr);
  st.count(category(el));
}
