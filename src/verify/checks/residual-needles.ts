// What the residual-identifier check looks for in an output: the input's values that the profile
// removes or replaces, the components of its removed person names and its removed patient IDs,
// less what the profile keeps elsewhere in the same input.

import type { Tag } from '../../dicom/tag.js';
import { dateForms } from '../../detect/header.js';
import { findBoundedText } from '../bounded.js';
import type { InElement } from '../check.js';
import { byteForms, embeddableId, findEmbedded, findWord, isCommonWord, nameComponents } from '../parts.js';
import * as T from '../../dicom/tags.generated.js';

/**
 * Placeholders already in inputs (earlier de-identification) that a de-identifier's own dummies
 * repeat: finding them again says nothing.
 */
const PLACEHOLDER = /^([0.:\s]+|19000101|ANONYMI[SZ]ED|ANONYMOUS|REMOVED|UNKNOWN|NONE|N\/A|DE-?IDENTIFIED)$/i;

/** A mask an earlier de-identification left (xxxxx, 0000000000): one letter or digit repeated. */
const isMask = (v: string): boolean => new Set(v.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase()).size <= 1;

/** A value worth searching for: long enough not to turn up by chance. */
function searchable(v: string): boolean {
  if (v.length < 4) return false;
  if (PLACEHOLDER.test(v) || isMask(v)) return false;
  if (isCommonWord(v)) return false; // "patient" as an ROI's description
  if (/^[\d.:+\-\s]+$/.test(v) && v.length < 6) return false; // short numbers turn up everywhere
  return true;
}

/** Patient IDs searched for inside longer text too (PatientID, OtherPatientIDs, AccessionNumber). */
const EMBEDDED_ID_TAGS = new Set<Tag>([T.PatientID, T.OtherPatientIDs, T.AccessionNumber]);
/**
 * Sources whose values identify the patient whatever they look like: their residuals are errors
 * even where a cleaned attribute of the input already held the same text.
 */
const PERSONAL_TAGS = new Set<Tag>([
  T.PatientID,
  T.OtherPatientIDs,
  T.AccessionNumber,
  T.MedicalRecordLocator,
  T.PatientAddress,
  T.PatientTelephoneNumbers,
  T.PatientTelecomInformation,
  T.AdmissionID,
]);
const PERSONAL_VRS = new Set(['PN', 'DA', 'DT']);
/** The patient's identity: whole values of these, removed or replaced, are leaks wherever found. */
const IDENTITY_TAGS = new Set<Tag>([
  T.PatientName,
  T.PatientID,
  T.OtherPatientIDs,
  T.OtherPatientNames,
  T.PatientBirthName,
  T.PatientMotherBirthName,
  T.PatientBirthDate,
  T.PatientAddress,
  T.InstitutionName,
  T.InstitutionAddress,
  T.InstitutionalDepartmentName,
  T.ReferringPhysicianName,
  T.PerformingPhysicianName,
  T.NameOfPhysiciansReadingStudy,
  T.PhysiciansOfRecord,
  T.RequestingPhysician,
  T.OperatorsName,
]);
/**
 * The equipment's kept attributes (and kept values of the VRs that are not free text: codes,
 * titles, dates, numbers): what they share with a name or an ID says who made the device or what
 * the image is (a phantom named after its maker, a patient "ORIGINAL", a QA patient ID that is the
 * serial number), not who the patient is. The engine never scrubs these (src/deid/scrub-match.ts
 * holds its own copy of the list) and drops such terms from its search, as this check does. The
 * Secondary Capture device's manufacturer is not among them: a name typed there is a copy.
 */
export const EQUIPMENT_TAGS = new Set<Tag>([T.Manufacturer, T.ManufacturerModelName, T.StationName, T.SoftwareVersions, T.DeviceSerialNumber]);
/** The text VRs the engine searches kept values of for the patient's identifiers. */
const FREE_TEXT_VRS = new Set(['LO', 'SH', 'ST', 'LT', 'UT', 'UC', 'PN']);
/** Shortest name component searched for in raw bytes (shorter ones turn up by chance). */
const RAW_COMPONENT_MIN = 5;

export interface Needles {
  /** Whole values (upper case) → input path they came from. */
  residual: Map<string, string>;
  /** Residual values from sources that identify the patient whatever they look like. */
  personal: Set<string>;
  /** Name components (upper case) of removed or replaced PN values → input path. */
  components: Map<string, string>;
  /** Patient IDs (upper case) of removed or replaced ID attributes → input path. */
  ids: Map<string, string>;
  /** Residual values searched for inside longer text. */
  needles: string[];
  /** Byte forms of the same, of the components and of the IDs, for raw values. */
  rawNeedles: { v: string; b: Buffer }[];
  rawComponents: { c: string; b: Buffer }[];
  rawIds: { id: string; b: Buffer }[];
}

