/**
 * The mirror layout keeps input paths, so a folder or file named after the patient would carry the
 * identifier into the output's file system: such a component becomes a keyed pseudonym (A–Z 0–9,
 * at most 8 characters, a valid File ID component), and a DICOMDIR's File IDs are renamed alike.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import t from 'tap';
import { buildDicom, type FixtureElement } from '../fixtures/build.js';
import { buildDicomdir, type Rec } from '../fixtures/dicomdir.js';
import { parseDicom } from '../src/dicom/file.js';
import * as T from '../src/dicom/tags.generated.js';
import { datasetContext, decodeStrings, fileContext } from '../src/dicom/values.js';
import { claimPseudonyms, PathError } from '../src/job/path-claims.js';
import { processFile } from '../src/job/process-file.js';
import { holdsToken, pathPseudonym, pathTokens, pseudonymizeComponent } from '../src/pseudo/path-component.js';
import { verifyRun } from '../src/verify/index.js';
import { cleanEnv } from './helpers/child-env.js';
import { basicEnv, OTHER_KEY, TEST_KEY } from './helpers/deid.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const skip = existsSync(fromRoot('dist/src/cli/main.js')) ? false : 'dist/ not built: run npm run build';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const PID = 'PID4711';
const NAME = 'Nowak^Anna';
const ACCESSION = 'ACC9876';
/** What no output path or File ID may hold (case-insensitive). */
const SECRETS = [PID, 'NOWAK', 'ANNA', ACCESSION];

const dir = mkdtempSync(join(tmpdir(), 'anonflow-layout-pseudonym-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function ct(i: number): Buffer {
  const sop = `2.25.4711.1.1.${i}`;
  const els: FixtureElement[] = [
    { tag: T.SOPClassUID, vr: 'UI', value: CT },
    { tag: T.SOPInstanceUID, vr: 'UI', value: sop },
    { tag: T.AccessionNumber, vr: 'SH', value: ACCESSION },
    { tag: T.Modality, vr: 'CS', value: 'CT' },
    { tag: T.PatientName, vr: 'PN', value: NAME },
    { tag: T.PatientID, vr: 'LO', value: PID },
    { tag: T.StudyInstanceUID, vr: 'UI', value: '2.25.4711' },
    { tag: T.SeriesInstanceUID, vr: 'UI', value: '2.25.4711.1' },
  ];
  return buildDicom({ sopClassUID: CT, sopInstanceUID: sop, elements: els.sort((a, b) => a.tag - b.tag) });
}

/** Input paths (File IDs where the DICOMDIR indexes them): a folder after the ID, one after the surname, one neutral. */
const FILES: Record<string, string[]> = { a: ['PID4711', 'CT', 'IM1'], b: ['NOWAK', 'IM2'], c: ['OTHER', 'IM3'] };

function dicomdir(): Buffer {
  const image = (i: number, id: string[]): Rec => ({
    type: 'IMAGE',
    els: [
      { tag: T.ReferencedFileID, vr: 'CS', value: id.join('\\') },
      { tag: T.ReferencedSOPClassUIDInFile, vr: 'UI', value: CT },
      { tag: T.ReferencedSOPInstanceUIDInFile, vr: 'UI', value: `2.25.4711.1.1.${i}` },
    ],
  });
  const patient: Rec = {
    type: 'PATIENT',
    els: [
      { tag: T.PatientName, vr: 'PN', value: NAME },
      { tag: T.PatientID, vr: 'LO', value: PID },
    ],
    children: [
      {
        type: 'STUDY',
        els: [
          { tag: T.StudyDate, vr: 'DA', value: '20240102' },
          { tag: T.AccessionNumber, vr: 'SH', value: ACCESSION },
          { tag: T.StudyInstanceUID, vr: 'UI', value: '2.25.4711' },
        ],
        children: [
          {
            type: 'SERIES',
            els: [
              { tag: T.Modality, vr: 'CS', value: 'CT' },
              { tag: T.SeriesInstanceUID, vr: 'UI', value: '2.25.4711.1' },
            ],
            children: Object.values(FILES).map((id, i) => image(i + 1, id)),
          },
        ],
      },
    ],
  };
  return buildDicomdir([patient]);
}

const input = join(dir, 'in');
Object.values(FILES).forEach((id, i) => {
  mkdirSync(join(input, ...id.slice(0, -1)), { recursive: true });
  writeFileSync(join(input, ...id), ct(i + 1));
});
mkdirSync(join(input, 'misc'));
writeFileSync(join(input, 'misc', 'nowak-knee.dcm'), ct(9));
writeFileSync(join(input, 'DICOMDIR'), dicomdir());

/** Every file below `root`, relative, sorted. */
function tree(root: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) visit(p);
      else out.push(relative(root, p));
    }
  };
  visit(root);
  return out.sort();
}

