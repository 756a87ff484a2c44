/**
 * End-to-end behaviours of the de-identification engine on files built by hand (fixtures/build.ts):
 * consistency across the files of a study, keyed determinism, date shifting, private blocks,
 * marks, the file meta and preamble, UN-encoded elements, refusals, and an identity profile.
 */
import t from 'tap';
import { buildDicom, encodeElements, TS, type FixtureElement } from '../fixtures/build.js';
import { createDeidEnv } from '../src/deid/env.js';
import { deidentify } from '../src/deid/engine.js';
import { DeidError } from '../src/deid/errors.js';
import type { EngineProfile, OptionName } from '../src/deid/types.js';
import type { DataSet, Element } from '../src/dicom/dataset.js';
import { parseDicom } from '../src/dicom/file.js';
import type { DicomFile } from '../src/dicom/part10.js';
import { tagOf } from '../src/dicom/tag.js';
import { decodeStrings, fileContext, metaContext } from '../src/dicom/values.js';
import { basicEnv, basicProfile, deidBuffer, envFor, OTHER_KEY, TEST_KEY } from './helpers/deid.js';

const T = {
  SpecificCharacterSet: tagOf(0x0008, 0x0005),
  InstanceCreationDate: tagOf(0x0008, 0x0012),
  SOPClassUID: tagOf(0x0008, 0x0016),
  SOPInstanceUID: tagOf(0x0008, 0x0018),
  StudyDate: tagOf(0x0008, 0x0020),
  SeriesDate: tagOf(0x0008, 0x0021),
  AcquisitionDate: tagOf(0x0008, 0x0022),
  StudyTime: tagOf(0x0008, 0x0030),
  AccessionNumber: tagOf(0x0008, 0x0050),
  Manufacturer: tagOf(0x0008, 0x0070),
  InstitutionName: tagOf(0x0008, 0x0080),
  ReferringPhysicianName: tagOf(0x0008, 0x0090),
  StudyDescription: tagOf(0x0008, 0x1030),
  ReferencedImageSequence: tagOf(0x0008, 0x1140),
  ReferencedSOPClassUID: tagOf(0x0008, 0x1150),
  ReferencedSOPInstanceUID: tagOf(0x0008, 0x1155),
  CodeValue: tagOf(0x0008, 0x0100),
  PatientName: tagOf(0x0010, 0x0010),
  PatientID: tagOf(0x0010, 0x0020),
  PatientBirthDate: tagOf(0x0010, 0x0030),
  PatientSex: tagOf(0x0010, 0x0040),
  PatientIdentityRemoved: tagOf(0x0012, 0x0062),
  DeidentificationMethod: tagOf(0x0012, 0x0063),
  DeidentificationMethodCodeSequence: tagOf(0x0012, 0x0064),
  FrameAcquisitionDateTime: tagOf(0x0018, 0x9074),
  StudyInstanceUID: tagOf(0x0020, 0x000d),
  SeriesInstanceUID: tagOf(0x0020, 0x000e),
  InstanceNumber: tagOf(0x0020, 0x0013),
  FrameOfReferenceUID: tagOf(0x0020, 0x0052),
  FrameContentSequence: tagOf(0x0020, 0x9111),
  Rows: tagOf(0x0028, 0x0010),
  LongitudinalTemporalInformationModified: tagOf(0x0028, 0x0303),
  TextValue: tagOf(0x0040, 0xa160),
  ValueType: tagOf(0x0040, 0xa040),
  ContentSequence: tagOf(0x0040, 0xa730),
  SharedFunctionalGroupsSequence: tagOf(0x5200, 0x9229),
  PixelData: tagOf(0x7fe0, 0x0010),
  MediaStorageSOPClassUID: tagOf(0x0002, 0x0002),
  MediaStorageSOPInstanceUID: tagOf(0x0002, 0x0003),
  TransferSyntaxUID: tagOf(0x0002, 0x0010),
  ImplementationClassUID: tagOf(0x0002, 0x0012),
  ImplementationVersionName: tagOf(0x0002, 0x0013),
  SourceApplicationEntityTitle: tagOf(0x0002, 0x0016),
  PrivateInformationCreatorUID: tagOf(0x0002, 0x0100),
};

const CT = '1.2.840.10008.5.1.4.1.1.2';
const ROOT = '1.2.826.0.1.3680043.9.8';
const UID_2_25 = /^2\.25\.(0|[1-9][0-9]*)$/;

