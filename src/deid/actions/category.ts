import type { Element } from '../../dicom/dataset.js';
import { lookup } from '../../dicom/dictionary.js';

/** The kind of identifier an element is, for the run report's entity summary. */
export function category(el: Element): string {
  if ((el.tag >>> 16) & 1) return 'private_elements';
  switch (el.vr) {
    case 'UI':
      return 'uids';
    case 'DA':
    case 'DT':
    case 'TM':
      return 'dates';
    case 'PN':
      return 'names';
    case 'SQ':
      return 'sequences';
    case 'LT':
    case 'ST':
    case 'UT':
    case 'UC':
      return 'free_text';
  }
  let kind = byKeyword.get(el.tag);
  if (kind === undefined) {
    kind = ofKeyword(lookup(el.tag)?.keyword ?? '');
    if (byKeyword.size >= 4096) byKeyword.clear();
    byKeyword.set(el.tag, kind);
  }
  return kind;
}

/** The keyword's kind, per tag for the thread's life: every file of a series counts the same tags. */
const byKeyword = new Map<number, string>();

function ofKeyword(kw: string): string {
  if (/(ID|IDs|Number|Numbers)$/.test(kw)) return 'ids';
  if (/(Description|Comments|Text|Note|Notes|Reason|Address|Name)s?$/.test(kw)) return 'free_text';
  if (/(Age|Sex|Size|Weight)$/.test(kw)) return 'patient_characteristics';
  return 'other';
}
