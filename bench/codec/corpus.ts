/** The bench's file list: every regular file under the corpus folder, in a stable order. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Entry {
  path: string;
  rel: string;
  size: number;
}

/** Corpus bookkeeping files, never DICOM. */
const IGNORED_NAMES = new Set(['SOURCES.md', 'INVENTORY.tsv']);

export function listFiles(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isFile() && !IGNORED_NAMES.has(d.name)) out.push({ path: p, rel: relative(root, p), size: statSync(p).size });
    }
  };
  walk(root);
  return out;
}
