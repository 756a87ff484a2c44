import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { DataSet, Element, Item, UNDEFINED_LENGTH } from '../src/dicom/dataset.js';
import { parseDicom, serializeDicom } from '../src/dicom/file.js';
import type { DicomFile } from '../src/dicom/part10.js';
import { tagOf } from '../src/dicom/tag.js';
import { encodeStrings } from '../src/dicom/values.js';
import { loadProfile } from '../src/profile/load.js';
import { dciodvfyAvailable } from '../src/verify/dciodvfy.js';
import { maskValue, verifyReportDir, verifyRun, VerifyRules, type Finding, type VerifyResult } from '../src/verify/index.js';
import { findEmbedded, findWord, nameComponents } from '../src/verify/parts.js';
import { cleanEnv } from './helpers/child-env.js';
import { CORPUS, SKIP_CORPUS } from './helpers/corpus.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/cli/main.js'));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';
const SECRET = 'verify-test-secret-0123456789abcdef';

const tmp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-verify-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const STUDY = '2.25.1000';
const SERIES = '2.25.1000.1';
const FOR = '2.25.1000.9';
const sop = (i: number): string => `2.25.1000.1.${i}`;

/** Two CT slices of one patient; slice 1 references slice 2, holds dates, a private block, nested text. */
function slice(i: number, extra: FixtureElement[] = []): FixtureElement[] {
  const replaced = new Set(extra.map((e) => e.tag));
  return [...baseSlice(i).filter((e) => !replaced.has(e.tag)), ...extra].sort((a, b) => a.tag - b.tag);
}

function baseSlice(i: number): FixtureElement[] {
  const px = Buffer.alloc(16 * 16 * 2);
  for (let p = 0; p < px.length; p += 2) px.writeUInt16LE((p * (i + 1)) & 0xfff, p);
  return [
    { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 100' },
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: sop(i) },
    { tag: 0x00080020, vr: 'DA', value: '20240117' },
    { tag: 0x00080023, vr: 'DA', value: '20240118' },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00080080, vr: 'LO', value: 'Saint Verify Hospital' },
    {
      tag: 0x00081140,
      vr: 'SQ',
      items: [
        [
          { tag: 0x00081150, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
          { tag: 0x00081155, vr: 'UI', value: sop(i === 1 ? 2 : 1) },
        ],
      ],
    },
    { tag: 0x00090010, vr: 'LO', value: 'ACME VENDOR' },
    { tag: 0x00091010, vr: 'LO', value: 'Private note on Doe' },
    { tag: 0x00100010, vr: 'PN', value: 'Verifydoe^Jonathan' },
    { tag: 0x00100020, vr: 'LO', value: 'MRN-4455667' },
    { tag: 0x00100030, vr: 'DA', value: '19551105' },
    { tag: 0x0020000d, vr: 'UI', value: STUDY },
    { tag: 0x0020000e, vr: 'UI', value: SERIES },
    { tag: 0x00200013, vr: 'IS', value: String(i) },
    { tag: 0x00200052, vr: 'UI', value: FOR },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: [16] },
    { tag: 0x00280011, vr: 'US', value: [16] },
    { tag: 0x00280100, vr: 'US', value: [16] },
    { tag: 0x00280101, vr: 'US', value: [12] },
    { tag: 0x00280102, vr: 'US', value: [11] },
    { tag: 0x00280103, vr: 'US', value: [0] },
    { tag: 0x00400275, vr: 'SQ', items: [[{ tag: 0x00321060, vr: 'LO', value: 'CT CHEST for Verifydoe' }]] },
    { tag: 0x7fe00010, vr: 'OW', value: px },
  ];
}

interface Run {
  dir: string;
  input: string;
  out: string;
  report: string;
  /** Output file of input slice i (from the journal). */
  output: (i: number) => string;
}

