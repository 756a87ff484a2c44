import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeSample } from '../fixtures/sample.js';
import { buildConfig, type ServeConfig } from '../src/serve/config.js';
import { idisCall, rawRequest, type IdisResponse } from '../src/client/idis-client.js';
import { startServer, type ServeHandle } from '../src/serve/server.js';
import { createKey } from '../src/serve/project-keys.js';
import { fromRoot } from './helpers/root.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

const CAPTURE = fromRoot('../shared/api/anonapi-wire-capture.jsonl');
const USER = { user: 'z123sandbox', token: 's3cr3t' };
const PROJECT = 'Wetenschap-Algemeen';

interface Captured {
  method: string;
  path: string;
  content_type: string;
  authorization: string;
  body_raw: string;
  body_pairs: [string, string][];
}

interface Env {
  dir: string;
  share: string;
  server: ServeHandle;
  base: string;
  cfg: ServeConfig;
}

/** A server on loopback (port 0) with the share \\srv\share mapped to a temp folder holding a sample study. */
async function serve(t: Test, extra: Partial<ServeConfig> = {}): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-serve-'));
  const share = join(dir, 'share');
  mkdirSync(join(share, 'out'), { recursive: true });
  writeSample(join(share, 'root', 'study1'));
  const cfg = {
    ...buildConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      prefix: ['/sandbox'],
      user: [`${USER.user}:${USER.token}`, 'other:tok2'],
      share: [`\\\\srv\\share=${share}`],
      project: [`${PROJECT}=basic`],
      threads: 0,
      concurrency: 4,
    }),
    auth_failures_per_minute: 10_000, // these tests send many bad tokens on purpose; serve-hygiene tests the limit
    ...extra,
  };
  createKey(cfg.data_dir, '555'); // the PIMS key file the captured requests name, provisioned as an operator would
  const server = await startServer(cfg, { pollMs: 100 });
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, share, server, base: `${server.url}/sandbox`, cfg };
}

const call = (e: Env, fn: string, method: 'GET' | 'POST', params: Record<string, any> = {}): Promise<IdisResponse> => idisCall(e.base, fn, method, params, USER);

const folderJob = (extra: Record<string, string> = {}): Record<string, string> => ({
  source_type: 'PATH',
  source_path: 'folder:\\\\srv\\share\\root\\study1',
  destination_type: 'PATH',
  project_name: PROJECT,
  destination_path: '\\\\srv\\share\\out',
  ...extra,
});

