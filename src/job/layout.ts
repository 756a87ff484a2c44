import { join, sep } from 'node:path';
import type { DicomFile } from '../dicom/part10.js';
import { decodeStrings, fileContext } from '../dicom/values.js';
import { pseudonymizeComponent } from '../pseudo/path-component.js';
import * as T from '../dicom/tags.generated.js';

export type Layout = 'mirror' | 'hierarchy';

/** What renames the path components of a kept path: the project key and the file's identifier tokens. */
export interface PathNaming {
  key: Buffer;
  /** pathIdentifiers() of the input, read before de-identification. */
  tokens: readonly string[];
}

/** Where a file goes, and the components renamed on the way (original, pseudonym). */
export interface OutputPath {
  path: string;
  renamed: [string, string][];
}

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
 * A relative input path as the mirror layout writes it: every component (folder or file name)
 * that equals or contains one of the file's identifiers becomes its keyed pseudonym
 * (pseudo/path-component.ts), the others stay. The same input path, identifiers and key give the
 * same output path in every worker and run, and a DICOMDIR's File IDs are renamed alike.
 */
export function mirrorRel(rel: string, naming: PathNaming | undefined): { rel: string; renamed: [string, string][] } {
  const renamed: [string, string][] = [];
  if (!naming || naming.tokens.length === 0) return { rel, renamed };
  const parts = rel.split(sep).map((c) => {
    const p = pseudonymizeComponent(naming.key, c, naming.tokens);
    if (p !== c) renamed.push([c, p]);
    return p;
  });
  return { rel: parts.join(sep), renamed };
}

/**
 * Where a written file goes. `hierarchy` names it by the de-identified dataset only
 * (patient / study / series / instance), so no original identifier survives in a path;
 * `mirror` keeps the input's relative path, its identifying components pseudonymised (mirrorRel).
 */
export function outputPath(out: string, layout: Layout, rel: string, f: DicomFile, naming?: PathNaming): OutputPath {
  if (layout === 'mirror') {
    const m = mirrorRel(rel, naming);
    return { path: join(out, m.rel), renamed: m.renamed };
  }
  const ctx = fileContext(f);
  const read = (tag: number): string | undefined => {
    const el = f.dataset.get(tag);
    return el && el.value ? decodeStrings(el, ctx)[0] : undefined;
  };
  return {
    path: join(
      out,
      segment(read(T.PatientID), 'unknown-patient'),
      segment(read(T.StudyInstanceUID), 'unknown-study'),
      segment(read(T.SeriesInstanceUID), 'unknown-series'),
      `${segment(read(T.SOPInstanceUID), 'unknown-instance')}.dcm`,
    ),
    renamed: [],
  };
}
