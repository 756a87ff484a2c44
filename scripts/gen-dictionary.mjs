#!/usr/bin/env node
// Generates src/dicom/dictionary.generated.ts from
//   1. dcmjs's plain data dictionary (`import dictionary from 'dcmjs/dictionary'`, i.e.
//      node_modules/dcmjs/generate/dictionary.mjs). The runtime object
//      `dcmjs.data.DicomMetaDictionary.dictionary` is a lazy Proxy that cannot be iterated
//      (Object.keys returns 0), so the plain export is used instead.
//   2. /work/shared/reference/ps3.15-table-e1-1.json (PS3.15 2026c Table E.1-1) for the
//      official attribute names, the Retd. column, and the tags dcmjs does not know.
//
// Also writes src/dicom/tags.generated.ts beside the output: one numeric constant per keyword of an
// exact (non-repeating) tag, for code to name tags instead of spelling hex.
//
// Usage: node scripts/gen-dictionary.mjs [path/to/ps3.15-table-e1-1.json [output.ts]]
// Output is deterministic (sorted by tag, no timestamps).

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import dcmjsDictionary from 'dcmjs/dictionary';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const REF = process.argv[2] ?? '/work/shared/reference/ps3.15-table-e1-1.json';
const OUT = path.resolve(process.argv[3] ?? path.join(root, 'src/dicom/dictionary.generated.ts'));
const REF_SOURCE = 'ps3.15-2026c';

// ---- dcmjs version (its package.json is not in the package's "exports", so locate it on disk)
function dcmjsVersion() {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('dcmjs'));
  for (;;) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8'));
      if (pkg.name === 'dcmjs') return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('dcmjs package.json not found');
    dir = up;
  }
}

// ---- dcmjs pseudo-VRs → VR as written in PS3.6
// dcmjs collapses the multi-VR entries of PS3.6 into lower-case codes.
const PSEUDO_VR = {
  ox: 'OB or OW', // Pixel Data, Overlay Data, Waveform Data, ...
  xs: 'US or SS', // LUT descriptors, pixel value attributes
  lt: 'US or OW', // LUT Data (0028,3006); see override below for (0028,1200)
  up: 'UL', // directory record offsets: "up" is dcmjs's name, PS3.6 says UL
  na: '', // Item / delimitation items (FFFE,xxxx): PS3.6 gives no VR
};
// PS3.6 entries whose VR dcmjs's pseudo-code does not express exactly.
const VR_OVERRIDE = {
  '00281200': 'US or SS or OW', // Gray Lookup Table Data (RET); dcmjs says 'lt'
};

// ---- repeating-element entries that dcmjs flattens to one concrete tag.
// PS3.6 lists these with 'x' in the element (or whole group); keep them as masks.
const FLATTENED_MASKS = {
  10000010: '1000xxx0', // Escape Triplet (RET)
  10000011: '1000xxx1', // Run Length Triplet (RET)
  10000012: '1000xxx2', // Huffman Table Size (RET)
  10000013: '1000xxx3', // Huffman Table Triplet (RET)
  10000014: '1000xxx4', // Shift Table Size (RET)
  10000015: '1000xxx5', // Shift Table Triplet (RET)
  10100004: '1010xxxx', // Zonal Map (RET)
  '00280410': '002804x0', // Rows For Nth Order Coefficients (RET)
  '00280411': '002804x1', // Columns For Nth Order Coefficients (RET)
  '00280412': '002804x2', // Coefficient Coding (RET)
  '00280413': '002804x3', // Coefficient Coding Pointers (RET)
  '00280800': '002808x0', // Code Label (RET)
  '00280802': '002808x2', // Number of Tables (RET)
  '00280803': '002808x3', // Code Table Location (RET)
  '00280804': '002808x4', // Bits For Code Word (RET)
  '00280808': '002808x8', // Image Data Location (RET)
};

/** dcmjs key "(6000-60FF,3000)" / "(0020,3100-31FF)" / "(0010,0010)" → '60xx3000' / '002031xx' / '00100010' */
function keyToTag(key) {
  const m = /^\(([0-9A-F]{4})(?:-([0-9A-F]{4}))?,([0-9A-F]{4})(?:-([0-9A-F]{4}))?\)$/.exec(key);
  if (!m) return undefined;
  const range = (lo, hi) => {
    if (!hi) return lo;
    let out = '';
    for (let i = 0; i < 4; i++) {
      if (lo[i] === hi[i]) out += lo[i];
      else if (lo[i] === '0' && hi[i] === 'F' && /^0*$/.test(lo.slice(i)) && /^F*$/.test(hi.slice(i))) out += 'x';
      else return undefined;
    }
    return out;
  };
  const g = range(m[1], m[2]);
  const e = range(m[3], m[4]);
  if (g === undefined || e === undefined) return undefined;
  return g + e;
}

