// Paths: an output's path below the output folder carries none of its input's identifiers (the
// mirror layout keeps input paths and must rename folders named after the patient), and a
// DICOMDIR's File IDs name no patient and lead to the written files wherever the input's led to
// input files.

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { DicomFile } from '../../dicom/part10.js';
import { datasetContext, fileContext } from '../../dicom/values.js';
import { holdsToken, pathTokens } from '../../pseudo/path-component.js';
import type { Found, PairContext, RunContext, StartCheck } from '../check.js';
import { strings } from '../scan.js';
import * as T from '../../dicom/tags.generated.js';

const ID_TAGS = [T.PatientID, T.OtherPatientIDs, T.AccessionNumber, T.MedicalRecordLocator];
const NAME_TAGS = [T.PatientName, T.OtherPatientNames, T.PatientBirthName, T.PatientMotherBirthName];

export const paths: StartCheck = (run) => ({ pair: (p) => ({ done: () => checkPaths(p, run) }) });

/** The path tokens of the identifiers the profile does not keep, from the top level and every directory record. */
function identifierTokens(f: DicomFile, p: PairContext, run: RunContext): string[] {
  const replaced = (tags: number[]) => tags.filter((tag) => run.rules.expect({ tag, vr: tag === T.PatientName ? 'PN' : 'LO' }, p.read).kind !== 'keep');
  const idTags = replaced(ID_TAGS);
  const nameTags = replaced(NAME_TAGS);
  const top = fileContext(f);
  const ids: string[] = [];
  const names: string[] = [];
  for (const ds of [f.dataset, ...(f.dataset.get(T.DirectoryRecordSequence)?.items ?? []).map((it) => it.dataset)]) {
    const ctx = ds === f.dataset ? top : datasetContext(ds, top);
    const read = (tag: number): string[] => {
      const el = ds.get(tag);
      return (el && strings(el, ctx)) ?? [];
    };
    for (const tag of idTags) ids.push(...read(tag));
    for (const tag of nameTags) names.push(...read(tag));
  }
  return pathTokens(ids, names);
}

/** Each record's File ID (undefined for a record without one), in sequence order. */
function fileIds(f: DicomFile): (string[] | undefined)[] {
  const top = fileContext(f);
  return (f.dataset.get(T.DirectoryRecordSequence)?.items ?? []).map((it) => {
    const el = it.dataset.get(T.ReferencedFileID);
    return el ? strings(el, datasetContext(it.dataset, top)) : undefined;
  });
}

function* checkPaths(p: PairContext, run: RunContext): Generator<Found> {
  const { at, fin, fout } = p;
  const tokens = identifierTokens(fin, p, run);
  const rel = run.outputRoot ? relative(run.outputRoot, p.pair.output) : '';
  const below = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : (p.pair.output.split(sep).pop() ?? '');
  const named = below.split(sep).filter((c) => holdsToken(c, tokens));
  if (named.length > 0) yield { code: 'PATH_IDENTIFIER', ...at, message: `${named.length} component(s) of the output's path hold an identifier of its input` };
  if (!fout.dataset.has(T.DirectoryRecordSequence)) return;
  const before = fileIds(fin);
  const after = fileIds(fout);
  for (let i = 0; i < before.length; i++) {
    const id = before[i];
    if (!id?.length) continue;
    const path = `(0004,1220)[${i}].(0004,1500)`;
    const out = after[i];
    if (out?.some((c) => holdsToken(c, tokens))) yield { code: 'PATH_IDENTIFIER', ...at, path, message: 'the Referenced File ID holds an identifier of its patients' };
    if (existsSync(join(dirname(p.pair.input), ...id)) && !(out?.length && existsSync(join(dirname(p.pair.output), ...out)))) {
      // A warning: the file may rightly be missing (quarantined, failed, or left out of the run).
      yield {
        code: 'REFERENCE_BROKEN',
        ...at,
        path,
        severity: 'warning',
        message: "the Referenced File ID names no file of the output (the input's named an input file): not written, or renamed otherwise",
      };
    }
  }
}
