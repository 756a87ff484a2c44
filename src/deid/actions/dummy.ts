import { DataSet, Element } from '../../dicom/dataset.js';
import { decodeStrings, datasetContext, type ValueContext } from '../../dicom/values.js';
import { isStringVR } from '../../dicom/vr.js';
import { CODE_ATTRIBUTES } from '../codes.js';
import { dummyBinaryLength, dummyString } from '../dummy.js';
import { setBytes, setStrings, writeVR, type ElementCall, type FileState } from '../state.js';
import { category } from './category.js';
import { isPseudonymTag, pseudonym } from './pseudonym.js';
import { uid } from './uid.js';
import * as T from '../../dicom/tags.generated.js';

const BINARY_KEPT = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'AT', 'SV', 'UV', 'OF', 'OD', 'OL']);

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
function dummyLeaf(st: FileState, ds: DataSet, el: Element, ctx: ValueContext): void {
  const vr = writeVR(el);
  if (el.tag === T.EncapsulatedDocument) {
    setBytes(ds, el, dummyDocument(ds, ctx), vr);
    return;
  }
  const text = dummyString(vr);
  if (text !== undefined && isStringVR(vr)) setStrings(ds, el, [text], ctx, vr);
  else setBytes(ds, el, Buffer.alloc(dummyBinaryLength(vr)), vr);
}

/**
 * D on a sequence: a minimal valid dummy. Items keep their structure so Type 1 attributes stay
 * present, but every value that could identify is replaced: text, names and dates by dummies,
 * UIDs by their pseudonyms; codes, code strings and numbers are kept (PS3.15 E.1.1 Notes 9, 10).
 */
function dummySequence(st: FileState, ds: DataSet, ctx: ValueContext, path: string): void {
  const inner = datasetContext(ds, ctx);
  for (const el of [...ds.elements]) {
    const here = `${path}.(${(el.tag >>> 16).toString(16).padStart(4, '0').toUpperCase()},${(el.tag & 0xffff).toString(16).padStart(4, '0').toUpperCase()})`;
    if ((el.tag >>> 16) & 1) {
      ds.remove(el);
      continue;
    }
    if (el.items) {
      el.items.forEach((it, i) => dummySequence(st, it.dataset, inner, `${here}[${i}]`));
      continue;
    }
    const vr = writeVR(el);
    if (vr === 'CS' || BINARY_KEPT.has(vr) || CODE_ATTRIBUTES.has(el.tag) || el.tag === T.SpecificCharacterSet) continue;
    if (vr === 'UI') {
      const mapped = decodeStrings(el, inner).map((v) => st.uid(v));
      setStrings(ds, el, mapped, inner, 'UI');
      continue;
    }
    if (el.fragments) {
      ds.remove(el);
      continue;
    }
    dummyLeaf(st, ds, el, inner);
  }
}

/** D: replace with a dummy value consistent with the VR. */
export function dummy(call: ElementCall): void {
  const { st, ds, el, ctx, path } = call;
  if (isPseudonymTag(el.tag)) return pseudonym(call);
  if (el.vr === 'UI') return uid(call);
  if (el.items) {
    el.items.forEach((it, i) => dummySequence(st, it.dataset, ctx, `${path}[${i}]`));
    if (el.items.length === 0) return;
  } else {
    dummyLeaf(st, ds, el, ctx);
  }
  st.count(category(el));
}
