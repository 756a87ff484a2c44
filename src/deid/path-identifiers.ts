// The identifiers a path component must not carry: read from a file's header, or from a DICOMDIR
// record and the records above it, by the same list so that a renamed folder and the File IDs that
// name it agree.
import type { DataSet, Element } from '../dicom/dataset.js';
import { implicitVR } from '../dicom/dictionary.js';
import { decodeStrings, type ValueContext } from '../dicom/values.js';
import { isStringVR } from '../dicom/vr.js';
import { pathTokens } from '../pseudo/path-component.js';
import * as T from '../dicom/tags.generated.js';
import { simpleCode } from './engine.js';
import type { DeidEnv } from './state.js';

/**
 * IDs the basic profile replaces and a folder may be named after. Not Study ID: a modality's
 * counter ("1", "S1", "2157"), which names no one and equals ordinary folder names by chance.
 */
const ID_TAGS = [T.PatientID, T.OtherPatientIDs, T.AccessionNumber, T.MedicalRecordLocator];
/** Names whose components (≥ 2 characters) a folder may be named after. */
const NAME_TAGS = [T.PatientName, T.OtherPatientNames, T.PatientBirthName, T.PatientMotherBirthName];

/** One dataset to read, in its character set. */
export interface Source {
  ds: DataSet;
  ctx: ValueContext;
}

const strings = (el: Element | undefined, ctx: ValueContext): string[] => {
  if (!el?.value || el.items || !isStringVR(el.vr)) return [];
  try {
    return decodeStrings(el, ctx);
  } catch {
    return [];
  }
};

/** The tags of `list` the profile does not keep: a kept value is no leak in a path either. */
const replaced = (env: DeidEnv, list: number[]): number[] => list.filter((tag) => simpleCode(env.rules.decide({ tag, vr: implicitVR(tag) }, () => undefined).action) !== 'K');

/**
 * The tokens (pseudo/path-component.ts) of the identifiers in `sources` (a file's dataset, or a
 * directory record and those above it), including the Patient IDs of Other Patient IDs Sequence.
 */
export function pathIdentifiers(sources: readonly Source[], env: DeidEnv): string[] {
  const ids: string[] = [];
  const names: string[] = [];
  const idTags = replaced(env, ID_TAGS);
  const nameTags = replaced(env, NAME_TAGS);
  const others = idTags.includes(T.PatientID) && simpleCode(env.rules.decide({ tag: T.OtherPatientIDsSequence, vr: 'SQ' }, () => undefined).action) !== 'K';
  for (const { ds, ctx } of sources) {
    for (const tag of idTags) ids.push(...strings(ds.get(tag), ctx));
    for (const tag of nameTags) names.push(...strings(ds.get(tag), ctx));
    if (others) for (const it of ds.get(T.OtherPatientIDsSequence)?.items ?? []) ids.push(...strings(it.dataset.get(T.PatientID), ctx));
  }
  return pathTokens(ids, names);
}
