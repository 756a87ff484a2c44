/**
 * DICOMDIR: directory records de-identified with the rules and mappings of the files they index,
 * and their byte offsets recomputed for the output. Outputs are checked by an independent walk
 * over the written bytes (not by src/deid/dicomdir.ts's own reader): every offset lands on an
 * item tag, and the tree has the shape of the original. No external tool (dciodvfy) is needed.
 */
import * as T from '../src/dicom/tags.generated.js';
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom, TS } from '../fixtures/build.js';
import { buildDicomdir, DRS, FIRST, LAST, LOWER, NEXT, TYPE, type BuildOptions, type Rec } from '../fixtures/dicomdir.js';
import { deidentifyDicomdir, dicomdirForHierarchy, fixDirectoryOffsets, isDicomdir, readDirectory, recordPatients } from '../src/deid/dicomdir.js';
import { deidentify } from '../src/deid/engine.js';
import { pathIdentifiers } from '../src/deid/path-identifiers.js';
import { DeidError } from '../src/deid/errors.js';
import type { ExplainEntry } from '../src/deid/state.js';
import type { OptionName } from '../src/deid/types.js';
import type { DataSet, Item } from '../src/dicom/dataset.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import type { DicomFile } from '../src/dicom/part10.js';
import { tagOf } from '../src/dicom/tag.js';
import { datasetContext, decodeStrings, fileContext, metaContext } from '../src/dicom/values.js';
import { mirrorRel } from '../src/job/layout.js';
import { CORPUS } from './helpers/corpus.js';
import { basicEnv } from './helpers/deid.js';

const DIR = join(CORPUS, 'pydicom', 'dicomdirtests');
const SKIP_DIR = existsSync(DIR) ? false : `DICOMDIR corpus not found at ${DIR}: corpus cases skipped`;
const CORPUS_DIRS = ['DICOMDIR', 'DICOMDIR-bigEnd', 'DICOMDIR-implicit', 'DICOMDIR-reordered', 'DICOMDIR-nopatient', 'DICOMDIR-empty.dcm'];

const FILE_ID = T.ReferencedFileID;
const REF_SOP_INSTANCE = T.ReferencedSOPInstanceUIDInFile;
const PATIENT_ID = T.PatientID;
const PATIENT_NAME = T.PatientName;
const STUDY_UID = T.StudyInstanceUID;
const SERIES_UID = T.SeriesInstanceUID;
const SOP_INSTANCE = T.SOPInstanceUID;
const STUDY_DATE = T.StudyDate;
const STUDY_DESCRIPTION = T.StudyDescription;
const CHARSET = tagOf(0x0008, 0x0005);
const MEDIA_SOP_INSTANCE = tagOf(0x0002, 0x0003);

const OPTIONS: OptionName[] = ['retainLongModifiedDates'];

// ---------------------------------------------------------------------------------------------
// An independent walk over written bytes.

interface Node {
  type: string;
  /** Referenced File ID of a record that has one (kept by the profile): pins each record's place. */
  file?: string;
  children: Node[];
}

interface Walked {
  file: DicomFile;
  roots: Node[];
  /** Each visited record with the records above it (nearest first). */
  visits: { item: Item; ancestors: Item[] }[];
  errors: string[];
  total: number;
}

const ITEM_TAG_LE = 0xe000fffe; // FFFE,E000 read as one little endian UL
const ITEM_TAG_BE = 0xfffee000;

function str(ds: DataSet, tag: number, f: DicomFile): string | undefined {
  const el = ds.get(tag);
  if (!el || !el.value) return el ? '' : undefined;
  return decodeStrings(el, datasetContext(ds, fileContext(f))).join('\\');
}

