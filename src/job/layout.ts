import { join } from 'node:path';
import type { DicomFile } from '../dicom/part10.js';
import { decodeStrings, fileContext } from '../dicom/values.js';
import * as T from '../dicom/tags.generated.js';

export type Layout = 'mirror' | 'hierarchy';

/** A path segment that cannot climb out of its folder or carry odd characters. */
const segment = (v: string | undefined, fallback: string): string => {
  const s = (v ?? '')
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 80);
  return s || fallback;
};

/**
 * Where a written file goes. `hierarchy` names it by the de-identified dataset only
 * (patient / study / series / instance), so no original identifier survives in a path;
 * `mirror` keeps the input's relative path.
 */
export function outputPath(out: string, layout: Layout, rel: string, f: DicomFile): string {
  if (layout === 'mirror') return join(out, rel);
  const ctx = fileContext(f);
  const read = (tag: number): string | undefined => {
    const el = f.dataset.get(tag);
    return el && el.value ? decodeStrings(el, ctx)[0] : undefined;
  };
  return join(
    out,
    segment(read(T.PatientID), 'unknown-patient'),
    segment(read(T.StudyInstanceUID), 'unknown-study'),
    segment(read(T.SeriesInstanceUID), 'unknown-series'),
    `${segment(read(T.SOPInstanceUID), 'unknown-instance')}.dcm`,
  );
}
