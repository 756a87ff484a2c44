// anon serve with a real PACS (Orthanc + DICOMweb): the anonapi-style client's create from-mapping
// with accession_number: and study_instance_uid: rows, an unknown accession number, and Orthanc
// stopped in the middle of a study then restarted and the job reset.
import { enterNetns, SKIP_ORTHANC, startOrthanc } from './helpers/orthanc.js';
const where = enterNetns(); // first: the rest of this file may run in a fresh network namespace

const { default: t } = await import('tap');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = await import('node:fs');
const { join } = await import('node:path');
const { fromRoot } = await import('./helpers/root.js');
const { setup, login, USER } = await import('./helpers/client.js');
const { identifiers, pacsStudy } = await import('./helpers/pacs-study.js');
const { startProxy } = await import('./helpers/proxy.js');
const { idisCall } = await import('../src/client/idis-client.js');
const { closeDicom, openDicom } = await import('../src/dicom/file.js');
const { decodeStrings, fileContext } = await import('../src/dicom/values.js');

const built = existsSync(fromRoot('dist/src/cli/main.js'));
const skip = SKIP_ORTHANC || (built ? false : 'dist/ not built: run npm run build (npm test does)');
t.comment(`PACS tests: ${where}`);

const A = { study: '2.25.7001', accession: 'ACC-7001', patientId: 'PAT-A-7001', patientName: 'Alpha^Anna', date: '20240301' };
const B = { study: '2.25.7002', accession: 'ACC-7002', patientId: 'PAT-B-7002', patientName: 'Bravo^Bert', date: '20240302' };
const C = { study: '2.25.7003', accession: 'ACC-7003', patientId: 'PAT-C-7003', patientName: 'Charlie^Cora', date: '20240303' };

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && f.endsWith('.dcm'));

async function tag(file: string, tagNr: number): Promise<string | undefined> {
  const f = await openDicom(file);
  try {
    const el = f.dataset.get(tagNr);
    return el && el.value ? decodeStrings(el, fileContext(f))[0]?.trim() : undefined;
  } finally {
    closeDicom(f);
  }
}

