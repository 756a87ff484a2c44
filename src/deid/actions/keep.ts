import { decodeStrings } from '../../dicom/values.js';
import { ageOver89 } from '../../pseudo/dates.js';
import { looksLikeSequence, readAsSequence } from '../retype.js';
import { setStrings, type ElementCall } from '../state.js';
import { remove } from './remove.js';
import { scrubKept } from '../scrub.js';

/**
 * K: keep the value; a sequence is kept and its items are cleaned by the rules. An age (AS) kept
 * (Retain Patient Characteristics) is still capped at 90Y when over 89, as PS3.15 E.3.4 notes:
 * very old ages are rare enough to identify. A kept text value loses the patient's own identifiers
 * (scrub.ts).
 */
export function keep(call: ElementCall): void {
  const { el, ctx, path, walk } = call;
  // A kept private sequence written as UN must be read to be cleaned; unreadable, it goes.
  if (looksLikeSequence(el) && !readAsSequence(el)) {
    call.st.warnings.push(`${path}: kept sequence encoded as UN could not be read: removed`);
    return remove(call);
  }
  if (el.items) {
    el.items.forEach((item, i) => walk(item.dataset, ctx, `${path}[${i}]`, call.cleaning, call.dummying));
    return;
  }
  scrubKept(call);
  if (el.vr === 'AS' && el.value && el.value.length) {
    const values = decodeStrings(el, ctx);
    const capped = values.map((v) => {
      try {
        return ageOver89(v);
      } catch {
        return v;
      }
    });
    if (capped.some((v, i) => v !== values[i])) {
      setStrings(call.ds, el, capped, ctx, 'AS');
      call.st.count('patient_characteristics');
    }
  }
}