/** Follows (0004,1200) and every record's next / lower-level offsets through the raw bytes of `buf`. */
function walkBytes(buf: Buffer): Walked {
  const file = parseDicom(buf);
  const little = file.encoding.little;
  const items = file.dataset.get(DRS)?.items ?? [];
  const byStart = new Map(items.map((it) => [it.span!.start, it]));
  const errors: string[] = [];
  const ul = (ds: DataSet, tag: number): number => {
    const el = ds.get(tag);
    if (!el) return 0;
    return little ? el.value!.readUInt32LE(0) : el.value!.readUInt32BE(0);
  };
  const at = (off: number, from: string): Item | undefined => {
    if (off === 0) return undefined;
    const tag = off + 4 <= buf.length ? (little ? buf.readUInt32LE(off) : buf.readUInt32BE(off)) : -1;
    if (tag !== (little ? ITEM_TAG_LE : ITEM_TAG_BE)) errors.push(`${from}: offset ${off} is not at an item tag`);
    const it = byStart.get(off);
    if (!it) errors.push(`${from}: offset ${off} is not the start of a record item`);
    return it;
  };
  const seen = new Set<Item>();
  const visits: Walked['visits'] = [];
  const chain = (first: Item | undefined, ancestors: Item[]): Node[] => {
    const nodes: Node[] = [];
    for (let it = first; it;) {
      if (seen.has(it)) {
        errors.push('a record is visited twice');
        break;
      }
      seen.add(it);
      visits.push({ item: it, ancestors });
      const node: Node = { type: str(it.dataset, TYPE, file) ?? '', children: [] };
      const fileId = str(it.dataset, FILE_ID, file);
      if (fileId !== undefined) node.file = fileId;
      node.children = chain(at(ul(it.dataset, LOWER), 'lower'), [it, ...ancestors]);
      nodes.push(node);
      it = at(ul(it.dataset, NEXT), 'next');
    }
    return nodes;
  };
  const roots = chain(at(ul(file.dataset, FIRST), '(0004,1200)'), []);
  at(ul(file.dataset, LAST), '(0004,1202)');
  // Every offset anywhere, reached or not, must land on a record.
  for (const it of items) for (const tag of [NEXT, LOWER]) at(ul(it.dataset, tag), `record offset ${tag.toString(16)}`);
  return { file, roots, visits, errors, total: items.length };
}

/** De-identifies a DICOMDIR buffer and writes it. */
function deidDir(buf: Buffer, options: OptionName[] = OPTIONS): { out: Buffer; f: DicomFile; warnings: string[] } {
  const f = parseDicom(buf);
  const r = deidentifyDicomdir(f, basicEnv(options));
  fixDirectoryOffsets(f); // as the run calls it before writing: harmless after deidentifyDicomdir
  return { out: serializeDicom(f), f, warnings: r.warnings };
}

/** The tree with its File IDs as `rename` gives them (identity: as they are). */
const renamedTree = (nodes: Node[], rename: (id: string) => string): Node[] =>
  nodes.map((n) => ({ ...n, ...(n.file !== undefined ? { file: rename(n.file) } : {}), children: renamedTree(n.children, rename) }));

/**
 * The File ID the mirror layout gives the corpus file `id` (of the DICOMDIR's folder) when it is
 * there: each component renamed by that file's own header, as anon run renames it.
 */
function mirrorId(id: string): string {
  const path = join(DIR, ...id.split('\\'));
  if (!existsSync(path)) return id;
  const f = parseDicom(readFileSync(path));
  const env = basicEnv(OPTIONS);
  return mirrorRel(id.split('\\').join(sep), { key: env.key, tokens: pathIdentifiers([{ ds: f.dataset, ctx: fileContext(f) }], env) })
    .rel.split(sep)
    .join('\\');
}

function checkWalk(t: Test, input: Buffer, out: Buffer, rename: (id: string) => string = (id) => id): Walked {
  const before = walkBytes(input);
  const after = walkBytes(out);
  t.same(before.errors, [], 'the input directory is consistent');
  t.same(after.errors, [], 'every offset in the output lands on a record item tag');
  t.same(after.roots, renamedTree(before.roots, rename), 'the output tree has the shape of the original (types, and file IDs as the indexed files are renamed)');
  t.equal(after.visits.length, before.visits.length, 'the walk visits as many records as in the original, each once');
  t.equal(after.total, before.total, 'no record added or lost');
  return after;
}

// ---------------------------------------------------------------------------------------------
// A DICOMDIR built by hand (fixtures/build.ts), offsets computed here.

