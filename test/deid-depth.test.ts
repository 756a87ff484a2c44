/**
 * The depth matrix (issue 12, deliverable 1): every action at every depth.
 *
 * Generated from PS3.15 Table E.1-1 itself: for every sequence row, and for a private sequence
 * and a sequence encoded as UN, a file holds that sequence with an item holding a sequence no row
 * names, whose item holds a unique needle in each string VR, twice: once in an attribute the
 * table has a row for (a "row carrier"), once in an attribute it does not name (a "free
 * carrier"), plus a private element. After the Basic Profile, and after each option alone, no
 * needle may be found in the output's bytes unless the rules keep it:
 *  - a row carrier's needle only where that carrier's own row (option column first) is K or C;
 *  - a free carrier's needle only where the enclosing sequence is kept or cleaned (K, C, X/Z/U*),
 *    or, inside a replaced (D) sequence, for what a dummy keeps: code strings, full dates under
 *    Retain Longitudinal Full Dates, UIDs under Retain UIDs;
 *  - a private element's needle never (no Safe Private row names the test creator).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { buildDicom, encodeElements, type FixtureElement } from '../fixtures/build.js';
import type { OptionName } from '../src/deid/types.js';
import { CODE_ATTRIBUTES } from '../src/deid/codes.js';
import { lookup } from '../src/dicom/dictionary.js';
import * as T from '../src/dicom/tags.generated.js';
import { tagOf } from '../src/dicom/tag.js';
import { ALL_OPTIONS, basicEnv, deidBuffer } from './helpers/deid.js';
import { fromRoot } from './helpers/root.js';

const TABLE = fromRoot('../shared/reference/ps3.15-table-e1-1.json');

interface Row {
  row: number;
  tagKind: 'exact' | 'repeating-group' | 'private';
  tagHex?: string;
  keyword?: string;
  basic: string;
  options: Partial<Record<OptionName, string>>;
}

const STRING_VRS = ['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT'];
const CT = '1.2.840.10008.5.1.4.1.1.2';
const ROOT = '1.2.826.0.1.3680043.9.7.12';
const PRIVATE_CREATOR = tagOf(0x0029, 0x0010);
const PRIVATE_LO = tagOf(0x0029, 0x1001);
const PRIVATE_SQ = tagOf(0x0029, 0x1002);
const CREATOR = 'ANONFLOW DEPTH NEEDLES';

const rows = (JSON.parse(readFileSync(TABLE, 'utf8')) as { attributes: Row[] }).attributes;
const byTag = new Map<number, Row>();
for (const r of rows) if (r.tagKind === 'exact') byTag.set(parseInt(r.tagHex!, 16) >>> 0, r);

const dictVR = (tag: number): string => lookup(tag)?.vr?.slice(0, 2) ?? '';
const actionOf = (r: Row, option: OptionName | undefined): string => (option && r.options[option]) || r.basic;

/** Per string VR, the first table row of that VR that is neither a pseudonym (ID, name) nor a sequence. */
const ROW_CARRIERS = new Map<string, number>();
for (const [tag, r] of byTag) {
  const vr = dictVR(tag);
  if (!STRING_VRS.includes(vr) || ROW_CARRIERS.has(vr) || r.keyword === 'PatientID' || r.keyword === 'PatientName') continue;
  if (tag >>> 16 === 0x0002 || (tag >>> 16 === 0x0008 && (tag & 0xffff) === 0x0005)) continue; // meta; SpecificCharacterSet
  ROW_CARRIERS.set(vr, tag);
}

/** Per string VR, a public attribute of that VR no row names (its own group order kept). */
const FREE_CARRIERS = new Map<string, number>();
for (const tag of (Object.values(T) as number[]).sort((a, b) => a - b)) {
  const entry = lookup(tag);
  // Codes inside a replaced sequence are kept by design (PS3.15 E.1.1 Notes 9, 10): not free carriers.
  if (!entry || byTag.has(tag) || entry.retired || CODE_ATTRIBUTES.has(tag) || tag >>> 16 <= 0x0002 || entry.vr.length !== 2) continue;
  if (STRING_VRS.includes(entry.vr) && !FREE_CARRIERS.has(entry.vr)) FREE_CARRIERS.set(entry.vr, tag);
}

/** A sequence no row names: the middle level of every file. */
const MIDDLE = tagOf(0x0040, 0xa043); // Concept Name Code Sequence

function needle(vr: string, kind: 'row' | 'free' | 'private', i: number): string {
  const n = String(100 + i);
  const k = kind === 'row' ? 1 : kind === 'free' ? 2 : 3;
  switch (vr) {
    case 'AE':
      return `NDL${k}AE${n}`;
    case 'AS':
      return `${k}${n.slice(-2)}W`;
    case 'DA':
      return `1${k}${n.slice(-2)}0311`;
    case 'DT':
      return `1${k}${n.slice(-2)}0311101112`;
    case 'TM':
      return `10${k}1${n.slice(1, 3)}.76${k}4`.slice(0, 11);
    case 'DS':
      return `7${k}${n}.125`;
    case 'IS':
      return `8${k}${n}77`;
    case 'UI':
      return `2.25.9${k}${n}424242`;
    case 'UR':
      return `urn:needle:${k}:${n}`;
    default:
      return `NEEDLE${k}${vr}${n}`;
  }
}

interface Planted {
  value: string;
  allowed: (option: OptionName | undefined) => boolean;
  what: string;
}

