/**
 * Issue 12: the engine scrubs the patient's own identifiers from the values the profile keeps
 * (at every depth), and the verifier's policy is the same: what the engine scrubs, verify flags
 * when it is left in; what the engine keeps on purpose, verify does not call an error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { deidentify } from '../src/deid/engine.js';
import { DataSet, Element } from '../src/dicom/dataset.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import { decodeStrings, encodeStrings, fileContext } from '../src/dicom/values.js';
import * as T from '../src/dicom/tags.generated.js';
import { verifyRun, type Finding } from '../src/verify/index.js';
import { cleanEnv } from './helpers/child-env.js';
import { basicEnv } from './helpers/deid.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const skip = existsSync(fromRoot('dist/src/cli/main.js')) ? false : 'dist/ not built: run npm run build';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const SECRET = 'deid-scrub-secret-0123456789abcdef';

interface Patient {
  name: string;
  id: string;
  institution: string;
  manufacturer?: string;
}
const KOWALCZYK: Patient = { name: 'Kowalczyk^Berenike', id: 'KB-0099887', institution: 'Saint Verifia Hospital' };

/** Where planted copies go two items down: Shared Functional Groups → Frame VOI LUT, both kept by basic. */
const DEEP = [T.SharedFunctionalGroupsSequence, T.FrameVOILUTSequence];

/** A CT slice of the patient with `planted` elements at top level, or two items down. */
function ct(p: Patient, planted: FixtureElement[], deep = false, i = 1): Buffer {
  const sop = `2.25.7070.${i}`;
  const own: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: CT },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.AccessionNumber, vr: 'SH', value: 'ACC-778899' },
    { tag: T.Modality, vr: 'CS', value: 'CT' },
    { tag: T.InstitutionName, vr: 'LO', value: p.institution },
    { tag: T.ReferringPhysicianName, vr: 'PN', value: 'Nowakowski^Jan' },
    { tag: T.PatientName, vr: 'PN', value: p.name },
    { tag: T.PatientID, vr: 'LO', value: p.id },
    { tag: T.PatientBirthDate, vr: 'DA', value: '19700203' },
    { tag: T.StudyInstanceUID, vr: 'UI', value: '2.25.7070' },
    { tag: T.SeriesInstanceUID, vr: 'UI', value: '2.25.7070.9' },
  ];
  if (p.manufacturer) own.push({ tag: T.Manufacturer, vr: 'LO', value: p.manufacturer });
  const sorted = (els: FixtureElement[]): FixtureElement[] => [...els].sort((a, b) => a.tag - b.tag);
  const els = deep ? [...own, { tag: DEEP[0]!, vr: 'SQ', items: [[{ tag: DEEP[1]!, vr: 'SQ', items: [sorted(planted)] }]] }] : [...own, ...planted];
  return buildDicom({ sopClassUID: CT, sopInstanceUID: sop, elements: sorted(els) });
}

/** The dataset planted elements live in: the top level, or the item two levels down. */
function holder(ds: DataSet, deep: boolean): DataSet | undefined {
  if (!deep) return ds;
  return ds.get(DEEP[0]!)?.items?.[0]?.dataset.get(DEEP[1]!)?.items?.[0]?.dataset;
}
const pathOf = (tag: number, deep: boolean): string => {
  const f = (x: number): string => `(${(x >>> 16).toString(16).toUpperCase().padStart(4, '0')},${(x & 0xffff).toString(16).toUpperCase().padStart(4, '0')})`;
  return deep ? `${f(DEEP[0]!)}[0].${f(DEEP[1]!)}[0].${f(tag)}` : f(tag);
};
const str = (tag: number, vr: string, v: string): Element => {
  const value = encodeStrings([v], vr);
  const el = new Element(tag, vr, value.length);
  el.value = value;
  return el;
};
const errors = (fs: Finding[]): Finding[] => fs.filter((f) => f.severity === 'error');
/** Every byte form of a text (any case), found in a buffer. */
const holds = (b: Buffer, text: string): boolean => b.toString('latin1').toUpperCase().includes(text.toUpperCase());