/** De-identifies the two slices (with `extra` top-level elements added or replacing theirs). */
function runAnon(t: Test, args: string[] = [], extra: FixtureElement[] = []): Run {
  const dir = tmp(t);
  const input = join(dir, 'in');
  mkdirSync(input);
  for (const i of [1, 2]) {
    writeFileSync(join(input, `s${i}.dcm`), buildDicom({ sopClassUID: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUID: sop(i), elements: slice(i, extra) }));
  }
  const out = join(dir, 'out');
  const report = join(dir, 'report');
  const r = spawnSync(process.execPath, [BIN, 'run', input, '--out', out, '--report-dir', report, '--quiet', '--threads', '0', ...args], {
    env: { ...cleanEnv(), ANON_SECRET: SECRET },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`anon run failed: ${r.stderr}`);
  const journal = readFileSync(join(report, 'journal.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { input: string; output: string });
  return { dir, input, out, report, output: (i) => journal.find((e) => e.input.endsWith(`s${i}.dcm`))!.output };
}

const str = (tag: number, vr: string, v: string): Element => {
  const value = encodeStrings([v], vr);
  const el = new Element(tag, vr, value.length);
  el.value = value;
  return el;
};

function tamper(file: string, change: (f: DicomFile) => void): void {
  const f = parseDicom(readFileSync(file));
  change(f);
  writeFileSync(file, serializeDicom(f));
}

const errors = (r: VerifyResult): Finding[] => r.findings.filter((f) => f.severity === 'error');
const has = (r: VerifyResult, code: string, path: string): boolean => r.findings.some((f) => f.code === code && f.path === path);
const describe = (r: VerifyResult): string =>
  JSON.stringify(
    r.findings.map((f) => `${f.code} ${f.path ?? ''} ${f.message}`),
    null,
    1,
  );

t.test('verifier rules read basic conservatively → names replaced, private removed, dates shifted under the option', async (t) => {
  const none = () => undefined;
  const basic = new VerifyRules(loadProfile('basic'));
  t.equal(basic.expect({ tag: 0x00100010, vr: 'PN' }, none).kind, 'replace');
  t.equal(basic.expect({ tag: 0x00080018, vr: 'UI' }, none).kind, 'uid');
  t.equal(basic.expect({ tag: 0x00091010, vr: 'LO', creator: 'ACME' }, none).kind, 'remove');
  t.equal(basic.expect({ tag: 0x00280010, vr: 'US' }, none).kind, 'keep');
  t.equal(basic.expect({ tag: 0x00991234 & 0xfffeffff, vr: 'LO' }, none).kind, 'remove', 'unknown public attribute');
  const dates = new VerifyRules(loadProfile('basic', { extraOptions: ['retainLongModifiedDates'] }));
  t.equal(dates.expect({ tag: 0x00080020, vr: 'DA' }, none).kind, 'shift');
  const safe = new VerifyRules(loadProfile('basic', { extraOptions: ['retainSafePrivate'] }));
  t.equal(safe.expect({ tag: 0x00191023, vr: 'DS', creator: 'GEMS_ACQU_01' }, none).kind, 'keep', 'a safe private attribute');
  t.equal(safe.expect({ tag: 0x00191010, vr: 'LO', creator: 'ACME' }, none).kind, 'remove', 'an unknown private attribute');
});

t.test('untampered run through the journal → verified, no findings of error severity', { skip }, async (t) => {
  const run = runAnon(t);
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.equal(r.pairing, 'journal');
  t.equal(r.pairs, 2);
  t.same(errors(r), [], describe(r));
  t.ok(r.ok);
  t.same(JSON.parse(JSON.stringify(r)), r, 'JSON-serialisable');
});

t.test('untampered run given as two trees → paired by content, verified', { skip }, async (t) => {
  const run = runAnon(t);
  const r = await verifyRun({ input: run.input, output: run.out, dciodvfy: false });
  t.equal(r.pairing, 'content');
  t.equal(r.pairs, 2);
  t.equal(r.unpaired_inputs, 0);
  t.same(errors(r), [], describe(r));
});

t.test('untampered run with shifted dates → verified (one offset per patient)', { skip }, async (t) => {
  const run = runAnon(t, ['--option', 'retainLongModifiedDates']);
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.same(r.options, ['retainLongModifiedDates'], 'options read from the run report');
  t.same(errors(r), [], describe(r));
});

t.test('name put back in a nested private sequence → RESIDUAL_IDENTIFIER and PRIVATE_LEFT at its path', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(1), (f) => {
    const item = f.dataset.get(0x00081140)!.items![0];
    const inner = new DataSet();
    inner.set(str(0x00090010, 'LO', 'TAMPER'));
    inner.set(str(0x00091002, 'LO', 'Verifydoe^Jonathan'));
    const seq = new Element(0x00091001, 'SQ', UNDEFINED_LENGTH);
    seq.items = [new Item(inner, UNDEFINED_LENGTH)];
    item.dataset.set(str(0x00090010, 'LO', 'TAMPER'));
    item.dataset.set(seq);
  });
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.notOk(r.ok);
  t.ok(has(r, 'RESIDUAL_IDENTIFIER', '(0008,1140)[0].(0009,1001)[0].(0009,1002)'), describe(r));
  t.ok(has(r, 'PRIVATE_LEFT', '(0008,1140)[0].(0009,1001)'), describe(r));
  const leak = r.findings.find((f) => f.code === 'RESIDUAL_IDENTIFIER')!;
  t.equal(leak.output, run.output(1));
  t.notMatch(JSON.stringify(r), /Verifydoe/, 'the report does not repeat the leaked value');
});

t.test('name hidden in raw bytes of a private OB → RESIDUAL_IDENTIFIER', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(2), (f) => {
    f.dataset.set(str(0x00110010, 'LO', 'TAMPER'));
    const ob = new Element(0x00111001, 'OB', 0);
    ob.value = Buffer.concat([Buffer.from([1, 2, 3, 0]), Buffer.from('MRN-4455667', 'latin1'), Buffer.from([0])]);
    ob.length = ob.value.length;
    f.dataset.set(ob);
  });
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.ok(has(r, 'RESIDUAL_IDENTIFIER', '(0011,1001)'), describe(r));
});

