/**
 * retainSafePrivate keeps a Safe Private element only with the VR PS3.15 Table E.3.10-1 gives it
 * (issue 12): a name written as UT under a row that says FD is not that row's meaning.
 */
import t from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { parseDicom } from '../src/dicom/file.js';
import { tagOf } from '../src/dicom/tag.js';
import { hasTableVR, safePrivateRow } from '../src/profile/safe-private-vr.js';
import * as T from '../src/dicom/tags.generated.js';
import { basicEnv, deidBuffer } from './helpers/deid.js';

const MR = '1.2.840.10008.5.1.4.1.1.4';
const CREATOR = tagOf(0x0019, 0x0010);
const B_MATRIX = tagOf(0x0019, 0x1027); // (0019,xx27) B Matrix, FD in the table

function file(el: FixtureElement): Buffer {
  const sop = '1.2.826.0.1.3680043.9.7.15.1';
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: MR },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.PatientName, vr: 'PN', value: 'PRIVATE^PAT' },
    { tag: T.PatientID, vr: 'LO', value: 'PRIV-1' },
    { tag: CREATOR, vr: 'LO', value: 'SIEMENS MR HEADER' },
    el,
  ];
  return buildDicom({ sopClassUID: MR, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

const fd = (n: number[]): Buffer => {
  const b = Buffer.alloc(n.length * 8);
  n.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b;
};

t.test('(0019,xx27) under "SIEMENS MR HEADER" (FD in the table) written as UT holding a name, retainSafePrivate → removed', async (tt) => {
  const { out } = deidBuffer(file({ tag: B_MATRIX, vr: 'UT', value: 'PRIVATE^PAT' }), basicEnv(['retainSafePrivate']));
  tt.notOk(parseDicom(out).dataset.get(B_MATRIX), 'removed');
  tt.notOk(out.toString('latin1').includes('PRIVATE^PAT'), 'the name is nowhere');
});

t.test('(0019,xx27) written as FD, retainSafePrivate → kept', async (tt) => {
  const { out } = deidBuffer(file({ tag: B_MATRIX, vr: 'FD', value: fd([1, 0, 0, 1, 0, 1]) }), basicEnv(['retainSafePrivate']));
  tt.ok(parseDicom(out).dataset.get(B_MATRIX), 'kept');
});

t.test('hasTableVR: same VR → yes; another VR → no; UN → only bytes that fit the table VR', async (tt) => {
  const row = safePrivateRow('SIEMENS MR HEADER', B_MATRIX)!;
  tt.equal(row.vr, 'FD');
  tt.ok(hasTableVR(row, 'FD', fd([1])));
  tt.notOk(hasTableVR(row, 'UT', Buffer.from('DOE^JOHN')));
  tt.ok(hasTableVR(row, 'UN', fd([1, 2])), 'UN of 16 bytes: two FD values');
  tt.notOk(hasTableVR(row, 'UN', Buffer.from('DOE^JOHN  ')), 'UN of 10 bytes cannot be FD');
  const ds = safePrivateRow('Philips PET Private Group', tagOf(0x7053, 0x1000))!;
  tt.ok(hasTableVR(ds, 'UN', Buffer.from('1.234 ')), 'UN text that is a DS');
  tt.notOk(hasTableVR(ds, 'UN', Buffer.from('DOE^JOHN')), 'UN text that is not a DS');
});