t.test(
  "the patient's name, ID or institution copied into WindowCenterWidthExplanation, PositionReferenceIndicator, ContentDescription, SecondaryCaptureDeviceManufacturer → not in the output, reported; anon verify → VERIFIED (and the same at depth two items down)",
  { skip },
  async (tt) => {
    const planted: FixtureElement[] = [
      { tag: T.WindowCenterWidthExplanation, vr: 'LO', value: 'Kowalczyk^Berenike' },
      { tag: T.PositionReferenceIndicator, vr: 'LO', value: 'KB-0099887' },
      { tag: T.ContentDescription, vr: 'LO', value: 'seen at Saint Verifia Hospital' },
      { tag: T.SecondaryCaptureDeviceManufacturer, vr: 'LO', value: 'KOWALCZYK' },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'anonflow-scrub-'));
    tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const input = join(dir, 'in');
    mkdirSync(input);
    writeFileSync(join(input, 'top.dcm'), ct(KOWALCZYK, planted, false, 1));
    writeFileSync(join(input, 'deep.dcm'), ct(KOWALCZYK, planted, true, 2));
    const out = join(dir, 'out');
    const report = join(dir, 'report');
    const env = { ...cleanEnv(), ANON_SECRET: SECRET };
    const r = spawnSync(process.execPath, [BIN, 'run', input, '--layout', 'mirror', '--out', out, '--report-dir', report, '--quiet', '--threads', '0'], { env, encoding: 'utf8' });
    tt.equal(r.status, 0, r.stderr);
    const entities = (JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as { results: { entities_found: { file: string; path: string; label: string }[] } }).results
      .entities_found;
    for (const [name, deep] of [
      ['top.dcm', false],
      ['deep.dcm', true],
    ] as const) {
      const bytes = readFileSync(join(out, name));
      for (const needle of ['Kowalczyk', 'Berenike', 'KB-0099887', 'Saint Verifia Hospital']) tt.notOk(holds(bytes, needle), `${name}: ${needle} not in the output`);
      const f = parseDicom(bytes);
      const ds = holder(f.dataset, deep)!;
      tt.ok(ds, `${name}: the planted item is still there`);
      // Nothing but identifiers: removed where the attribute is optional, emptied where it is Type 2.
      tt.notOk(ds.has(T.WindowCenterWidthExplanation), `${name}: WindowCenterWidthExplanation (only the name) removed`);
      tt.notOk(ds.has(T.SecondaryCaptureDeviceManufacturer), `${name}: SecondaryCaptureDeviceManufacturer (only the name) removed`);
      if (!deep) tt.equal(f.dataset.get(T.PositionReferenceIndicator)?.length, 0, 'PositionReferenceIndicator (Type 2 in the Frame of Reference module) emptied');
      const cd = ds.get(T.ContentDescription);
      tt.equal(cd && decodeStrings(cd, fileContext(f))[0], 'seen at **********************', `${name}: ContentDescription keeps its other words`);
      const labels = (tag: number): string[] =>
        entities
          .filter((e) => e.file.endsWith(name) && e.path === pathOf(tag, deep))
          .map((e) => e.label)
          .sort();
      tt.same(labels(T.WindowCenterWidthExplanation), ['PERSON'], `${name}: the name in WindowCenterWidthExplanation reported by path and label`);
      tt.same(labels(T.PositionReferenceIndicator), ['ID'], `${name}: the ID reported`);
      tt.same(labels(T.ContentDescription), ['ORGANIZATION'], `${name}: the institution reported`);
      tt.same(labels(T.SecondaryCaptureDeviceManufacturer), ['PERSON'], `${name}: the family name reported`);
    }
    tt.notOk(readFileSync(join(report, 'report.json'), 'utf8').toUpperCase().includes('KOWALCZYK'), 'the report never holds the text');
    const v = spawnSync(process.execPath, [BIN, 'verify', input, out, '--journal', report, '--no-dciodvfy'], { env, encoding: 'utf8' });
    tt.equal(v.status, 0, v.stdout + v.stderr);
    tt.match(v.stdout, /VERIFIED: 2 pairs/);
  },
);

interface Case {
  what: string;
  patient?: Patient;
  tag: number;
  vr: string;
  value: string;
  /** Whether the engine takes the identifier out (and so whether verify flags it left in). */
  scrubbed: boolean;
}

