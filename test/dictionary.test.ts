import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
// @ts-expect-error -- dcmjs ships no type declarations
import dcmjsDictionary from 'dcmjs/dictionary';
import { lookup, tagForKeyword, implicitVR, DICTIONARY_SIZE } from '../src/dicom/dictionary.js';
import { RAW_DICTIONARY } from '../src/dicom/dictionary.generated.js';
import { ROOT as root } from './helpers/root.js';

const REF_PATH = '/work/shared/reference/ps3.15-table-e1-1.json';

interface DcmjsEntry {
  tag: string;
  vr?: string;
  vm?: string;
  name?: string;
  version?: string;
}
interface RefRow {
  tag: string;
  tagKind: string;
  tagHex?: string;
  keyword?: string;
  name: string;
  retired: boolean;
}

const plain = dcmjsDictionary as Record<string, DcmjsEntry>;
// dcmjs's ESM build (build/dcmjs.es.js) lacks "type":"module"; under tap's ts-node loader importing it
// fails with ERR_REQUIRE_CYCLE_MODULE, so load its CommonJS build (the same live dictionary).
const dcmjs = createRequire(import.meta.url)('dcmjs');
const proxy = dcmjs.data.DicomMetaDictionary.dictionary as Record<string, DcmjsEntry>;
const ref = (JSON.parse(fs.readFileSync(REF_PATH, 'utf8')) as { attributes: RefRow[] }).attributes;

const tag = (g: number, e: number) => ((g << 16) | e) >>> 0;
const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

// dcmjs pseudo-VRs → PS3.6 wording (independent of the generator's copy)
const dcmjsVR = (key: string, vr: string | undefined): string =>
  key === '(0028,1200)' ? 'US or SS or OW' : (({ ox: 'OB or OW', xs: 'US or SS', lt: 'US or OW', up: 'UL', na: '' } as Record<string, string>)[vr ?? ''] ?? vr ?? '');
const dcmjsKeyword = (name: string | undefined): string => {
  const k = (name ?? '').replace(/^RETIRED_/, '');
  return k === 'undefined' ? '' : k;
};
const exactKeys = Object.keys(plain).filter((k) => /^\([0-9A-F]{4},[0-9A-F]{4}\)$/.test(k) && plain[k].version !== 'PrivateTag');
const rangeKeys = Object.keys(plain).filter((k) => /^\([0-9A-F]{4}(-[0-9A-F]{4})?,[0-9A-F]{4}(-[0-9A-F]{4})?\)$/.test(k) && k.includes('-'));

t.test('lookup (0010,0010) → PatientName, PN', async (t) => {
  const e = lookup(0x00100010);
  t.ok(e);
  t.equal(e!.keyword, 'PatientName');
  t.equal(e!.vr, 'PN');
  t.equal(e!.vm, '1');
  t.equal(e!.name, "Patient's Name"); // official name from PS3.15 Table E.1-1
  t.equal(e!.retired, false);
  t.equal(e!.tag, 0x00100010);
});

t.test('lookup (0020,000D) → StudyInstanceUID, UI; name derived from keyword outside Table E.1-1', async (t) => {
  t.match(lookup(0x0020000d), { keyword: 'StudyInstanceUID', vr: 'UI' });
  t.match(lookup(0x00280010), { keyword: 'Rows', vr: 'US', name: 'Rows' });
  t.match(lookup(0x00080016), { keyword: 'SOPClassUID', name: 'SOP Class UID' });
});

t.test(`cross-check: every dcmjs exact tag (${exactKeys.length}) has the same keyword and VR`, async (t) => {
  t.ok(exactKeys.length > 5000);
  const bad: string[] = [];
  for (const k of exactKeys) {
    const d = plain[k];
    const n = parseInt(k.slice(1, 5) + k.slice(6, 10), 16);
    const e = lookup(n);
    const kw = dcmjsKeyword(d.name);
    const vr = dcmjsVR(k, d.vr);
    if (!e || e.keyword !== kw || e.vr !== vr || e.vm !== (d.vm ?? '')) bad.push(`${k}: dcmjs ${kw} ${vr} ${d.vm}, ours ${e?.keyword} ${e?.vr} ${e?.vm}`);
  }
  t.same(bad, []);
});