async function waitFor(e: Env, ids: number[], done: (s: string) => boolean, ms = 60_000): Promise<Record<string, any>> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await call(e, 'get_jobs_list', 'GET', { job_ids: ids });
    const jobs = r.json as Record<string, any>;
    if (ids.every((id) => jobs[String(id)] && done(jobs[String(id)].status))) return jobs;
    if (Date.now() > until) throw new Error(`jobs not finished in time: ${JSON.stringify(jobs).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CORE = ['job_id', 'date', 'user_name', 'status', 'error', 'description', 'project_name', 'priority', 'files_downloaded', 'files_processed'];

t.test('contract replay: every captured anonapi request → the status and JSON shape the client needs', async (t) => {
  const e = await serve(t);
  // the study2 fileselection the capture names, and nine jobs so the captured ids 3..9 exist
  writeSample(join(e.share, 'root', 'study2'));
  writeFileSync(
    join(e.share, 'root', 'study2', 'fileselection.txt'),
    'description: test\nid: 3df27f44-0a5c-48cd-bebe-f911817d42f6\nselected_paths:\n- ct/slice-1.dcm\n- ct/slice-2.dcm\n',
  );
  for (let i = 0; i < 9; i++) t.equal((await call(e, 'create_job', 'POST', folderJob({ anonymizedpatientid: `S${i}` }))).status, 200);
  await waitFor(e, [1, 2, 3, 4, 5, 6, 7, 8, 9], (s) => s === 'DONE');

  const lines = readFileSync(CAPTURE, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Captured);
  t.ok(lines.length >= 13, 'the capture has every request');
  for (const c of lines) {
    const r = await rawRequest(`${e.server.url}${c.path}`, {
      method: c.method,
      headers: { authorization: c.authorization, 'content-type': c.content_type, 'user-agent': 'python-requests/2.28.1' },
      body: c.body_raw,
    });
    const what = `${c.method} ${c.path} ${c.body_raw.slice(0, 60)}`;
    t.ok(r.json !== undefined, `${what}: JSON body`);
    const body = r.json as Record<string, any>;
    const fn = c.path.replace(/^\/sandbox\/?/, '');
    const params = new Map<string, string[]>();
    for (const [k, v] of c.body_pairs) params.set(k, [...(params.get(k) ?? []), v]);
    switch (fn) {
      case '':
        t.ok([200, 404].includes(r.status) && body.documentation, `${what}: documentation (server status OK)`);
        break;
      case 'get_jobs':
        t.equal(r.status, 200, what);
        t.ok(Object.keys(body).length >= 9, 'keyed by job id');
        for (const [k, j] of Object.entries(body)) {
          t.equal(String(j.job_id), k);
          t.same(
            CORE.filter((x) => !(x in j)),
            [],
            'every core key',
          );
        }
        break;
      case 'get_job':
        t.equal(r.status, 200, what);
        t.equal(body.job_id, 3);
        t.match(body.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
        t.same(
          CORE.filter((x) => !(x in body)),
          [],
        );
        t.ok('source_anonymizedpatientid' in body && 'destination_path' in body, 'extended keys');
        break;
      case 'get_jobs_list':
      case 'get_jobs_list_extended': {
        t.equal(r.status, 200, what);
        const asked = params.get('job_ids')!.filter((id) => Number(id) <= 9);
        t.same(Object.keys(body).sort(), asked.sort(), 'known ids keyed, unknown ids left out');
        if (fn === 'get_jobs_list_extended') for (const j of Object.values(body)) t.ok('source_anonymizedpatientid' in j);
        break;
      }
      case 'cancel_job':
        t.equal(r.status, 200, what);
        t.equal(body.status, 'INACTIVE');
        break;
      case 'modify_job':
        t.equal(r.status, 200, what);
        if (params.has('status')) {
          t.equal(body.status, 'ACTIVE');
          t.equal(body.error, ' ');
          t.equal(body.files_processed, 0);
        }
        break;
      case 'create_job':
        if (params.get('source_type')![0] === 'WADO') {
          t.equal(r.status, 400, `${what}: WADO is not configured`);
          t.match(body.errors.source_type, /not configured/);
        } else {
          t.equal(r.status, 200, what);
          t.type(body.job_id, 'number');
          t.equal(body.source_path, params.get('source_path')![0]);
          t.same(
            CORE.filter((x) => !(x in body)),
            [],
          );
        }
        break;
      default:
        t.fail(`unexpected captured function ${fn}`);
    }
  }
  // the captured path jobs run: folder (pseudonyms P1/N1) and fileselection (2 files)
  const created = Object.values((await call(e, 'get_jobs', 'GET')).json as Record<string, any>).filter((j) => j.job_id > 9);
  t.equal(created.length, 2);
  const done = await waitFor(
    e,
    created.map((j) => j.job_id),
    (s) => s === 'DONE' || s === 'ERROR',
  );
  const bySource = Object.values(done);
  t.same(
    bySource.map((j) => j.status),
    ['DONE', 'DONE'],
    JSON.stringify(bySource.map((j) => j.error)),
  );
  t.same(bySource.map((j) => j.files_processed).sort(), [2, 4]);
  t.ok(readdirSync(join(e.share, 'out')).includes('P1'), 'the job pseudonym names the output folder');
});

t.test('a request without a valid token → 401 on every endpoint', async (t) => {
  const e = await serve(t);
  const fns: [string, string][] = [
    ['', 'GET'],
    ['get_jobs', 'GET'],
    ['get_job', 'GET'],
    ['get_jobs_list', 'GET'],
    ['get_jobs_list_extended', 'GET'],
    ['create_job', 'POST'],
    ['cancel_job', 'POST'],
    ['modify_job', 'POST'],
    ['no_such_function', 'GET'],
    ['get_jobs', 'POST'],
  ];
  const bad: [string, Record<string, string>][] = [
    ['no header', {}],
    ['wrong token', { authorization: 'Token nope' }],
    ['Bearer instead of Token', { authorization: `Bearer ${USER.token}` }],
    ['empty token', { authorization: 'Token ' }],
  ];
  for (const [fn, method] of fns) {
    for (const [label, headers] of bad) {
      const r = await rawRequest(`${e.base}/${fn}`, {
        method,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'job_id=1&job_ids=1&user_name=z123sandbox',
      });
      t.equal(r.status, 401, `${method} /${fn}, ${label}`);
    }
    const other = await rawRequest(`${e.base}/${fn}`, {
      method,
      headers: { authorization: 'Token tok2', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'job_id=1&user_name=z123sandbox',
    });
    t.equal(other.status, 401, `${method} /${fn}, another user's token for user_name z123sandbox`);
  }
  for (const [path, method] of [
    ['/api/anonymization-runs', 'GET'],
    ['/api/anonymization-runs/', 'POST'],
    ['/api/anonymization-runs/1', 'GET'],
    ['/api/anonymization-runs/1/cancel', 'POST'],
  ]) {
    t.equal((await rawRequest(`${e.server.url}${path}`, { method })).status, 401, `${method} ${path}, no header`);
    t.equal((await rawRequest(`${e.server.url}${path}`, { method, headers: { authorization: 'Token s3cr3t' } })).status, 401, `${method} ${path}, Token instead of Bearer`);
  }
  t.equal((await call(e, 'get_jobs', 'GET')).status, 200, 'the right token works');
});