const CASES: Case[] = [
  { what: 'the whole patient name', tag: T.WindowCenterWidthExplanation, vr: 'LO', value: 'Kowalczyk^Berenike', scrubbed: true },
  { what: 'the family name in a sentence, upper case', tag: T.ContentDescription, vr: 'LO', value: 'W/L chosen for KOWALCZYK', scrubbed: true },
  { what: 'the given name alone', tag: T.ContentDescription, vr: 'LO', value: 'Berenike', scrubbed: true },
  { what: 'the patient ID inside a code', tag: T.PositionReferenceIndicator, vr: 'LO', value: 'REF-KB-0099887', scrubbed: true },
  { what: 'the accession number', tag: T.ContentDescription, vr: 'LO', value: 'order ACC-778899', scrubbed: true },
  { what: 'the birth date as people write it', tag: T.ContentDescription, vr: 'LO', value: 'born 1970-02-03', scrubbed: true },
  { what: "the referring physician's family name", tag: T.ContentDescription, vr: 'LO', value: 'for Nowakowski', scrubbed: true },
  { what: 'the whole institution name', tag: T.SecondaryCaptureDeviceManufacturer, vr: 'LO', value: 'Saint Verifia Hospital', scrubbed: true },
  { what: 'one word of the institution name', tag: T.ContentDescription, vr: 'LO', value: 'Verifia protocol', scrubbed: false },
  {
    what: "a word the institution shares with the manufacturer ('FUJI PHOTO FILM CO.')",
    patient: { ...KOWALCZYK, institution: 'Fuji Film Hospital' },
    tag: T.Manufacturer,
    vr: 'LO',
    value: 'FUJI PHOTO FILM CO.',
    scrubbed: false,
  },
  {
    what: "a family name that is the manufacturer's (a phantom named after its maker)",
    patient: { ...KOWALCZYK, name: 'Siemens^Berenike', manufacturer: 'SIEMENS' },
    tag: T.WindowCenterWidthExplanation,
    vr: 'LO',
    value: 'SIEMENS default',
    scrubbed: false,
  },
  {
    what: 'a code string (CS) that shares a name',
    patient: { ...KOWALCZYK, name: 'Axialsson^Berenike' },
    tag: T.PatientOrientation,
    vr: 'CS',
    value: 'AXIALSSON',
    scrubbed: false,
  },
];

/** The output with the planted element as the input had it: as if the engine had kept it. */
function leftIn(out: Buffer, c: Case, deep: boolean): Buffer {
  const f = parseDicom(out);
  holder(f.dataset, deep)!.set(str(c.tag, c.vr, c.value));
  return serializeDicom(f);
}

async function verifyPair(tt: Test, input: Buffer, output: Buffer): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-scrub-pair-'));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'in'));
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'in', 'a.dcm'), input);
  writeFileSync(join(dir, 'out', 'a.dcm'), output);
  const v = await verifyRun({ input: join(dir, 'in'), output: join(dir, 'out'), dciodvfy: false });
  tt.equal(v.pairs, 1, `paired (${readdirSync(join(dir, 'out')).length} output)`);
  return v.findings;
}

for (const deep of [false, true]) {
  for (const c of CASES) {
    const where = deep ? 'two items down' : 'at top level';
    t.test(`${c.what}, ${where} → the engine ${c.scrubbed ? 'scrubs it and verify flags it left in' : 'keeps it and verify calls it no error'}`, async (tt) => {
      const input = ct(c.patient ?? KOWALCZYK, [{ tag: c.tag, vr: c.vr, value: c.value }], deep);
      const f = parseDicom(input);
      const result = deidentify(f, basicEnv());
      const out = serializeDicom(f);
      const g = parseDicom(out);
      const el = holder(g.dataset, deep)?.get(c.tag);
      const now = el?.value?.length ? decodeStrings(el, fileContext(g)).join('\\') : undefined;
      const path = pathOf(c.tag, deep);
      if (c.scrubbed) {
        tt.not(now, c.value, `engine: ${path} changed (${now === undefined ? 'removed or emptied' : 'replaced'})`);
        tt.ok(
          result.found?.some((x) => x.path === path),
          'engine: the event is in the found list',
        );
      } else {
        tt.equal(now, c.value, `engine: ${path} kept as it was`);
      }
      tt.same(errors(await verifyPair(tt, input, out)), [], "verify on the engine's output: no error");
      const flagged = errors(await verifyPair(tt, input, leftIn(out, c, deep))).filter((x) => x.path === path);
      if (c.scrubbed) tt.ok(flagged.length > 0, `verify flags the value left in at ${path}`);
      else tt.same(flagged, [], `verify calls the kept value no error at ${path}`);
    });
  }
}
