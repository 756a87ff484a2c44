import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fromRoot } from './root.js';

/** The shared corpus, read from ../shared/corpus beside the repository. */
export const CORPUS = fromRoot('../shared/corpus');
export const corpusPresent = existsSync(CORPUS);
export const SKIP_CORPUS = corpusPresent ? false : `shared corpus not found at ${CORPUS}: corpus tests skipped`;

/** Every corpus file (relative path), sorted, without the corpus's own notes. */
export function corpusFiles(): string[] {
  if (!corpusPresent) return [];
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (!/\.(md|tsv)$/.test(name)) out.push(relative(CORPUS, p));
    }
  };
  visit(CORPUS);
  return out;
}

/** Files that are not well-formed DICOM, with the typed error reading them must give. */
export const MALFORMED: Record<string, string> = {
  'pydicom/MR_truncated.dcm': 'TRUNCATED', // pixel data ends early
  'pydicom/rtplan_truncated.dcm': 'TRUNCATED', // file ends inside a sequence
  'fo-dicom/GH626.dcm': 'TRUNCATED', // private UN (2005,140F) declares 256 bytes for a longer undefined-length payload
  // Made from DICOMDIR by cutting the last record's two 12-byte offset elements and the sequence
  // length, not the item's: its 248 bytes run 24 past the file (bad-input.test.ts)
  'pydicom/dicomdirtests/DICOMDIR-nooffset': 'BAD_LENGTH',
};