/** 'SOPInstanceUID' → 'SOP Instance UID', 'SourceImageIDs' → 'Source Image IDs' (used only when the reference table has no name). */
function keywordToName(keyword) {
  return keyword
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .replace(/\b([A-Z]+) ([A-Z])s\b/g, '$1$2s'); // 'UI Ds' → 'UIDs', 'I Ds' → 'IDs'
}

const RETIRED_PREFIX = 'RETIRED_';

// ---- reference table
const ref = JSON.parse(fs.readFileSync(REF, 'utf8'));
if (ref.header?.edition !== '2026c') throw new Error(`unexpected PS3.15 edition ${ref.header?.edition}`);
const refByTag = new Map(); // '00100010' or '60xx3000' → row
for (const r of ref.attributes) {
  if (r.tagKind === 'exact') refByTag.set(r.tagHex.toUpperCase(), r);
  else if (r.tagKind === 'repeating-group') {
    const { groupMask, groupValue, elementMask, elementValue } = r.match;
    const maskStr = (mask, value) => [...value].map((c, i) => (mask[i] === 'F' ? c : mask[i] === '0' ? 'x' : null)).join('');
    const t = maskStr(groupMask, groupValue) + maskStr(elementMask, elementValue);
    if (t.includes('null')) throw new Error(`unsupported mask ${r.tag}`);
    refByTag.set(t, r);
  } // 'private' row: handled by dictionary.ts logic (odd groups), not a dictionary entry
}

// ---- build entries
const entries = new Map(); // tagKey → {tag, keyword, vr, vm, name, retired, source}
const stats = { dcmjsExact: 0, dcmjsMasks: 0, refAdded: 0, skippedPrivate: 0, skippedGeneric: 0, retiredOverrides: [] };

for (const [key, e] of Object.entries(dcmjsDictionary)) {
  if (!key || !e || !e.tag) continue; // dcmjs has one empty entry keyed ''
  if (e.version === 'PrivateTag' || key.includes('"')) {
    stats.skippedPrivate++;
    continue;
  }
  let t = keyToTag(key);
  if (t === undefined) {
    // '(0000-u-FFFF,0000)' GenericGroupLength, '(0009-o-FFFF,0010-u-00FF)' PrivateCreator, ... :
    // these are rules, implemented in dictionary.ts.
    if (/-[ou]-/.test(key)) {
      stats.skippedGeneric++;
      continue;
    }
    throw new Error(`unrecognised dcmjs key ${key}`);
  }
  t = FLATTENED_MASKS[t] ?? t;
  const rawName = e.name ?? '';
  const dcmjsRetired = e.version === 'DICOM/retired';
  if (dcmjsRetired !== rawName.startsWith(RETIRED_PREFIX)) throw new Error(`inconsistent retired marking ${key}`);
  let keyword = rawName.startsWith(RETIRED_PREFIX) ? rawName.slice(RETIRED_PREFIX.length) : rawName;
  // PS3.6 has a few retired entries with no name or keyword; dcmjs spells them 'RETIRED_undefined'.
  if (keyword === 'undefined') keyword = '';
  let vr = VR_OVERRIDE[t] ?? PSEUDO_VR[e.vr] ?? e.vr;
  if (!/^([A-Z]{2}( or [A-Z]{2})*)?$/.test(vr)) throw new Error(`bad VR ${e.vr} for ${key}`);
  const r = refByTag.get(t);
  let retired = dcmjsRetired;
  if (r && r.retired !== dcmjsRetired) {
    stats.retiredOverrides.push(`${t} ${keyword}: dcmjs ${dcmjsRetired} → PS3.15 ${r.retired}`);
    retired = r.retired;
  }
  if (r && r.keyword && r.keyword !== keyword) console.warn(`keyword differs ${t}: dcmjs ${keyword}, reference ${r.keyword}`);
  const name = r ? r.name : keywordToName(keyword);
  if (entries.has(t)) throw new Error(`duplicate tag ${t}`);
  entries.set(t, { tag: t, keyword, vr, vm: e.vm ?? '', name, retired, source: '' });
  if (t.includes('x')) stats.dcmjsMasks++;
  else stats.dcmjsExact++;
}

for (const [t, r] of refByTag) {
  if (entries.has(t)) continue;
  const keyword = r.keyword ?? '';
  // The reference rows carry no VR/VM. In PS3.6 every SQ attribute is named "... Sequence" (VM 1);
  // the few non-SQ exceptions end in "Pulse Sequence"/"Scanning Sequence" etc., which none of the
  // added rows do. Everything else is unknown → UN.
  const isSeq = / Sequence$/.test(r.name) && keyword.endsWith('Sequence') && !/(Pulse|Scanning|Compression) Sequence$/.test(r.name);
  entries.set(t, {
    tag: t,
    keyword,
    vr: isSeq ? 'SQ' : 'UN',
    vm: isSeq ? '1' : '',
    name: r.name,
    retired: r.retired,
    source: REF_SOURCE,
  });
  stats.refAdded++;
}

