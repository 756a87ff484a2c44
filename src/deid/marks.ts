import { DataSet, Element, Item } from '../dicom/dataset.js';
import { tagOf } from '../dicom/tag.js';
import { nativeTransferSyntax } from '../dicom/transfer-syntax.js';
import { decodeStrings, encodeStrings, metaContext } from '../dicom/values.js';
import { DEID_CODES } from '../profile/deid-codes.generated.js';
import type { FileState } from './state.js';

const PATIENT_IDENTITY_REMOVED = tagOf(0x0012, 0x0062);
const DEIDENTIFICATION_METHOD = tagOf(0x0012, 0x0063);
const DEIDENTIFICATION_METHOD_CODES = tagOf(0x0012, 0x0064);
const LONGITUDINAL_MODIFIED = tagOf(0x0028, 0x0303);
const SOP_INSTANCE_UID = tagOf(0x0008, 0x0018);

/** anonflow's Implementation Class UID (a UUID-derived 2.25 UID, fixed for the product). */
export const IMPLEMENTATION_CLASS_UID = '2.25.226398374618359209734463880128731095761';

const str = (tag: number, vr: string, values: string[]): Element => {
  const value = encodeStrings(values, vr);
  const el = new Element(tag, vr, value.length);
  el.value = value;
  return el;
};

function codeItem(code: { codeValue: string; codingSchemeDesignator: string; codeMeaning: string }): Item {
  const ds = new DataSet();
  ds.set(str(tagOf(0x0008, 0x0100), 'SH', [code.codeValue]));
  ds.set(str(tagOf(0x0008, 0x0102), 'SH', [code.codingSchemeDesignator]));
  ds.set(str(tagOf(0x0008, 0x0104), 'LO', [code.codeMeaning]));
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
  const options = env.profile.options;
  ds.set(str(PATIENT_IDENTITY_REMOVED, 'CS', ['YES']));
  const method = [`ANONFLOW ${env.version}`, `PROFILE ${env.profile.name.toUpperCase()}`.slice(0, 64)];
  const claimed = options.filter((o) => o !== 'cleanPixelData');
  if (claimed.length) method.push(...claimed.map((o) => `OPTION ${o}`.slice(0, 64)));
  ds.set(str(DEIDENTIFICATION_METHOD, 'LO', method));
  // Clean Pixel Data is claimed per image, by markPixelsCleaned, only where pixels were cleaned.
  const codes = DEID_CODES.filter((c) => c.option === null || (c.option !== 'cleanPixelData' && options.includes(c.option)));
  const seq = new Element(DEIDENTIFICATION_METHOD_CODES, 'SQ', 0);
  seq.items = codes.map(codeItem);
  ds.set(seq);
  const longitudinal = options.includes('retainLongFullDates')
    ? 'UNMODIFIED'
    : options.includes('retainLongModifiedDates') || st.datesShifted
      ? 'MODIFIED'
      : 'REMOVED';
  ds.set(str(LONGITUDINAL_MODIFIED, 'CS', [longitudinal]));
  if (!file.meta) addMeta(st);
  fixMeta(st);
  file.zeroPreamble = true;
}

/** A raw dataset (no meta) is written as a Part 10 file: preamble, "DICM" and a meta group. */
function addMeta(st: FileState): void {
  const f = st.file;
  const meta = new DataSet();
  const version = new Element(tagOf(0x0002, 0x0001), 'OB', 2);
  version.value = Buffer.from([0, 1]);
  meta.set(version);
  const sopClass = f.dataset.get(tagOf(0x0008, 0x0016));
  if (sopClass?.value) meta.set(str(tagOf(0x0002, 0x0002), 'UI', [decodeStrings(sopClass, st.top)[0] ?? '']));
  const ts = nativeTransferSyntax(f.encoding).uid;
  meta.set(str(tagOf(0x0002, 0x0010), 'UI', [ts]));
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
  const sop = st.file.dataset.get(SOP_INSTANCE_UID);
  const current = meta.get(tagOf(0x0002, 0x0003));
  const currentUID = current?.value ? decodeStrings(current, metaContext(st.file))[0] : undefined;
  const uid = sop && !sop.items && sop.value ? decodeStrings(sop, st.top)[0] : undefined;
  if (uid) {
    if (currentUID !== uid) meta.set(str(tagOf(0x0002, 0x0003), 'UI', [uid]));
  } else if (currentUID && !st.env.profile.options.includes('retainUIDs')) {
    // No SOP Instance UID to copy (directories, odd files): remap the meta's own, as row U says.
    const mapped = st.uid(currentUID);
    if (mapped !== currentUID) meta.set(str(tagOf(0x0002, 0x0003), 'UI', [mapped]));
  }
  meta.set(str(tagOf(0x0002, 0x0012), 'UI', [IMPLEMENTATION_CLASS_UID]));
  meta.set(str(tagOf(0x0002, 0x0013), 'SH', [`ANONFLOW_${st.env.version}`.slice(0, 16)]));
  for (const t of [0x00020016, 0x00020017, 0x00020018, 0x00020100, 0x00020102]) meta.delete(t);
  if (!meta.get(tagOf(0x0002, 0x0000))) {
    const gl = new Element(tagOf(0x0002, 0x0000), 'UL', 4);
    gl.value = Buffer.alloc(4);
    meta.set(gl); // its value is recomputed by the writer
  }
}