const PID_A = 'PAT-A-1234';
const NAME_A = 'SMITH^JOHN';
const STUDY_A = '1.2.826.0.1.3680043.9.7.1';
const SERIES_A = '1.2.826.0.1.3680043.9.7.1.1';
const SOP_A1 = '1.2.826.0.1.3680043.9.7.1.1.1';
const SOP_A2 = '1.2.826.0.1.3680043.9.7.1.1.2';
const DATE_A = '20200115';

function tree(): Rec[] {
  const image = (sop: string, file: string): Rec => ({
    type: 'IMAGE',
    els: [
      { tag: FILE_ID, vr: 'CS', value: file },
      { tag: tagOf(0x0004, 0x1510), vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: REF_SOP_INSTANCE, vr: 'UI', value: sop },
      { tag: tagOf(0x0004, 0x1512), vr: 'UI', value: TS.explicitLE },
      { tag: tagOf(0x0020, 0x0013), vr: 'IS', value: '1' },
    ],
  });
  return [
    {
      type: 'PATIENT',
      els: [
        { tag: PATIENT_NAME, vr: 'PN', value: NAME_A },
        { tag: PATIENT_ID, vr: 'LO', value: PID_A },
      ],
      children: [
        {
          type: 'STUDY',
          els: [
            { tag: STUDY_DATE, vr: 'DA', value: DATE_A },
            { tag: tagOf(0x0008, 0x0030), vr: 'TM', value: '101500' },
            { tag: tagOf(0x0008, 0x0050), vr: 'SH', value: 'ACC123' },
            { tag: STUDY_DESCRIPTION, vr: 'LO', value: 'Chest of SMITH' },
            { tag: STUDY_UID, vr: 'UI', value: STUDY_A },
            { tag: tagOf(0x0020, 0x0010), vr: 'SH', value: 'S1' },
          ],
          children: [
            {
              type: 'SERIES',
              els: [
                { tag: tagOf(0x0008, 0x0060), vr: 'CS', value: 'OT' },
                { tag: SERIES_UID, vr: 'UI', value: SERIES_A },
                { tag: tagOf(0x0020, 0x0011), vr: 'IS', value: '1' },
              ],
              children: [image(SOP_A1, 'A\\S1\\I1'), image(SOP_A2, 'A\\S1\\I2')],
            },
          ],
        },
      ],
    },
    {
      type: 'PATIENT',
      els: [
        { tag: PATIENT_NAME, vr: 'PN', value: 'JONES^MARY' },
        { tag: PATIENT_ID, vr: 'LO', value: 'PAT-B-5678' },
      ],
      children: [
        {
          type: 'STUDY',
          els: [
            { tag: STUDY_DATE, vr: 'DA', value: '20210704' },
            { tag: tagOf(0x0008, 0x0030), vr: 'TM', value: '080000' },
            { tag: STUDY_UID, vr: 'UI', value: '1.2.826.0.1.3680043.9.7.2' },
            { tag: tagOf(0x0020, 0x0010), vr: 'SH', value: 'S2' },
          ],
          children: [
            {
              type: 'SERIES',
              els: [
                { tag: tagOf(0x0008, 0x0060), vr: 'CS', value: 'OT' },
                { tag: SERIES_UID, vr: 'UI', value: '1.2.826.0.1.3680043.9.7.2.1' },
              ],
              children: [image('1.2.826.0.1.3680043.9.7.2.1.1', 'B\\S1\\I1')],
            },
          ],
        },
      ],
    },
  ];
}

/** The image file of patient A that the first IMAGE record indexes. */
function imageA(sop = SOP_A1): Buffer {
  return buildDicom({
    sopInstanceUID: sop,
    elements: [
      { tag: tagOf(0x0008, 0x0016), vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: SOP_INSTANCE, vr: 'UI', value: sop },
      { tag: STUDY_DATE, vr: 'DA', value: DATE_A },
      { tag: tagOf(0x0008, 0x0050), vr: 'SH', value: 'ACC123' },
      { tag: STUDY_DESCRIPTION, vr: 'LO', value: 'Chest of SMITH' },
      { tag: PATIENT_NAME, vr: 'PN', value: NAME_A },
      { tag: PATIENT_ID, vr: 'LO', value: PID_A },
      { tag: STUDY_UID, vr: 'UI', value: STUDY_A },
      { tag: SERIES_UID, vr: 'UI', value: SERIES_A },
    ],
  });
}