export function residualNeedles(inputs: InElement[]): Needles {
  const residual = new Map<string, string>();
  const original = new Map<string, string>(); // value (upper case) → as found
  const kept = new Set<string>();
  const personal = new Set<string>();
  const components = new Map<string, string>();
  const ids = new Map<string, string>();
  const keptEquipment = new Set<string>();
  const identity = new Set<string>();
  for (const { tag, vr, path, expect, values } of inputs) {
    if (!values || vr === 'UI') continue;
    // A Referenced File ID is a path (CS) that may name the patient: never benign.
    const benign = EQUIPMENT_TAGS.has(tag) || (!FREE_TEXT_VRS.has(vr) && tag !== T.ReferencedFileID);
    if (expect.kind === 'keep') for (const x of values) (benign ? keptEquipment : kept).add(x.toUpperCase());
    if (IDENTITY_TAGS.has(tag) && (expect.kind === 'remove' || expect.kind === 'replace')) for (const x of values) identity.add(x.toUpperCase());
    if (expect.kind === 'remove' || expect.kind === 'replace') {
      const isPersonal = PERSONAL_VRS.has(vr) || PERSONAL_TAGS.has(tag);
      for (const x of values) {
        if (vr === 'PN') for (const comp of nameComponents(x)) if (!components.has(comp) && !isMask(comp)) components.set(comp, path);
        if (EMBEDDED_ID_TAGS.has(tag) && embeddableId(x) && !isMask(x) && !ids.has(x.toUpperCase())) ids.set(x.toUpperCase(), path);
        if (!searchable(x)) continue;
        residual.set(x.toUpperCase(), path);
        original.set(x.toUpperCase(), x);
        if (isPersonal) personal.add(x.toUpperCase());
        // The birth date is also looked for as people write it (03/02/1970, 3 Feb 1970): the
        // forms src/detect knows, as the engine's scrub of kept values uses them.
        if (tag === T.PatientBirthDate) {
          for (const form of dateForms(x).map((d) => d.toUpperCase())) {
            if (form.length < 6 || residual.has(form)) continue;
            residual.set(form, path);
            original.set(form, form);
            personal.add(form);
            if (identity.has(x.toUpperCase())) identity.add(form);
          }
        }
      }
    }
  }
  // What the profile keeps elsewhere in the input is not the de-identifier's leak, unless it is
  // the patient's identity (name, IDs, birth date, institution, physicians): a copy of that in a
  // kept attribute is a leak too, and must not hide the same value elsewhere.
  const allKept = new Set([...kept, ...keptEquipment]);
  for (const k of allKept) if (!identity.has(k) || keptEquipment.has(k)) residual.delete(k);
  for (const r of [...residual.keys()]) {
    for (const k of identity.has(r) ? keptEquipment : allKept) {
      if (k.length > r.length && findBoundedText(k, r)) {
        residual.delete(r);
        break;
      }
    }
  }
  // Likewise name components and IDs the input holds in the equipment's kept attributes or kept
  // code strings (a phantom named after its manufacturer, say): their turning up says nothing. Held in any other kept
  // attribute (a window explanation, a content description), they are the leak.
  for (const comp of [...components.keys()]) {
    for (const k of keptEquipment) {
      if (findWord(k, comp)) {
        components.delete(comp);
        break;
      }
    }
  }
  for (const id of [...ids.keys()]) {
    for (const k of keptEquipment) {
      if (findEmbedded(k, id)) {
        ids.delete(id);
        break;
      }
    }
  }
  const rawComponents = [...components.keys()].filter((c) => c.length >= RAW_COMPONENT_MIN).flatMap((c) => byteForms(c).map((b) => ({ c, b })));
  const rawIds = [...ids.keys()].flatMap((id) => byteForms(id).map((b) => ({ id, b })));
  const needles = [...residual.keys()].filter((v) => v.length >= 6);
  const rawNeedles = needles.flatMap((v) => {
    const orig = original.get(v) ?? v;
    const forms = new Map<string, Buffer>();
    for (const s of new Set([orig, v, orig.toLowerCase()])) {
      for (const enc of ['latin1', 'utf8'] as const) {
        const b = Buffer.from(s, enc);
        forms.set(b.toString('hex'), b);
      }
    }
    return [...forms.values()].map((b) => ({ v, b }));
  });
  return { residual, personal, components, ids, needles, rawNeedles, rawComponents, rawIds };
}
