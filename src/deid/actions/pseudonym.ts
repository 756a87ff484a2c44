import { DataSet } from '../../dicom/dataset.js';
import { decodeStrings, type ValueContext } from '../../dicom/values.js';
import { PATIENT_ID, PATIENT_NAME, setStrings, type ElementCall } from '../state.js';

/**
 * Patient ID and Name are given pseudonyms (from the pseudonym table, else keyed HMACs) wherever
 * the profile replaces them: a consistent dummy is what Z and D allow, and it keeps a patient's
 * studies linked.
 */
export const isPseudonymTag = (tag: number): boolean => tag === PATIENT_ID || tag === PATIENT_NAME;

function patientIdOf(call: ElementCall, ds: DataSet, ctx: ValueContext): string {
  const own = ds.get(PATIENT_ID);
  if (own && own.value) {
    const v = decodeStrings(own, ctx).join('\\');
    if (v) return v;
  }
  return call.st.patientKey;
}

export function pseudonym(call: ElementCall): void {
  const { st, ds, el, ctx } = call;
  if (el.tag === PATIENT_ID) {
    const original = el.value ? decodeStrings(el, ctx).join('\\') : '';
    setStrings(ds, el, [st.pseudonymId(original || st.patientKey)], ctx);
    st.count('ids');
  } else {
    setStrings(ds, el, [st.pseudonymName(patientIdOf(call, ds, ctx))], ctx);
    st.count('names');
  }
}