/** The de-identified values of an image file, read back from its output. */
function deidImage(buf: Buffer, options: OptionName[] = OPTIONS): Record<string, string | undefined> {
  const f = parseDicom(buf);
  deidentify(f, basicEnv(options));
  const g = parseDicom(serializeDicom(f));
  const get = (tag: number): string | undefined => str(g.dataset, tag, g);
  return { pid: get(PATIENT_ID), name: get(PATIENT_NAME), study: get(STUDY_UID), series: get(SERIES_UID), sop: get(SOP_INSTANCE), date: get(STUDY_DATE) };
}

/** The values the directory gives the image record `file` (through its PATIENT, STUDY and SERIES records). */
function recordValues(w: Walked, fileId: string): Record<string, string | undefined> | undefined {
  const visit = w.visits.find((v) => str(v.item.dataset, FILE_ID, w.file) === fileId);
  if (!visit) return undefined;
  const up = (type: string): DataSet | undefined => visit.ancestors.find((a) => str(a.dataset, TYPE, w.file) === type)?.dataset;
  const patient = up('PATIENT');
  const study = up('STUDY');
  const series = up('SERIES');
  return {
    pid: patient && str(patient, PATIENT_ID, w.file),
    name: patient && str(patient, PATIENT_NAME, w.file),
    study: study && str(study, STUDY_UID, w.file),
    series: series && str(series, SERIES_UID, w.file),
    sop: str(visit.item.dataset, REF_SOP_INSTANCE, w.file),
    date: study && str(study, STUDY_DATE, w.file),
  };
}

// ---------------------------------------------------------------------------------------------
// Fixture-built directories.

const VARIANTS: [string, BuildOptions][] = [
  ['explicit VR little endian', {}],
  ['implicit VR little endian', { transferSyntax: TS.implicitLE }],
  ['explicit VR big endian', { transferSyntax: TS.explicitBE }],
  ['undefined-length sequence and items', { undefinedLength: true }],
  ['records in reverse order of the tree', { reversed: true }],
  ['big endian, undefined lengths, reversed', { transferSyntax: TS.explicitBE, undefinedLength: true, reversed: true }],
];

for (const [name, o] of VARIANTS) {
  t.test(`fixture DICOMDIR (${name}) de-identified → offsets recomputed, records match the image files`, async (t) => {
    const input = buildDicomdir(tree(), o);
    t.same(walkBytes(input).errors, [], 'fixture offsets are right (checked by the independent walk)');
    const { out } = deidDir(input);
    t.not(out.length, input.length, 'record lengths changed, so offsets had to move');
    const w = checkWalk(t, input, out);
    t.equal(w.visits.length, 9, 'all 9 records visited');
    const fromDir = recordValues(w, 'A\\S1\\I1');
    const fromImage = deidImage(imageA());
    t.same(fromDir, fromImage, 'PatientID, PatientName, Study/Series/SOP Instance UIDs and shifted StudyDate as in the image file');
    t.not(fromImage.date, DATE_A, 'the date was shifted');
    t.not(fromImage.pid, PID_A, 'the Patient ID was replaced');
    t.same(recordValues(w, 'A\\S1\\I2')?.sop, deidImage(imageA(SOP_A2)).sop, 'the second image record too');
    for (const secret of [PID_A, NAME_A, STUDY_A, SOP_A1, 'JONES', 'PAT-B-5678', 'ACC123', 'SMITH']) {
      t.equal(out.indexOf(Buffer.from(secret, 'latin1')), -1, `${secret} is nowhere in the output`);
    }
    // The output's meta is consistent with what was written.
    const g = parseDicom(out);
    t.same(g.warnings, [], 'the output reads without warnings');
    t.not(decodeStrings(g.meta!.get(MEDIA_SOP_INSTANCE)!, metaContext(g))[0], '1.2.826.0.1.3680043.9.7.500', 'the DICOMDIR instance UID was remapped');
    t.notOk(g.dataset.has(tagOf(0x0012, 0x0062)), 'no de-identification marks added to the directory dataset');
  });
}

