/**
 * Fail closed on doubt (issue 13, "Must hold"): a misread element never carries the patient's name
 * into an output. A length that makes a kept element swallow the elements after it, a meta
 * element that runs into the dataset, a name under a tag that is not a name: each input is either
 * failed with a typed error or written without the name.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildDicom, TS, type FixtureElement } from '../fixtures/build.js';
import { deidentify } from '../src/deid/engine.js';
import { DeidError } from '../src/deid/errors.js';
import { Element } from '../src/dicom/dataset.js';
import { DicomError } from '../src/dicom/errors.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import { decodeStrings, fileContext } from '../src/dicom/values.js';
import { invalidValue } from '../src/dicom/value-check.js';
import { processFile } from '../src/job/process-file.js';
import { CORPUS, corpusFiles, SKIP_CORPUS } from './helpers/corpus.js';
import { basicEnv, basicProfile, envFor } from './helpers/deid.js';

const NAME = 'Doe^Jane';
const ID_VALUE = 'id11111';

type Result = { kind: 'failed'; code: string } | { kind: 'written'; out: Buffer; warnings: string[] };

/** Reads, de-identifies and writes in memory; a typed error is a failed file, anything else propagates. */
function run(buf: Buffer, env = basicEnv()): Result {
  try {
    const f = parseDicom(buf);
    const { warnings } = deidentify(f, env);
    return { kind: 'written', out: serializeDicom(f), warnings };
  } catch (e) {
    if (e instanceof DicomError || e instanceof DeidError) return { kind: 'failed', code: e.code };
    throw e;
  }
}

const holds = (out: Buffer, s: string): boolean => out.includes(Buffer.from(s, 'latin1'));