// ---- emit
const sortKey = (t) => t.replace(/x/g, '0') + (t.includes('x') ? '1' : '0') + t;
const sorted = [...entries.values()].sort((a, b) => (sortKey(a.tag) < sortKey(b.tag) ? -1 : sortKey(a.tag) > sortKey(b.tag) ? 1 : 0));

const version = dcmjsVersion();
const refMasksAdded = sorted.filter((e) => e.source && e.tag.includes('x')).length;
const lines = [];
lines.push(
  '// DICOM data dictionary (PS3.6 attributes) — GENERATED FILE, do not edit; regenerate with node scripts/gen-dictionary.mjs',
  '//',
  '// Sources:',
  `//   - dcmjs ${version} data dictionary ('dcmjs/dictionary' = generate/dictionary.mjs): tag, keyword, VR, VM,`,
  '//     retired status (version "DICOM/retired" / "RETIRED_" keyword prefix, prefix stripped here).',
  "//     dcmjs pseudo-VRs mapped to PS3.6 wording: ox→'OB or OW', xs→'US or SS', lt→'US or OW'",
  "//     ((0028,1200) → 'US or SS or OW'), up→UL, na→'' (items/delimiters).",
  '//     dcmjs private-dictionary entries (PrivateTag) and its rule entries (group length, private creator)',
  '//     are not copied; dictionary.ts implements those rules.',
  '//     Repeating entries dcmjs flattens to one tag ((1000,xxx0..5), (1010,xxxx), (0028,04x0..3), (0028,08x0..8))',
  '//     are emitted as PS3.6 masks.',
  `//   - DICOM PS3.15 edition 2026c, Table E.1-1 (/work/shared/reference/ps3.15-table-e1-1.json):`,
  "//     official attribute names and the Retd. column for the tags it lists (it wins over dcmjs's retired",
  `//     marking: ${stats.retiredOverrides.length} tags differ), and the ${stats.refAdded} entries dcmjs lacks (source '${REF_SOURCE}':`,
  `//     ${stats.refAdded - refMasksAdded} exact tags + ${refMasksAdded} mask row(s), e.g. the (50xx,xxxx) Curve Data catch-all).`,
  "//     Those rows carry no VR/VM: '... Sequence' attributes get SQ/1, all others UN with VM ''.",
  "//   - Names of tags not in Table E.1-1 are derived from the keyword (PatientName → 'Patient Name').",
  "//     PS3.6 entries without keyword (dcmjs 'RETIRED_undefined') have keyword '' and name ''.",
  '//',
  `// Counts: ${stats.dcmjsExact} dcmjs exact tags, ${stats.dcmjsMasks} dcmjs masks, ${stats.refAdded} added from PS3.15 2026c; ${sorted.length} total.`,
  '//',
  "// Tuple: [tag (number, or mask string with 'x' nibbles like '60xx3000'), keyword, vr, vm, name, retired (0|1), source?]",
  '//',
  '// The rows are stored by column, one string each (DICTIONARY_COLUMNS): every thread that reads DICOM',
  '// loads this table, and 5,000 rows as array literals cost each ~25 ms to compile and allocate',
  '// (issue 16). dictionary.ts indexes the columns; RAW_DICTIONARY makes the rows on first use.',
  '',
  '/* eslint-disable */',
  'export type RawDictEntry = readonly [tag: number | string, keyword: string, vr: string, vm: string, name: string, retired: 0 | 1, source?: string];',
  '',
  `export const DCMJS_VERSION = ${JSON.stringify(version)};`,
  `export const PS315_EDITION = '2026c';`,
  '',
  "/** The rows by column, in table order: tags as 8 hex digits each ('x' for a masked nibble), retired as one",
  " * '0'/'1' per row, the other columns joined by newlines (sources: '' for rows from dcmjs). */",
  'export interface DictionaryColumns {',
  '  readonly tags: string;',
  '  readonly keywords: string;',
  '  readonly vrs: string;',
  '  readonly vms: string;',
  '  readonly names: string;',
  '  readonly retired: string;',
  '  readonly sources: string;',
  '}',
  '',
);
const column = (f) => JSON.stringify(sorted.map(f).join('\n'));
for (const e of sorted) {
  if (!/^[0-9A-Fx]{8}$/.test(e.tag)) throw new Error(`tag ${e.tag} is not 8 hex digits`);
  for (const v of [e.keyword, e.vr, e.vm, e.name, e.source]) if (v.includes('\n')) throw new Error(`newline in ${e.tag}`);
}
lines.push(
  'export const DICTIONARY_COLUMNS: DictionaryColumns = {',
  `  tags: ${JSON.stringify(sorted.map((e) => e.tag).join(''))},`,
  `  keywords: ${column((e) => e.keyword)},`,
  `  vrs: ${column((e) => e.vr)},`,
  `  vms: ${column((e) => e.vm)},`,
  `  names: ${column((e) => e.name)},`,
  `  retired: ${JSON.stringify(sorted.map((e) => (e.retired ? '1' : '0')).join(''))},`,
  `  sources: ${column((e) => e.source)},`,
  '};',
  '',
  '/** Row i of the columns: tag (a number for an exact tag, the mask string otherwise), keyword, vr, vm, name, retired, source?. */',
  'export function dictionaryRow(c: DictionaryColumns, i: number, columns: readonly (readonly string[])[]): RawDictEntry {',
  '  const text = c.tags.slice(i * 8, i * 8 + 8);',
  "  const tag = text.includes('x') ? text : parseInt(text, 16);",
  '  const [keywords, vrs, vms, names, sources] = columns;',
  '  const retired = c.retired.charCodeAt(i) === 49 ? 1 : 0;',
  '  const source = sources![i]!;',
  '  return source ? [tag, keywords![i]!, vrs![i]!, vms![i]!, names![i]!, retired, source] : [tag, keywords![i]!, vrs![i]!, vms![i]!, names![i]!, retired];',
  '}',
  '',
  '/** The columns split: keywords, vrs, vms, names, sources. */',
  "export const splitColumns = (c: DictionaryColumns): string[][] => [c.keywords, c.vrs, c.vms, c.names, c.sources].map((s) => s.split('\\n'));",
  '',
  '/** Every row as a tuple, made on first use (the array is filled in place, then read as any array). */',
  'export const RAW_DICTIONARY: readonly RawDictEntry[] = new Proxy([] as RawDictEntry[], {',
  '  get: (rows, key) => Reflect.get(fill(rows), key),',
  '  has: (rows, key) => Reflect.has(fill(rows), key),',
  '  ownKeys: (rows) => Reflect.ownKeys(fill(rows)),',
  '  getOwnPropertyDescriptor: (rows, key) => Reflect.getOwnPropertyDescriptor(fill(rows), key),',
  '});',
  'function fill(rows: RawDictEntry[]): RawDictEntry[] {',
  '  if (rows.length > 0) return rows;',
  '  const columns = splitColumns(DICTIONARY_COLUMNS);',
  '  const n = DICTIONARY_COLUMNS.tags.length / 8;',
  '  for (let i = 0; i < n; i++) rows.push(dictionaryRow(DICTIONARY_COLUMNS, i, columns));',
  '  return rows;',
  '}',
  '',
);
fs.writeFileSync(OUT, lines.join('\n'));