t.test('cross-check: dcmjs live DicomMetaDictionary.dictionary (Proxy) agrees on every exact tag', async (t) => {
  t.equal(Object.keys(proxy).length, 0, 'the live dictionary is a non-enumerable Proxy');
  const bad: string[] = [];
  for (const k of exactKeys) {
    const d = proxy[k];
    const e = lookup(parseInt(k.slice(1, 5) + k.slice(6, 10), 16));
    if (!d || !e || dcmjsKeyword(d.name) !== e.keyword || dcmjsVR(k, d.vr) !== e.vr) bad.push(k);
  }
  t.same(bad, []);
});

t.test('cross-check: dcmjs range entries resolve on concrete tags of the range', async (t) => {
  t.ok(rangeKeys.length >= 70);
  const bad: string[] = [];
  for (const k of rangeKeys) {
    const m = /^\(([0-9A-F]{4})(?:-[0-9A-F]{4})?,([0-9A-F]{4})(?:-([0-9A-F]{4}))?\)$/.exec(k)!;
    const g = parseInt(m[1], 16);
    const e0 = parseInt(m[2], 16);
    const eHi = m[3] ? parseInt(m[3], 16) : e0;
    const groups = m[1].endsWith('00') && k.includes(`${m[1]}-`) ? [g, g + 2, g + 0x1e] : [g];
    for (const gg of groups) {
      for (const ee of [e0, eHi]) {
        const e = lookup(tag(gg, ee));
        if (!e || e.keyword !== dcmjsKeyword(plain[k].name) || e.vr !== dcmjsVR(k, plain[k].vr)) bad.push(`${k} @ ${hex(tag(gg, ee))}`);
        if (e && typeof e.tag !== 'string') bad.push(`${k} not a mask`);
      }
    }
  }
  t.same(bad, []);
});

t.test('repeating groups are kept as masks', async (t) => {
  const masks = RAW_DICTIONARY.filter((r) => typeof r[0] === 'string').map((r) => r[0] as string);
  for (const m of ['60xx3000', '60xx4000', '50xxxxxx', '50xx3000', '7Fxx0010', '002031xx', '1000xxx0', '1000xxx5', '1010xxxx', '002804x0', '002808x8']) {
    t.ok(masks.includes(m), m);
  }
  t.ok(masks.every((m) => /^[0-9A-Fx]{8}$/.test(m) && m.includes('x')));
});

t.test('lookup (60xx,3000) → OverlayData, OB or OW for even groups 6000-601E', async (t) => {
  t.match(lookup(0x60003000), { tag: '60xx3000', keyword: 'OverlayData', vr: 'OB or OW', retired: false });
  t.match(lookup(0x60023000), { keyword: 'OverlayData' });
  t.match(lookup(0x601e3000), { keyword: 'OverlayData' });
  t.equal(lookup(0x60203000), undefined, '6020 is outside the PS3.5 §7.6 range');
  t.equal(lookup(0x60013000), undefined, 'odd group 6001 is private');
  t.match(lookup(0x60004000), { keyword: 'OverlayComments', name: 'Overlay Comments', retired: true });
  t.match(lookup(0x60000010), { keyword: 'OverlayRows', vr: 'US' });
});

t.test('lookup (50xx,xxxx) curve groups: specific masks first, then Curve Data catch-all', async (t) => {
  t.match(lookup(0x50003000), { tag: '50xx3000', keyword: 'CurveData', vr: 'OB or OW', retired: true });
  t.match(lookup(0x50020005), { keyword: 'CurveDimensions' });
  t.match(lookup(0x50001234), { tag: '50xxxxxx', keyword: '', name: 'Curve Data', vr: 'UN', retired: true });
  t.equal(lookup(0x50201234), undefined);
});