t.test('anon serve --pacs orthanc=URL', { skip }, async (t) => {
  const orthanc = await startOrthanc(t);
  await orthanc.upload([...pacsStudy(A, 6), ...pacsStudy(B, 4), ...pacsStudy(C, 24, 96 * 1024)]);
  const proxy = await startProxy(t, Number(new URL(orthanc.url).port));
  const e = await setup(t, { serveArgs: ['--pacs', `orthanc=${proxy.url}/dicom-web`] });
  await login(t, e);
  const jobs = async (ids: number[]): Promise<Record<string, any>> =>
    (await idisCall(e.base, 'get_jobs_list', 'GET', { job_ids: ids.map(String) }, USER)).json as Record<string, any>;
  const settled = async (ids: number[], ms = 60_000): Promise<Record<string, any>> => {
    const until = Date.now() + ms;
    for (;;) {
      const j = await jobs(ids);
      if (ids.every((id) => ['DONE', 'ERROR'].includes(j[String(id)]?.status))) return j;
      if (Date.now() > until) throw new Error(`jobs not settled: ${JSON.stringify(j).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  await t.test('create from-mapping with accession_number: and study_instance_uid: rows → jobs DONE, every instance in the destination, de-identified', async (t) => {
    const work = join(e.share, 'work');
    const mapping = [
      '## Description ##',
      'Mapping created by the PACS test',
      '## Options ##',
      'root_source_path,\\\\srv\\share\\work',
      'project,Wetenschap-Algemeen',
      'destination_path,\\\\srv\\share\\out',
      '',
      '## Mapping ##',
      'source,pseudo_id,pseudo_name,description',
      `accession_number:${A.accession},PSEUDO-A,PSEUDONAME-A,from an accession number`,
      `study_instance_uid:${B.study},PSEUDO-B,PSEUDONAME-B,from a StudyInstanceUID`,
      '',
    ].join('\r\n');
    writeFileSync(join(work, 'anon_mapping.csv'), mapping);
    const r = await e.anon(work, ['create', 'from-mapping', '-y']);
    t.equal(r.code, 0, r.err);
    await settled([1, 2]);
    const job = async (id: number): Promise<Record<string, any>> => (await idisCall(e.base, 'get_job', 'GET', { job_id: id }, USER)).json as Record<string, any>;
    const done = { '1': await job(1), '2': await job(2) };
    t.equal(done['1'].status, 'DONE', done['1'].error ?? '');
    t.equal(done['2'].status, 'DONE', done['2'].error ?? '');
    t.equal(done['1'].source_type, 'WADO');
    t.equal(done['1'].source_instance_id, `accession_number:${A.accession}`, 'the row as the client sent it');
    t.equal(done['2'].source_instance_id, B.study, 'the bare StudyInstanceUID, as the client sends it');
    t.equal(Number(done['1'].files_downloaded), 6, 'files_downloaded: every instance of study A');
    t.equal(Number(done['2'].files_downloaded), 4);
    const out = filesUnder(join(e.share, 'out'));
    t.equal(out.length, 10, 'every instance of both studies in the destination, once');
    const pids = new Set<string | undefined>();
    const leaks: string[] = [];
    for (const f of out) {
      const bytes = readFileSync(f).toString('latin1');
      for (const id of [...identifiers(A), ...identifiers(B)]) if (bytes.includes(id)) leaks.push(id);
      pids.add(await tag(f, 0x00100020));
    }
    t.same(leaks, [], 'no original identifier (patient, accession, study UID) in any output');
    t.same([...pids].sort(), ['PSEUDO-A', 'PSEUDO-B'], "the mapping's pseudonyms");
    t.notOk(existsSync(join(e.dir, 'data', 'jobs', '1', 'download')), 'the fetched originals go once the job is DONE');
  });

  await t.test('an unknown accession number → job ERROR naming the PACS and the accession number', async (t) => {
    const r = await idisCall(
      e.base,
      'create_job',
      'POST',
      {
        source_type: 'WADO',
        source_name: 'IDC_WADO',
        source_instance_id: 'accession_number:NO-SUCH-ACC',
        destination_type: 'PATH',
        project_name: 'Wetenschap-Algemeen',
        destination_path: '\\\\srv\\share\\out2',
      },
      USER,
    );
    t.equal(r.status, 200, JSON.stringify(r.json));
    const id = Number((r.json as Record<string, unknown>).job_id);
    const j = (await settled([id]))[String(id)];
    t.equal(j.status, 'ERROR');
    t.match(j.error, /^Error while pre-processing job \d+: WadoWrapperException: PACS orthanc: no study with accession number NO-SUCH-ACC/);
    t.equal(filesUnder(join(e.share, 'out2')).length, 0, 'nothing written');
  });

  await t.test('Orthanc stopped mid-study → job ERROR; restarted and anon job reset → DONE, no duplicates, nothing fetched twice', async (t) => {
    // the study's WADO-RS stream stops after ~6 instances; then Orthanc dies and the connections drop
    proxy.holdAfter(new RegExp(`^/dicom-web/studies/${C.study.replace(/\./g, '\\.')}$`), 6 * 100 * 1024);
    const r = await idisCall(
      e.base,
      'create_job',
      'POST',
      {
        source_type: 'WADO',
        source_name: 'IDC_WADO',
        source_instance_id: C.study,
        destination_type: 'PATH',
        project_name: 'Wetenschap-Algemeen',
        destination_path: '\\\\srv\\share\\out3',
        anonymizedpatientid: 'PSEUDO-C',
      },
      USER,
    );
    t.equal(r.status, 200, JSON.stringify(r.json));
    const id = Number((r.json as Record<string, unknown>).job_id);
    await proxy.held();
    await orthanc.kill();
    proxy.cutAll();
    const failed = (await settled([id]))[String(id)];
    t.equal(failed.status, 'ERROR');
    t.match(failed.error, /WadoWrapperException: PACS orthanc: could not connect when requesting study 2\.25\.7003/, 'names the PACS and the study');
    const before = Number(failed.files_downloaded);
    t.ok(before > 0 && before < 24, `some instances had arrived (${before} of 24)`);
    t.notOk(existsSync(join(e.share, 'out3')) && filesUnder(join(e.share, 'out3')).length > 0, 'nothing written before the study was complete');

    await orthanc.start();
    proxy.release();
    const seen = proxy.requests.length;
    const reset = await e.anon(e.dir, ['job', 'reset', String(id), '-y']);
    t.equal(reset.code, 0, reset.err);
    t.notMatch(reset.out + reset.err, /\[y\/N\]/, 'no question asked');
    const done = (await settled([id]))[String(id)];
    t.equal(done.status, 'DONE', done.error ?? '');
    if (done.status !== 'DONE') t.comment(proxy.requests.slice(seen).join('\n'), orthanc.log().slice(-3000));
    const out = filesUnder(join(e.share, 'out3'));
    t.equal(out.length, 24, 'every instance once: no duplicates');
    t.equal(new Set(await Promise.all(out.map((f) => tag(f, 0x00080018)))).size, 24, 'distinct SOP Instance UIDs');
    const after = proxy.requests.slice(seen);
    t.equal(after.filter((q) => q.includes('/instances/')).length, 24 - before, 'only the missing instances were fetched again');
    t.notOk(
      after.some((q) => q.endsWith(`/studies/${C.study}`)),
      'not the whole study',
    );
    t.same(
      out.flatMap((f) => identifiers(C).filter((v) => readFileSync(f).toString('latin1').includes(v))),
      [],
      'no original identifier in any output',
    );
  });
});
