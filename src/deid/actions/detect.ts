import { resolveSettings } from '../../detect/settings.js';
import type { DetectSettings } from '../../detect/types.js';
import { decodeStrings } from '../../dicom/values.js';
import { isStringVR } from '../../dicom/vr.js';
import { setStrings, writeVR, type ElementCall } from '../state.js';
import { detectInValue } from '../text-detect.js';
import { scrubCleaned } from '../scrub.js';
import type { Detect } from '../types.js';
import { category } from './category.js';
import { remove } from './remove.js';

/** Each rule's settings resolved once (the rule's object is shared by every file). */
const resolved = new WeakMap<Detect, DetectSettings>();

/**
 * The detect action: identifiers found inside a text value are replaced, the rest is kept; the
 * rule's own settings override the profile's detect section; the patient's own identifiers are
 * taken out whatever those settings say (scrub.ts). A value that is not text cannot be
 * searched, so it is removed (fail closed).
 */
export function detectAction(call: ElementCall, own: Detect): void {
  const { st, ds, el, ctx } = call;
  const vr = writeVR(el);
  if (el.items || el.fragments || !isStringVR(vr) || vr === 'UI') {
    st.warnings.push(`${call.path}: the detect action needs a text value, not ${el.items ? 'a sequence' : vr}: removed`);
    return remove(call);
  }
  let settings = resolved.get(own);
  if (!settings) resolved.set(own, (settings = resolveSettings(st.env.detect, own)!));
  const values = decodeStrings(el, ctx);
  const next = values.map((v, i) => scrubCleaned(st, detectInValue(st.detection, v, vr, call.path, i, settings), vr, call.path, i));
  if (next.every((v, i) => v === values[i])) return;
  setStrings(ds, el, next, ctx, vr);
  st.count(category(el));
}
