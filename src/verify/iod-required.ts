// What the IOD requires, for judging an attribute the profile removes but the engine kept: the
// engine keeps a Type 1 attribute of a required module with a dummy and empties a Type 2 one
// rather than leave the output invalid (PS3.3 Types, generated into src/profile). A DICOMDIR
// record is judged by its record type's keys (PS3.3 F.5), a file by its SOP Class's IOD.

import { IOD_ATTRIBUTE_TYPES, SOP_CLASS_IOD } from '../profile/iod-types.generated.js';

const hex = (tag: number): string => (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');

/** The Type ('1' or '2') with which a required module of the IOD holds the attribute, if it does. */
export function requiredType(tag: number, sopClassUid: string | undefined, recordType: string | undefined): '1' | '2' | undefined {
  const name = recordType ? `Directory Record ${recordType.trim()}` : sopClassUid ? SOP_CLASS_IOD[sopClassUid] : undefined;
  const t = name ? IOD_ATTRIBUTE_TYPES[name]?.[hex(tag)] : undefined;
  return t === '1' || t === '2' ? t : undefined;
}