t.test('lookup (7Fxx,0010) → VariablePixelData; (7FE0,0010) exact PixelData wins', async (t) => {
  t.match(lookup(0x7f000010), { tag: '7Fxx0010', keyword: 'VariablePixelData', retired: true });
  t.match(lookup(0x7f100010), { keyword: 'VariablePixelData' });
  t.match(lookup(0x7fe00010), { tag: 0x7fe00010, keyword: 'PixelData', vr: 'OB or OW' });
  t.equal(lookup(0x7f010010)?.keyword, 'PrivateCreator', 'odd 7F01 is private');
});

t.test('lookup (0020,31xx) → SourceImageIDs', async (t) => {
  t.match(lookup(0x00203100), { tag: '002031xx', keyword: 'SourceImageIDs', vr: 'CS', name: 'Source Image IDs' });
  t.match(lookup(0x002031ff), { keyword: 'SourceImageIDs' });
  t.equal(lookup(0x00203200), undefined);
});

t.test('lookup (1000,xxx0..5), (1010,xxxx), (0028,04x0), (0028,08x0) element masks', async (t) => {
  t.match(lookup(0x10000010), { tag: '1000xxx0', keyword: 'EscapeTriplet', vr: 'US' });
  t.match(lookup(0x10001230), { keyword: 'EscapeTriplet' });
  t.match(lookup(0x10001235), { keyword: 'ShiftTableTriplet' });
  t.equal(lookup(0x10001236), undefined);
  t.match(lookup(0x10100004), { keyword: 'ZonalMap' });
  t.match(lookup(0x1010abcd), { keyword: 'ZonalMap' });
  t.match(lookup(0x00280400), { tag: 0x00280400, keyword: 'TransformLabel' }, 'exact beats 04x0');
  t.match(lookup(0x00280410), { keyword: 'RowsForNthOrderCoefficients' });
  t.match(lookup(0x00280420), { keyword: 'RowsForNthOrderCoefficients' });
  t.match(lookup(0x00280823), { keyword: 'CodeTableLocation' });
});

t.test('lookup private creator (odd group, element 0010-00FF) → PrivateCreator, LO', async (t) => {
  for (const n of [0x00090010, 0x002900ff, 0x7fe10010, 0x00190042]) {
    t.match(lookup(n), { keyword: 'PrivateCreator', vr: 'LO', vm: '1' }, hex(n));
  }
  t.equal(lookup(0x00091001), undefined, 'private data element');
  t.equal(lookup(0x00090100), undefined);
  t.equal(lookup(0x0009000f), undefined);
});

t.test('lookup group length (gggg,0000) → UL', async (t) => {
  t.match(lookup(0x00080000), { keyword: 'GenericGroupLength', vr: 'UL', vm: '1' });
  t.match(lookup(0x00100000), { keyword: 'GenericGroupLength', vr: 'UL' });
  t.match(lookup(0x00090000), { keyword: 'PrivateGroupLength', vr: 'UL' });
  t.match(lookup(0x00020000), { keyword: 'FileMetaInformationGroupLength', vr: 'UL' });
  t.match(lookup(0x00000000), { keyword: 'CommandGroupLength', vr: 'UL' });
});

t.test('lookup unknown standard tag → undefined', async (t) => {
  t.equal(lookup(0x0008fff0), undefined);
  t.equal(lookup(0x0010ffee), undefined);
});

