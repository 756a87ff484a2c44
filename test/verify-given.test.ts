/**
 * A verifier that checks what it is given (issue 12): the files in OUT, identifiers in kept
 * attributes, a DICOMDIR by its own IOD.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { Element } from '../src/dicom/dataset.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import { datasetContext, decodeStrings, encodeStrings, fileContext } from '../src/dicom/values.js';
import * as T from '../src/dicom/tags.generated.js';
import { verifyRun, type VerifyResult } from '../src/verify/index.js';
import { cleanEnv } from './helpers/child-env.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const skip = existsSync(fromRoot('dist/src/cli/main.js')) ? false : 'dist/ not built: run npm run build';
const CT = '1.2.840.10008.5.1.4.1.1.2';

function ct(i: number, extra: FixtureElement[] = []): Buffer {
  const sop = `2.25.4242.${i}`;
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: CT },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.InstitutionName, vr: 'LO', value: 'Saint Verifia Hospital' },
    { tag: T.PatientName, vr: 'PN', value: 'Kowalczyk^Berenike' },
    { tag: T.PatientID, vr: 'LO', value: 'KB-0099887' },
    { tag: T.StudyInstanceUID, vr: 'UI', value: '2.25.4242' },
    { tag: T.SeriesInstanceUID, vr: 'UI', value: '2.25.4242.9' },
    ...extra,
  ];
  return buildDicom({ sopClassUID: CT, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

interface Run {
  input: string;
  out: string;
  report: string;
}

function run(t: Test, files: Record<string, Buffer>): Run {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-verify-given-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in');
  mkdirSync(input);
  for (const [name, b] of Object.entries(files)) writeFileSync(join(input, name), b);
  const out = join(dir, 'out');
  const report = join(dir, 'report');
  const r = spawnSync(process.execPath, [BIN, 'run', input, '--layout', 'mirror', '--out', out, '--report-dir', report, '--quiet', '--threads', '0'], {
    env: { ...cleanEnv(), ANON_SECRET: 'verify-given-secret-0123456789abcdef' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return { input, out, report };
}

const str = (tag: number, vr: string, v: string): Element => {
  const value = encodeStrings([v], vr);
  const el = new Element(tag, vr, value.length);
  el.value = value;
  return el;
};
const errors = (r: VerifyResult) => r.findings.filter((f) => f.severity === 'error');

t.test('anon verify IN OUT --journal RUNDIR checks the files in OUT, not the paths in the journal: a tampered copy of OUT → its leak found', { skip }, async (tt) => {
  const r = run(tt, { 'a.dcm': ct(1), 'b.dcm': ct(2) });
  const copy = `${r.out}-copy`;
  cpSync(r.out, copy, { recursive: true });
  const f = parseDicom(readFileSync(join(copy, 'a.dcm')));
  f.dataset.set(str(T.StationName, 'SH', 'KOWALCZYK'));
  writeFileSync(join(copy, 'a.dcm'), serializeDicom(f));
  const clean = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
  tt.same(errors(clean), [], "the run's own OUT verifies");
  const tampered = await verifyRun({ input: r.input, output: copy, journal: r.report, dciodvfy: false });
  tt.ok(
    errors(tampered).some((x) => x.code === 'RESIDUAL_IDENTIFIER' && x.output === join(copy, 'a.dcm')),
    JSON.stringify(tampered.findings),
  );
});

t.test('an OUT copy missing an output, or holding a file the run did not write → errors', { skip }, async (tt) => {
  const r = run(tt, { 'a.dcm': ct(1), 'b.dcm': ct(2) });
  const copy = `${r.out}-copy`;
  cpSync(r.out, copy, { recursive: true });
  rmSync(join(copy, 'b.dcm'));
  writeFileSync(join(copy, 'planted.dcm'), ct(3));
  const v = await verifyRun({ input: r.input, output: copy, journal: r.report, dciodvfy: false });
  const unpaired = errors(v)
    .filter((x) => x.code === 'UNPAIRED')
    .map((x) => x.output);
  tt.ok(unpaired.includes(join(copy, 'b.dcm')), 'missing output reported');
  tt.ok(unpaired.includes(join(copy, 'planted.dcm')), 'extra file reported');
});

t.test(
  "the patient's name, ID or institution copied into WindowCenterWidthExplanation, PositionReferenceIndicator, ContentDescription or SecondaryCaptureDeviceManufacturer → RESIDUAL_IDENTIFIER errors, and the same name planted at depth still flagged",
  { skip },
  async (tt) => {
    const r = run(tt, { 'a.dcm': ct(1), 'b.dcm': ct(2) });
    const file = join(r.out, 'a.dcm');
    const f = parseDicom(readFileSync(file));
    f.dataset.set(str(T.WindowCenterWidthExplanation, 'LO', 'Kowalczyk^Berenike'));
    f.dataset.set(str(T.PositionReferenceIndicator, 'LO', 'KB-0099887'));
    f.dataset.set(str(T.ContentDescription, 'LO', 'Saint Verifia Hospital'));
    f.dataset.set(str(T.SecondaryCaptureDeviceManufacturer, 'LO', 'Kowalczyk'));
    writeFileSync(file, serializeDicom(f));
    const v = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
    const at = new Set(
      errors(v)
        .filter((x) => x.code === 'RESIDUAL_IDENTIFIER')
        .map((x) => x.path),
    );
    for (const tag of ['(0028,1055)', '(0020,1040)', '(0070,0081)', '(0018,1016)']) tt.ok(at.has(tag), `${tag} flagged`);
  },
);

t.test(
  "an input already holding the patient's name in a kept attribute → the engine takes the copy out (verified); the copy put back is flagged, and does not hide the name planted at depth",
  { skip },
  async (tt) => {
    const ref: FixtureElement[] = [
      { tag: T.ReferencedSOPClassUID, vr: 'UI', value: CT },
      { tag: T.ReferencedSOPInstanceUID, vr: 'UI', value: '2.25.4242.7' },
    ];
    const r = run(tt, {
      'a.dcm': ct(1, [
        { tag: T.WindowCenterWidthExplanation, vr: 'LO', value: 'Kowalczyk^Berenike' },
        { tag: T.ReferencedImageSequence, vr: 'SQ', items: [ref] },
      ]),
    });
    const file = join(r.out, 'a.dcm');
    // Since issue 12's scrub, the engine removes the copy (nothing but the name; Type 3).
    const v0 = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
    tt.same(errors(v0), [], "the engine's output verifies");
    tt.notOk(parseDicom(readFileSync(file)).dataset.has(T.WindowCenterWidthExplanation), 'the copy is gone');
    const back = parseDicom(readFileSync(file));
    back.dataset.set(str(T.WindowCenterWidthExplanation, 'LO', 'Kowalczyk^Berenike'));
    writeFileSync(file, serializeDicom(back));
    const v1 = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
    tt.ok(
      errors(v1).some((x) => x.code === 'RESIDUAL_IDENTIFIER' && x.path === '(0028,1055)'),
      'the kept copy, put back, is a leak',
    );
    const f = parseDicom(readFileSync(file));
    f.dataset.delete(T.WindowCenterWidthExplanation);
    f.dataset.get(T.ReferencedImageSequence)!.items![0].dataset.set(str(T.ImageComments, 'LT', 'seen: Kowalczyk^Berenike'));
    writeFileSync(file, serializeDicom(f));
    const v2 = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
    tt.ok(
      errors(v2).some((x) => x.code === 'RESIDUAL_IDENTIFIER' && x.path === '(0008,1140)[0].(0020,4000)'),
      JSON.stringify(v2.findings.map((x) => x.path)),
    );
  },
);

t.test('4 MARKS_MISSING errors on a de-identified DICOMDIR → none: a DICOMDIR is judged by its own IOD', { skip: skip || SKIP_CORPUS }, async (tt) => {
  const r = run(tt, { DICOMDIR: readFileSync(join(CORPUS, 'pydicom/dicomdirtests/DICOMDIR-empty.dcm')) });
  const v = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
  tt.equal(v.pairs, 1);
  tt.same(
    v.findings.filter((x) => x.code === 'MARKS_MISSING'),
    [],
  );
});

t.test(
  'the corpus DICOMDIRs whose Referenced File IDs name the patient → de-identified, every referenced file in OUT at its rewritten ID, no identifier in any ID or output path, verify --journal passes',
  { skip: skip || SKIP_CORPUS },
  async (tt) => {
    // pydicom's DICOMDIR with the files of patient 77654033 (Doe^Archibald), in a folder named after the ID;
    // fo-dicom's, whose File IDs hold name components (SC1_RLE for patient SC1).
    const dir = mkdtempSync(join(tmpdir(), 'anonflow-verify-given-dir-'));
    tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const input = join(dir, 'in');
    cpSync(join(CORPUS, 'pydicom/dicomdirtests/77654033'), join(input, '77654033'), { recursive: true });
    cpSync(join(CORPUS, 'pydicom/dicomdirtests/DICOMDIR'), join(input, 'DICOMDIR'));
    mkdirSync(join(input, 'fo'));
    cpSync(join(CORPUS, 'fo-dicom/DICOMDIR'), join(input, 'fo', 'DICOMDIR'));
    const out = join(dir, 'out');
    const report = join(dir, 'report');
    const r = spawnSync(process.execPath, [BIN, 'run', input, '--layout', 'mirror', '--out', out, '--report-dir', report, '--quiet', '--threads', '0'], {
      env: { ...cleanEnv(), ANON_SECRET: 'verify-given-secret-0123456789abcdef' },
      encoding: 'utf8',
    });
    tt.equal(r.status, 0, r.stderr);
    const journal = readFileSync(join(report, 'journal.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input: string; status: string; output?: string });
    tt.same(
      journal.filter((e) => e.status !== 'written'),
      [],
      'every input written',
    );
    // The identifiers of a DICOMDIR's records (words of 2+ characters), and its File IDs.
    const read = (file: string): { identifiers: Set<string>; ids: string[][] } => {
      const f = parseDicom(readFileSync(file));
      const identifiers = new Set<string>();
      const ids: string[][] = [];
      for (const it of f.dataset.get(T.DirectoryRecordSequence)!.items!) {
        const ctx = datasetContext(it.dataset, fileContext(f));
        for (const tag of [T.PatientID, T.PatientName]) {
          const el = it.dataset.get(tag);
          if (el?.value)
            for (const w of decodeStrings(el, ctx)
              .join(' ')
              .toUpperCase()
              .split(/[^A-Z0-9]+/))
              if (w.length >= 2) identifiers.add(w);
        }
        const id = it.dataset.get(T.ReferencedFileID);
        if (id?.value) ids.push(decodeStrings(id, ctx));
      }
      return { identifiers, ids };
    };
    const holds = (components: string[], identifiers: Set<string>): string[] => components.flatMap((c) => c.toUpperCase().split(/[^A-Z0-9]+/)).filter((w) => identifiers.has(w));
    const pydicom = read(join(input, 'DICOMDIR'));
    for (const name of ['DICOMDIR', join('fo', 'DICOMDIR')]) {
      const { identifiers, ids: before } = read(join(input, name));
      const after = read(join(out, name)).ids;
      tt.equal(after.length, before.length, `${name}: every record keeps a File ID`);
      tt.ok(before.flatMap((id) => holds(id, identifiers)).length > 0, `${name}: the input File IDs name their patients`);
      tt.same(
        after.flatMap((id) => holds(id, identifiers)),
        [],
        `${name}: no File ID holds a patient identifier`,
      );
    }
    const written = journal.map((e) => relative(out, e.output!));
    tt.same(
      written.flatMap((p) => holds(p.split(sep), pydicom.identifiers)),
      [],
      'no output path holds one',
    );
    const before = pydicom.ids;
    const after = read(join(out, 'DICOMDIR')).ids;
    let present = 0;
    before.forEach((id, i) => {
      if (!existsSync(join(input, ...id))) return; // the corpus holds the files of one patient only
      present++;
      tt.ok(existsSync(join(out, ...after[i])), `${id.join('\\')} written at ${after[i].join('\\')}`);
    });
    tt.equal(present, 7, 'every indexed file of the corpus checked');
    const v = await verifyRun({ input, output: out, journal: report, dciodvfy: false });
    tt.same(errors(v), []);
  },
);

t.test('the Philips DICOMDIR and DIRFILE of the corpus (empty offsets) that failed with DEID_FAILED → de-identified, verified', { skip: skip || SKIP_CORPUS }, async (tt) => {
  const r = run(tt, {
    DICOMDIR: readFileSync(join(CORPUS, 'dcm_qa_ct/Philips/DICOMDIR')),
    DIRFILE: readFileSync(join(CORPUS, 'dcm_qa_ct/Philips/S21570/DIRFILE')),
  });
  const journal = readFileSync(join(r.report, 'journal.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { status: string });
  tt.same(
    journal.map((e) => e.status),
    ['written', 'written'],
  );
  const v = await verifyRun({ input: r.input, output: r.out, journal: r.report, dciodvfy: false });
  tt.same(errors(v), []);
});
