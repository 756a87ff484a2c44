// Pixels: an image whose pixels were masked says so (code 113101 and BurnedInAnnotation NO); any
// other image keeps its pixel data exactly.

import { formatTag } from '../../dicom/tag.js';
import type { Found, PairContext, StartCheck } from '../check.js';
import { hashValue } from '../scan.js';
import { PIXEL_TAGS, T } from '../tags.js';

const BURNED_IN_ANNOTATION = 0x00280301;

export const pixels: StartCheck = () => ({
  pair: (p) => ({ done: () => checkPixels(p) }),
});

function* checkPixels({ at, fin, fout }: PairContext): Generator<Found> {
  const codes = fout.dataset.get(T.METHOD_CODES)?.items ?? [];
  const masked = codes.some((it) => it.dataset.get(T.CODE_VALUE)?.value?.toString('latin1').trim() === '113101');
  if (masked) {
    const bia = fout.dataset.get(BURNED_IN_ANNOTATION)?.value?.toString('latin1').trim();
    if (bia !== 'NO') yield { code: 'MARKS_MISSING', ...at, path: formatTag(BURNED_IN_ANNOTATION), message: `pixels masked (113101) but BurnedInAnnotation is ${bia === undefined ? 'missing' : `"${bia}"`}` };
    return;
  }
  for (const tag of PIXEL_TAGS) {
    const a = fin.dataset.get(tag);
    if (!a) continue;
    const b = fout.dataset.get(tag);
    const same = b !== undefined && hashValue(a, fin.body) === hashValue(b, fout.body);
    if (!same) yield { code: 'PIXEL_CHANGED', ...at, path: formatTag(tag), message: b ? 'pixel data differs from the input (no mask applies)' : 'pixel data is missing from the output' };
  }
}