t.test('name components: split on ^ and =, short and common words left out', async (t) => {
  t.same(nameComponents('Verifydoe^Jonathan'), ['VERIFYDOE', 'JONATHAN']);
  t.same(nameComponents('Yamada^Tarou=山田^太郎=やまだ^たろう'), ['YAMADA', 'TAROU', 'やまだ', 'たろう'], 'ideographic names of 2 characters are too short alone');
  t.same(nameComponents('Doe^Jo^^Dr^Jr'), ['DOE'], 'components under 3 characters and name suffixes are left out');
  t.same(nameComponents('ANONYMIZED^PHANTOM'), [], 'placeholders and common words');
  t.same(nameComponents('12345^123456'), ['123456'], 'numbers under 6 digits say nothing');
  t.ok(findWord('SCANNED FOR DOE, J.', 'DOE'));
  t.notOk(findWord('DOES NOT APPLY', 'DOE'), 'word-bounded');
  t.ok(findEmbedded('REF MRN4455667/2', '4455667'), 'an ID after letters');
  t.ok(findEmbedded('#MRN-4455667B', 'MRN-4455667'), "letters after the ID's last digit");
  t.notOk(findEmbedded('94455667', '4455667'), 'not inside a longer number');
  t.notOk(findEmbedded('XMRN-4455667', 'MRN-4455667'), 'not inside a longer word');
});

t.test('family name alone in a kept free-text attribute → RESIDUAL_IDENTIFIER (error) at its path', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(1), (f) => f.dataset.set(str(0x00081090, 'LO', 'Scanner of verifydoe')));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.notOk(r.ok);
  const f = r.findings.find((x) => x.code === 'RESIDUAL_IDENTIFIER' && x.path === '(0008,1090)');
  t.equal(f?.severity, 'error', describe(r));
  t.match(f?.message, /part of the person name in \(0010,0010\)/);
  t.equal(f?.value_hint, maskValue('VERIFYDOE'));
  t.ok(r.summary.residual_identifiers >= 1);
  t.notMatch(JSON.stringify(r), /verifydoe/i, 'the report does not repeat the component');
});

t.test('given name in a cleaned attribute and in raw UN bytes → RESIDUAL_IDENTIFIER at both paths', { skip }, async (t) => {
  const run = runAnon(t, ['--option', 'cleanDescriptors']);
  // Untampered first: the cleaner took the name out of "CT CHEST for Verifydoe" (a cleaned attribute in a kept sequence).
  const clean = await verifyReportDir(run.report, { dciodvfy: false });
  t.same(errors(clean), [], describe(clean));
  tamper(run.output(2), (f) => {
    f.dataset.set(str(0x00081030, 'LO', 'CT chest (Jonathan)'));
    f.dataset.set(str(0x00110010, 'LO', 'TAMPER'));
    const un = new Element(0x00111001, 'UN', 0);
    un.value = Buffer.concat([Buffer.from([0, 1]), Buffer.from('pt=jonathan;', 'latin1'), Buffer.from([0xff])]);
    un.length = un.value.length;
    f.dataset.set(un);
  });
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.ok(
    r.findings.some((f) => f.code === 'RESIDUAL_IDENTIFIER' && f.severity === 'error' && f.path === '(0008,1030)'),
    describe(r),
  );
  t.ok(
    r.findings.some((f) => f.code === 'RESIDUAL_IDENTIFIER' && f.severity === 'error' && f.path === '(0011,1001)' && /raw bytes \(UN\)/.test(f.message)),
    describe(r),
  );
});