// ---- tag constants (exact tags only: repeating groups such as (60xx,3000) have no single value)
const TAGS_OUT = path.join(path.dirname(OUT), 'tags.generated.ts');
const seen = new Map();
const tagLines = [
  '// DICOM tag constants — GENERATED FILE, do not edit; regenerate with node scripts/gen-dictionary.mjs',
  '//',
  `// Source: the same entries as dictionary.generated.ts (dcmjs ${version} data dictionary + DICOM PS3.15 edition 2026c),`,
  '// one constant per keyword of an exact tag, retired ones included. Repeating-group entries (masks like',
  "// '60xx3000') and entries without keyword have none.",
  '',
  '/* eslint-disable */',
];
for (const e of sorted) {
  if (e.tag.includes('x') || !e.keyword) continue;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.keyword)) throw new Error(`keyword ${e.keyword} is not an identifier`);
  if (seen.has(e.keyword)) throw new Error(`keyword ${e.keyword} names ${seen.get(e.keyword)} and ${e.tag}`);
  seen.set(e.keyword, e.tag);
  tagLines.push(`export const ${e.keyword} = 0x${e.tag};`);
}
tagLines.push('');
fs.writeFileSync(TAGS_OUT, tagLines.join('\n'));

console.log(`wrote ${path.relative(root, TAGS_OUT)}: ${seen.size} tag constants`);
console.log(
  `wrote ${path.relative(root, OUT)}: ${sorted.length} entries (dcmjs ${version}: ${stats.dcmjsExact} exact + ${stats.dcmjsMasks} masks; ${stats.refAdded} from PS3.15 2026c)`,
);
console.log(`skipped dcmjs private ${stats.skippedPrivate}, rule entries ${stats.skippedGeneric}`);
console.log(`retired overridden by PS3.15 Retd. column (${stats.retiredOverrides.length}):\n  ${stats.retiredOverrides.join('\n  ')}`);