/** The innermost item: one needle per string VR in row carriers, free carriers and a private element. */
function innerItem(i: number, outer: (option: OptionName | undefined) => string, planted: Planted[]): FixtureElement[] {
  const els: FixtureElement[] = [];
  for (const [vr, tag] of ROW_CARRIERS) {
    const value = needle(vr, 'row', i);
    const r = byTag.get(tag)!;
    planted.push({ value, what: `row carrier ${r.keyword} (${vr})`, allowed: (o) => ['K', 'C'].includes(actionOf(r, o)) && outer(o) !== 'X' });
    els.push({ tag, vr, value });
  }
  for (const [vr, tag] of FREE_CARRIERS) {
    const value = needle(vr, 'free', i);
    planted.push({
      value,
      what: `free carrier ${lookup(tag)?.keyword} (${vr})`,
      allowed: (o) => {
        const a = outer(o);
        if (['K', 'C', 'X/Z/U*'].includes(a)) return true;
        if (a.endsWith('D')) return vr === 'CS' || (o === 'retainLongFullDates' && (vr === 'DA' || vr === 'DT')) || (o === 'retainUIDs' && vr === 'UI');
        return false;
      },
    });
    els.push({ tag, vr, value });
  }
  const privateValue = needle('LO', 'private', i);
  planted.push({ value: privateValue, what: 'private element', allowed: () => false });
  els.push({ tag: PRIVATE_CREATOR, vr: 'LO', value: CREATOR }, { tag: PRIVATE_LO, vr: 'LO', value: privateValue });
  return els.sort((a, b) => a.tag - b.tag);
}

const twoDeep = (i: number, outer: (o: OptionName | undefined) => string, planted: Planted[]): FixtureElement[][] => [
  [{ tag: MIDDLE, vr: 'SQ', items: [innerItem(i, outer, planted)] }],
];

function fileWith(outerEl: FixtureElement, i: number): Buffer {
  const sop = `${ROOT}.1.${i}`;
  const els: FixtureElement[] = [
    { tag: tagOf(0x0008, 0x0016), vr: 'UI', value: CT },
    { tag: tagOf(0x0008, 0x0018), vr: 'UI', value: sop },
    { tag: tagOf(0x0010, 0x0010), vr: 'PN', value: 'DEPTH^PATIENT' },
    { tag: tagOf(0x0010, 0x0020), vr: 'LO', value: 'DEPTH-PID' },
    { tag: tagOf(0x0020, 0x000d), vr: 'UI', value: `${ROOT}.0` },
    outerEl,
  ];
  if (outerEl.tag === PRIVATE_SQ) els.push({ tag: PRIVATE_CREATOR, vr: 'LO', value: CREATOR });
  return buildDicom({ sopClassUID: CT, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

// Clean Recognizable Visual Features is refused by the engine (no recognition of visual features).
const RUNS: (OptionName | undefined)[] = [undefined, ...ALL_OPTIONS.filter((o) => o !== 'cleanRecognizableVisualFeatures')];

function check(name: string, buf: Buffer, planted: Planted[]): void {
  t.test(name, async (tt) => {
    for (const option of RUNS) {
      const { out } = deidBuffer(buf, basicEnv(option ? [option] : []));
      const bytes = out.toString('latin1');
      const leaks = planted.filter((p) => bytes.includes(p.value) && !p.allowed(option)).map((p) => `${p.what} = ${p.value}`);
      tt.same(leaks, [], `${option ?? 'basic profile'} → no needle survives that the rules do not keep`);
    }
  });
}

const sequenceRows = rows.filter((r) => r.tagKind === 'exact' && dictVR(parseInt(r.tagHex!, 16) >>> 0) === 'SQ');

t.test('the matrix is complete: a carrier per string VR, every sequence row', async (tt) => {
  tt.same([...ROW_CARRIERS.keys()].sort(), [...STRING_VRS].sort(), 'a row carrier for every string VR');
  // Every current AE and AS attribute of the dictionary has a row of its own: no free carrier exists.
  const noFree = ['AE', 'AS'];
  tt.same([...FREE_CARRIERS.keys()].sort(), STRING_VRS.filter((v) => !noFree.includes(v)).sort(), 'a free carrier for every other string VR');
  tt.ok(sequenceRows.length > 50, `${sequenceRows.length} sequence rows`);
  tt.notOk(byTag.has(MIDDLE), 'the middle sequence has no row of its own');
});

sequenceRows.forEach((r, i) => {
  const tag = parseInt(r.tagHex!, 16) >>> 0;
  const planted: Planted[] = [];
  const items = twoDeep(i, (o) => actionOf(r, o), planted);
  check(`row ${r.row} ${r.keyword} (${r.basic}), needles two items deep → none survives the rules`, fileWith({ tag, vr: 'SQ', items }, i), planted);
});

{
  const planted: Planted[] = [];
  const items = twoDeep(900, () => 'X', planted);
  check('private sequence, needles two items deep → none survives', fileWith({ tag: PRIVATE_SQ, vr: 'SQ', items }, 900), planted);
}

{
  // A sequence row's attribute written as UN (implicit little endian items): read, then handled as the row says.
  const r = byTag.get(tagOf(0x0040, 0xa073))!; // Verifying Observer Sequence, D
  const planted: Planted[] = [];
  const items = twoDeep(901, (o) => actionOf(r, o), planted);
  const encoded = encodeElements([{ tag: tagOf(0x0040, 0xa073), vr: 'SQ', items }], { explicit: false, little: true }).subarray(8);
  check(
    'UN-encoded sequence (Verifying Observer Sequence), needles two items deep → none survives the rules',
    fileWith({ tag: tagOf(0x0040, 0xa073), vr: 'UN', value: encoded }, 901),
    planted,
  );
}
