// The independent safety net: identifier values read from the input by a second, tolerant path
// (a dictionary-free scan for their tags' bytes, src/dicom/identifier-scan.ts) searched for in the
// output's raw bytes. The other checks read the input with the same codec as the engine; a
// misread length or VR would hide a leak from both. This one shares none of that reading.

import { implicitVR, lookup } from '../../dicom/dictionary.js';
import { findIdentifiers, IDENTIFIER_TAGS, scanIdentifiers, type Identifier } from '../../dicom/identifier-scan.js';
import { BufferSource, readRange } from '../../dicom/source.js';
import { formatTag, PIXEL_DATA } from '../../dicom/tag.js';
import type { Found, PairContext, StartCheck } from '../check.js';
import { maskValue } from '../mask-value.js';

export const rawIdentifiers: StartCheck = (run) => ({
  pair(p) {
    return {
      *done(): Generator<Found> {
        const tags = IDENTIFIER_TAGS.filter((tag) => run.rules.expect({ tag, vr: implicitVR(tag) }, p.read).kind !== 'keep');
        if (tags.length === 0) return;
        const ids = inputIdentifiers(p, tags);
        if (ids.length === 0) return;
        const found = new Set(findIdentifiers(p.fout.source, ids));
        if (p.fout.body !== p.fout.source) for (const id of findIdentifiers(p.fout.body, ids)) found.add(id);
        for (const id of found) {
          const name = lookup(id.tag)?.keyword ?? formatTag(id.tag);
          yield {
            code: 'RESIDUAL_IDENTIFIER',
            ...p.at,
            message: `the output's raw bytes hold a ${name} value that a tag scan of the input's bytes found, independently of the parse`,
            value_hint: maskValue(id.value),
          };
        }
      },
    };
  },
});

/** The input's identifier values by the tolerant scan, less whole values the profile keeps elsewhere in it. */
function inputIdentifiers(p: PairContext, tags: number[]): Identifier[] {
  const f = p.fin;
  // A large image's pixel data is left unscanned, as the job's guard does (cost, and chance hits).
  const px = f.dataset.get(PIXEL_DATA);
  const ids = scanIdentifiers(f.body, { tags, skip: f.body.size > 64 * 1024 * 1024 && px?.span ? px.span : undefined });
  if (f.body !== f.source && f.bodyStart > 0) ids.push(...scanIdentifiers(new BufferSource(readRange(f.source, 0, f.bodyStart)), { tags }));
  const kept = new Set<string>();
  for (const e of p.inputs) if (e.expect.kind === 'keep' && !tags.includes(e.tag)) for (const v of e.values ?? []) kept.add(v);
  return ids.filter((i) => !kept.has(i.value));
}
