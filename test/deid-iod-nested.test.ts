/**
 * IOD-aware compound actions inside sequences (issue 12, deliverable 2): X/Z, Z/D, X/D, X/Z/D and
 * X/Z/U* on an attribute nested in a sequence item are resolved from its Type in that item (the
 * macro or sequence table of PS3.3, generated into NESTED_ATTRIBUTE_TYPES), as at top level; where
 * the extraction lacks the path, the type-free choice stands.
 */
import t from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { parseDicom } from '../src/dicom/file.js';
import type { DataSet } from '../src/dicom/dataset.js';
import { decodeStrings, fileContext } from '../src/dicom/values.js';
import { tagChain, iodOf } from '../src/deid/iod.js';
import { NESTED_ATTRIBUTE_TYPES } from '../src/profile/iod-types.generated.js';
import * as T from '../src/dicom/tags.generated.js';
import { basicEnv, deidBuffer } from './helpers/deid.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const ROOT = '1.2.826.0.1.3680043.9.7.12';

function file(extra: FixtureElement[]): Buffer {
  const sop = `${ROOT}.1`;
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: CT },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.PatientName, vr: 'PN', value: 'NESTED^PATIENT' },
    { tag: T.PatientID, vr: 'LO', value: 'NESTED-PID' },
    { tag: T.StudyInstanceUID, vr: 'UI', value: `${ROOT}.0` },
    ...extra,
  ];
  return buildDicom({ sopClassUID: CT, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

/** De-identifies a CT file with one sequence holding one item; returns the output's item. */
function item(seq: number, inner: FixtureElement[]): { ds: DataSet | undefined; text: (tag: number) => string | undefined } {
  const { out } = deidBuffer(file([{ tag: seq, vr: 'SQ', items: [inner.sort((a, b) => a.tag - b.tag)] }]), basicEnv());
  const f = parseDicom(out);
  const ds = f.dataset.get(seq)?.items?.[0]?.dataset;
  const text = (tag: number): string | undefined => {
    const el = ds?.get(tag);
    return el ? decodeStrings(el, fileContext(f)).join('\\') : undefined;
  };
  return { ds, text };
}

t.test('nested Types are generated data keyed by the tags from the top', async (tt) => {
  tt.equal(NESTED_ATTRIBUTE_TYPES['0018A001/00080080'], '3', 'Institution Name is Type 3 in Contributing Equipment Sequence');
  tt.equal(NESTED_ATTRIBUTE_TYPES['00189506/0018700A'], '1', 'Detector ID is Type 1 in Contributing Sources Sequence');
  tt.same(tagChain('(0018,A001)[0].(0008,0080)'), [T.ContributingEquipmentSequence, T.InstitutionName]);
  tt.equal(iodOf(CT)?.typeAt([T.ContributingEquipmentSequence, T.InstitutionName]), '3');
  tt.equal(iodOf(CT)?.typeAt([T.ContributingEquipmentSequence, 0x00091010]), undefined, 'a path the extraction lacks has no Type');
});

t.test('X/Z/D nested where it is Type 3 (Institution Name in Contributing Equipment) → removed, not a dummy', async (tt) => {
  const { ds, text } = item(T.ContributingEquipmentSequence, [
    { tag: T.Manufacturer, vr: 'LO', value: 'ACME' },
    { tag: T.InstitutionName, vr: 'LO', value: 'NEEDLE HOSPITAL' },
    { tag: T.DeviceSerialNumber, vr: 'LO', value: 'SN-NEEDLE' },
  ]);
  tt.ok(ds, 'the item is kept');
  tt.equal(text(T.InstitutionName), undefined, 'Institution Name removed');
  tt.equal(text(T.DeviceSerialNumber), undefined, 'Device Serial Number (X/Z/D, Type 3) removed');
});

t.test('X/Z/D nested where it is Type 1C (Station Name in Contributing Sources) → a dummy', async (tt) => {
  const { text } = item(T.ContributingSourcesSequence, [{ tag: T.StationName, vr: 'SH', value: 'NEEDLESTATION' }]);
  const v = text(T.StationName);
  tt.ok(v, 'present with a value');
  tt.not(v, 'NEEDLESTATION', 'replaced');
});

t.test('X/Z nested where it is Type 2 (Requested Procedure Description in Referenced Request) → emptied, present', async (tt) => {
  const { text } = item(T.ReferencedRequestSequence, [
    { tag: T.StudyInstanceUID, vr: 'UI', value: `${ROOT}.0` },
    { tag: T.RequestedProcedureDescription, vr: 'LO', value: 'NEEDLE PROCEDURE' },
  ]);
  tt.equal(text(T.RequestedProcedureDescription), '', 'Type 2: Z');
});

t.test('X/Z nested where it is Type 3 (Source Serial Number in Source Sequence) → removed', async (tt) => {
  const { ds, text } = item(T.SourceSequence, [
    { tag: T.SourceNumber, vr: 'IS', value: '1' },
    { tag: T.SourceSerialNumber, vr: 'LO', value: 'SRC-NEEDLE' },
  ]);
  tt.ok(ds, 'the item is kept');
  tt.equal(text(T.SourceSerialNumber), undefined, 'Type 3: X');
});

t.test('X/D nested where it is Type 1 (Detector ID in Contributing Sources) → a dummy', async (tt) => {
  const { text } = item(T.ContributingSourcesSequence, [{ tag: T.DetectorID, vr: 'SH', value: 'DET-NEEDLE' }]);
  const v = text(T.DetectorID);
  tt.ok(v, 'present with a value');
  tt.not(v, 'DET-NEEDLE', 'replaced');
});

t.test('X/D nested where it is Type 3 (Detector ID in X-Ray 3D Acquisition) → removed', async (tt) => {
  const { ds, text } = item(T.XRay3DAcquisitionSequence, [
    { tag: T.KVP, vr: 'DS', value: '120' },
    { tag: T.DetectorID, vr: 'SH', value: 'DET-NEEDLE' },
  ]);
  tt.ok(ds, 'the item is kept');
  tt.equal(text(T.DetectorID), undefined, 'Type 3: X');
});

t.test('Z/D nested (Patient ID in Source Patient Group Identification, Type 1) → replaced, present', async (tt) => {
  const { text } = item(T.SourcePatientGroupIdentificationSequence, [{ tag: T.PatientID, vr: 'LO', value: 'NESTED-PID' }]);
  const v = text(T.PatientID);
  tt.ok(v, 'present with a value');
  tt.not(v, 'NESTED-PID', 'replaced');
});

t.test('X/Z/U* nested where it is Type 1 (Referenced Image in Referenced Series) → kept, UIDs remapped', async (tt) => {
  const { ds } = item(T.ReferencedSeriesSequence, [
    { tag: T.SeriesInstanceUID, vr: 'UI', value: `${ROOT}.3` },
    {
      tag: T.ReferencedImageSequence,
      vr: 'SQ',
      items: [
        [
          { tag: T.ReferencedSOPClassUID, vr: 'UI', value: CT },
          { tag: T.ReferencedSOPInstanceUID, vr: 'UI', value: `${ROOT}.4` },
        ],
      ],
    },
  ]);
  const ref = ds?.get(T.ReferencedImageSequence)?.items?.[0]?.dataset.get(T.ReferencedSOPInstanceUID);
  tt.ok(ref, 'the reference is kept');
  tt.not(ref?.value?.toString('latin1').replace(/\0$/, ''), `${ROOT}.4`, 'its UID remapped');
});

t.test('X/Z/D nested where the extraction lacks the path → the type-free choice (a dummy)', async (tt) => {
  // Institution Name is not an attribute of the Anatomic Region Sequence's items in PS3.3.
  const { text } = item(T.AnatomicRegionSequence, [
    { tag: T.CodeValue, vr: 'SH', value: 'T-D3000' },
    { tag: T.InstitutionName, vr: 'LO', value: 'NEEDLE HOSPITAL' },
  ]);
  const v = text(T.InstitutionName);
  tt.ok(v, 'D: present with a value');
  tt.not(v, 'NEEDLE HOSPITAL', 'replaced');
});