t.test('fixture DICOMDIR: second patient records get the second patient key, not the first', async (t) => {
  const input = buildDicomdir(tree());
  const f = parseDicom(input);
  const patients = [...recordPatients(f).values()];
  t.same(
    patients.map((r) => [r.type, r.patientId, r.depth]),
    [
      ['PATIENT', PID_A, 0],
      ['STUDY', PID_A, 1],
      ['SERIES', PID_A, 2],
      ['IMAGE', PID_A, 3],
      ['IMAGE', PID_A, 3],
      ['PATIENT', 'PAT-B-5678', 0],
      ['STUDY', 'PAT-B-5678', 1],
      ['SERIES', 'PAT-B-5678', 2],
      ['IMAGE', 'PAT-B-5678', 3],
    ],
  );
  t.ok(patients.every((r) => r.reachable && r.patientKey === r.patientId));
  const { out } = deidDir(input);
  const w = walkBytes(out);
  const imageB = buildDicom({
    elements: [
      { tag: STUDY_DATE, vr: 'DA', value: '20210704' },
      { tag: PATIENT_NAME, vr: 'PN', value: 'JONES^MARY' },
      { tag: PATIENT_ID, vr: 'LO', value: 'PAT-B-5678' },
      { tag: STUDY_UID, vr: 'UI', value: '1.2.826.0.1.3680043.9.7.2' },
      { tag: SERIES_UID, vr: 'UI', value: '1.2.826.0.1.3680043.9.7.2.1' },
    ],
  });
  const b = deidImage(imageB);
  const fromDir = recordValues(w, 'B\\S1\\I1')!;
  t.same([fromDir.pid, fromDir.name, fromDir.date, fromDir.study], [b.pid, b.name, b.date, b.study]);
});

t.test('fixDirectoryOffsets on an unchanged DICOMDIR → output byte-identical to the input', async (t) => {
  for (const [name, o] of VARIANTS) {
    const input = buildDicomdir(tree(), o);
    const f = parseDicom(input);
    fixDirectoryOffsets(f);
    t.ok(serializeDicom(f).equals(input), name);
  }
});

t.test('fixDirectoryOffsets called twice → same output (offsets map from the original positions)', async (t) => {
  const f = parseDicom(buildDicomdir(tree(), { reversed: true }));
  deidentifyDicomdir(f, basicEnv(OPTIONS));
  const once = serializeDicom(f);
  fixDirectoryOffsets(f);
  fixDirectoryOffsets(f);
  t.ok(serializeDicom(f).equals(once));
});

t.test('offset pointing at no record → DeidError DEID_FAILED naming the element', async (t) => {
  const input = buildDicomdir(tree());
  const f = parseDicom(input);
  const rec = f.dataset.get(DRS)!.items![2].dataset;
  const next = rec.get(NEXT)!;
  next.value = Buffer.from(next.value!);
  next.value.writeUInt32LE(12345);
  next.modified = true;
  let e: unknown;
  try {
    deidentifyDicomdir(f, basicEnv(OPTIONS));
  } catch (err) {
    e = err;
  }
  if (!(e instanceof DeidError)) throw new Error(`expected a DeidError, got ${String(e)}`);
  t.equal(e.code, 'DEID_FAILED');
  t.equal(e.path, '(0004,1220)[2].(0004,1400)');
  t.match(e.message, /12345/);
  t.match(readDirectory(parseDicom(input)).warnings, [], 'the untouched input reads without warnings');
});

t.test('deflated DICOMDIR → DeidError DEID_UNSUPPORTED, nothing changed', async (t) => {
  const f = parseDicom(buildDicomdir(tree(), { transferSyntax: TS.deflatedLE }));
  t.ok(isDicomdir(f));
  t.throws(() => deidentifyDicomdir(f, basicEnv()), { code: 'DEID_UNSUPPORTED' });
  t.throws(() => fixDirectoryOffsets(f), { code: 'DEID_UNSUPPORTED' });
  t.notOk(
    f.dataset.get(DRS)!.items!.some((it) => it.dataset.modified),
    'no record touched',
  );
});

