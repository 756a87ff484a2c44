// anon run and anon pacs against real PACSes (Orthanc + DICOMweb): echo and find, a study fetched
// by accession number and stored de-identified in a second Orthanc by STOW-RS.
import { enterNetns, SKIP_ORTHANC, startOrthanc } from './helpers/orthanc.js';
const where = enterNetns(); // first: the rest of this file may run in a fresh network namespace

const { default: t } = await import('tap');
const { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { fromRoot } = await import('./helpers/root.js');
const { setup } = await import('./helpers/client.js');
const { CORPUS, SKIP_CORPUS } = await import('./helpers/corpus.js');
const { identifiers, pacsStudy } = await import('./helpers/pacs-study.js');
const { echo, fetchStudy, pacsConnection, searchStudies } = await import('../src/pacs/index.js');
const { buildConfig } = await import('../src/serve/config.js');
type StudyQuery = import('../src/pacs/index.js').StudyQuery;

const built = existsSync(fromRoot('dist/src/cli/main.js'));
const skip = SKIP_ORTHANC || (built ? false : 'dist/ not built: run npm run build (npm test does)');
t.comment(`PACS tests: ${where}`);

const A = { study: '2.25.8001', accession: 'ACC-8001', patientId: 'PAT-A-8001', patientName: 'Delta^Dora', date: '20240401' };
const B = { study: '2.25.8002', accession: 'ACC-8002', patientId: 'PAT-B-8002', patientName: 'Echo^Emil', date: '20240405' };

t.test('anon pacs and anon run with DICOMweb sources and destinations', { skip }, async (t) => {
  const [src, dst] = await Promise.all([startOrthanc(t, 'source'), startOrthanc(t, 'research')]);
  await src.upload([...pacsStudy(A, 5), ...pacsStudy(B, 3)]);
  const e = await setup(t, { server: false });

  await t.test('anon pacs echo and find → 0 and the matching study; a PACS that does not answer → PACS_UNREACHABLE', async (t) => {
    let r = await e.anon(e.dir, ['pacs', 'echo', src.dicomweb]);
    t.equal(r.code, 0, r.err);
    t.match(r.out, /answered in \d+ ms/);
    r = await e.anon(e.dir, ['pacs', 'find', src.dicomweb, '--json', '--accession', A.accession]);
    t.equal(r.code, 0, r.err);
    t.same(
      (JSON.parse(r.out) as { studyUid: string }[]).map((s) => s.studyUid),
      [A.study],
    );
    const down = pacsConnection({ name: 'down', url: 'http://127.0.0.1:1/dicom-web', retries: 1, backoff_ms: 10 });
    await t.rejects(echo(down), { code: 'PACS_UNREACHABLE', message: /PACS down: could not connect/ });
  });

  await t.test('searchStudies by patient ID and date range → the matching studies', async (t) => {
    const c = pacsConnection({ name: 'src', url: src.dicomweb });
    const uids = async (q: StudyQuery): Promise<string[]> => (await searchStudies(c, q)).map((s) => s.studyUid).sort();
    t.same(await uids({ patientId: B.patientId }), [B.study]);
    t.same(await uids({ date: '20240401-20240405' }), [A.study, B.study]);
    t.same(await uids({ date: '20240402-20240404' }), [], 'none in between');
  });

  await t.test('fetchStudy over WADO-URI (a corpus CT study) → every instance; again with one removed → only that one fetched', { skip: SKIP_CORPUS }, async (t) => {
    const ge = ['01.dcm', '14.dcm', '28.dcm'].map((f) => join(CORPUS, 'dcm_qa_ct', 'GE', f));
    await src.upload(ge);
    const c = pacsConnection({ name: 'uri', url: src.dicomweb, wado_uri: src.wado, concurrency: 2 });
    const dir = join(e.dir, 'wado-uri');
    const study = '1.2.826.0.1.3680043.9.4245.1760717064491086528325869788156915668';
    const first = await fetchStudy(c, study, dir);
    t.same([first.expected, first.fetched], [3, 3]);
    rmSync(first.files[0]);
    const again = await fetchStudy(c, study, dir);
    t.equal(again.fetched, 1, 'only the missing instance');
    t.equal(readdirSync(dir).length, 3);
  });

  await t.test('anon run --pacs --accession --stow → the study is queryable in the second PACS with no original identifier', async (t) => {
    const r = await e.anon(e.dir, ['run', '--pacs', src.dicomweb, '--accession', A.accession, '--stow', dst.dicomweb, '--report-dir', join(e.dir, 'report')]);
    t.equal(r.code, 0, r.err);
    t.match(r.err, /5 file\(s\) stored by STOW-RS/);
    const studies = (await dst.get('/studies')) as string[];
    t.equal(studies.length, 1, 'one study in the research PACS');
    const qido = await fetch(`${dst.dicomweb}/studies?includefield=00201208`).then((x) => x.json() as Promise<Record<string, { Value?: unknown[] }>[]>);
    t.equal(qido.length, 1, 'queryable by QIDO-RS');
    const uid = String(qido[0]['0020000D'].Value![0]);
    t.not(uid, A.study, 'a new StudyInstanceUID');
    t.equal(Number(qido[0]['00201208'].Value![0]), 5, 'all 5 instances');
    const byAcc = await fetch(`${dst.dicomweb}/studies?AccessionNumber=${A.accession}`).then((x) => x.text());
    t.match(byAcc.trim(), /^(\[\])?$/, 'the original accession number finds nothing');
    const leaks: string[] = [];
    for (const id of (await dst.get('/instances')) as string[]) {
      const bytes = Buffer.from(new Uint8Array(await (await fetch(`${dst.url}/instances/${id}/file`)).arrayBuffer())).toString('latin1');
      for (const v of identifiers(A)) if (bytes.includes(v)) leaks.push(v);
    }
    t.same(leaks, [], 'no original identifier in any stored instance');
    t.same(
      readdirSync(e.dir).filter((n) => n.startsWith('anonflow-')),
      [],
      'no temp folder left beside the run',
    );
  });

  await t.test('anon run --pacs --study --out → every instance written; an unknown accession number → exit 1 naming it', async (t) => {
    const out = join(e.dir, 'out-b');
    let r = await e.anon(e.dir, ['run', '--pacs', src.dicomweb, '--study', B.study, '--out', out, '--report-dir', join(e.dir, 'report-b')]);
    t.equal(r.code, 0, r.err);
    t.equal(readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm')).length, 3);
    r = await e.anon(e.dir, ['run', '--pacs', src.dicomweb, '--accession', 'NOPE-1', '--out', join(e.dir, 'out-c')]);
    t.equal(r.code, 1);
    t.match(r.err, /PACS_NOT_FOUND: PACS pacs: no study with accession number NOPE-1/);
  });
});

t.test('anon serve config: pacs entries with auth, --pacs NAME=URL with credentials, a name twice → refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-pacs-cfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'serve.yaml');
  writeFileSync(
    file,
    [
      'pacs:',
      '  - name: research',
      '    url: https://research.example/dicom-web/',
      '    auth: { type: bearer, token: t0ken }',
      '    wado_uri: https://research.example/wado',
      '    retries: 1',
    ].join('\n'),
  );
  const base = { config: file, user: ['u:tok'], project: ['P=basic'] };
  const cfg = buildConfig({ ...base, pacs: ['idc=http://alice:s%40cret@127.0.0.1:8042/dicom-web'] });
  t.same(
    cfg.pacs.map((p) => [p.name, p.url, p.auth.type, p.retries]),
    [
      ['research', 'https://research.example/dicom-web', 'bearer', 1],
      ['idc', 'http://127.0.0.1:8042/dicom-web', 'basic', 3],
    ],
  );
  t.same(cfg.pacs[1].auth, { type: 'basic', user: 'alice', password: 's@cret' }, 'credentials leave the URL for the Authorization header');
  t.equal(cfg.pacs[0].wadoUri, 'https://research.example/wado');
  t.throws(() => buildConfig({ ...base, pacs: ['research=http://127.0.0.1/dicom-web'] }), /configured twice/);
  t.throws(() => buildConfig({ ...base, pacs: ['x=ftp://host/'] }), /only http and https/);
});