t.test('implicitVR choices', async (t) => {
  const cases: [number, string, string][] = [
    [0x00100010, 'PN', 'PatientName'],
    [0x00100011, 'SQ', 'PersonNamesToUseSequence (PS3.15-only, SQ)'],
    [0x00100012, 'UN', 'NameToUse (PS3.15-only, VR unknown)'],
    [0x7fe00010, 'OW', 'PixelData OB or OW'],
    [0x60003000, 'OW', 'OverlayData OB or OW'],
    [0x54001010, 'OW', 'WaveformData OB or OW'],
    [0x50003000, 'OW', 'CurveData OB or OW'],
    [0x00280106, 'US', 'SmallestImagePixelValue US or SS'],
    [0x00283002, 'US', 'LUTDescriptor US or SS'],
    [0x00281200, 'US', 'GrayLookupTableData US or SS or OW'],
    [0x00283006, 'OW', 'LUTData US or OW'],
    [0x00041200, 'UL', 'directory offset'],
    [0x00090010, 'LO', 'private creator'],
    [0x00091001, 'UN', 'private element'],
    [0x00080000, 'UL', 'group length'],
    [0x00090000, 'UL', 'private group length'],
    [0x0008fff0, 'UN', 'unknown'],
    [0xfffee000, '', 'Item'],
    [0xfffee00d, '', 'ItemDelimitationItem'],
    [0xfffee0dd, '', 'SequenceDelimitationItem'],
    [0x0072006d, 'UN', 'SelectorUNValue is UN in PS3.6'],
  ];
  for (const [n, vr, what] of cases) t.equal(implicitVR(n), vr, `${hex(n)} ${what} → '${vr}'`);
  // every entry resolves to a single 2-letter VR (or '' for items)
  const bad = RAW_DICTIONARY.filter((r) => typeof r[0] === 'number' && !/^[A-Z]{2}$/.test(implicitVR(r[0] as number)) && (r[0] as number) >>> 16 !== 0xfffe);
  t.same(bad, []);
});

t.test('tagForKeyword round trip over all exact entries', async (t) => {
  const seen = new Map<string, number>();
  const dupes: string[] = [];
  let n = 0;
  for (const [tg, kw] of RAW_DICTIONARY) {
    if (typeof tg !== 'number' || kw === '') continue;
    if (seen.has(kw)) dupes.push(kw);
    seen.set(kw, tg);
    if (tagForKeyword(kw) !== tg || lookup(tagForKeyword(kw)!)?.keyword !== kw) t.fail(`${kw} ↔ ${hex(tg)}`);
    n++;
  }
  t.same(dupes, [], 'keywords of exact entries are unique');
  t.ok(n > 5000);
  t.equal(tagForKeyword('PatientName'), 0x00100010);
  t.equal(tagForKeyword('PixelData'), 0x7fe00010);
  t.equal(tagForKeyword('OverlayData'), undefined, 'masks are not exact tags');
  t.equal(tagForKeyword('PrivateCreator'), undefined);
  t.equal(tagForKeyword(''), undefined);
  t.equal(tagForKeyword('NoSuchKeyword'), undefined);
});

t.test('PS3.15 2026c Table E.1-1: every row present with its keyword, name and retired flag', async (t) => {
  const exactRows = ref.filter((r) => r.tagKind === 'exact');
  t.equal(exactRows.length, 652);
  const bad: string[] = [];
  for (const r of exactRows) {
    const e = lookup(parseInt(r.tagHex!, 16));
    if (!e || e.keyword !== r.keyword || e.name !== r.name || e.retired !== r.retired) bad.push(`${r.tag} ${JSON.stringify(e)}`);
  }
  t.same(bad, []);
  t.match(lookup(0x60003000), { name: 'Overlay Data' });
});