/** The input's patient name as its bytes are written (trailing padding removed), if it has one worth searching. */
function patientName(buf: Buffer): string | undefined {
  try {
    const f = parseDicom(buf);
    const pn = f.dataset.get(0x00100010);
    if (!pn || pn.vr !== 'PN' || !pn.value) return undefined;
    const v = decodeStrings(pn, fileContext(f))[0];
    return v && v.length >= 4 && !/^(ANONYMI[SZ]ED|ANONYMOUS|REMOVED)$/i.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the 2-byte length of the first explicit-VR element with `tag` (in the meta or the dataset) to `length`. */
function withLength(buf: Buffer, tag: number, length: number): Buffer | undefined {
  const f = parseDicom(buf);
  if (f.deflated || !f.encoding.explicit || !f.encoding.little) return undefined;
  const el = (tag >>> 16 === 0x0002 ? f.meta?.elements : f.dataset.elements)?.find((e) => e.tag === tag);
  if (!el?.span || el.badVR !== undefined) return undefined;
  const out = Buffer.from(buf);
  out.writeUInt16LE(length, el.span.start + 6);
  return out;
}

const LENGTH_MUTATIONS: [string, number, number][] = [
  ['Modality (0008,0060) length set to 142', 0x00080060, 142],
  ['Media Storage SOP Class UID (0002,0002) length set to 562', 0x00020002, 562],
];

for (const [what, tag, length] of LENGTH_MUTATIONS) {
  t.test(`${what}, every corpus file with a patient name → failed or written without the name`, { skip: SKIP_CORPUS }, async (t) => {
    let tried = 0;
    let failed = 0;
    const leaks: string[] = [];
    for (const rel of corpusFiles()) {
      const buf = readFileSync(join(CORPUS, rel));
      if (buf.length > 8 * 1024 * 1024) continue;
      const name = patientName(buf);
      if (!name) continue;
      const mutant = withLength(buf, tag, length);
      if (!mutant) continue;
      tried++;
      const r = run(mutant);
      if (r.kind === 'failed') failed++;
      else if (holds(r.out, name)) leaks.push(`${rel}: ${JSON.stringify(name)}`);
    }
    t.ok(tried >= 20, `${tried} corpus files mutated`);
    t.same(leaks, [], `${tried - failed} written, ${failed} failed, none with the name`);
  });
}

t.test('Modality (0008,0060) length set to 142 in TestPattern_RGB.dcm, through the per-file job → not written, or written without the name', { skip: SKIP_CORPUS }, async (t) => {
  const buf = readFileSync(join(CORPUS, 'fo-dicom/TestPattern_RGB.dcm'));
  const name = patientName(buf)!;
  t.ok(name, 'the input has a patient name');
  const dir = mkdtempSync(join(tmpdir(), 'anon-failclosed-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in.dcm');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(input, withLength(buf, 0x00080060, 142)!);
  const o = await processFile(input, 'in.dcm', { out: join(dir, 'out'), layout: 'mirror', env: basicEnv() });
  t.not(o.status, 'skipped', `not skipped as not DICOM (${o.status})`);
  if (o.status === 'written') t.notOk(holds(readFileSync(o.output), name), 'the output does not hold the name');
  else t.ok(o.status === 'failed' || o.status === 'quarantined', `not written (${o.status})`);
});

// -------------------------------------------------------------------------------------------
// A name under a tag that is not a name.

const base = (extra: FixtureElement[]): Buffer =>
  buildDicom({
    transferSyntax: TS.explicitLE,
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: 0x00080018, vr: 'UI', value: '2.25.1234' },
      { tag: 0x00100020, vr: 'LO', value: 'PID-1' },
      ...extra,
    ].sort((a, b) => a.tag - b.tag),
  });

const NAME_UNDER: [string, number][] = [
  ['Modality (0008,0060)', 0x00080060],
  ['Body Part Examined (0018,0015)', 0x00180015],
  ['Photometric Interpretation (0028,0004)', 0x00280004],
  ['Image Display Format (2010,0010)', 0x20100010],
  ['unknown public tag (1010,0010)', 0x10100010],
  ['group length (0010,0000)', 0x00100000],
  ['Device Sequence (0050,0010), an SQ', 0x00500010],
];

/** A profile that keeps every public attribute, known or not: the check must not depend on the rules removing it. */
const keepAll = () => envFor({ ...basicProfile(), layers: [{ profile: 'keep', rules: [] }], defaults: { public: 'K', unknownPublic: 'K', private: 'X' }, marks: false });

for (const [what, tag] of NAME_UNDER) {
  t.test(`a name under ${what} with explicit VR PN → written without it`, async (t) => {
    const buf = base([{ tag, vr: 'PN', value: NAME }]);
    for (const [profile, env] of [
      ['basic profile', basicEnv()],
      ['a profile keeping every public attribute', keepAll()],
    ] as const) {
      const r = run(buf, env);
      t.equal(r.kind, 'written', `${profile}: written`);
      if (r.kind === 'written') {
        t.notOk(holds(r.out, NAME), `${profile}: the name is not in the output`);
        t.ok(
          r.warnings.some((w) => w.includes('removed')),
          `${profile}: the removal is a warning`,
        );
      }
    }
  });
}

t.test('a kept CS value that swallowed the next element headers → removed, with a warning', async (t) => {
  // Modality's length covers the Manufacturer element after it (as a misread length would).
  const swallowed = Buffer.concat([Buffer.from('CT'), Buffer.from([0x08, 0x00, 0x70, 0x00]), Buffer.from('LO'), Buffer.from([0x08, 0x00]), Buffer.from(NAME)]);
  const buf = base([{ tag: 0x00080060, vr: 'CS', value: swallowed }]);
  const r = run(buf, keepAll());
  t.equal(r.kind, 'written');
  if (r.kind === 'written') {
    t.notOk(holds(r.out, NAME), 'the swallowed name is not in the output');
    t.ok(
      r.warnings.some((w) => w.startsWith('(0008,0060)') && w.includes('control byte')),
      'the warning names the element and why',
    );
  }
});

t.test('a kept element whose explicit VR differs from the dictionary (LO on Rows) → removed', async (t) => {
  const r = run(base([{ tag: 0x00280010, vr: 'LO', value: NAME }]), keepAll());
  t.equal(r.kind, 'written');
  if (r.kind === 'written') t.notOk(holds(r.out, NAME), 'the value is not in the output');
});

t.test('command group (0000,1000) and group lengths in a dataset → dropped', async (t) => {
  const buf = base([
    { tag: 0x00001000, vr: 'UI', value: '1.2.3.4.5.6.7.8' },
    { tag: 0x00080000, vr: 'UL', value: [1234] },
  ]);
  const r = run(buf, keepAll());
  t.equal(r.kind, 'written');
  if (r.kind !== 'written') return;
  const g = parseDicom(r.out);
  t.notOk(g.dataset.get(0x00001000), '(0000,1000) dropped');
  t.notOk(g.dataset.get(0x00080000), '(0008,0000) dropped');
});

// -------------------------------------------------------------------------------------------
// The file meta.

t.test('a meta UID holding the start of the dataset → BAD_META with the element path', async (t) => {
  const buf = base([{ tag: 0x00100010, vr: 'PN', value: NAME }]);
  const f = parseDicom(buf);
  const el = f.meta!.get(0x00020002)!;
  const mutant = Buffer.from(buf);
  mutant.writeUInt16LE(el.value!.length + 40, el.span!.start + 6);
  try {
    parseDicom(mutant);
    t.fail('parsed');
  } catch (e) {
    t.ok(e instanceof DicomError, 'a DicomError');
    t.equal((e as DicomError).code, 'BAD_META');
    t.equal((e as DicomError).path, '(0002,0002)');
  }
});

t.test('meta elements other than identity and encoding → not carried into the output', async (t) => {
  const buf = base([]);
  const f = parseDicom(buf);
  const ae = new Element(0x00020016, 'AE', 8);
  ae.value = Buffer.from('SRCNODE ');
  f.meta!.set(ae);
  const odd = new Element(0x00020099, 'LO', 8);
  odd.value = Buffer.from(NAME);
  f.meta!.set(odd);
  const env = envFor({ ...basicProfile(), marks: false });
  const { warnings } = deidentify(f, env);
  const g = parseDicom(serializeDicom(f));
  t.same(
    g.meta!.elements.map((e) => e.tag.toString(16)),
    ['20000', '20001', '20002', '20003', '20010', '20012', '20013'],
    'group length, version, SOP class, instance, transfer syntax, implementation',
  );
  t.ok(
    warnings.some((w) => w.includes('00020099')),
    'the unknown meta element is reported',
  );
});

// -------------------------------------------------------------------------------------------
// Values against their VR.

t.test('invalidValue: values of their VR → undefined; others → the reason', async (t) => {
  const el = (vr: string, value: Buffer | string): Element => {
    const e = new Element(0x00080060, vr, value.length);
    e.value = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
    return e;
  };
  t.equal(invalidValue(el('CS', 'CT')), undefined, 'CS "CT"');
  t.equal(invalidValue(el('CS', 'ORIGINAL\\PRIMARY\\AXIAL ')), undefined, 'multi-valued CS with padding');
  t.equal(invalidValue(el('UI', '1.2.840.10008.1.2\0')), undefined, 'UI padded with NUL');
  t.equal(invalidValue(el('LT', 'line one\r\nline two')), undefined, 'LT with CR LF');
  t.match(invalidValue(el('CS', 'CT\x08\x00p\x00LO')), /control byte/, 'CS holding an element header');
  t.match(invalidValue(el('CS', 'Doe^Jane')), /repertoire/, 'CS holding a name');
  t.match(invalidValue(el('UI', '1.2.3A')), /repertoire/, 'UI with a letter');
  t.match(invalidValue(el('IS', '01160501010100')), /at most 12/, 'IS of 14 digits');
  t.match(invalidValue(el('LO', 'a\x00b')), /NUL/, 'LO with an inner NUL');
  t.match(invalidValue(el('US', Buffer.alloc(3))), /whole number/, 'US of 3 bytes');
  t.match(invalidValue(el('US', Buffer.alloc(142)), '1'), /dictionary allows 1/, 'US of 71 values where VM is 1');
});

t.test('a kept element with invalid VR bytes → written with the VR it was read as', async (t) => {
  const buf = base([{ tag: 0x00280010, vr: 'US', value: [4] }]);
  const f0 = parseDicom(buf);
  const rows = f0.dataset.get(0x00280010)!;
  const mutant = Buffer.from(buf);
  mutant.write('  ', rows.span!.start + 4, 'latin1'); // blank VR, as some writers emit
  const r = run(mutant, keepAll());
  t.equal(r.kind, 'written');
  if (r.kind !== 'written') return;
  const g = parseDicom(r.out);
  const out = g.dataset.get(0x00280010)!;
  t.equal(out.badVR, undefined, 'the output has valid VR bytes');
  t.equal(out.vr, 'US');
});

t.test('a private creator with VR US → a typed DEID_FAILED with the element path, not INTERNAL', async (t) => {
  const buf = base([
    { tag: 0x00290010, vr: 'US', value: [7] },
    { tag: 0x00291010, vr: 'LO', value: 'private' },
  ]);
  const r = run(buf);
  t.same(r, { kind: 'failed', code: 'DEID_FAILED' });
  try {
    deidentify(parseDicom(buf), basicEnv());
  } catch (e) {
    t.equal((e as DeidError).path, '(0029,0010)');
  }
});

t.test('a file cut inside a top-level element header → TRUNCATED with that element in its path', async (t) => {
  const buf = base([{ tag: 0x00100010, vr: 'PN', value: NAME }]);
  const f = parseDicom(buf);
  const pn = f.dataset.get(0x00100010)!;
  try {
    parseDicom(buf.subarray(0, pn.span!.start + 6));
    t.fail('parsed');
  } catch (e) {
    t.equal((e as DicomError).code, 'TRUNCATED');
    t.equal((e as DicomError).path, '(0010,0010)');
  }
});

t.test('implicit VR: an ID whose tag changed to a kept text attribute, out of tag order → removed', async (t) => {
  const buf = buildDicom({
    transferSyntax: TS.implicitLE,
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: 0x00080018, vr: 'UI', value: '2.25.99' },
      { tag: 0x00100010, vr: 'PN', value: NAME },
      { tag: 0x20100010, vr: 'ST', value: ID_VALUE }, // was (0010,0020) Patient ID
      { tag: 0x00100030, vr: 'DA', value: '19700101' },
    ],
  });
  const r = run(buf);
  t.equal(r.kind, 'written');
  if (r.kind === 'written') {
    t.notOk(holds(r.out, ID_VALUE), 'the ID is not in the output');
    t.ok(
      r.warnings.some((w) => w.startsWith('(2010,0010)') && /tag order/.test(w)),
      'the warning says why',
    );
  }
});
