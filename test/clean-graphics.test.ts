/**
 * Clean Graphics does what its code claims (issue 12, deliverable 5): an overlay is a bitmap that
 * no detector reads, so under the option it is removed (fail closed), the removal is reported in
 * the console, the journal and the run report, and the Clean Graphics code (113103) is added only
 * where a graphic was kept cleaned (a Presentation State's annotation text).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { parseDicom } from '../src/dicom/file.js';
import type { DataSet } from '../src/dicom/dataset.js';
import type { DicomFile } from '../src/dicom/part10.js';
import { decodeStrings, fileContext } from '../src/dicom/values.js';
import { loadProfile } from '../src/profile/load.js';
import { runBatch, type RunEvent } from '../src/pool/batch.js';
import { verifyRun } from '../src/verify/index.js';
import { outcomeLine } from '../src/run/progress.js';
import type { JournalEntry } from '../src/job/journal.js';
import * as T from '../src/dicom/tags.generated.js';
import { basicEnv, deidBuffer } from './helpers/deid.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const GSPS = '1.2.840.10008.5.1.4.1.1.11.1';
const ROOT = '1.2.826.0.1.3680043.9.7.31';
const CLEAN_GRAPHICS = '113103';

function file(sopClass: string, sop: string, extra: FixtureElement[]): Buffer {
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: sopClass },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.PatientName, vr: 'PN', value: 'GRAPHIC^GINA' },
    { tag: T.PatientID, vr: 'LO', value: 'GRAPHIC-PID' },
    { tag: T.StudyInstanceUID, vr: 'UI', value: `${ROOT}.0` },
    { tag: T.SeriesInstanceUID, vr: 'UI', value: `${ROOT}.00` },
    ...extra,
  ];
  return buildDicom({ sopClassUID: sopClass, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

/** A CT with one 8×8 overlay plane in group 6000. */
const withOverlay = (sop: string): Buffer =>
  file(CT, sop, [
    { tag: 0x60000010, vr: 'US', value: [8] },
    { tag: 0x60000011, vr: 'US', value: [8] },
    { tag: 0x60000040, vr: 'CS', value: 'G' },
    { tag: 0x60000050, vr: 'SS', value: [1, 1] },
    { tag: 0x60000100, vr: 'US', value: [1] },
    { tag: 0x60000102, vr: 'US', value: [0] },
    { tag: 0x60003000, vr: 'OW', value: Buffer.alloc(8, 0xff) },
  ]);

/** A GSPS whose annotation text names the patient. */
const annotated = (sop: string): Buffer =>
  file(GSPS, sop, [
    {
      tag: T.GraphicAnnotationSequence,
      vr: 'SQ',
      items: [
        [
          { tag: T.GraphicLayer, vr: 'CS', value: 'LAYER1' },
          { tag: T.TextObjectSequence, vr: 'SQ', items: [[{ tag: T.UnformattedTextValue, vr: 'ST', value: 'nodule, Gina Graphic' }]] },
        ],
      ],
    },
  ]);

const codes = (f: DicomFile): string[] =>
  (f.dataset.get(T.DeidentificationMethodCodeSequence)?.items ?? []).map((it) => decodeStrings(it.dataset.get(T.CodeValue)!, fileContext(f))[0]!);
const text = (f: DicomFile, tag: number, ds: DataSet = f.dataset): string | undefined => {
  const el = ds.get(tag);
  return el ? decodeStrings(el, fileContext(f)).join('\\') : undefined;
};

t.test('an overlay under Clean Graphics → removed whole, a notice says so, and the Clean Graphics code is not claimed', async (tt) => {
  const { out, result } = deidBuffer(withOverlay(`${ROOT}.1`), basicEnv(['cleanGraphics']));
  const f = parseDicom(out);
  tt.notOk(
    f.dataset.elements.some((e) => e.tag >>> 16 === 0x6000),
    'no element of group 6000 left',
  );
  tt.equal(result.notices?.length, 1, 'one notice');
  tt.match(result.notices?.[0], /\(6000,3000\).*overlay plane 6000 removed, not cleaned/);
  tt.notOk(codes(f).includes(CLEAN_GRAPHICS), 'no 113103');
  tt.notMatch(text(f, T.DeidentificationMethod) ?? '', /cleanGraphics/, 'the method text does not name the option');
});