t.test('PS3.15-only tags (missing from dcmjs) are present, marked ps3.15-2026c', async (t) => {
  const refOnly = ref.filter((r) => r.tagKind === 'exact' && !plain[`(${r.tagHex!.slice(0, 4)},${r.tagHex!.slice(4)})`]);
  t.equal(refOnly.length, 25);
  const raw = new Map(RAW_DICTIONARY.filter((r) => typeof r[0] === 'number').map((r) => [r[0] as number, r]));
  for (const r of refOnly) {
    const n = parseInt(r.tagHex!, 16);
    t.equal(raw.get(n)?.[6], 'ps3.15-2026c', r.tag);
    t.match(lookup(n), { keyword: r.keyword, name: r.name, retired: r.retired, vr: /^(SQ|UN)$/ });
  }
  t.match(lookup(0x00100012), { keyword: 'NameToUse', name: 'Name to Use', vr: 'UN' });
  t.match(lookup(0x00100014), { keyword: 'ThirdPersonPronounsSequence', vr: 'SQ', vm: '1' });
  t.equal(tagForKeyword('GenderIdentityCodeSequence'), 0x00100044);
});

t.test('retired: dcmjs marking, overridden by the PS3.15 Retd. column', async (t) => {
  t.equal(lookup(0x00102160)!.retired, true, 'EthnicGroup retired in 2026c (dcmjs: not)');
  t.equal(lookup(0x00101000)!.retired, true, 'OtherPatientIDs');
  t.equal(lookup(0x21000140)!.retired, false, 'DestinationAE not retired in 2026c (dcmjs: retired)');
  t.equal(lookup(0x00080201)!.retired, false, 'TimezoneOffsetFromUTC');
  t.equal(lookup(0x60000012)!.retired, true, 'OverlayPlanes (dcmjs RETIRED_)');
  t.equal(lookup(0x00100010)!.retired, false);
});

t.test('DICTIONARY_SIZE and table order', async (t) => {
  t.equal(DICTIONARY_SIZE, RAW_DICTIONARY.length);
  t.ok(DICTIONARY_SIZE > 5100);
  const key = (tg: number | string) => (typeof tg === 'number' ? hex(tg) + '0' : tg.replace(/x/g, '0') + '1' + tg);
  const keys = RAW_DICTIONARY.map((r) => key(r[0]));
  t.same(keys, [...keys].sort(), 'sorted by tag');
});

t.test('RAW_DICTIONARY made from the columns → an array of every row; lookup of an exact row → its fields, one object per tag', async (t) => {
  t.ok(Array.isArray(RAW_DICTIONARY));
  t.equal([...RAW_DICTIONARY].length, DICTIONARY_SIZE);
  t.equal(Object.keys(RAW_DICTIONARY).length, DICTIONARY_SIZE);
  let exact = 0;
  const sources = new Set<string | undefined>();
  for (const [tag, keyword, vr, vm, name, retired, source] of RAW_DICTIONARY) {
    sources.add(source);
    if (typeof tag !== 'number') continue;
    exact++;
    const e = lookup(tag);
    if (!e || e.keyword !== keyword || e.vr !== vr || e.vm !== vm || e.name !== name || e.retired !== (retired === 1)) {
      t.fail(`${hex(tag)}: ${JSON.stringify(e)}`);
      break;
    }
    if (lookup(tag) !== e) t.fail(`${hex(tag)}: another object at the second lookup`);
  }
  t.ok(exact > 5000, `${exact} exact rows checked`);
  t.same([...sources], [undefined, 'ps3.15-2026c'], 'a source only on the rows PS3.15 added');
});

t.test('generator is deterministic and the generated file is up to date', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-dict-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'dictionary.generated.ts');
  execFileSync(process.execPath, [path.join(root, 'scripts/gen-dictionary.mjs'), REF_PATH, out], { cwd: root, stdio: 'pipe' });
  const fresh = fs.readFileSync(out, 'utf8');
  t.equal(fresh, fs.readFileSync(path.join(root, 'src/dicom/dictionary.generated.ts'), 'utf8'));
  t.match(fresh, /do not edit; regenerate with node scripts\/gen-dictionary\.mjs/);
  t.match(fresh, /dcmjs 0\.\d+\.\d+/);
  t.match(fresh, /PS3\.15 edition 2026c/);
});
