import { decodeStrings } from '../../dicom/values.js';
import { setStrings, type ElementCall } from '../state.js';
import { keep } from './keep.js';

/**
 * U: every UID value is replaced by its keyed pseudonym, the same in every file, run and worker;
 * well-known UIDs (DICOM's own root) are kept.
 */
export function uid(call: ElementCall): void {
  const { st, ds, el, ctx } = call;
  if (el.items) return keep(call);
  if (el.vr !== 'UI' && el.vr !== 'UN') return keep(call);
  const values = decodeStrings(el, ctx);
  const mapped = values.map((v) => st.uid(v));
  if (mapped.every((v, i) => v === values[i])) return;
  setStrings(ds, el, mapped, ctx, 'UI');
  st.count('uids');
}
