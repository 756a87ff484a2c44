// Pixels: an image whose pixels were masked says so (code 113101 and BurnedInAnnotation NO); any
// other image keeps its pixel data exactly.

import { formatTag } from '../../dicom/tag.js';
import type { Found, PairContext, StartCheck } from '../check.js';
import { hashValue } from '../scan.js';
import { PIXEL_TAGS } from '../tags.js';
import * as T from '../../dicom/tags.generated.js';

export const pixels: StartCheck = () => ({
  pair: (p) => ({ done: () => checkPixels(p) }),
});

function* checkPixels({ at, fin, fout }: PairContext): Generator<Found> {
  const codes = fout.dataset.get(T.DeidentificationMethodCodeSequence)?.items ?? [];
  const masked = codes.some((it) => it.dataset.get(T.CodeValue)?.value?.toString('latin1').trim() === '113101');
  if (masked) {
    const bia = fout.dataset.get(T.BurnedInAnnotation)?.value?.toString('latin1').trim();
    if (bia !== 'NO')
      yield {
        code: 'MARKS_MISSING',
        ...at,
        path: formatTag(T.BurnedInAnnotation),
        message: `pixels masked (113101) but BurnedInAnnotation is ${bia === undefined ? 'missing' : `"${bia}"`}`,
      };
    return;
  }
  for (const tag of PIXEL_TAGS) {
    const a = fin.dataset.get(tag);
    if (!a) continue;
    const b = fout.dataset.get(tag);
    const same = b !== undefined && hashValue(a, fin.body) === hashValue(b, fout.body);
    if (!same)
      yield { code: 'PIXEL_CHANGED', ...at, path: formatTag(tag), message: b ? 'pixel data differs from the input (no mask applies)' : 'pixel data is missing from the output' };
  }
}