t.test('a Presentation State annotation under Clean Graphics → kept, its text by its own row (D; C with Clean Descriptors), the code claimed, no notice', async (tt) => {
  for (const [options, kept] of [
    [['cleanGraphics'], false],
    [['cleanGraphics', 'cleanDescriptors'], true],
  ] as const) {
    const { out, result } = deidBuffer(annotated(`${ROOT}.2`), basicEnv([...options]));
    const f = parseDicom(out);
    const item = f.dataset.get(T.GraphicAnnotationSequence)?.items?.[0]?.dataset;
    tt.equal(text(f, T.GraphicLayer, item!), 'LAYER1', `${options.join('+')}: the annotation is kept`);
    const value = text(f, T.UnformattedTextValue, item!.get(T.TextObjectSequence)!.items![0]!.dataset);
    tt.notMatch(value, /Gina|Graphic/i, `${options.join('+')}: the patient's name replaced`);
    if (kept) tt.match(value, /^nodule, /, 'Clean Descriptors: the rest of the text kept');
    tt.ok(codes(f).includes(CLEAN_GRAPHICS), `${options.join('+')}: 113103 claimed`);
    tt.equal(result.notices, undefined, `${options.join('+')}: nothing to report`);
  }
});

t.test('an overlay without Clean Graphics → removed as the profile says (X), nothing to report', async (tt) => {
  const { out, result } = deidBuffer(withOverlay(`${ROOT}.3`), basicEnv());
  tt.notOk(
    parseDicom(out).dataset.elements.some((e) => e.tag >>> 16 === 0x6000),
    'removed',
  );
  tt.equal(result.notices, undefined);
});

t.test('a run with Clean Graphics over an overlay → the removal in the console line, the journal and the report', async (tt) => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-graphics-'));
  tt.teardown(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'in'));
  writeFileSync(join(d, 'in', 'overlay.dcm'), withOverlay(`${ROOT}.4`));
  writeFileSync(join(d, 'in', 'gsps.dcm'), annotated(`${ROOT}.5`));
  const events: RunEvent[] = [];
  const report = await runBatch({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    worker: { deid: { profile: loadProfile('basic', { extraOptions: ['cleanGraphics'] }), key: new Uint8Array(Buffer.from('graphics-test-secret-0123456789')) }, record: false },
    profileName: 'basic',
    profileOptions: ['cleanGraphics'],
    threads: 0,
    reportDir: join(d, 'report'),
    onEvent: (e) => events.push(e),
  });
  tt.equal(report.status, 'SUCCEEDED');
  const lines = events.flatMap((e) => (e.type === 'file' ? [outcomeLine(e.outcome)] : []));
  tt.ok(
    lines.some((l) => /overlay\.dcm.*\n {2}warning: .*overlay plane 6000 removed/.test(l)),
    'console: a warning under the written line',
  );
  tt.notOk(
    lines.some((l) => /gsps\.dcm.*warning/s.test(l)),
    'no warning for the cleaned annotation',
  );
  const journal = readFileSync(join(d, 'report', 'journal.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JournalEntry);
  const entry = journal.find((e) => e.input.endsWith('overlay.dcm'));
  tt.match(entry?.status === 'written' ? entry.notices : undefined, [/overlay plane 6000 removed/], 'journal');
  const saved = JSON.parse(readFileSync(join(d, 'report', 'report.json'), 'utf8')) as typeof report;
  tt.equal(saved.notices?.length, 1, 'report: one notice');
  tt.match(saved.notices?.[0], { path: /overlay\.dcm$/, notice: /overlay plane 6000 removed/ });
  const v = await verifyRun({ journal: join(d, 'report'), output: join(d, 'out'), dciodvfy: false });
  tt.same(
    v.findings.filter((x) => x.code === 'MARKS_MISSING'),
    [],
    'verify expects 113103 only where a graphic was kept',
  );
  tt.equal(v.summary.errors, 0, 'verify: no error');
});
