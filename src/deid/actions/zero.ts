import { Element } from '../../dicom/dataset.js';
import { setBytes, writeVR, type ElementCall } from '../state.js';
import { category } from './category.js';
import { isPseudonymTag, pseudonym } from './pseudonym.js';

/** Z: replace with a zero-length value (an empty sequence for sequences). */
export function zero(call: ElementCall): void {
  const { st, ds, el } = call;
  if (isPseudonymTag(el.tag)) return pseudonym(call);
  if (el.items) {
    const empty = new Element(el.tag, el.vr === 'UN' ? 'SQ' : el.vr, 0);
    empty.items = [];
    ds.replace(el, empty);
  } else {
    setBytes(ds, el, Buffer.alloc(0), writeVR(el));
  }
  st.count(category(el));
}
