import type { Element } from '../../dicom/dataset.js';
import { lookup } from '../../dicom/dictionary.js';

/** The kind of identifier an element is, for the run report's entity summary. */
export function category(el: Element): string {
  if ((el.tag >>> 16) & 1) return 'private_elements';
  const kw = lookup(el.tag)?.keyword ?? '';
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
  if (/(ID|IDs|Number|Numbers)$/.test(kw)) return 'ids';
  if (/(Description|Comments|Text|Note|Notes|Reason|Address|Name)s?$/.test(kw)) return 'free_text';
  if (/(Age|Sex|Size|Weight)$/.test(kw)) return 'patient_characteristics';
  return 'other';
}
