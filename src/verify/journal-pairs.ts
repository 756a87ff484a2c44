// With --journal and an output tree: the inputs come from the journal, the outputs are the files
// actually in the tree given. Each journal output is found at the same place under the tree as it
// had under the run's output folder; what the journal wrote and the tree lacks, and what the tree
// holds that the run did not write, are reported, so a tampered or mixed-up copy cannot pass.

import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { listFiles, pairsFromJournal, type Pair } from './pair.js';

export interface TreePairing {
  pairs: Pair[];
  /** Outputs the journal records that are not in the tree. */
  missing: Pair[];
  /** Files in the tree that no journal entry wrote. */
  extra: string[];
}

export function pairsInTree(journalFile: string, runOut: string | undefined, tree: string): TreePairing {
  const root = resolve(tree);
  const pairs: Pair[] = [];
  const missing: Pair[] = [];
  const expected = new Set<string>();
  for (const p of pairsFromJournal(journalFile)) {
    const rel = runOut ? relative(resolve(runOut), p.output) : undefined;
    // A single-file output tree is the file itself; otherwise the journal's place under the run's out.
    const at = rel === '' ? root : rel && !rel.startsWith('..') && !isAbsolute(rel) ? join(root, rel) : undefined;
    if (at && existsSync(at)) {
      pairs.push({ input: p.input, output: at });
      expected.add(at);
    } else {
      missing.push({ input: p.input, output: at ?? p.output });
    }
  }
  const extra = existsSync(root) ? listFiles(root).filter((f) => !expected.has(f)) : [];
  return { pairs, missing, extra };
}