t.test('isDicomdir → by meta SOP class, or by a Directory Record Sequence without meta', async (t) => {
  t.ok(isDicomdir(parseDicom(buildDicomdir(tree()))));
  t.notOk(isDicomdir(parseDicom(imageA())));
  const raw = buildDicom({
    meta: false,
    preamble: false,
    elements: [
      { tag: tagOf(0x0004, 0x1130), vr: 'CS', value: 'X' },
      { tag: DRS, vr: 'SQ', items: [] },
    ],
  });
  t.ok(isDicomdir(parseDicom(raw)));
});

t.test('Retain UIDs → DICOMDIR instance UID and record UIDs kept; without it remapped', async (t) => {
  const input = buildDicomdir(tree());
  const kept = parseDicom(deidDir(input, ['retainUIDs']).out);
  t.equal(decodeStrings(kept.meta!.get(MEDIA_SOP_INSTANCE)!, metaContext(kept))[0], '1.2.826.0.1.3680043.9.7.500');
  t.equal(recordValues(walkBytes(serializeDicom(kept)), 'A\\S1\\I1')?.sop, SOP_A1);
  t.equal(recordValues(walkBytes(deidDir(input).out), 'A\\S1\\I1')?.sop, deidImage(imageA()).sop);
});

t.test('explain entries and warnings of records → paths under (0004,1220)[i]', async (t) => {
  const f = parseDicom(buildDicomdir(tree()));
  const seen: ExplainEntry[] = [];
  const env = { ...basicEnv(OPTIONS), explain: (e: ExplainEntry) => seen.push(e) };
  deidentifyDicomdir(f, env);
  t.ok(seen.some((e) => e.path === '(0004,1220)[0].(0010,0020)' && e.before === PID_A));
  t.ok(seen.some((e) => e.path === '(0004,1220)[1].(0008,0020)' && e.before === DATE_A));
  t.ok(
    seen.some((e) => e.path === '(0004,1130)'),
    'top-level elements keep their own paths',
  );
});

/** UTF-8 bytes padded to even length. */
const utf8 = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return b.length & 1 ? Buffer.concat([b, Buffer.from(' ')]) : b;
};

t.test('character set declared at the top level → lent to records for their text, not written into them', async (t) => {
  const patient: Rec = {
    type: 'PATIENT',
    els: [
      { tag: PATIENT_NAME, vr: 'PN', value: utf8('MÜLLER^JOSÉ') },
      { tag: PATIENT_ID, vr: 'LO', value: 'P1' },
    ],
    children: [
      {
        type: 'STUDY',
        els: [
          { tag: STUDY_DESCRIPTION, vr: 'LO', value: utf8('Épaule gauche MÜLLER') },
          { tag: STUDY_UID, vr: 'UI', value: '1.2.3.4' },
        ],
      },
    ],
  };
  const input = buildDicomdir([patient], { top: [{ tag: CHARSET, vr: 'CS', value: 'ISO_IR 192' }] });
  const f = parseDicom(input);
  deidentifyDicomdir(f, basicEnv(['cleanDescriptors']));
  const g = parseDicom(serializeDicom(f));
  const study = g.dataset.get(DRS)!.items![1].dataset;
  t.notOk(study.has(CHARSET), 'the record gets no (0008,0005) of its own');
  t.equal(
    decodeStrings(study.get(STUDY_DESCRIPTION)!, datasetContext(study, fileContext(g)))[0],
    'Épaule gauche ******',
    'text read, scrubbed of the inherited name and written in UTF-8',
  );
  t.same(walkBytes(serializeDicom(f)).errors, []);
});

t.test('--layout hierarchy → a skip reason naming the File ID limits', async (t) => {
  const reason = dicomdirForHierarchy(parseDicom(buildDicomdir(tree())));
  t.match(reason, /hierarchy/);
  t.match(reason, /8 characters/);
  t.match(reason, /3 referenced file/);
  t.match(dicomdirForHierarchy(), /PS3\.10/);
});

