/**
 * Leaks through replaced sequences (issue 12): what the shared corpus and the planted set showed.
 */
import t from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import type { ExplainEntry } from '../src/deid/state.js';
import { parseDicom } from '../src/dicom/file.js';
import { decodeStrings, fileContext } from '../src/dicom/values.js';
import * as T from '../src/dicom/tags.generated.js';
import { basicEnv, deidBuffer } from './helpers/deid.js';

const COMPREHENSIVE_SR = '1.2.840.10008.5.1.4.1.1.88.33';
const ROOT = '1.2.826.0.1.3680043.9.7.14';

function sr(verifyingObserver: FixtureElement[]): Buffer {
  const sop = `${ROOT}.1`;
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: COMPREHENSIVE_SR },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.PatientName, vr: 'PN', value: 'SMITH^ALICE' },
    { tag: T.PatientID, vr: 'LO', value: 'SR-PID-77' },
    { tag: T.StudyInstanceUID, vr: 'UI', value: `${ROOT}.0` },
    { tag: T.VerifyingObserverSequence, vr: 'SQ', items: [verifyingObserver] },
  ];
  return buildDicom({ sopClassUID: COMPREHENSIVE_SR, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

const OBSERVER: FixtureElement[] = [
  { tag: T.VerifyingOrganization, vr: 'LO', value: 'ST ELSEWHERE' },
  { tag: T.VerificationDateTime, vr: 'DT', value: '20190304101530' },
  { tag: T.VerifyingObserverName, vr: 'PN', value: 'WATSON^JOHN' },
  {
    tag: T.VerifyingObserverIdentificationCodeSequence,
    vr: 'SQ',
    items: [
      [
        { tag: T.CodeValue, vr: 'SH', value: 'JW001' },
        { tag: T.CodingSchemeDesignator, vr: 'SH', value: 'LOCAL' },
        { tag: T.CodeMeaning, vr: 'LO', value: 'WATSON^JOHN' },
      ],
    ],
  },
];

function observerOut(options: Parameters<typeof basicEnv>[0] = []) {
  const { out } = deidBuffer(sr(OBSERVER), basicEnv(options));
  const f = parseDicom(out);
  const item = f.dataset.get(T.VerifyingObserverSequence)?.items?.[0]?.dataset;
  const text = (tag: number): string | undefined => {
    const el = item?.get(tag);
    return el ? decodeStrings(el, fileContext(f)).join('\\') : undefined;
  };
  return { out, item, text };
}

t.test(
  'a name in CodeMeaning inside Verifying Observer Identification Code Sequence (Z), nested in Verifying Observer Sequence (D) → does not survive the basic profile',
  async (tt) => {
    const { out, item, text } = observerOut();
    tt.notOk(out.toString('latin1').includes('WATSON'), 'the name is nowhere in the output');
    tt.equal(item?.get(T.VerifyingObserverIdentificationCodeSequence)?.items?.length, 0, 'A088 emptied by its own row (Z)');
    tt.equal(text(T.VerifyingObserverName), 'ANONYMIZED', 'Verifying Observer Name (Type 1 in the item): a dummy');
    tt.equal(text(T.VerifyingOrganization), 'ANONYMIZED', 'Verifying Organization: a dummy');
  },
);

t.test('dates inside D sequences with Retain Longitudinal Modified Dates → shifted like top-level ones, not 19000101', async (tt) => {
  const { text } = observerOut(['retainLongModifiedDates']);
  const dt = text(T.VerificationDateTime) ?? '';
  tt.not(dt, '19000101000000', 'not the dummy');
  tt.not(dt, '20190304101530', 'not the original');
  tt.match(dt, /^\d{8}101530/, 'the same time of day: shifted by whole days');
});

t.test('dates inside D sequences with Retain Longitudinal Full Dates → kept', async (tt) => {
  tt.equal(observerOut(['retainLongFullDates']).text(T.VerificationDateTime), '20190304101530');
});

t.test('explain inside a sequence whose own action is D → every nested decision shown, with its own row', async (tt) => {
  const entries: ExplainEntry[] = [];
  const env = { ...basicEnv(), explain: (e: ExplainEntry) => entries.push(e) };
  deidBuffer(sr(OBSERVER), env);
  const nested = entries.filter((e) => e.path.startsWith('(0040,A073)[0].'));
  const byKeyword = new Map(nested.map((e) => [e.keyword, e]));
  tt.equal(byKeyword.get('VerifyingObserverIdentificationCodeSequence')?.action, 'Z', 'A088 by its own row');
  tt.match(byKeyword.get('VerifyingObserverName')?.origin, /row/, 'the observer name by its own row');
  tt.ok(nested.length >= 4, `${nested.length} nested decisions`);
});

t.test("retainUIDs: UIDs inside SR content (Content Sequence, D) → kept like the images' own, so SR → image references hold", async (tt) => {
  const imageUid = '1.2.826.0.1.3680043.9.7.14.77';
  const sop = `${ROOT}.2`;
  const content: FixtureElement[] = [
    { tag: T.RelationshipType, vr: 'CS', value: 'CONTAINS' },
    { tag: T.ValueType, vr: 'CS', value: 'IMAGE' },
    {
      tag: T.ReferencedSOPSequence,
      vr: 'SQ',
      items: [
        [
          { tag: T.ReferencedSOPClassUID, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
          { tag: T.ReferencedSOPInstanceUID, vr: 'UI', value: imageUid },
        ],
      ],
    },
  ];
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: COMPREHENSIVE_SR },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.PatientID, vr: 'LO', value: 'SR-PID-77' },
    { tag: T.ContentSequence, vr: 'SQ', items: [content] },
  ];
  const buf = buildDicom({ sopClassUID: COMPREHENSIVE_SR, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
  tt.ok(
    deidBuffer(buf, basicEnv(['retainUIDs']))
      .out.toString('latin1')
      .includes(imageUid),
    'kept under retainUIDs',
  );
  tt.notOk(deidBuffer(buf, basicEnv()).out.toString('latin1').includes(imageUid), 'replaced without it');
});
