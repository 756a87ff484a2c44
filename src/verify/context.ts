// Reads a pair once for every check: the input's elements with what the profile promises for
// each, and the top-level values its rules and the date check need.

import type { DicomFile } from '../dicom/part10.js';
import { isPrivateCreator, type Tag } from '../dicom/tag.js';
import type { InElement, PairContext } from './check.js';
import type { Pair } from './pair.js';
import type { TopReader, VerifyRules } from './rules.js';
import { strings, topString, walkFile } from './scan.js';
import * as T from '../dicom/tags.generated.js';

export function pairContext(pair: Pair, fin: DicomFile, fout: DicomFile, rules: VerifyRules, sure: boolean): PairContext {
  const inTop = new Map<Tag, string | undefined>();
  const read: TopReader = (tag) => {
    if (!inTop.has(tag)) inTop.set(tag, topString(fin, tag));
    return inTop.get(tag);
  };
  // One date offset per patient: keyed by Patient ID, else Name, else the study (as documented).
  const patient = read(T.PatientID) || read(T.PatientName) || read(T.StudyInstanceUID) || '(no patient id)';
  const inputs: InElement[] = [];
  const inElements = new Map<string, InElement>();
  /** Paths of sequences the profile removes or empties: what is under them may go. */
  const removedSeqs: string[] = [];
  for (const v of walkFile(fin)) {
    const { el, path } = v;
    if (isPrivateCreator(el.tag) || (el.tag & 0xffff) === 0) continue;
    const expect = rules.expect({ tag: el.tag, vr: el.vr, creator: v.creator }, read);
    const underRemoved = removedSeqs.some((p) => path.startsWith(`${p}[`));
    const info: InElement = { path, tag: el.tag, vr: el.vr, depth: v.depth, expect, values: strings(el, v.ctx), underRemoved };
    inputs.push(info);
    inElements.set(path, info);
    if (el.items && (expect.kind === 'remove' || expect.kind === 'replace')) removedSeqs.push(path);
  }
  return { pair, at: { input: pair.input, output: pair.output }, fin, fout, read, patient, sure, inputs, inElements, outElements: new Map() };
}