t.test('a source or destination outside the roots → refused (400), nothing read', async (t) => {
  const e = await serve(t);
  mkdirSync(join(e.dir, 'secret'), { recursive: true });
  writeSample(join(e.dir, 'secret', 'study'));
  symlinkSync(join(e.dir, 'secret'), join(e.share, 'root', 'escape'));
  const refused: [string, Record<string, string>][] = [
    ['.. segments in a UNC path', { source_path: 'folder:\\\\srv\\share\\root\\..\\..\\secret' }],
    ['.. with forward slashes', { source_path: 'folder:\\\\srv\\share/root/../../secret' }],
    ['a local path outside the roots', { source_path: `folder:${join(e.dir, 'secret')}` }],
    ['a local path with ..', { source_path: `folder:${e.share}/../secret` }],
    ['/etc', { source_path: 'folder:/etc' }],
    ['an unknown share', { source_path: 'folder:\\\\other\\share\\x' }],
    ['a relative path', { source_path: 'folder:root\\study1' }],
    ['a symlink out of the share', { source_path: 'folder:\\\\srv\\share\\root\\escape\\study' }],
    ['a destination outside the roots', { destination_path: join(e.dir, 'secret') }],
  ];
  for (const [label, p] of refused) {
    const r = await call(e, 'create_job', 'POST', folderJob(p));
    t.equal(r.status, 400, label);
    const errors = (r.json as any).errors;
    t.match(Object.values(errors).join(' '), /outside|"\.\."|share this server does not know|absolute/, `${label}: ${JSON.stringify(errors)}`);
  }
  // a fileselection inside the share that points out of its folder: the job fails, the file is not read
  writeFileSync(join(e.share, 'root', 'fileselection.txt'), `description: x\nid: 1\nselected_paths:\n- ../../secret/study/ct/slice-1.dcm\n`);
  const fs = await call(e, 'create_job', 'POST', folderJob({ source_path: 'fileselection:\\\\srv\\share\\root\\fileselection.txt' }));
  t.equal(fs.status, 200, 'the fileselection itself is inside the share');
  const id = (fs.json as any).job_id;
  const done = await waitFor(e, [id], (s) => s === 'ERROR' || s === 'DONE');
  t.equal(done[id].status, 'ERROR');
  t.match(done[id].error, /^Error while pre-processing job \d+: .*not inside the selection's folder/);
  // modify_job checks paths too
  const ok = (await call(e, 'create_job', 'POST', folderJob())).json as any;
  const m = await call(e, 'modify_job', 'POST', { job_id: ok.job_id, source_path: 'folder:/etc' });
  t.equal(m.status, 400, 'modify_job to a path outside the roots');
});

t.test('an opted-out patient → ERROR with the anonapi message; source_ignore_opt_out with a reason and a reset → DONE', async (t) => {
  const e = await serve(t, { opt_out: ['PID-000123'] });
  const id = ((await call(e, 'create_job', 'POST', folderJob())).json as any).job_id;
  let jobs = await waitFor(e, [id], (s) => s === 'ERROR' || s === 'DONE');
  t.equal(jobs[id].status, 'ERROR');
  t.equal(jobs[id].error, `Error while pre-processing job ${id}: Patient "PID-000123" does not want his or her data to be used for research`);
  const noReason = await call(e, 'modify_job', 'POST', { job_id: id, source_ignore_opt_out: true });
  t.equal(noReason.status, 400, 'ignoring the opt-out needs a reason');
  t.equal((await call(e, 'modify_job', 'POST', { job_id: id, source_ignore_opt_out: true, source_ignore_opt_out_reason: 'Reason: consent given' })).status, 200);
  t.equal((await call(e, 'modify_job', 'POST', { job_id: id, status: 'ACTIVE', files_downloaded: 0, files_processed: 0, error: ' ' })).status, 200);
  jobs = await waitFor(e, [id], (s) => s === 'ERROR' || s === 'DONE');
  t.equal(jobs[id].status, 'DONE');
  t.equal(jobs[id].files_processed, 4);
});

t.test('a SOP class filter → only files of those classes are processed', async (t) => {
  const e = await serve(t);
  const none = ((await call(e, 'create_job', 'POST', folderJob({ source_sop_class_filter_list: '1.2.840.10008.5.1.4.1.1.88.67, 1.2.840.10008.5.1.4.1.1.7' }))).json as any).job_id;
  const ct = ((await call(e, 'create_job', 'POST', folderJob({ source_sop_class_filter_list: '1.2.840.10008.5.1.4.1.1.2', anonymizedpatientid: 'CT1' }))).json as any).job_id;
  const jobs = await waitFor(e, [none, ct], (s) => s === 'ERROR' || s === 'DONE');
  t.equal(jobs[none].status, 'ERROR');
  t.match(jobs[none].error, /no file .* has one of the SOP classes/);
  t.equal(jobs[ct].status, 'DONE');
  t.equal(jobs[ct].files_processed, 4);
});

t.test('wrong verbs, unknown functions and bad ids → 405, 404 with documentation, 400 with errors', async (t) => {
  const e = await serve(t);
  t.equal((await call(e, 'create_job', 'GET', folderJob())).status, 405);
  t.equal((await call(e, 'get_job', 'POST', { job_id: 1 })).status, 405);
  const unknown = await call(e, 'get_everything', 'GET');
  t.equal(unknown.status, 404);
  t.ok((unknown.json as any).documentation);
  t.same((await call(e, 'get_job', 'GET', { job_id: 4242 })).json, { errors: { job_id: 'Job with id 4242 does not exist' } });
  t.same((await call(e, 'get_job', 'GET', {})).json, { errors: { job_id: 'Required parameter job_id not supplied' } });
  t.equal((await call(e, 'cancel_job', 'POST', { job_id: 'x7' })).status, 400);
  t.equal((await call(e, 'modify_job', 'POST', { job_id: 1, colour: 'blue' })).status, 400, 'an unknown job field (job 1 missing too)');
  const dbl = await idisCall(`${e.base}/`, 'get_jobs', 'GET', {}, USER);
  t.equal(dbl.status, 200, 'a base URL with a trailing slash (…/sandbox//get_jobs) works');
});

t.test('/api/anonymization-runs: create, list, get one and cancel with a Bearer token → run-report fields', async (t) => {
  const e = await serve(t);
  const auth = { authorization: `Bearer ${USER.token}`, 'content-type': 'application/json' };
  const url = `${e.server.url}/api/anonymization-runs`;
  const c = await rawRequest(`${url}/`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ source_path: 'folder:\\\\srv\\share\\root\\study1', destination_path: '\\\\srv\\share\\out', project_name: PROJECT, anonymizedpatientid: 'R1' }),
  });
  t.equal(c.status, 201);
  const run = c.json as any;
  t.match(run, { id: String, status: 'PENDING', detection_method: 'heuristics' });
  let one: any;
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    one = (await rawRequest(`${url}/${run.id}`, { method: 'GET', headers: auth })).json;
    if (one.status === 'SUCCEEDED' || one.status === 'FAILED') break;
  }
  t.equal(one.status, 'SUCCEEDED');
  t.equal(one.results.samples_processed, 5);
  t.equal(one.anonymized_files.length, 4);
  t.ok(one.results.entity_summary.names > 0);
  t.type(one.duration_seconds, 'number');
  const list = (await rawRequest(url, { method: 'GET', headers: auth })).json as any[];
  t.ok(Array.isArray(list) && list.some((r) => r.id === run.id));
  const bad = await rawRequest(url, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ source_path: 'folder:/etc', destination_path: '\\\\srv\\share\\out', project_name: PROJECT }),
  });
  t.equal(bad.status, 400);
  t.ok((bad.json as any).errors.source_path);
  t.equal((await rawRequest(`${url}/999999`, { method: 'GET', headers: auth })).status, 404);
  const c2 = (
    await rawRequest(url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ source_path: 'folder:\\\\srv\\share\\root\\study1', destination_path: '\\\\srv\\share\\out', project_name: PROJECT }),
    })
  ).json as any;
  const cancelled = await rawRequest(`${url}/${c2.id}/cancel`, { method: 'POST', headers: auth });
  t.equal(cancelled.status, 200);
  const c2Status = (cancelled.json as any).status;
  t.ok(['FAILED', 'SUCCEEDED'].includes(c2Status), `cancelled run status ${c2Status}`);
  if (c2Status === 'FAILED') t.equal((cancelled.json as any).results.error, 'canceled', 'a cancel is FAILED with results.error "canceled"');
});