// ---------------------------------------------------------------------------------------------
// The corpus DICOMDIRs (pydicom's test set) and the image files they index.

for (const name of CORPUS_DIRS) {
  t.test(`corpus ${name} de-identified → offsets land on records, same tree, no original patient values`, { skip: SKIP_DIR }, async (t) => {
    const input = readFileSync(join(DIR, name));
    const f0 = parseDicom(input);
    t.ok(isDicomdir(f0));
    const { out, f } = deidDir(input);
    const w = checkWalk(t, input, out, mirrorId);
    if (name === 'DICOMDIR-empty.dcm') {
      t.equal(w.total, 0);
      return;
    }
    if (name !== 'DICOMDIR-nopatient') t.equal(w.visits.length, w.total, 'every record reached from the root, once');
    const ctx = fileContext(w.file);
    for (const it of w.file.dataset.get(DRS)!.items!) {
      for (const tag of [PATIENT_ID, PATIENT_NAME]) {
        const el = it.dataset.get(tag);
        if (el) t.match(decodeStrings(el, datasetContext(it.dataset, ctx)).join(), /^ANON/, `record ${tag.toString(16)} is a pseudonym`);
      }
    }
    for (const secret of ['Doe^Archibald', 'Doe^Peter', '1.3.6.1.4.1.5962.1.1.0.0.0.1196527414.5534.0.11', '77654033', '98890234']) {
      t.equal(out.indexOf(Buffer.from(secret, 'latin1')), -1, `${secret} is not in the output`);
    }
    t.ok(f.zeroPreamble, 'preamble zeroed');
  });
}

t.test('corpus DICOMDIR records → same pseudonyms, UIDs and shifted StudyDate as the image files they index', { skip: SKIP_DIR }, async (t) => {
  for (const name of ['DICOMDIR', 'DICOMDIR-bigEnd', 'DICOMDIR-implicit', 'DICOMDIR-reordered']) {
    const input = readFileSync(join(DIR, name));
    const before = walkBytes(input);
    const w = walkBytes(deidDir(input).out);
    let compared = 0;
    for (const v of before.visits) {
      const fileId = str(v.item.dataset, FILE_ID, before.file);
      if (!fileId) continue;
      const path = join(DIR, ...fileId.split('\\'));
      if (!existsSync(path)) continue; // the corpus holds the files of one patient only
      const image = deidImage(readFileSync(path));
      t.not(mirrorId(fileId), fileId, `${name}: ${fileId} names its patient`);
      t.same(recordValues(w, mirrorId(fileId)), image, `${name}: ${fileId}, found at its renamed File ID`);
      compared++;
    }
    t.equal(compared, 7, `${name}: every indexed file present in the corpus compared`);
  }
});

t.test('corpus DICOMDIR-nopatient → orphan records keyed by their own chain, reported', { skip: SKIP_DIR }, async (t) => {
  const input = readFileSync(join(DIR, 'DICOMDIR-nopatient'));
  const tree0 = readDirectory(parseDicom(input));
  t.equal(tree0.records.filter((r) => r.reachable).length, 1, 'the root offset reaches one IMAGE record only');
  t.match(tree0.warnings.join('\n'), /51 directory record\(s\) not reachable/);
  const studies = tree0.records.filter((r) => r.type === 'STUDY');
  t.ok(
    studies.every((r) => r.patientId === '77654033' || r.patientId === '98890234'),
    'STUDY records under UNKNOWN records carrying a Patient ID',
  );
  // A study of patient 77654033 gets the date the image files of that patient get.
  const { out, warnings } = deidDir(input);
  t.match(warnings.join('\n'), /not reachable/);
  const g = parseDicom(out);
  const image = deidImage(readFileSync(join(DIR, '77654033', 'CR1', '6154')));
  const studyUIDs = g.dataset.get(DRS)!.items!.map((it) => str(it.dataset, STUDY_UID, g));
  const at = studyUIDs.indexOf(image.study);
  t.ok(at >= 0, 'the study of CR1 is in the directory, under its pseudonymous UID');
  t.equal(str(g.dataset.get(DRS)!.items![at].dataset, STUDY_DATE, g), image.date);
});
