// Marks: an output says it was de-identified (PatientIdentityRemoved, DeidentificationMethod),
// lists the profile's and options' codes, and says what became of its longitudinal dates.

import type { DicomFile } from '../../dicom/part10.js';
import { formatTag, type Tag } from '../../dicom/tag.js';
import { fileContext } from '../../dicom/values.js';
import { DEID_CODES } from '../../profile/deid-codes.generated.js';
import type { Found, PairContext, RunContext, StartCheck } from '../check.js';
import { strings } from '../scan.js';
import * as T from '../../dicom/tags.generated.js';

export const marks: StartCheck = (run) => ({
  pair: run.profile.marks ? (p) => ({ done: () => checkMarks(p, run) }) : undefined,
});

/**
 * A DICOMDIR is judged by its own IOD (Basic Directory, PS3.3 F.3): it has no SOP Common or
 * Patient module, so no place for the marks (the engine writes none there).
 */
const isDirectory = (f: DicomFile): boolean => f.dataset.has(T.DirectoryRecordSequence) || f.dataset.has(T.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity);

function* checkMarks({ at, fout: f }: PairContext, { profile, rules }: RunContext): Generator<Found> {
  if (isDirectory(f)) return;
  const ctx = fileContext(f);
  const one = (tag: Tag): string | undefined => {
    const el = f.dataset.get(tag);
    return el ? strings(el, ctx)?.join('\\') : undefined;
  };
  if (one(T.PatientIdentityRemoved) !== 'YES') yield { code: 'MARKS_MISSING', ...at, path: formatTag(T.PatientIdentityRemoved), message: 'PatientIdentityRemoved is not YES' };
  if (!one(T.DeidentificationMethod)) yield { code: 'MARKS_MISSING', ...at, path: formatTag(T.DeidentificationMethod), message: 'DeidentificationMethod is missing' };
  const codes = new Set<string>();
  for (const item of f.dataset.get(T.DeidentificationMethodCodeSequence)?.items ?? []) {
    const v = item.dataset.get(T.CodeValue);
    const s = item.dataset.get(T.CodingSchemeDesignator);
    if (v && s) codes.add(`${strings(v, ctx)?.[0]}|${strings(s, ctx)?.[0]}`);
  }
  const options = new Set(profile.options);
  for (const code of DEID_CODES) {
    if (code.option !== null && !options.has(code.option)) continue;
    if (code.option === 'cleanPixelData') continue; // claimed per image, where pixels were masked (the pixel check)
    if (code.option === 'cleanGraphics' && !keepsGraphics(f.dataset)) continue; // claimed only where a graphic was kept cleaned
    if (!codes.has(`${code.codeValue}|${code.codingSchemeDesignator}`)) {
      yield {
        code: 'MARKS_MISSING',
        ...at,
        path: formatTag(T.DeidentificationMethodCodeSequence),
        message: `DeidentificationMethodCodeSequence lacks ${code.codeValue} (${code.codeMeaning})`,
      };
    }
  }
  const lt = one(T.LongitudinalTemporalInformationModified);
  const allowed = options.has('retainLongFullDates')
    ? ['UNMODIFIED']
    : options.has('retainLongModifiedDates')
      ? ['MODIFIED']
      : rules.shiftsDates
        ? ['MODIFIED', 'REMOVED']
        : ['REMOVED'];
  if (lt === undefined || !allowed.includes(lt)) {
    yield {
      code: 'MARKS_MISSING',
      ...at,
      path: formatTag(T.LongitudinalTemporalInformationModified),
      message: `LongitudinalTemporalInformationModified is ${lt === undefined ? 'missing' : `"${lt}"`}, expected ${allowed.join(' or ')}`,
    };
  }
}

/** A graphic the Clean Graphics rows cover is in the output: an annotation, an overlay or curve group. */
function keepsGraphics(ds: { elements: readonly { tag: number }[] }): boolean {
  return ds.elements.some((e) => {
    const g = e.tag >>> 16;
    return e.tag === T.GraphicAnnotationSequence || (g >= 0x5000 && g <= 0x501e && (g & 1) === 0) || (g >= 0x6000 && g <= 0x601e && (g & 1) === 0);
  });
}
