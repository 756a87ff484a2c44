// DICOM data dictionary lookups (PS3.6 attributes) over the generated table in
// dictionary.generated.ts (dcmjs dictionary completed with PS3.15 2026c Table E.1-1; see its header).

import { DICTIONARY_COLUMNS, dictionaryRow, splitColumns } from './dictionary.generated.js';

export interface DictEntry {
  /** exact tag as (group << 16 | element) >>> 0, or a mask string like '60xx3000' for repeating entries */
  tag: number | string;
  /** PS3.6 keyword, e.g. 'PatientName' ('' for the few unnamed retired entries) */
  keyword: string;
  /** human-readable name, e.g. "Patient's Name" */
  name: string;
  /** VR as written in PS3.6, e.g. 'PN', 'US or SS', 'OB or OW'; '' for item/delimitation tags */
  vr: string;
  /** value multiplicity, e.g. '1', '1-n' ('' when unknown) */
  vm: string;
  retired: boolean;
}

interface MaskEntry {
  mask: number;
  value: number;
  /** group nibbles are masked: only even groups match (odd groups are private) */
  groupMasked: boolean;
  /** 50xx / 60xx: PS3.5 §7.6 allows only even groups xx00-xx1E */
  repeatingGroup: boolean;
  entry: DictEntry;
}

// Built from the generated table's columns on first use, each entry only when first looked up: every
// thread that reads DICOM has this table, and most use a few hundred of its 5,000 entries (issue 16).
let exact: Map<number, number> | undefined; // exact tag → row
let masks: MaskEntry[] = [];
let byKeyword: Map<string, number> | undefined;
let columns: string[][] | undefined;
const entries: (DictEntry | undefined)[] = [];

/** Row i's entry, the same object at every call. */
function entryAt(i: number): DictEntry {
  let entry = entries[i];
  if (entry === undefined) {
    const [tag, keyword, vr, vm, name, retired] = dictionaryRow(DICTIONARY_COLUMNS, i, (columns ??= splitColumns(DICTIONARY_COLUMNS)));
    entry = entries[i] = { tag, keyword, name, vr, vm, retired: retired === 1 };
  }
  return entry;
}

/** The exact tag of row i, or undefined for a mask row. */
function exactTag(i: number): number | undefined {
  const text = DICTIONARY_COLUMNS.tags.slice(i * 8, i * 8 + 8);
  return text.includes('x') ? undefined : parseInt(text, 16);
}

function build(): Map<number, number> {
  const map = new Map<number, number>();
  const maskList: { m: MaskEntry; xs: number; order: number }[] = [];
  for (let i = 0; i < DICTIONARY_SIZE; i++) {
    const t = exactTag(i);
    if (t !== undefined) {
      map.set(t, i);
    } else {
      const entry = entryAt(i);
      const tag = entry.tag as string;
      let mask = 0;
      let value = 0;
      let xs = 0;
      for (let n = 0; n < 8; n++) {
        const c = tag[n];
        mask = mask * 16 + (c === 'x' ? 0 : 15);
        value = value * 16 + (c === 'x' ? 0 : parseInt(c, 16));
        if (c === 'x') xs++;
      }
      const groupMasked = tag.slice(0, 4).includes('x');
      const repeatingGroup = tag.startsWith('50xx') || tag.startsWith('60xx');
      maskList.push({ m: { mask, value, groupMasked, repeatingGroup, entry }, xs, order: i });
    }
  }
  // most specific mask first (fewest 'x' nibbles); table order breaks ties
  maskList.sort((a, b) => a.xs - b.xs || a.order - b.order);
  masks = maskList.map((x) => x.m);
  exact = map;
  return map;
}

/** Keyword → exact tag, the first row holding the keyword. */
function buildKeywords(): Map<string, number> {
  const kw = new Map<string, number>();
  const keywords = (columns ??= splitColumns(DICTIONARY_COLUMNS))[0]!;
  for (let i = 0; i < DICTIONARY_SIZE; i++) {
    const keyword = keywords[i]!;
    const t = keyword ? exactTag(i) : undefined;
    if (t !== undefined && !kw.has(keyword)) kw.set(keyword, t);
  }
  return (byKeyword = kw);
}

const PRIVATE_CREATOR: DictEntry = Object.freeze({
  tag: 'xxxx00xx', // odd group, element 0010-00FF
  keyword: 'PrivateCreator',
  name: 'Private Creator',
  vr: 'LO',
  vm: '1',
  retired: false,
});
const GENERIC_GROUP_LENGTH: DictEntry = Object.freeze({
  tag: 'xxxx0000',
  keyword: 'GenericGroupLength',
  name: 'Group Length',
  vr: 'UL',
  vm: '1',
  retired: true, // PS3.5 §7.2: group lengths other than groups 0000/0002 are retired
});
const PRIVATE_GROUP_LENGTH: DictEntry = Object.freeze({
  tag: 'xxxx0000', // odd group
  keyword: 'PrivateGroupLength',
  name: 'Private Group Length',
  vr: 'UL',
  vm: '1',
  retired: true,
});

/**
 * Dictionary entry for a tag ((group << 16 | element) >>> 0). Exact entries first, then repeating
 * masks (50xx/60xx only for even groups xx00-xx1E, other group masks only for even groups). Group
 * lengths (gggg,0000) and private creators (odd group, element 0010-00FF) get synthetic entries;
 * other private tags and unknown tags return undefined.
 */
export function lookup(tag: number): DictEntry | undefined {
  const map = exact ?? build();
  tag = tag >>> 0;
  const hit = map.get(tag);
  if (hit !== undefined) return entryAt(hit);
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (group & 1) {
    if (element === 0) return PRIVATE_GROUP_LENGTH;
    if (element >= 0x0010 && element <= 0x00ff) return PRIVATE_CREATOR;
    return undefined;
  }
  for (let i = 0; i < masks.length; i++) {
    const m = masks[i];
    if ((tag & m.mask) >>> 0 !== m.value) continue;
    if (m.repeatingGroup && (group & 0xff) > 0x1e) continue;
    return m.entry;
  }
  if (element === 0) return GENERIC_GROUP_LENGTH;
  return undefined;
}

/** Exact tag for a PS3.6 keyword (repeating/mask entries are not returned). */
export function tagForKeyword(keyword: string): number | undefined {
  return (byKeyword ?? buildKeywords()).get(keyword);
}

const IMPLICIT_CHOICE: Record<string, string> = {
  // PS3.5 A.1: in Implicit VR Little Endian, Pixel Data, Overlay Data, Waveform Data... are OW
  'OB or OW': 'OW',
  'US or SS': 'US',
  'US or SS or OW': 'US',
  // LUT Data (0028,3006): same bytes either way; OW avoids the 64 KiB limit of US in explicit VR
  'US or OW': 'OW',
};

/**
 * The single VR to use for a tag read in Implicit VR: the dictionary VR, with multi-VR entries
 * resolved per IMPLICIT_CHOICE; 'UN' if unknown (including other private tags); 'LO' for private
 * creators; 'UL' for group lengths; '' for item/delimitation tags (FFFE,xxxx).
 */
export function implicitVR(tag: number): string {
  tag = tag >>> 0;
  if (tag >>> 16 === 0xfffe) return '';
  const e = lookup(tag);
  if (e === undefined || e.vr === '') return 'UN';
  const vr = e.vr;
  if (vr.length === 2) return vr;
  return IMPLICIT_CHOICE[vr] ?? vr.slice(0, 2);
}

/** Number of entries in the generated table (exact tags + masks). */
export const DICTIONARY_SIZE: number = DICTIONARY_COLUMNS.tags.length / 8;