function run(name: string, secret: string): { out: string; report: string } {
  const out = join(dir, name);
  const report = join(dir, `${name}-report`);
  const r = spawnSync(process.execPath, [BIN, 'run', input, '--layout', 'mirror', '--out', out, '--report-dir', report, '--quiet', '--threads', '0'], {
    env: { ...cleanEnv(), ANON_SECRET: secret },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`anon run exited ${r.status}: ${r.stderr}`);
  return { out, report };
}

/** The Referenced File IDs of a DICOMDIR, as written. */
function fileIds(path: string): string[][] {
  const f = parseDicom(readFileSync(path));
  const top = fileContext(f);
  return (f.dataset.get(T.DirectoryRecordSequence)?.items ?? []).flatMap((it) => {
    const el = it.dataset.get(T.ReferencedFileID);
    return el ? [decodeStrings(el, datasetContext(it.dataset, top))] : [];
  });
}

const SECRET = 'layout-pseudonym-secret-0123456789abcdef';

t.test(
  'mirror layout, folders named after the Patient ID and the surname → output paths carry neither, stable across two runs, DICOMDIR IDs match the files, verify passes',
  { skip },
  async (tt) => {
    const first = run('out1', SECRET);
    const second = run('out2', SECRET);
    const paths = tree(first.out);
    tt.equal(paths.length, 5, paths.join(', '));
    tt.same(tree(second.out), paths, 'the same paths in a second run with the same key');
    for (const p of paths) for (const s of SECRETS) tt.notOk(p.toUpperCase().includes(s), `${p} does not hold ${s}`);
    tt.ok(paths.includes(join('OTHER', 'IM3')), 'a component naming no one is kept');
    tt.ok(
      paths.some((p) => /^misc\/[0-9A-Z]{8}\.dcm$/.test(p)),
      'a file name holding the surname is renamed, its extension kept',
    );
    const renamed = paths.flatMap((p) => p.split('/')).filter((c) => !['CT', 'IM1', 'IM2', 'IM3', 'OTHER', 'misc', 'DICOMDIR'].includes(c) && !c.endsWith('.dcm'));
    tt.equal(renamed.length, 2, `two folders renamed: ${renamed.join(', ')}`);
    for (const c of renamed) tt.match(c, /^[0-9A-Z]{1,8}$/, `${c} is a valid File ID component`);

    const ids = fileIds(join(first.out, 'DICOMDIR'));
    tt.equal(ids.length, 3);
    for (const id of ids) {
      tt.ok(existsSync(join(first.out, ...id)), `File ID ${id.join('\\')} names a written file`);
      for (const s of SECRETS) tt.notOk(id.join('\\').toUpperCase().includes(s), `File ID ${id.join('\\')} does not hold ${s}`);
    }
    const v = await verifyRun({ input, output: first.out, journal: first.report, dciodvfy: false });
    tt.same(
      v.findings.filter((f) => f.severity === 'error'),
      [],
      'anon verify --journal finds no error',
    );
  },
);

t.test(
  'anon verify: an output folder named after the Patient ID → PATH_IDENTIFIER error; the DICOMDIR File ID then names no file → REFERENCE_BROKEN warning',
  { skip },
  async (tt) => {
    const out = join(dir, 'out1');
    const copy = join(dir, 'out1-copy');
    cpSync(out, copy, { recursive: true });
    const folder = tree(out)
      .find((p) => p.endsWith(join('CT', 'IM1')))!
      .split(sep)[0];
    renameSync(join(copy, folder), join(copy, PID));
    const v = await verifyRun({ input, output: copy, dciodvfy: false });
    tt.ok(
      v.findings.some((f) => f.code === 'PATH_IDENTIFIER' && f.severity === 'error' && f.output === join(copy, PID, 'CT', 'IM1')),
      JSON.stringify(v.findings.filter((f) => f.code !== 'TEXT_IDENTIFIER')),
    );
    tt.ok(v.findings.some((f) => f.code === 'REFERENCE_BROKEN' && f.severity === 'warning' && f.output === join(copy, 'DICOMDIR')));
    const clean = await verifyRun({ input, output: out, dciodvfy: false });
    tt.same(
      clean.findings.filter((f) => f.code === 'PATH_IDENTIFIER' || f.code === 'REFERENCE_BROKEN'),
      [],
      "the run's own output: none",
    );
  },
);

t.test('pathPseudonym → 8 of A–Z 0–9, the same for the same component and key, different otherwise', async (tt) => {
  const p = pathPseudonym(TEST_KEY, 'PID4711');
  tt.match(p, /^[0-9A-Z]{8}$/);
  tt.equal(pathPseudonym(TEST_KEY, 'PID4711'), p);
  tt.not(pathPseudonym(TEST_KEY, 'PID4712'), p);
  tt.not(pathPseudonym(OTHER_KEY, 'PID4711'), p);
  const seen = new Set(Array.from({ length: 20000 }, (_, i) => pathPseudonym(TEST_KEY, `folder${i}`)));
  tt.equal(seen.size, 20000, 'no collision among 20 000 components');
});

t.test('a component holding an identifier → renamed: equal, as a word, or inside a word (4+ letters, 6+ digits)', async (tt) => {
  const tokens = pathTokens(['77654033', 'KB-0099887'], ['Doe^John A.']);
  for (const c of ['77654033', 'P77654033', 'doe', 'DOE_JOHN', 'JohnDoeScans', 'KB_0099887', 'kb0099887.dcm']) tt.ok(holdsToken(c, tokens), `${c} holds an identifier`);
  for (const c of ['CT2', 'DOES', 'S21570', 'IMAGES', 'A', '2157', 'series-1']) tt.notOk(holdsToken(c, ['2157', ...tokens]) && c !== '2157', `${c} holds none`);
  tt.equal(pseudonymizeComponent(TEST_KEY, 'OTHER', tokens), 'OTHER');
  tt.equal(pseudonymizeComponent(TEST_KEY, 'doe.dcm', tokens), `${pathPseudonym(TEST_KEY, 'doe')}.dcm`);
  tt.equal(pseudonymizeComponent(TEST_KEY, 'scan.doe', tokens), pathPseudonym(TEST_KEY, 'scan.doe'), 'an extension holding the name goes too');
});

t.test('two components claiming one pseudonym → PathError PATH_COLLISION, within a thread and across the run through its temp folder', async (tt) => {
  const tmp = mkdtempSync(join(dir, 'claims-'));
  claimPseudonyms([['alpha', 'ZZZZZZZ1']], tmp);
  claimPseudonyms([['alpha', 'ZZZZZZZ1']], tmp);
  tt.throws(() => claimPseudonyms([['beta', 'ZZZZZZZ1']], tmp), PathError);
  writeFileSync(join(tmp, 'YYYYYYY1.path.tmp'), 'claimed-by-another-thread');
  tt.throws(() => claimPseudonyms([['gamma', 'YYYYYYY1']], tmp), { code: 'PATH_COLLISION' });
  tt.same(
    readdirSync(tmp).filter((n) => !n.endsWith('.path.tmp')),
    [],
    'no claim in progress left behind',
  );
});

t.test('processFile whose folder pseudonym another component already claimed → failed PATH_COLLISION, nothing written', async (tt) => {
  const out = mkdtempSync(join(dir, 'collide-'));
  const tmp = mkdtempSync(join(dir, 'collide-tmp-'));
  writeFileSync(join(tmp, `${pathPseudonym(TEST_KEY, 'NOWAK')}.path.tmp`), 'SOMEONE_ELSE');
  const o = await processFile(join(input, 'NOWAK', 'IM2'), join('NOWAK', 'IM2'), { out, layout: 'mirror', env: basicEnv([]), tmpDir: tmp });
  tt.equal(o.status, 'failed');
  tt.equal(o.status === 'failed' && o.error.code, 'PATH_COLLISION');
  tt.same(readdirSync(out), [], 'nothing written');
});
