/** Value Representations of PS3.5 Table 6.2-1. */
export const VRS = [
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FD',
  'FL',
  'IS',
  'LO',
  'LT',
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'PN',
  'SH',
  'SL',
  'SQ',
  'SS',
  'ST',
  'SV',
  'TM',
  'UC',
  'UI',
  'UL',
  'UN',
  'UR',
  'US',
  'UT',
  'UV',
] as const;
export type VR = (typeof VRS)[number];

const known = new Set<string>(VRS);
export const isVR = (s: string): s is VR => known.has(s);

/** VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2). */
const LONG = new Set<string>(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
export const hasLongLength = (vr: string): boolean => LONG.has(vr);

/** Text VRs affected by Specific Character Set (PS3.5 6.1.2.3). */
const CHARSET_TEXT = new Set<string>(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);
export const usesCharset = (vr: string): boolean => CHARSET_TEXT.has(vr);

const STRING = new Set<string>(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
export const isStringVR = (vr: string): boolean => STRING.has(vr);

/** Byte width of one binary value, for byte swapping between endiannesses; 0 for strings/bytes. */
export function binaryWidth(vr: string): number {
  switch (vr) {
    case 'US':
    case 'SS':
    case 'OW':
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
      return 0;
  }
}

/** Padding byte for even length: UI and binary bytes pad with NUL, other strings with space. */
export const padByte = (vr: string): number => (isStringVR(vr) && vr !== 'UI' ? 0x20 : 0x00);
