/**
 * Dummy values for action D (and Z where a value is kept): non-empty, valid for the VR, and
 * carrying nothing of the original (PS3.15 Table E.1-1a).
 */
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

/** Number of zero bytes for a binary VR's dummy (one value). */
export function dummyBinaryLength(vr: string): number {
  switch (vr) {
    case 'US':
    case 'SS':
    case 'OW':
    case 'OB':
    case 'UN':
      return 2;
    case 'UL':
    case 'SL':
    case 'FL':
    case 'OF':
    case 'OL':
    case 'AT':
      return 4;
    case 'FD':
    case 'OD':
    case 'SV':
    case 'UV':
    case 'OV':
      return 8;
    default:
      return 2;
  }
}
