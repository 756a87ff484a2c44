/**
 * Issue 16: what the engine remembers per thread (an element's scrub terms, the encoded marks, a
 * tag's entity kind, an IOD's attribute Types) is a pure function of what it is keyed by: a file
 * de-identified after other patients' files comes out exactly as it does first, and no patient's
 * terms reach another patient's file.
 */
import t from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { scrubTerms } from '../src/deid/scrub-terms.js';
import { FileState } from '../src/deid/state.js';
import { parseDicom } from '../src/dicom/file.js';
import * as T from '../src/dicom/tags.generated.js';
import { basicEnv, deidBuffer } from './helpers/deid.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';

/** A CT slice of one patient, with a kept description that names the patient. */
function slice(name: string, id: string, birth: string, institution: string, i: number): Buffer {
  const sop = `2.25.5151.${i}`;
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: CT },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.AccessionNumber, vr: 'SH', value: `ACC-${id}` },
    { tag: T.Modality, vr: 'CS', value: 'CT' },
    { tag: T.InstitutionName, vr: 'LO', value: institution },
    { tag: T.PatientName, vr: 'PN', value: name },
    { tag: T.PatientID, vr: 'LO', value: id },
    { tag: T.PatientBirthDate, vr: 'DA', value: birth },
    { tag: T.PatientSex, vr: 'CS', value: 'F' },
    { tag: T.StudyInstanceUID, vr: 'UI', value: `2.25.5151.${id.length}` },
    { tag: T.SeriesInstanceUID, vr: 'UI', value: `2.25.5151.${id.length}.1` },
    { tag: T.ImageType, vr: 'CS', value: 'ORIGINAL\\PRIMARY\\AXIAL' },
    { tag: T.ConvolutionKernel, vr: 'SH', value: 'B30f' },
  ];
  return buildDicom({ sopClassUID: CT, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

const A = (i: number): Buffer => slice('Wojciechowska^Halina^Maria', 'WH-7766554', '19580412', 'Saint Memo Clinic', i);
const B = (i: number): Buffer => slice('Oyelaran^Tunde', 'OT-1122334', '19901130', 'Riverside Memo Hospital', i);

const termsOf = (buf: Buffer): string[] => {
  const f = parseDicom(buf);
  const st = new FileState(f, basicEnv());
  return scrubTerms(f.dataset, st.top, st.rules, st.read).map((x) => `${x.label}:${x.kind}:${x.folded}`);
};

t.test('a file de-identified again after another patient’s files → the same bytes, counts and warnings', async (t) => {
  const env = basicEnv();
  const first = deidBuffer(A(1), env);
  for (let i = 2; i < 6; i++) deidBuffer(B(i), env);
  const again = deidBuffer(A(1), env);
  t.ok(first.out.equals(again.out), 'same output bytes');
  t.same(Object.entries(again.result.entities), Object.entries(first.result.entities), 'same counts, in the same order');
  t.same(again.result.warnings, first.result.warnings);
  t.ok(Object.keys(first.result.entities).length > 0, 'something was counted');
});

t.test('scrub terms taken again after another patient’s → the same list; none of the other patient’s', async (t) => {
  const a1 = termsOf(A(1));
  const b = termsOf(B(2));
  const a2 = termsOf(A(3));
  t.same(a2, a1, 'same terms in the same order');
  t.ok(
    a1.some((x) => x.endsWith(':wojciechowska')),
    'the family name is a term',
  );
  t.ok(
    a1.some((x) => x.startsWith('DATE:') && x.endsWith('1958-04-12')),
    'a birth-date form is a term',
  );
  t.notOk(
    b.some((x) => x.includes('wojciechowska') || x.includes('7766554') || x.includes('1958')),
    'no term of the first patient',
  );
  t.ok(
    b.some((x) => x.endsWith(':oyelaran')),
    'the second patient’s own name is',
  );
});
