/**
 * Dummy values for action D (and Z where a value is kept): non-empty, valid for the VR, and
 * carrying nothing of the original (PS3.15 Table E.1-1a).
 */
import { binaryWidth } from '../dicom/vr.js';

const STRING_DUMMIES: Record<string, string> = {
  AE: 'ANONYMOUS',
  AS: '000Y',
  CS: 'ANONYMIZED',
  DA: '19000101',
  DS: '0',
  DT: '19000101000000',
  IS: '0',
  LO: 'ANONYMIZED',
  LT: 'ANONYMIZED',
  PN: 'ANONYMIZED',
  SH: 'ANONYMIZED',
  ST: 'ANONYMIZED',
  TM: '000000',
  UC: 'ANONYMIZED',
  UR: 'urn:anonymized',
  UT: 'ANONYMIZED',
};

export function dummyString(vr: string): string | undefined {
  return STRING_DUMMIES[vr];
}

/** Number of zero bytes for a binary VR's dummy (one value): at least 2, so the length stays even. */
export function dummyBinaryLength(vr: string): number {
  return Math.max(2, binaryWidth(vr));
}
