/**
 * One generated test per row of PS3.15 Table E.1-1 (2026c), read from the shared reference JSON
 * (not from profiles/basic.json, so a profile that drifted from the table fails here): a small
 * file holding an identifying value for the row's attribute is de-identified with the Basic
 * Profile, then with each option the row has a column for, and the row's action is checked on
 * the output. Compound codes are expected as docs/precedence.md resolves them.
 */
import { existsSync, readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import type { OptionName } from '../src/deid/types.js';
import * as T from '../src/dicom/tags.generated.js';
import type { DataSet, Element } from '../src/dicom/dataset.js';
import { lookup } from '../src/dicom/dictionary.js';
import { parseDicom } from '../src/dicom/file.js';
import type { DicomFile } from '../src/dicom/part10.js';
import { tagOf } from '../src/dicom/tag.js';
import { decodeStrings, fileContext, type ValueContext } from '../src/dicom/values.js';
import { basicEnv, deidBuffer } from './helpers/deid.js';
import { resolveTop } from './helpers/iod-expect.js';
import { fromRoot } from './helpers/root.js';

const REFERENCE = fromRoot('../shared/reference/');
const TABLE = `${REFERENCE}ps3.15-table-e1-1.json`;

interface Row {
  row: number;
  tag: string;
  tagKind: 'exact' | 'repeating-group' | 'private';
  tagHex?: string;
  name: string;
  basic: string;
  options: Partial<Record<OptionName, string>>;
}

// ---------------------------------------------------------------------------------------------
// The file built for a row: the patient, the study, the instance, and the row's attribute.

const PATIENT_NAME = tagOf(0x0010, 0x0010);
const PATIENT_ID = tagOf(0x0010, 0x0020);
const SOP_CLASS = tagOf(0x0008, 0x0016);
const SOP_INSTANCE = tagOf(0x0008, 0x0018);
const STUDY_UID = tagOf(0x0020, 0x000d);
const INSTANCE_NUMBER = tagOf(0x0020, 0x0013);
const MEDIA_SOP_INSTANCE = tagOf(0x0002, 0x0003);
const REF_SOP_CLASS = tagOf(0x0008, 0x1150);
const REF_SOP_INSTANCE = tagOf(0x0008, 0x1155);
const CONTENT_DATE = tagOf(0x0008, 0x0023);
const IMAGE_COMMENTS = tagOf(0x0020, 0x4000);

const NAME = 'DOE^JOHN';
const PID = 'PID12345';
/** Words of the patient's identity that cleaned text must no longer hold. */
const IDENTITY_WORDS = ['JOHN', 'DOE', PID];
const TEXT = `Patient JOHN DOE (${PID}) seen on 2019-03-04 by Dr Who`;
const INNER_TEXT = `Follow-up of JOHN DOE ${PID}`;
const INNER_DATE = '20190304';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const ROOT = '1.2.826.0.1.3680043.9.7';

/** The private blocks of the private row: a vendor's block, and a block of the Safe Private table. */
const ACME_CREATOR = tagOf(0x0019, 0x0010);
const ACME_ELEMENT = tagOf(0x0019, 0x1010);
const SAFE_CREATOR = tagOf(0x7053, 0x0010);
const SAFE_ELEMENT = tagOf(0x7053, 0x1000); // (7053,xx00) 'Philips PET Private Group' SUV Factor, DS: Table E.3.10-1 row 1

/** The tag built for a row: its own, or a member of the repeating group it names. */
function rowTag(r: Row): number {
  if (r.tagKind === 'exact') return parseInt(r.tagHex!, 16) >>> 0;
  if (r.tagKind === 'private') return ACME_ELEMENT;
  if (r.tag.startsWith('(50xx')) return tagOf(0x5000, 0x2500); // Curve Label (LO), an element of the curve group
  return tagOf(0x6000, parseInt(r.tag.slice(6, 10), 16));
}

/** The VR to write: the dictionary's, the first of a choice ("US or SS" → US). */
function vrOf(tag: number): string {
  if (tag === ACME_ELEMENT) return 'LO';
  const vr = lookup(tag)?.vr ?? '';
  return /^[A-Z]{2}/.test(vr) ? vr.slice(0, 2) : 'UN';
}

/** A realistic identifying value for a VR: text names the patient, so cleaning must blank it. */
function valueFor(vr: string, row: number): FixtureElement['value'] {
  switch (vr) {
    case 'AE':
      return 'JOHN DOE WS1';
    case 'AS':
      return '045Y'; // under 90: the engine caps kept ages over 89 (deid-engine.test.ts)
    case 'AT':
      return [0x00100010];
    case 'CS':
      return 'JOHN DOE';
    case 'DA':
      return '19650412';
    case 'DT':
      return '20190304101530';
    case 'TM':
      return '101530';
    case 'DS':
      return '72.5';
    case 'IS':
      return '12345';
    case 'LO':
      return `JOHN DOE ${PID} ward 7`;
    case 'SH':
      return 'JOHN DOE 7';
    case 'PN':
      return NAME;
    case 'LT':
    case 'ST':
    case 'UT':
    case 'UC':
      return TEXT;
    case 'UI':
      return `${ROOT}.2.${row}`;
    case 'UR':
      return `https://hospital.example/patients/${PID}`;
    case 'US':
    case 'UL':
    case 'SS':
    case 'SL':
      return [4321];
    case 'FL':
    case 'FD':
      return [72.5];
    default:
      return Buffer.from('JOHN DOE', 'latin1'); // OB, OW, OD, OF, OL, OV, UN...
  }
}

interface RowFile {
  tag: number;
  vr: string;
  buf: Buffer;
  /** Variant 2: the same row value in another instance of the study. */
  buf2: Buffer;
}

function rowItem(row: number): FixtureElement[] {
  return [
    { tag: REF_SOP_CLASS, vr: 'UI', value: CT },
    { tag: REF_SOP_INSTANCE, vr: 'UI', value: `${ROOT}.3.${row}` },
    { tag: CONTENT_DATE, vr: 'DA', value: INNER_DATE },
    { tag: IMAGE_COMMENTS, vr: 'LT', value: INNER_TEXT },
  ];
}

function buildRowFile(r: Row): RowFile {
  const tag = rowTag(r);
  const vr = vrOf(tag);
  const build = (variant: number): Buffer => {
    const sopInstance = `${ROOT}.1.${r.row}.${variant}`;
    const els = new Map<number, FixtureElement>([
      [SOP_CLASS, { tag: SOP_CLASS, vr: 'UI', value: CT }],
      [SOP_INSTANCE, { tag: SOP_INSTANCE, vr: 'UI', value: sopInstance }],
      [PATIENT_NAME, { tag: PATIENT_NAME, vr: 'PN', value: NAME }],
      [PATIENT_ID, { tag: PATIENT_ID, vr: 'LO', value: PID }],
      [STUDY_UID, { tag: STUDY_UID, vr: 'UI', value: `${ROOT}.0.1` }],
      [INSTANCE_NUMBER, { tag: INSTANCE_NUMBER, vr: 'IS', value: String(variant) }],
    ]);
    if (r.tagKind === 'private') {
      els.set(ACME_CREATOR, { tag: ACME_CREATOR, vr: 'LO', value: 'ACME' });
      els.set(SAFE_CREATOR, { tag: SAFE_CREATOR, vr: 'LO', value: 'Philips PET Private Group' });
      els.set(SAFE_ELEMENT, { tag: SAFE_ELEMENT, vr: 'DS', value: '1.234' });
    }
    // A file meta attribute (group 0002) is in the meta the builder writes, not in the dataset.
    if (tag >>> 16 !== 0x0002) els.set(tag, vr === 'SQ' ? { tag, vr, items: [rowItem(r.row)] } : { tag, vr, value: valueFor(vr, r.row) });
    return buildDicom({ sopClassUID: CT, sopInstanceUID: sopInstance, elements: [...els.values()].sort((a, b) => a.tag - b.tag) });
  };
  return { tag, vr, buf: build(1), buf2: build(2) };
}

// ---------------------------------------------------------------------------------------------
// Expected actions, from the table itself.

/** docs/precedence.md: how compound codes resolve ('K*': kept sequence, its UIDs remapped by their rows). */
const COMPOUND: Record<string, string> = { 'Z/D': 'D', 'X/D': 'D', 'X/Z/D': 'D', 'X/Z': 'Z', 'X/Z/U*': 'K*' };
const resolve = (code: string): string => COMPOUND[code] ?? code;

let byTag: Map<number, Row>;

/** The action the table gives an exact tag with one option (or none) in effect; untabled: K. */
function expectedFor(tag: number, option: OptionName | undefined): string {
  const r = byTag.get(tag);
  if (!r) return 'K';
  return resolve((option && r.options[option]) || r.basic);
}

// ---------------------------------------------------------------------------------------------
// Checks on the output.

const UID_2_25 = /^2\.25\.(0|[1-9][0-9]*)$/;
const validPseudoUID = (u: string | undefined): boolean => u !== undefined && u.length <= 64 && UID_2_25.test(u);

interface Outcome {
  orig: DicomFile;
  out: DicomFile;
  origCtx: ValueContext;
  outCtx: ValueContext;
  warnings: string[];
  /** Output of the second instance (variant 2). */
  out2?: DicomFile;
}

const strings = (el: Element | undefined, ctx: ValueContext): string[] | undefined => {
  if (!el || el.items || el.fragments || el.value === undefined) return undefined;
  try {
    return decodeStrings(el, ctx);
  } catch {
    return undefined;
  }
};
const text = (el: Element | undefined, ctx: ValueContext): string | undefined => strings(el, ctx)?.join('\\');

const days = (da: string): number => Date.UTC(+da.slice(0, 4), +da.slice(4, 6) - 1, +da.slice(6, 8)) / 86_400_000;

/** Offsets measured on shifted dates: one patient must have one offset (checked at the end). */
const offsets = new Map<number, string>();

/** Checks that text no longer holds any word of the patient's identity. */
function checkScrubbed(tt: Test, value: string | undefined, original: string, what: string): void {
  tt.ok(value !== undefined && value !== original, `${what}: changed (was ${JSON.stringify(original)}, now ${JSON.stringify(value)})`);
  for (const w of IDENTITY_WORDS) tt.notOk(value?.toUpperCase().includes(w), `${what}: ${w} scrubbed from ${JSON.stringify(value)}`);
}

/** The items of an output sequence are checked against the rows of their own attributes. */
function checkItems(tt: Test, o: Outcome, before: Element, after: Element, option: OptionName | undefined, row: number): void {
  tt.equal(after.items?.length, before.items?.length, 'items kept');
  const item = after.items?.[0]?.dataset;
  const orig = before.items?.[0]?.dataset;
  if (!item || !orig) return;
  for (const el of orig.elements) checkElement(tt, o, orig, item, el.tag, expectedFor(el.tag, option), option, row, `item: (${el.tag.toString(16).padStart(8, '0')})`);
}

/** Checks one element of `outDs` (from `origDs`) against an expected simple code. */
function checkElement(tt: Test, o: Outcome, origDs: DataSet, outDs: DataSet, tag: number, code: string, option: OptionName | undefined, row: number, what: string): void {
  const before = origDs.get(tag)!;
  const after = outDs.get(tag);
  const { origCtx, outCtx } = o;
  const isPrivate = (tag >>> 16) & 1;
  switch (code) {
    case 'X':
      tt.notOk(after, `${what}: removed`);
      return;
    case 'Z':
      if (tag === PATIENT_ID || tag === PATIENT_NAME) {
        tt.match(text(after, outCtx), /^ANON/, `${what}: the patient's pseudonym`);
        return;
      }
      tt.ok(after, `${what}: present`);
      if (after?.items) tt.equal(after.items.length, 0, `${what}: an empty sequence`);
      else tt.equal(after?.length, 0, `${what}: empty`);
      return;
    case 'D': {
      tt.ok(after, `${what}: present`);
      if (!after) return;
      if (tag === PATIENT_ID || tag === PATIENT_NAME) {
        tt.match(text(after, outCtx), /^ANON/, `${what}: the patient's pseudonym`);
        return;
      }
      if (before.items) {
        tt.equal(after.items?.length, before.items.length, `${what}: items keep their structure`);
        const item = after.items?.[0]?.dataset;
        tt.ok(validPseudoUID(text(item?.get(REF_SOP_INSTANCE), outCtx)), `${what}: UID in the item replaced by a pseudonym`);
        tt.not(text(item?.get(CONTENT_DATE), outCtx), INNER_DATE, `${what}: date in the item replaced`);
        // The item's Image Comments has a row of its own (X, C under Clean Descriptors): removed or scrubbed.
        const inner = item?.get(IMAGE_COMMENTS);
        if (option === 'cleanDescriptors') checkScrubbed(tt, text(inner, outCtx), INNER_TEXT, `${what}: text in the item`);
        else tt.equal(inner, undefined, `${what}: text in the item removed by its own row`);
        return;
      }
      if (before.vr === 'UI') {
        const u = text(after, outCtx);
        tt.ok(validPseudoUID(u), `${what}: ${u} is a 2.25 UID`);
        tt.not(u, text(before, origCtx), `${what}: different from the original`);
        return;
      }
      tt.ok(after.length > 0, `${what}: non-empty`);
      tt.notOk(after.value?.equals(before.value!), `${what}: different from the original`);
      return;
    }
    case 'U': {
      const u = text(after, outCtx);
      tt.ok(validPseudoUID(u), `${what}: ${u} is a 2.25 UID`);
      tt.not(u, text(before, origCtx), `${what}: remapped`);
      if (o.out2 && origDs === o.orig.dataset) {
        tt.equal(text(o.out2.dataset.get(tag), outCtx), u, `${what}: the same new UID in another file`);
      }
      return;
    }
    case 'K':
    case 'K*': {
      // Issue 12: a kept value of a free-text VR (or of unknown VR) that holds the patient's own
      // name or ID (this file's values all do: JOHN DOE, PID12345) is scrubbed of them, or goes
      // (emptied or removed by its Type) when it held nothing else; the warning names the place.
      // Codes, dates, numbers, titles and the equipment's attributes (a vendor's name may be a
      // patient's by chance) are kept as they are.
      const equipment = [T.Manufacturer, T.ManufacturerModelName, T.StationName, T.SoftwareVersions, T.DeviceSerialNumber].includes(tag);
      const held = before.value !== undefined && IDENTITY_WORDS.some((w) => before.value!.toString('latin1').toUpperCase().includes(w));
      if (!before.items && held && !equipment && ['LO', 'SH', 'ST', 'LT', 'UT', 'UC', 'PN', 'UN'].includes(before.vr)) {
        tt.ok(
          o.warnings.some((w) => w.includes("the patient's")),
          `${what}: the scrub is a warning`,
        );
        if (after?.value?.length) checkScrubbed(tt, text(after, outCtx), text(before, origCtx) ?? '', `${what}: kept value`);
        return;
      }
      tt.ok(after, `${what}: present`);
      if (!after) return;
      if (before.items) return checkItems(tt, o, before, after, option, row);
      tt.equal(after.vr, before.vr, `${what}: same VR`);
      tt.ok(after.value?.equals(before.value!), `${what}: value unchanged`);
      return;
    }
    case 'C': {
      if (isPrivate) {
        tt.notOk(after, `${what}: (ACME) private element not in the Safe Private table removed`);
        return;
      }
      if (before.items) {
        tt.ok(after, `${what}: present`);
        if (after) checkItems(tt, o, before, after, option, row);
        return;
      }
      const vr = before.vr;
      const was = text(before, origCtx);
      const now = text(after, outCtx);
      if (vr === 'UI') {
        tt.ok(validPseudoUID(now), `${what}: UID remapped to a 2.25 UID`);
        return;
      }
      if (vr === 'DA' || vr === 'DT') {
        tt.ok(now && now !== was, `${what}: date ${was} shifted to ${now}`);
        if (!now || !was) return;
        const shift = days(now) - days(was!);
        offsets.set(shift, `${offsets.get(shift) ?? ''} row ${row}`);
        tt.ok(shift >= -3650 && shift <= -1, `${what}: shift ${shift} days within the profile's range`);
        if (vr === 'DT') tt.equal(now.slice(8), was!.slice(8), `${what}: time of day kept`);
        return;
      }
      if (vr === 'TM') {
        tt.equal(now, was, `${what}: times of day kept (dates move by whole days)`);
        return;
      }
      if (vr === 'AS') {
        tt.equal(now, was, `${what}: an age under 90 is kept`);
        return;
      }
      if (was === undefined) {
        // A binary value (or a UN the dictionary cannot type): no cleaning exists, so it goes.
        tt.notOk(after, `${what}: binary ${vr} value removed (no cleaning exists for it)`);
        tt.ok(
          o.warnings.some((w) => w.includes('no cleaning exists')),
          `${what}: with a warning`,
        );
        return;
      }
      checkScrubbed(tt, now, was, what);
      return;
    }
    default:
      tt.fail(`${what}: unexpected code ${code}`);
  }
}

// ---------------------------------------------------------------------------------------------

function deidRow(rf: RowFile, options: OptionName[], withSecondFile: boolean): Outcome {
  const env = basicEnv(options);
  const { out, result } = deidBuffer(rf.buf, env);
  const orig = parseDicom(rf.buf);
  const parsed = parseDicom(out);
  const o: Outcome = { orig, out: parsed, origCtx: fileContext(orig), outCtx: fileContext(parsed), warnings: result.warnings };
  if (withSecondFile) o.out2 = parseDicom(deidBuffer(rf.buf2, env).out);
  return o;
}

function label(code: string, basic: string, tag: number): string {
  const pseudonym = (tag === PATIENT_ID || tag === PATIENT_NAME) && (code === 'Z' || code === 'D') ? ' (pseudonym)' : '';
  if (code === 'K*') return `${basic} → K (sequence kept, UIDs inside remapped)`;
  return basic === code ? `${code}${pseudonym}` : `${basic} → ${code}${pseudonym}`;
}

function checkPrivateRow(tt: Test, o: Outcome, code: string): void {
  const ds = o.out.dataset;
  if (code === 'X') {
    for (const tag of [ACME_CREATOR, ACME_ELEMENT, SAFE_CREATOR, SAFE_ELEMENT]) tt.notOk(ds.get(tag), `(${tag.toString(16)}) removed`);
    return;
  }
  tt.notOk(ds.get(ACME_ELEMENT), 'ACME element (not in the Safe Private table) removed');
  tt.notOk(ds.get(ACME_CREATOR), 'its private creator removed with the block');
  tt.equal(text(ds.get(SAFE_CREATOR), o.outCtx), 'Philips PET Private Group', 'Safe Private creator kept');
  tt.ok(ds.get(SAFE_ELEMENT)?.value?.equals(o.orig.dataset.get(SAFE_ELEMENT)!.value!), '(7053,1000) SUV Factor, a Safe Private element, kept unchanged');
}

function run(rows: Row[]): void {
  byTag = new Map(rows.filter((r) => r.tagKind === 'exact').map((r) => [parseInt(r.tagHex!, 16) >>> 0, r]));

  t.test('the table has 656 rows, numbered in order', async (tt) => {
    tt.equal(rows.length, 656);
    tt.same(
      rows.map((r) => r.row),
      rows.map((_, i) => i + 1),
    );
  });

  for (const r of rows) {
    const rf = buildRowFile(r);
    const subject = `row ${r.row} ${r.tagKind === 'private' ? '(gggg,eeee) odd group' : r.tag} ${r.name}`;
    const runs: [OptionName | undefined, string][] = [[undefined, r.basic], ...(Object.entries(r.options) as [OptionName, string][])];
    for (const [option, action] of runs) {
      // Command-group elements (0000,xxxx) have no place in a stored dataset: removed whatever the row says.
      const code = rf.tag >>> 16 === 0x0000 ? 'X' : r.tagKind === 'exact' ? resolveTop(action, rf.tag, rf.vr, resolve) : resolve(action);
      t.test(`${subject}, ${option ? `option ${option}` : 'basic profile'} → ${label(code, action, rf.tag)}`, async (tt) => {
        const o = deidRow(rf, option ? [option] : [], code === 'U');
        if (r.tagKind === 'private') return checkPrivateRow(tt, o, code);
        const [origDs, outDs] = rf.tag >>> 16 === 0x0002 ? [o.orig.meta!, o.out.meta!] : [o.orig.dataset, o.out.dataset];
        tt.ok(origDs.get(rf.tag), `the test file holds (${rf.tag.toString(16).padStart(8, '0')}) ${rf.vr}`);
        checkElement(tt, o, origDs, outDs, rf.tag, code, option, r.row, `${r.name} ${rf.vr}`);
        if (rf.tag === MEDIA_SOP_INSTANCE) {
          tt.equal(text(outDs.get(rf.tag), o.outCtx), text(o.out.dataset.get(SOP_INSTANCE), o.outCtx), 'the meta names the new SOP Instance UID');
        }
      });
    }
  }

  t.test('dates of one patient, every row with retainLongModifiedDates → shifted by one offset', async (tt) => {
    tt.equal(offsets.size, 1, `offsets seen: ${[...offsets].map(([d, where]) => `${d} days at${where.slice(0, 80)}`).join('; ')}`);
    tt.not([...offsets.keys()][0], 0, 'a non-zero shift');
  });
}

if (!existsSync(TABLE)) {
  t.plan(0, `PS3.15 Table E.1-1 reference not found at ${TABLE}: per-row tests skipped`);
} else {
  run((JSON.parse(readFileSync(TABLE, 'utf8')) as { attributes: Row[] }).attributes);
}