t.test('patient ID embedded in longer text → RESIDUAL_IDENTIFIER', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(1), (f) => f.dataset.set(str(0x00081090, 'LO', 'exam #MRN-4455667b')));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  const f = r.findings.find((x) => x.code === 'RESIDUAL_IDENTIFIER' && x.path === '(0008,1090)');
  t.equal(f?.severity, 'error', describe(r));
  t.match(f?.message, /the ID in \(0010,0020\)/);
});

t.test('name component that a kept attribute of the input also holds (the manufacturer) → not reported', { skip }, async (t) => {
  // The phantom is named after its maker: "Acmescan" is in the kept Manufacturer, "Verifyphantom" is not.
  const extra: FixtureElement[] = [
    { tag: 0x00080070, vr: 'LO', value: 'Acmescan Medical Systems' },
    { tag: 0x00100010, vr: 'PN', value: 'Acmescan^Verifyphantom' },
  ];
  const run = runAnon(t, [], extra);
  const clean = await verifyReportDir(run.report, { dciodvfy: false });
  t.same(errors(clean), [], describe(clean));
  t.ok(clean.ok, 'the kept Manufacturer holding a name component is not a leak');
  tamper(run.output(1), (f) => f.dataset.set(str(0x00081090, 'LO', 'ACMESCAN 3000')));
  const model = await verifyReportDir(run.report, { dciodvfy: false });
  t.same(errors(model), [], 'the component is known from a kept attribute: not reported anywhere');
  tamper(run.output(1), (f) => f.dataset.set(str(0x00081090, 'LO', 'ACMESCAN 3000 verifyphantom')));
  const leak = await verifyReportDir(run.report, { dciodvfy: false });
  t.ok(has(leak, 'RESIDUAL_IDENTIFIER', '(0008,1090)'), describe(leak));
  t.equal(leak.findings.filter((f) => f.code === 'RESIDUAL_IDENTIFIER').length, 1, describe(leak));
  t.equal(leak.findings[0]?.value_hint, maskValue('VERIFYPHANTOM'));
});

t.test('non-personal removed value that a cleaned attribute of the input also held → warning; a name there → error', { skip }, async (t) => {
  // The private (0009,1010) is removed; the same text is the input's StudyDescription, cleaned under cleanDescriptors.
  const extra: FixtureElement[] = [{ tag: 0x00081030, vr: 'LO', value: 'Private note on Doe' }];
  const run = runAnon(t, ['--option', 'cleanDescriptors'], extra);
  tamper(run.output(1), (f) => f.dataset.set(str(0x00081030, 'LO', 'Private note on Doe')));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  const f = r.findings.find((x) => x.code === 'RESIDUAL_IDENTIFIER' && x.path === '(0008,1030)');
  t.equal(f?.severity, 'warning', describe(r));
  t.match(f?.message, /cleaned attribute of the input held the same text/);
  t.equal(r.summary.residual_identifiers, 0, 'warnings are not counted as residual identifiers');
  tamper(run.output(1), (f) => f.dataset.set(str(0x00081030, 'LO', 'Private note on Doe, for Verifydoe^Jonathan')));
  const r2 = await verifyReportDir(run.report, { dciodvfy: false });
  t.ok(
    r2.findings.some((x) => x.code === 'RESIDUAL_IDENTIFIER' && x.path === '(0008,1030)' && x.severity === 'error'),
    describe(r2),
  );
  t.notOk(r2.ok);
});

t.test('UID left unmapped in a reference → UID_NOT_REMAPPED and REFERENCE_BROKEN at its path', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(1), (f) => {
    const item = f.dataset.get(0x00081140)!.items![0];
    item.dataset.set(str(0x00081155, 'UI', sop(2)));
  });
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.notOk(r.ok);
  t.ok(has(r, 'UID_NOT_REMAPPED', '(0008,1140)[0].(0008,1155)'), describe(r));
  t.ok(has(r, 'REFERENCE_BROKEN', '(0008,1140)[0].(0008,1155)'), describe(r));
});

t.test('one input UID given two output UIDs → UID_MAPPING_INCONSISTENT', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(2), (f) => f.dataset.set(str(0x0020000e, 'UI', '2.25.424242')));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.ok(
    r.findings.some((f) => f.code === 'UID_MAPPING_INCONSISTENT'),
    describe(r),
  );
  t.ok(has(r, 'REFERENCE_BROKEN', '(0008,1140)[0].(0008,1155)') === false, 'references to the SOP instance still resolve');
});

