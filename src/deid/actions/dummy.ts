import { DataSet, Element } from '../../dicom/dataset.js';
import { decodeStrings, type ValueContext } from '../../dicom/values.js';
import { isStringVR } from '../../dicom/vr.js';
import { dummyBinaryLength, dummyString } from '../dummy.js';
import { setBytes, setStrings, writeVR, type ElementCall } from '../state.js';
import { category } from './category.js';
import { isPseudonymTag, pseudonym } from './pseudonym.js';
import { uid } from './uid.js';
import * as T from '../../dicom/tags.generated.js';

/** A minimal valid PDF: the dummy for an encapsulated PDF document (Note 15: it must be replaced). */
const MINIMAL_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);

function dummyDocument(ds: DataSet, ctx: ValueContext): Buffer {
  const mime = ds.get(T.MIMETypeOfEncapsulatedDocument);
  const type = mime ? decodeStrings(mime, ctx)[0] : '';
  const doc = type === 'application/pdf' ? MINIMAL_PDF : Buffer.from('ANONYMIZED', 'latin1');
  return doc.length & 1 ? Buffer.concat([doc, Buffer.from([0])]) : doc;
}

/** The dummy of one non-sequence element, replacing it in `ds`. */
function dummyLeaf(ds: DataSet, el: Element, ctx: ValueContext): void {
  const vr = writeVR(el);
  if (el.tag === T.EncapsulatedDocument) {
    setBytes(ds, el, dummyDocument(ds, ctx), vr);
    return;
  }
  const text = dummyString(vr);
  if (text !== undefined && isStringVR(vr)) setStrings(ds, el, [text], ctx, vr);
  else setBytes(ds, el, Buffer.alloc(dummyBinaryLength(vr)), vr);
}

/** D: replace with a dummy value consistent with the VR. */
export function dummy(call: ElementCall): void {
  const { st, ds, el, ctx, path } = call;
  if (isPseudonymTag(el.tag)) return pseudonym(call);
  if (el.vr === 'UI') return uid(call);
  if (el.items) {
    // Items keep their structure (Type 1 attributes stay present); each attribute inside gets its
    // own row, and those no row names a dummy (dummy-nested.ts): nothing nested escapes the rules.
    el.items.forEach((it, i) => call.walk(it.dataset, ctx, `${path}[${i}]`, call.cleaning, true));
    if (el.items.length === 0) return;
  } else {
    dummyLeaf(ds, el, ctx);
  }
  st.count(category(el));
}
