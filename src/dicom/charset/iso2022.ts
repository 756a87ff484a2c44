/**
 * ISO 2022 code extensions (PS3.5 6.1.2.5): the initial G0/G1 sets and encoder candidates of a
 * spec, escape sequences, and the delimiters at which designations reset.
 *
 * State handling (PS3.5 6.1.2.5.3): the G0/G1 designations return to the initial state (the sets
 * of value 1, or ISO-IR 6 if value 1 is empty) at every delimiter: CR, LF, FF, TAB for all text
 * VRs; additionally '\' for the multi-valued text VRs (SH, LO, PN, UC; for ST, LT, UT the
 * backslash is ordinary text); and '^' and '=' for PN. Delimiters are only recognised while G0
 * holds a single-byte set (within a JIS X 0208 / 0212 G0 run, 0x5C/0x5E/0x3D are data bytes).
 */
import { getSet, type CodeSet, type SbSet } from './code-sets.js';
import { ESC_TABLE, type TermInfo } from './terms.js';

export interface Candidate {
  set: CodeSet;
  slot: 0 | 1;
}

export interface Iso2022 {
  init0: CodeSet;
  init1: CodeSet | null;
  /** Encoder candidates, in value order. */
  cands: Candidate[];
}

function sbSets(ir: number): [SbSet, SbSet] {
  if (ir === 13) return [getSet('JIS_ROMAN') as SbSet, getSet('KATAKANA') as SbSet];
  return [getSet('ASCII') as SbSet, getSet(`SB${ir}`) as SbSet];
}

export function buildIso(infos: TermInfo[]): Iso2022 {
  const ascii = getSet('ASCII');
  let init0: CodeSet = ascii;
  let init1: CodeSet | null = null;
  const cands: Candidate[] = [];
  infos.forEach((info, i) => {
    if (info.type === 'ascii') {
      cands.push({ set: ascii, slot: 0 });
    } else if (info.type === 'sb') {
      const [g0, g1] = sbSets(info.ir);
      cands.push({ set: g0, slot: 0 }, { set: g1, slot: 1 });
      if (i === 0) {
        init0 = g0;
        init1 = g1;
      }
    } else if (info.type === 'mb') {
      const set = getSet(info.key);
      cands.push({ set, slot: info.slot });
      // A multi-byte G1 set may be the initial G1 set; a multi-byte G0 set cannot be the
      // initial G0 set (delimiters must be encodable), so G0 stays ASCII then.
      if (i === 0 && info.slot === 1) init1 = set;
    }
  });
  // The default G0 repertoire is always available (ESC ( B).
  if (!cands.some((c) => c.slot === 0 && c.set.kind === 1)) cands.push({ set: ascii, slot: 0 });
  return { init0, init1, cands };
}

export const TEXT_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);
/** Text VRs whose values may be multi-valued (backslash is the value delimiter). */
const MULTI_VALUED_TEXT_VRS = new Set(['SH', 'LO', 'PN', 'UC']);

export const Delim = {
  Line: 1, // CR LF FF TAB
  Backslash: 2,
  Pn: 4, // ^ =
} as const;

export function delimMask(vr: string): number {
  let m = Delim.Line;
  if (MULTI_VALUED_TEXT_VRS.has(vr)) m |= Delim.Backslash;
  if (vr === 'PN') m |= Delim.Pn;
  return m;
}

export function isDelim(b: number, mask: number): boolean {
  switch (b) {
    case 0x09:
    case 0x0a:
    case 0x0c:
    case 0x0d:
      return true;
    case 0x5c:
      return (mask & Delim.Backslash) !== 0;
    case 0x5e:
    case 0x3d:
      return (mask & Delim.Pn) !== 0;
    default:
      return false;
  }
}

/** Parse an escape sequence at i; returns its length and the designation if known. */
export function parseEscape(bytes: Uint8Array, i: number): { len: number; slot: 0 | 1; set: CodeSet } | null {
  const n = bytes.length;
  let j = i + 1;
  while (j < n && bytes[j] >= 0x20 && bytes[j] <= 0x2f) j++;
  if (j >= n || bytes[j] < 0x30 || bytes[j] > 0x7e) return null;
  const key = String.fromCharCode(...bytes.subarray(i + 1, j + 1));
  const d = ESC_TABLE.get(key);
  if (!d) return null;
  return { len: j + 1 - i, slot: d[0], set: getSet(d[1]) };
}