t.test('load on loopback: 200 jobs created by 20 concurrent clients → all DONE, none lost or duplicated', { timeout: 180_000 }, async (t) => {
  const e = await serve(t, { concurrency: 8 });
  const ids: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async (_, c) => {
      for (let i = 0; i < 10; i++) {
        const r = await call(e, 'create_job', 'POST', folderJob({ anonymizedpatientid: `L${c}-${i}`, description: `client ${c} job ${i}` }));
        if (r.status !== 200) throw new Error(`create_job ${r.status}: ${r.body}`);
        ids.push((r.json as any).job_id);
      }
    }),
  );
  t.equal(ids.length, 200);
  t.equal(new Set(ids).size, 200, 'no duplicate job ids');
  const jobs = await waitFor(e, ids, (s) => s === 'DONE' || s === 'ERROR', 150_000);
  const all = Object.values(jobs);
  t.equal(all.length, 200, 'no job lost');
  t.same(
    all.filter((j) => j.status !== 'DONE').map((j) => [j.job_id, j.status, j.error]),
    [],
    'every job DONE',
  );
  t.ok(
    all.every((j) => j.files_processed === 4 && j.files_downloaded === 5),
    'counters of every job',
  );
  const descriptions = new Set(all.map((j) => j.description));
  t.equal(descriptions.size, 200, 'each request made exactly one job');
});
