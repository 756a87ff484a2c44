import type { DicomFile } from '../dicom/part10.js';
import { datasetContext, decodeStrings, fileContext } from '../dicom/values.js';
import { readDirectory } from './dicomdir.js';
import { PATIENT_NAME } from './state.js';
import * as T from '../dicom/tags.generated.js';

/**
 * The reason a DICOMDIR cannot be written de-identified, if a record's Referenced File ID names
 * its patient (a folder called after the Patient ID or a name): the ID must match the file's path
 * in the output, which the mirror layout keeps, so neither can change and the DICOMDIR is left out
 * (fail closed) rather than written carrying the identifier. Undefined when no component does.
 */
export function identifyingFileId(f: DicomFile): string | undefined {
  const tree = readDirectory(f);
  const top = fileContext(f);
  for (const rec of tree.records) {
    const el = rec.item.dataset.get(T.ReferencedFileID);
    if (!el?.value) continue;
    const ctx = datasetContext(rec.item.dataset, top);
    // Whole components and the words in them ("SC1_RLE" holds the name component "SC1").
    const parts = decodeStrings(el, ctx).flatMap((p) => [p.trim().toUpperCase(), ...p.toUpperCase().split(/[^A-Z0-9]+/)]);
    const ids = new Set<string>();
    if (rec.patientId) ids.add(rec.patientId.trim().toUpperCase());
    for (let r: typeof rec | undefined = rec; r; r = r.parent) {
      const name = r.item.dataset.get(PATIENT_NAME);
      if (!name?.value) continue;
      for (const v of decodeStrings(name, datasetContext(r.item.dataset, top))) {
        for (const c of v.split(/[\^=\s]+/)) if (c.length >= 2) ids.add(c.toUpperCase());
      }
    }
    if (parts.some((p) => ids.has(p))) {
      return 'a Referenced File ID names its patient (a folder after the Patient ID or name): the mirror layout keeps that path, so the DICOMDIR is left out rather than written with the identifier';
    }
  }
  return undefined;
}