t.test('date left unshifted under retainLongModifiedDates → DATE_SHIFT_INCONSISTENT at its path', { skip }, async (t) => {
  const run = runAnon(t, ['--option', 'retainLongModifiedDates']);
  tamper(run.output(1), (f) => f.dataset.set(str(0x00080023, 'DA', '20240118')));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.notOk(r.ok);
  const f = r.findings.find((x) => x.code === 'DATE_SHIFT_INCONSISTENT');
  t.equal(f?.path, '(0008,0023)', describe(r));
  t.equal(f?.output, run.output(1));
  t.match(f?.message, /unshifted/);
});

t.test('removed mark → MARKS_MISSING at (0012,0062)', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(2), (f) => void f.dataset.delete(tagOf(0x0012, 0x0062)));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.notOk(r.ok);
  t.ok(has(r, 'MARKS_MISSING', '(0012,0062)'), describe(r));
});

t.test('broken meta (MediaStorageSOPInstanceUID ≠ SOPInstanceUID) → META_INCONSISTENT at (0002,0003)', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(1), (f) => f.meta!.set(str(0x00020003, 'UI', '2.25.77')));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.notOk(r.ok);
  t.ok(has(r, 'META_INCONSISTENT', '(0002,0003)'), describe(r));
});

t.test('changed pixel data → PIXEL_CHANGED; unparsable output → INVALID', { skip }, async (t) => {
  const run = runAnon(t);
  tamper(run.output(1), (f) => {
    const px = f.dataset.get(0x7fe00010)!;
    const v = Buffer.from(px.value!);
    v[10] ^= 0xff;
    const el = new Element(0x7fe00010, px.vr, v.length);
    el.value = v;
    f.dataset.set(el);
  });
  writeFileSync(run.output(2), Buffer.from('not a dicom file at all'));
  const r = await verifyReportDir(run.report, { dciodvfy: false });
  t.ok(has(r, 'PIXEL_CHANGED', '(7FE0,0010)'), describe(r));
  t.ok(
    r.findings.some((f) => f.code === 'INVALID' && f.output === run.output(2)),
    describe(r),
  );
});

t.test('anon verify CLI → exit 0 when clean, 1 with a residual identifier, JSON with --json', { skip }, async (t) => {
  const run = runAnon(t);
  const cli = (...a: string[]) => spawnSync(process.execPath, [BIN, 'verify', ...a, '--no-dciodvfy'], { env: cleanEnv(), encoding: 'utf8' });
  const ok = cli(run.input, run.out);
  t.equal(ok.status, 0, ok.stdout + ok.stderr);
  t.match(ok.stdout, /VERIFIED: 2 pairs \(content\)/);
  tamper(run.output(1), (f) => f.dataset.set(str(0x00081030, 'LO', 'Verifydoe^Jonathan')));
  const bad = cli('--journal', run.report, '--json');
  t.equal(bad.status, 1);
  const r = JSON.parse(bad.stdout) as VerifyResult;
  t.ok(has(r, 'RESIDUAL_IDENTIFIER', '(0008,1030)'), describe(r));
  t.equal(cli('--journal', join(run.dir, 'nowhere')).status, 2, 'usage error for a missing folder');
});

t.test(
  'dciodvfy over an untampered run → no INVALID errors (skipped without dicom3tools)',
  { skip: skip || (dciodvfyAvailable() ? false : 'dciodvfy (dicom3tools) not installed') },
  async (t) => {
    const run = runAnon(t);
    const r = await verifyReportDir(run.report, { dciodvfy: true });
    t.ok(r.dciodvfy);
    t.same(errors(r), [], describe(r));
  },
);

t.test('corpus de-identified with basic → no findings of error severity', { skip: skip || SKIP_CORPUS }, async (t) => {
  const dir = tmp(t);
  const res = spawnSync(process.execPath, [BIN, 'run', CORPUS, '--out', join(dir, 'out'), '--report-dir', join(dir, 'r'), '--quiet'], {
    env: { ...cleanEnv(), ANON_SECRET: SECRET },
    encoding: 'utf8',
  });
  t.ok(existsSync(join(dir, 'r', 'journal.ndjson')), res.stderr);
  const r = await verifyReportDir(join(dir, 'r'), { dciodvfy: false });
  t.ok(r.pairs > 100, `${r.pairs} pairs`);
  t.same(errors(r), [], describe({ ...r, findings: errors(r) }));
});