/** The value of an element of a parsed file (top level, or of a dataset read with the file's context). */
function str(f: DicomFile, tag: number, ds: DataSet = f.dataset): string | undefined {
  const el = ds.get(tag);
  if (!el || el.items || el.value === undefined) return undefined;
  // An element kept as it was read may still be written UN: its bytes are the value's.
  if (el.vr === 'UN') return el.value.toString('latin1').replace(/[\0 ]+$/, '');
  return decodeStrings(el, fileContext(f)).join('\\');
}
const metaStr = (f: DicomFile, tag: number): string | undefined => {
  const el = f.meta?.get(tag);
  return el?.value === undefined ? undefined : decodeStrings(el, metaContext(f)).join('\\');
};
const item = (el: Element | undefined, i = 0): DataSet | undefined => el?.items?.[i]?.dataset;

interface Instance {
  patientId?: string;
  patientName?: string;
  study?: string;
  series?: string;
  sop: string;
  extra?: FixtureElement[];
}

/** A CT instance of a study, with a few identifying attributes and a tiny pixel data. */
function instance(p: Instance): Buffer {
  const els: FixtureElement[] = [
    { tag: T.SpecificCharacterSet, vr: 'CS', value: 'ISO_IR 100' },
    { tag: T.SOPClassUID, vr: 'UI', value: CT },
    { tag: T.SOPInstanceUID, vr: 'UI', value: p.sop },
    { tag: T.StudyDate, vr: 'DA', value: '20190304' },
    { tag: T.StudyTime, vr: 'TM', value: '101530' },
    { tag: T.AccessionNumber, vr: 'SH', value: 'ACC778899' },
    { tag: T.Manufacturer, vr: 'LO', value: 'ACME Medical' },
    { tag: T.InstitutionName, vr: 'LO', value: 'St Elsewhere Hospital' },
    { tag: T.ReferringPhysicianName, vr: 'PN', value: 'WHO^DOCTOR' },
    { tag: T.PatientName, vr: 'PN', value: p.patientName ?? 'DOE^JOHN' },
    { tag: T.PatientID, vr: 'LO', value: p.patientId ?? 'PID12345' },
    { tag: T.PatientBirthDate, vr: 'DA', value: '19650412' },
    { tag: T.PatientSex, vr: 'CS', value: 'M' },
    { tag: T.StudyInstanceUID, vr: 'UI', value: p.study ?? `${ROOT}.1` },
    { tag: T.SeriesInstanceUID, vr: 'UI', value: p.series ?? `${ROOT}.1.1` },
    { tag: T.FrameOfReferenceUID, vr: 'UI', value: `${ROOT}.1.9` },
    { tag: T.Rows, vr: 'US', value: [2] },
    ...(p.extra ?? []),
    { tag: T.PixelData, vr: 'OW', value: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
  els.sort((a, b) => a.tag - b.tag);
  return buildDicom({ sopClassUID: CT, sopInstanceUID: p.sop, elements: els });
}

const run = (buf: Buffer, options: OptionName[] = []): DicomFile => parseDicom(deidBuffer(buf, basicEnv(options)).out);

t.test('files of one study, one run → Study, Series and Frame of Reference UIDs get one pseudonym; a reference follows its instance', async (t) => {
  const env = basicEnv();
  const first = instance({ sop: `${ROOT}.1.1.1` });
  const second = instance({
    sop: `${ROOT}.1.1.2`,
    extra: [
      {
        tag: T.ReferencedImageSequence,
        vr: 'SQ',
        items: [
          [
            { tag: T.ReferencedSOPClassUID, vr: 'UI', value: CT },
            { tag: T.ReferencedSOPInstanceUID, vr: 'UI', value: `${ROOT}.1.1.1` },
          ],
        ],
      },
    ],
  });
  const third = instance({ sop: `${ROOT}.1.1.3` });
  const [a, b, c] = [first, second, third].map((buf) => parseDicom(deidBuffer(buf, env).out));
  for (const tag of [T.StudyInstanceUID, T.SeriesInstanceUID, T.FrameOfReferenceUID]) {
    const u = str(a, tag);
    t.match(u, UID_2_25, 'a 2.25 pseudonym');
    t.not(u, str(parseDicom(first), tag), 'not the original');
    t.equal(str(b, tag), u, 'the same in the second file');
    t.equal(str(c, tag), u, 'the same in the third file');
  }
  const sops = [a, b, c].map((f) => str(f, T.SOPInstanceUID));
  t.equal(new Set(sops).size, 3, 'every instance keeps its own SOP Instance UID');
  const ref = item(b.dataset.get(T.ReferencedImageSequence));
  t.ok(ref, 'the Referenced Image Sequence (X/Z/U*) is kept');
  t.equal(ref && str(b, T.ReferencedSOPInstanceUID, ref), sops[0], "the reference names the referenced file's new SOP Instance UID");
  t.equal(ref && str(b, T.ReferencedSOPClassUID, ref), CT, 'a well-known SOP Class UID is kept');
  t.equal(str(a, T.PatientID), str(c, T.PatientID), 'one patient, one pseudonym');
  t.match(str(a, T.PatientID), /^ANON/);
});

t.test('same secret → byte-identical outputs; different secret → different pseudonyms and UIDs', async (t) => {
  const buf = instance({ sop: `${ROOT}.2.1.1` });
  const once = deidBuffer(buf, basicEnv()).out;
  const again = deidBuffer(buf, createDeidEnv(basicProfile(), { key: Buffer.from(TEST_KEY) })).out;
  t.ok(once.equals(again), 'a second env with the same key writes the same bytes');
  const other = parseDicom(deidBuffer(buf, basicEnv([], OTHER_KEY)).out);
  const mine = parseDicom(once);
  for (const tag of [T.PatientID, T.PatientName, T.StudyInstanceUID, T.SeriesInstanceUID, T.SOPInstanceUID]) {
    t.not(str(other, tag), str(mine, tag), `(${tag.toString(16).padStart(8, '0')}) differs with another secret`);
  }
});

/** A patient's instance with a study date and dates nested in a kept sequence. */
function datedInstance(patientId: string, sop: string, studyDate: string): Buffer {
  return instance({
    patientId,
    sop,
    study: `${ROOT}.3.${patientId}`,
    extra: [
      { tag: T.SeriesDate, vr: 'DA', value: studyDate },
      { tag: T.AcquisitionDate, vr: 'DA', value: '20190305' },
      {
        tag: T.SharedFunctionalGroupsSequence,
        vr: 'SQ',
        items: [[{ tag: T.FrameContentSequence, vr: 'SQ', items: [[{ tag: T.FrameAcquisitionDateTime, vr: 'DT', value: '20190306081500.25' }]] }]],
      },
    ],
  });
}

const dayNumber = (da: string): number => Date.UTC(+da.slice(0, 4), +da.slice(4, 6) - 1, +da.slice(6, 8)) / 86_400_000;
const nestedDT = (f: DicomFile): string | undefined => {
  const frame = item(item(f.dataset.get(T.SharedFunctionalGroupsSequence))?.get(T.FrameContentSequence));
  return frame && str(f, T.FrameAcquisitionDateTime, frame);
};

t.test('dates of one patient, retainLongModifiedDates → one offset for every date, intervals kept; LongitudinalTemporalInformationModified MODIFIED', async (t) => {
  const env = basicEnv(['retainLongModifiedDates']);
  const a = parseDicom(deidBuffer(datedInstance('PID-A', `${ROOT}.3.1`, '20190304'), env).out);
  const b = parseDicom(deidBuffer(datedInstance('PID-A', `${ROOT}.3.2`, '20200101'), env).out);
  const offsetA = dayNumber(str(a, T.StudyDate)!) - dayNumber('20190304');
  t.ok(offsetA >= -3650 && offsetA <= -1, `offset ${offsetA} days within the profile's range`);
  t.equal(dayNumber(str(a, T.AcquisitionDate)!) - dayNumber('20190305'), offsetA, 'Acquisition Date moved by the same offset');
  t.equal(dayNumber(str(a, T.SeriesDate)!) - dayNumber('20190304'), offsetA, 'Series Date moved by the same offset');
  const dt = nestedDT(a);
  t.ok(dt, 'the nested Frame Acquisition DateTime is kept');
  t.equal(dayNumber(dt!) - dayNumber('20190306'), offsetA, 'the nested date-time moved by the same offset');
  t.equal(dt!.slice(8), '081500.25', 'its time of day kept');
  t.equal(dayNumber(dt!) - dayNumber(str(a, T.StudyDate)!), 2, 'the interval between Study Date and the nested date is kept');
  t.equal(dayNumber(str(b, T.SeriesDate)!) - dayNumber('20200101'), offsetA, "the patient's other study moved by the same offset");
  t.equal(str(a, T.LongitudinalTemporalInformationModified), 'MODIFIED');
  t.equal(str(a, T.StudyTime), '101530', 'times of day kept');
});

t.test('dates, basic profile → removed or emptied, LongitudinalTemporalInformationModified REMOVED; retainLongFullDates → unchanged, UNMODIFIED', async (t) => {
  const buf = datedInstance('PID-B', `${ROOT}.4.1`, '20190304');
  const basic = run(buf);
  t.equal(str(basic, T.StudyDate), '', 'Study Date (Z) emptied');
  t.notOk(basic.dataset.has(T.SeriesDate) && str(basic, T.SeriesDate) === '20190304', 'Series Date (X/D) not kept');
  t.not(nestedDT(basic), '20190306081500.25', 'the nested date-time (D) replaced');
  t.equal(str(basic, T.LongitudinalTemporalInformationModified), 'REMOVED');
  const full = run(buf, ['retainLongFullDates']);
  t.equal(str(full, T.StudyDate), '20190304');
  t.equal(str(full, T.AcquisitionDate), '20190305');
  t.equal(nestedDT(full), '20190306081500.25');
  t.equal(str(full, T.LongitudinalTemporalInformationModified), 'UNMODIFIED');
});

t.test('createDeidEnv with retainLongFullDates and retainLongModifiedDates → still one decision per date (modified wins as the more protective C)', async (t) => {
  // The loader refuses the pair; the engine itself ranks C above K (docs/precedence.md step 4).
  const f = run(datedInstance('PID-C', `${ROOT}.5.1`, '20190304'), ['retainLongFullDates', 'retainLongModifiedDates']);
  t.not(str(f, T.StudyDate), '20190304', 'Study Date shifted, not kept');
});

const ACME = { creator: tagOf(0x0019, 0x0010), element: tagOf(0x0019, 0x1010) };
const PHILIPS_PET = { creator: tagOf(0x7053, 0x0010), suv: tagOf(0x7053, 0x1000), unsafe: tagOf(0x7053, 0x1077) };

function privateInstance(): Buffer {
  return instance({
    sop: `${ROOT}.6.1`,
    extra: [
      { tag: ACME.creator, vr: 'LO', value: 'ACME' },
      { tag: ACME.element, vr: 'LO', value: 'DOE^JOHN PID12345' },
      { tag: PHILIPS_PET.creator, vr: 'LO', value: 'Philips PET Private Group' },
      { tag: PHILIPS_PET.suv, vr: 'DS', value: '0.00123' }, // (7053,xx00) SUV Factor: Table E.3.10-1
      { tag: PHILIPS_PET.unsafe, vr: 'LO', value: 'DOE JOHN' }, // (7053,xx77): not in the table
    ],
  });
}

t.test('private blocks, basic profile → every private element removed, creators with their blocks', async (t) => {
  const f = run(privateInstance());
  for (const tag of [ACME.creator, ACME.element, PHILIPS_PET.creator, PHILIPS_PET.suv, PHILIPS_PET.unsafe]) {
    t.notOk(f.dataset.has(tag), `(${tag.toString(16).padStart(8, '0')}) removed`);
  }
  t.notOk(
    f.dataset.elements.some((e) => (e.tag >>> 16) & 1),
    'no private group left',
  );
});

t.test('private blocks, retainSafePrivate → a Safe Private element kept with its creator; others removed, empty blocks dropped', async (t) => {
  const orig = parseDicom(privateInstance());
  const f = run(privateInstance(), ['retainSafePrivate']);
  t.notOk(f.dataset.has(ACME.element), 'ACME element removed');
  t.notOk(f.dataset.has(ACME.creator), 'ACME creator removed with its empty block');
  t.equal(str(f, PHILIPS_PET.creator), 'Philips PET Private Group', 'creator of the kept block kept');
  t.ok(f.dataset.get(PHILIPS_PET.suv)?.value?.equals(orig.dataset.get(PHILIPS_PET.suv)!.value!), 'SUV Factor kept unchanged');
  t.notOk(f.dataset.has(PHILIPS_PET.unsafe), 'an element of the same block not in the table removed');
});

const PHILIPS_PS = { creator: tagOf(0x2001, 0x0090), sequence: tagOf(0x2001, 0x9000) }; // (2001,xx00) 'Philips Imaging DD 129' Presentation State Sequence (SQ): Table E.3.10-1
const NESTED_ACME = { creator: tagOf(0x2005, 0x0010), element: tagOf(0x2005, 0x1010) };

/** A Safe Private sequence holding a date and a private block that is not safe, written SQ or (as converters do) UN. */
function safePrivateSequence(asUN: boolean): Buffer {
  const inner: FixtureElement[] = [
    { tag: T.InstanceCreationDate, vr: 'DA', value: '20091124' },
    { tag: NESTED_ACME.creator, vr: 'LO', value: 'NESTED VENDOR' },
    { tag: NESTED_ACME.element, vr: 'LO', value: 'DOE^JOHN PID12345' },
  ];
  return instance({
    sop: `${ROOT}.6.2`,
    extra: [
      { tag: PHILIPS_PS.creator, vr: 'LO', value: 'Philips Imaging DD 129' },
      asUN ? { tag: PHILIPS_PS.sequence, vr: 'UN', value: implicitItems([inner]) } : { tag: PHILIPS_PS.sequence, vr: 'SQ', items: [inner] },
    ],
  });
}

for (const asUN of [false, true]) {
  t.test(
    `Safe Private sequence written ${asUN ? 'UN' : 'SQ'}, retainSafePrivate + retainLongModifiedDates → kept, its items cleaned (date shifted, unsafe private element removed)`,
    async (t) => {
      const { out } = deidBuffer(safePrivateSequence(asUN), basicEnv(['retainSafePrivate', 'retainLongModifiedDates']));
      const f = parseDicom(out);
      t.ok(f.dataset.has(PHILIPS_PS.sequence), 'the Safe Private sequence is kept');
      t.notOk(out.includes(Buffer.from('20091124', 'latin1')), 'the date inside is shifted');
      t.notOk(out.includes(Buffer.from('DOE^JOHN PID12345', 'latin1')), 'the private element inside, not in the table, is removed');
      t.notOk(out.includes(Buffer.from('NESTED VENDOR', 'latin1')), 'and its creator');
    },
  );
}

t.test('a tag present twice in a malformed dataset, basic profile → both occurrences cleaned', async (t) => {
  // Writers that append after a stray item leave such duplicates (corpus: fo-dicom/FreezePattern.dcm).
  const buf = buildDicom({
    sopClassUID: CT,
    sopInstanceUID: `${ROOT}.13.1`,
    elements: [
      { tag: T.SOPClassUID, vr: 'UI', value: CT },
      { tag: T.SOPInstanceUID, vr: 'UI', value: `${ROOT}.13.1` },
      { tag: T.AccessionNumber, vr: 'SH', value: 'ACC111111' },
      { tag: T.AccessionNumber, vr: 'SH', value: 'ACC222222' },
      { tag: T.PatientName, vr: 'PN', value: 'DOE^JOHN' },
      { tag: T.PatientName, vr: 'PN', value: 'DOE^JANE' },
      { tag: T.StudyInstanceUID, vr: 'UI', value: `${ROOT}.13` },
      { tag: T.StudyInstanceUID, vr: 'UI', value: `${ROOT}.14` },
    ],
  });
  t.equal(parseDicom(buf).dataset.elements.filter((e) => e.tag === T.AccessionNumber).length, 2, 'the reader keeps both');
  const { out } = deidBuffer(buf, basicEnv());
  for (const s of ['ACC111111', 'ACC222222', 'DOE^JOHN', 'DOE^JANE', `${ROOT}.13`, `${ROOT}.14`]) {
    t.notOk(out.includes(Buffer.from(s, 'latin1')), `${s} nowhere in the output`);
  }
});

t.test('Patient Age over 89, retainPatientCharacteristics → kept, capped at 090Y; under 90 → unchanged', async (t) => {
  const PatientAge = tagOf(0x0010, 0x1010);
  for (const [age, want] of [
    ['092Y', '090Y'],
    ['045Y', '045Y'],
  ]) {
    const f = run(instance({ sop: `${ROOT}.6.3`, extra: [{ tag: PatientAge, vr: 'AS', value: age }] }), ['retainPatientCharacteristics']);
    t.equal(str(f, PatientAge), want, `${age} → ${want}`);
    t.notOk(run(instance({ sop: `${ROOT}.6.3`, extra: [{ tag: PatientAge, vr: 'AS', value: age }] })).dataset.has(PatientAge), `${age}, basic profile → removed`);
  }
});

const CODES: Record<string, string> = {
  cleanGraphics: '113103',
  cleanStructuredContent: '113104',
  cleanDescriptors: '113105',
  retainLongFullDates: '113106',
  retainLongModifiedDates: '113107',
  retainPatientCharacteristics: '113108',
  retainDeviceIdentity: '113109',
  retainUIDs: '113110',
  retainSafePrivate: '113111',
  retainInstitutionIdentity: '113112',
};

t.test('marks → Patient Identity Removed YES, method text and CID 7050 codes for the profile and each option in effect', async (t) => {
  for (const options of [[], ['retainUIDs', 'cleanDescriptors'], ['retainLongModifiedDates', 'retainSafePrivate', 'retainDeviceIdentity']] as OptionName[][]) {
    const f = run(instance({ sop: `${ROOT}.7.1` }), options);
    t.equal(str(f, T.PatientIdentityRemoved), 'YES');
    const method = str(f, T.DeidentificationMethod) ?? '';
    t.match(method, /BASIC/i, 'the method names the profile');
    for (const o of options) t.ok(method.includes(o), `the method names option ${o}`);
    const codes = (f.dataset.get(T.DeidentificationMethodCodeSequence)?.items ?? []).map((it) => str(f, T.CodeValue, it.dataset));
    t.same(codes.sort(), ['113100', ...options.map((o) => CODES[o])].sort(), `codes for [${options.join(', ')}]`);
  }
});

t.test('marks false → no marks written', async (t) => {
  const profile: EngineProfile = { ...basicProfile(), marks: false };
  const f = parseDicom(deidBuffer(instance({ sop: `${ROOT}.7.2` }), envFor(profile)).out);
  t.notOk(f.dataset.has(T.PatientIdentityRemoved));
  t.notOk(f.dataset.has(T.DeidentificationMethodCodeSequence));
});

/** A Part 10 file with a chosen meta group and preamble. */
function part10(preamble: Buffer, meta: FixtureElement[], elements: FixtureElement[]): Buffer {
  const enc = { explicit: true, little: true };
  const metaBody = encodeElements(meta, enc);
  const groupLength = encodeElements([{ tag: 0x00020000, vr: 'UL', value: [metaBody.length] }], enc);
  return Buffer.concat([preamble, Buffer.from('DICM', 'latin1'), groupLength, metaBody, encodeElements(elements, enc)]);
}

t.test('file meta and preamble → meta names the new SOP Instance UID and anonflow, source AE and private meta dropped; preamble zeroed', async (t) => {
  const sop = `${ROOT}.8.1`;
  const preamble = Buffer.alloc(128, 0);
  preamble.write('II*\u0000 TIFF header: patient DOE^JOHN PID12345', 'latin1');
  const buf = part10(
    preamble,
    [
      { tag: 0x00020001, vr: 'OB', value: Buffer.from([0, 1]) },
      { tag: T.MediaStorageSOPClassUID, vr: 'UI', value: CT },
      { tag: T.MediaStorageSOPInstanceUID, vr: 'UI', value: sop },
      { tag: T.TransferSyntaxUID, vr: 'UI', value: TS.explicitLE },
      { tag: T.ImplementationClassUID, vr: 'UI', value: '1.2.3.4.5.6' },
      { tag: T.ImplementationVersionName, vr: 'SH', value: 'HOSPITALPACS' },
      { tag: T.SourceApplicationEntityTitle, vr: 'AE', value: 'ST_ELSEWHERE' },
      { tag: T.PrivateInformationCreatorUID, vr: 'UI', value: '1.2.3.4.5.7' },
    ],
    [
      { tag: T.SOPClassUID, vr: 'UI', value: CT },
      { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
      { tag: T.PatientName, vr: 'PN', value: 'DOE^JOHN' },
      { tag: T.PatientID, vr: 'LO', value: 'PID12345' },
    ],
  );
  const { out } = deidBuffer(buf, basicEnv());
  t.ok(out.subarray(0, 128).equals(Buffer.alloc(128)), 'preamble zeroed');
  t.equal(out.subarray(128, 132).toString('latin1'), 'DICM');
  const f = parseDicom(out);
  t.equal(metaStr(f, T.MediaStorageSOPInstanceUID), str(f, T.SOPInstanceUID), 'MediaStorageSOPInstanceUID = SOPInstanceUID');
  t.match(metaStr(f, T.MediaStorageSOPInstanceUID), UID_2_25);
  t.equal(metaStr(f, T.MediaStorageSOPClassUID), CT);
  t.equal(metaStr(f, T.TransferSyntaxUID), TS.explicitLE);
  t.not(metaStr(f, T.ImplementationClassUID), '1.2.3.4.5.6', 'implementation class is anonflow’s');
  t.match(metaStr(f, T.ImplementationVersionName), /^ANONFLOW/);
  t.notOk(f.meta?.has(T.SourceApplicationEntityTitle), 'source AE title removed');
  t.notOk(f.meta?.has(T.PrivateInformationCreatorUID), 'private meta information removed');
  t.notOk(out.includes(Buffer.from('ST_ELSEWHERE')), 'the AE title is nowhere in the output');
});

t.test('file meta of a dataset without SOP Instance UID → MediaStorageSOPInstanceUID still replaced (PS3.15 row 279: U)', async (t) => {
  const orig = `${ROOT}.8.2`;
  const buf = buildDicom({
    sopClassUID: CT,
    sopInstanceUID: orig,
    elements: [
      { tag: T.SOPClassUID, vr: 'UI', value: CT },
      { tag: T.PatientName, vr: 'PN', value: 'DOE^JOHN' },
    ],
  });
  const { out } = deidBuffer(buf, basicEnv());
  const f = parseDicom(out);
  t.not(metaStr(f, T.MediaStorageSOPInstanceUID), orig, 'the original instance UID is not kept in the meta');
  t.notOk(out.includes(Buffer.from(orig, 'latin1')), 'the original instance UID is nowhere in the output');
});

t.test('raw dataset without meta → written as Part 10: preamble, DICM, meta with SOP class, new instance UID and transfer syntax', async (t) => {
  const buf = buildDicom({
    meta: false,
    preamble: false,
    elements: [
      { tag: T.SOPClassUID, vr: 'UI', value: CT },
      { tag: T.SOPInstanceUID, vr: 'UI', value: `${ROOT}.9.1` },
      { tag: T.PatientName, vr: 'PN', value: 'DOE^JOHN' },
      { tag: T.PatientID, vr: 'LO', value: 'PID12345' },
    ],
  });
  t.notOk(parseDicom(buf).meta, 'the input has no meta');
  const { out } = deidBuffer(buf, basicEnv());
  t.equal(out.subarray(128, 132).toString('latin1'), 'DICM');
  t.ok(out.subarray(0, 128).equals(Buffer.alloc(128)));
  const f = parseDicom(out);
  t.ok(f.meta, 'a meta group');
  t.equal(metaStr(f, T.MediaStorageSOPClassUID), CT);
  t.equal(metaStr(f, T.MediaStorageSOPInstanceUID), str(f, T.SOPInstanceUID));
  t.equal(metaStr(f, T.TransferSyntaxUID), TS.explicitLE, 'the encoding found: explicit VR little endian');
  t.match(str(f, T.PatientID), /^ANON/);

  const implicit = buildDicom({
    meta: false,
    preamble: false,
    transferSyntax: TS.implicitLE,
    elements: [
      { tag: T.SOPClassUID, vr: 'UI', value: CT },
      { tag: T.SOPInstanceUID, vr: 'UI', value: `${ROOT}.9.2` },
    ],
  });
  const g = parseDicom(deidBuffer(implicit, basicEnv()).out);
  t.equal(metaStr(g, T.TransferSyntaxUID), TS.implicitLE, 'implicit VR little endian');
});

/** Implicit VR little endian items, as a UN value holds a sequence (PS3.5 6.2.2). */
function implicitItems(items: FixtureElement[][]): Buffer {
  const parts: Buffer[] = [];
  for (const it of items) {
    const body = encodeElements(it, { explicit: false, little: true });
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0xfffe, 0);
    head.writeUInt16LE(0xe000, 2);
    head.writeUInt32LE(body.length, 4);
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

t.test('elements written as explicit UN → UIDs still remapped, names still pseudonymised, UN sequences cleaned', async (t) => {
  const sop = `${ROOT}.10.1`;
  const study = `${ROOT}.10`;
  const latin = (s: string): Buffer => Buffer.from(s.length & 1 ? `${s}\0` : s, 'latin1');
  const buf = buildDicom({
    sopClassUID: CT,
    sopInstanceUID: sop,
    elements: [
      { tag: T.SOPClassUID, vr: 'UN', value: latin(CT) },
      { tag: T.SOPInstanceUID, vr: 'UN', value: latin(sop) },
      {
        tag: T.ReferencedImageSequence,
        vr: 'UN',
        value: implicitItems([
          [
            { tag: T.ReferencedSOPClassUID, vr: 'UI', value: CT },
            { tag: T.ReferencedSOPInstanceUID, vr: 'UI', value: `${ROOT}.10.2` },
          ],
        ]),
      },
      { tag: T.PatientName, vr: 'UN', value: Buffer.from('DOE^JOHN', 'latin1') },
      { tag: T.PatientID, vr: 'UN', value: Buffer.from('PID12345', 'latin1') },
      { tag: T.StudyInstanceUID, vr: 'UN', value: latin(study) },
      { tag: T.SeriesInstanceUID, vr: 'UN', value: latin(`${ROOT}.10.3`) },
    ],
  });
  const { out } = deidBuffer(buf, basicEnv());
  const f = parseDicom(out);
  const expected = parseDicom(deidBuffer(instance({ sop, study }), basicEnv()).out);
  t.equal(str(f, T.SOPInstanceUID), str(expected, T.SOPInstanceUID), 'SOP Instance UID remapped as if written UI');
  t.equal(str(f, T.StudyInstanceUID), str(expected, T.StudyInstanceUID), 'Study Instance UID remapped as if written UI');
  t.match(str(f, T.SeriesInstanceUID), UID_2_25);
  t.equal(str(f, T.SOPClassUID), CT, 'SOP Class UID kept');
  t.equal(metaStr(f, T.MediaStorageSOPInstanceUID), str(f, T.SOPInstanceUID));
  t.match(str(f, T.PatientID), /^ANON/);
  t.match(str(f, T.PatientName), /^ANON/);
  // The sequence may be written back as UN (implicit VR items, PS3.5 6.2.2): look at its bytes.
  const seq = f.dataset.get(T.ReferencedImageSequence);
  t.ok(seq, 'the UN sequence kept (X/Z/U*)');
  const referenced = str(parseDicom(deidBuffer(instance({ sop: `${ROOT}.10.2` }), basicEnv()).out), T.SOPInstanceUID)!;
  const inner = seq?.items ? str(f, T.ReferencedSOPInstanceUID, item(seq)!) : seq?.value?.toString('latin1');
  t.ok(inner?.includes(referenced), "the UID inside remapped to the referenced instance's new UID");
  for (const s of [sop, study, `${ROOT}.10.2`, `${ROOT}.10.3`, 'DOE^JOHN', 'PID12345']) {
    t.notOk(out.includes(Buffer.from(s, 'latin1')), `${s} nowhere in the output`);
  }
});

t.test('createDeidEnv with Clean Recognizable Visual Features → refused with DEID_UNSUPPORTED before any file is touched', async (t) => {
  let error: unknown;
  try {
    createDeidEnv(basicProfile(['cleanRecognizableVisualFeatures']), { key: TEST_KEY });
  } catch (e) {
    error = e;
  }
  t.ok(error instanceof DeidError, 'a DeidError');
  t.equal((error as DeidError | undefined)?.code, 'DEID_UNSUPPORTED');
});

t.test('createDeidEnv with Clean Pixel Data → accepted; its code is claimed per cleaned image, not by the marks', async (t) => {
  const env = createDeidEnv(basicProfile(['cleanPixelData']), { key: TEST_KEY });
  const f = parseDicom(instance({ sop: `${ROOT}.99.1` }));
  deidentify(f, env);
  const codes = (f.dataset.get(0x00120064)?.items ?? []).map((it) => it.dataset.get(0x00080100)!.value!.toString('latin1').trim());
  t.same(codes, ['113100'], 'an image not masked does not claim 113101');
});

t.test('Content Sequence with cleanStructuredContent → text content items cleaned of the patient’s name', async (t) => {
  const buf = instance({
    sop: `${ROOT}.11.1`,
    extra: [
      {
        tag: T.ContentSequence,
        vr: 'SQ',
        items: [
          [
            { tag: T.ValueType, vr: 'CS', value: 'TEXT' },
            { tag: T.TextValue, vr: 'UT', value: 'Patient John Doe (PID12345) reports pain since 2019-03-01' },
          ],
        ],
      },
    ],
  });
  const basic = run(buf);
  const basicText = str(basic, T.TextValue, item(basic.dataset.get(T.ContentSequence))!);
  t.notOk(/john|doe|PID12345/i.test(basicText ?? ''), `basic (D): ${basicText}`);
  const f = run(buf, ['cleanStructuredContent']);
  const text = str(f, T.TextValue, item(f.dataset.get(T.ContentSequence))!);
  t.ok(text !== undefined, 'the text content item is kept');
  t.notOk(/john|doe|PID12345/i.test(text ?? ''), `cleaned: ${text}`);
});

t.test('identity-like profile (defaults all K, no rules, marks false) → output byte-identical to the input', async (t) => {
  const identity: EngineProfile = {
    name: 'identity',
    layers: [{ profile: 'identity', rules: [] }],
    options: [],
    defaults: { public: 'K', unknownPublic: 'K', private: 'K' },
    pseudonyms: { patientIdPrefix: 'ANON', dateShiftDays: { min: -3650, max: -1 } },
    marks: false,
  };
  const preamble = Buffer.alloc(128, 0x41);
  const inputs = [
    instance({
      sop: `${ROOT}.12.1`,
      extra: [{ tag: T.ReferencedImageSequence, vr: 'SQ', undefinedLength: true, items: [[{ tag: T.ReferencedSOPInstanceUID, vr: 'UI', value: `${ROOT}.12.2` }]] }],
    }),
    privateInstance(),
    Buffer.concat([preamble, privateInstance().subarray(128)]),
    // In ascending tag order: an element out of order is removed as a possibly changed tag (src/deid/doubt.ts).
    buildDicom({
      transferSyntax: TS.implicitLE,
      elements: [
        { tag: T.SOPInstanceUID, vr: 'UI', value: `${ROOT}.12.3` },
        { tag: 0x00091001, vr: 'UN', value: Buffer.from('ABCD') },
        { tag: T.PatientName, vr: 'PN', value: 'DOE^JOHN' },
      ],
    }),
    buildDicom({ meta: false, preamble: false, elements: [{ tag: T.SOPInstanceUID, vr: 'UI', value: `${ROOT}.12.4` }] }),
  ];
  for (const [i, buf] of inputs.entries()) {
    const { out, result } = deidBuffer(buf, envFor(identity));
    t.ok(out.equals(buf), `input ${i + 1}: byte-identical`);
    t.same(result.entities, {}, `input ${i + 1}: nothing counted`);
  }
});
