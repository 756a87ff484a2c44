import { DataSet, Element, Item } from '../dicom/dataset.js';
import { nativeTransferSyntax } from '../dicom/transfer-syntax.js';
import { decodeStrings, encodeStrings, metaContext } from '../dicom/values.js';
import { DEID_CODES } from '../profile/deid-codes.generated.js';
import type { FileState } from './state.js';
import * as T from '../dicom/tags.generated.js';

/** anonflow's Implementation Class UID (a UUID-derived 2.25 UID, fixed for the product). */
export const IMPLEMENTATION_CLASS_UID = '2.25.226398374618359209734463880128731095761';

const str = (tag: number, vr: string, values: string[]): Element => withValue(tag, vr, encodeStrings(values, vr));

const withValue = (tag: number, vr: string, value: Buffer): Element => {
  const el = new Element(tag, vr, value.length);
  el.value = value;
  return el;
};

/**
 * The marks are the same few values in every file of a run (method, codes, implementation): each
 * is encoded once per thread. The bytes are shared by every file's fresh element; nothing writes
 * into an element's value in place. Not for per-file values (UIDs): those use str.
 */
const encodedMemo = new Map<string, Buffer>();
const fixed = (tag: number, vr: string, values: string[]): Element => {
  // JSON, not a join: ["a\\b"] (which encodeStrings refuses) must not hit ["a", "b"]'s bytes.
  const key = `${vr}:${JSON.stringify(values)}`;
  let value = encodedMemo.get(key);
  if (value === undefined) {
    value = encodeStrings(values, vr);
    if (encodedMemo.size >= 256) encodedMemo.clear();
    encodedMemo.set(key, value);
  }
  return withValue(tag, vr, value);
};

function codeItem(code: { codeValue: string; codingSchemeDesignator: string; codeMeaning: string }): Item {
  const ds = new DataSet();
  ds.set(fixed(T.CodeValue, 'SH', [code.codeValue]));
  ds.set(fixed(T.CodingSchemeDesignator, 'SH', [code.codingSchemeDesignator]));
  ds.set(fixed(T.CodeMeaning, 'LO', [code.codeMeaning]));
  return new Item(ds, 0);
}

/**
 * The marks PS3.15 E.2/E.3 require after de-identification, and a file meta consistent with the
 * new dataset: MediaStorageSOPInstanceUID = SOPInstanceUID, anonflow's implementation identity,
 * and no AE titles or private meta information from the source. The preamble is zeroed (it can
 * hold anything, even a TIFF header with identifiers).
 */
export function applyMarks(st: FileState): void {
  const { file, env } = st;
  const ds = file.dataset;
  // Clean Graphics is claimed only where a graphic was kept cleaned: a file whose overlays were
  // removed for want of a cleaner (or that had none) is de-identified as if the option were off.
  const options = env.profile.options.filter((o) => o !== 'cleanGraphics' || st.graphicsCleaned);
  ds.set(fixed(T.PatientIdentityRemoved, 'CS', ['YES']));
  const method = [`ANONFLOW ${env.version}`, `PROFILE ${env.profile.name.toUpperCase()}`.slice(0, 64)];
  const claimed = options.filter((o) => o !== 'cleanPixelData');
  if (claimed.length) method.push(...claimed.map((o) => `OPTION ${o}`.slice(0, 64)));
  ds.set(fixed(T.DeidentificationMethod, 'LO', method));
  // Clean Pixel Data is claimed per image, by markPixelsCleaned, only where pixels were cleaned.
  const codes = DEID_CODES.filter((c) => c.option === null || (c.option !== 'cleanPixelData' && options.includes(c.option)));
  const seq = new Element(T.DeidentificationMethodCodeSequence, 'SQ', 0);
  seq.items = codes.map(codeItem);
  ds.set(seq);
  const longitudinal = options.includes('retainLongFullDates') ? 'UNMODIFIED' : options.includes('retainLongModifiedDates') || st.datesShifted ? 'MODIFIED' : 'REMOVED';
  ds.set(fixed(T.LongitudinalTemporalInformationModified, 'CS', [longitudinal]));
  if (!file.meta) addMeta(st);
  fixMeta(st);
  file.zeroPreamble = true;
}

/** A raw dataset (no meta) is written as a Part 10 file: preamble, "DICM" and a meta group. */
function addMeta(st: FileState): void {
  const f = st.file;
  const meta = new DataSet();
  const version = new Element(T.FileMetaInformationVersion, 'OB', 2);
  version.value = Buffer.from([0, 1]);
  meta.set(version);
  const sopClass = f.dataset.get(T.SOPClassUID);
  if (sopClass?.vr === 'UI' && sopClass.value) meta.set(str(T.MediaStorageSOPClassUID, 'UI', [decodeStrings(sopClass, st.top)[0] ?? '']));
  const ts = nativeTransferSyntax(f.encoding).uid;
  meta.set(str(T.TransferSyntaxUID, 'UI', [ts]));
  f.meta = meta;
  f.metaEncoding = { explicit: true, little: true };
  f.preamble = true;
}

function fixMeta(st: FileState): void {
  const meta = st.file.meta!;
  // A meta group holding an attribute twice (a faulty writer's) keeps the first copy only.
  const seen = new Set<number>();
  for (const el of [...meta.elements]) {
    if (seen.has(el.tag)) {
      meta.remove(el);
      st.warnings.push(`file meta: duplicate ${el.tag.toString(16).padStart(8, '0')} removed`);
    }
    seen.add(el.tag);
  }
  const sop = st.file.dataset.get(T.SOPInstanceUID);
  const current = meta.get(T.MediaStorageSOPInstanceUID);
  const currentUID = current?.value ? decodeStrings(current, metaContext(st.file))[0] : undefined;
  const uid = sop && sop.vr === 'UI' && sop.value ? decodeStrings(sop, st.top)[0] : undefined;
  if (uid) {
    if (currentUID !== uid) meta.set(str(T.MediaStorageSOPInstanceUID, 'UI', [uid]));
  } else if (currentUID && !st.env.profile.options.includes('retainUIDs')) {
    // No SOP Instance UID to copy (directories, odd files): remap the meta's own, as row U says.
    const mapped = st.uid(currentUID);
    if (mapped !== currentUID) meta.set(str(T.MediaStorageSOPInstanceUID, 'UI', [mapped]));
  }
  meta.set(fixed(T.ImplementationClassUID, 'UI', [IMPLEMENTATION_CLASS_UID]));
  meta.set(fixed(T.ImplementationVersionName, 'SH', [`ANONFLOW_${st.env.version}`.slice(0, 16)]));
  for (const t of [T.SourceApplicationEntityTitle, T.SendingApplicationEntityTitle, T.ReceivingApplicationEntityTitle, T.PrivateInformationCreatorUID, T.PrivateInformation])
    meta.delete(t);
  if (!meta.get(T.FileMetaInformationGroupLength)) {
    const gl = new Element(T.FileMetaInformationGroupLength, 'UL', 4);
    gl.value = Buffer.alloc(4);
    meta.set(gl); // its value is recomputed by the writer
  }
}
