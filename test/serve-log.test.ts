import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { writeSample } from '../fixtures/sample.js';
import { buildConfig } from '../src/serve/config.js';
import { encodeForm, type FormParams } from '../src/client/idis-client.js';
import { startServer } from '../src/serve/server.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

const TOKEN = 's3cr3t';
const FORM = { authorization: `Token ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' };

t.test('a job run through the server at log level trace → request lines with ids, no patient value or source path in any line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-serve-log-'));
  const share = join(dir, 'share');
  mkdirSync(join(share, 'out'), { recursive: true });
  writeSample(join(share, 'root', 'study1'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const cfg = {
    ...buildConfig({
      dataDir: join(dir, 'data'),
      prefix: ['/sandbox'],
      user: [`z123sandbox:${TOKEN}`],
      share: [`\\\\srv\\share=${share}`],
      project: ['Wetenschap-Algemeen=basic'],
      threads: 0,
      logLevel: 'trace',
    }),
    opt_out: ['PID-000123'],
  };
  const server = await startServer(cfg, { listen: false, pollMs: 50, logStream: sink });
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async (method: 'GET' | 'POST', fn: string, params: FormParams) => {
    const r = await server.app.inject({ method, url: `/sandbox/${fn}`, headers: FORM, payload: encodeForm({ ...params, user_name: 'z123sandbox' }) });
    return { status: r.statusCode, json: r.json() as Record<string, any> };
  };
  const job = {
    source_type: 'PATH',
    source_path: 'folder:\\\\srv\\share\\root\\study1',
    destination_type: 'PATH',
    destination_path: '\\\\srv\\share\\out',
    project_name: 'Wetenschap-Algemeen',
    anonymizedpatientid: 'PSEUDO-77',
    anonymizedpatientname: 'Pseudo^Name',
  };
  const ok = await call('POST', 'create_job', { ...job, source_ignore_opt_out: true, source_ignore_opt_out_reason: 'Reason: consent given' });
  const optedOut = await call('POST', 'create_job', job);
  t.equal(ok.status, 200);
  t.equal(optedOut.status, 200);
  // requests that put patient values where a careless log would print them
  await server.app.inject({ method: 'GET', url: '/sandbox/Sample%5EPatient?PatientID=PID-000123', headers: FORM });
  await call('POST', 'create_job', { ...job, source_path: `folder:${share}/../root/study1` });
  await server.app.inject({
    method: 'POST',
    url: '/sandbox/create_job',
    headers: { authorization: `Token ${TOKEN}`, 'content-type': 'application/json' },
    payload: '{"source_path": "Sample^Patient',
  });
  await server.app.inject({ method: 'GET', url: `/api/anonymization-runs/PID-000123`, headers: { authorization: `Bearer ${TOKEN}` } });
  const ids = [ok.json.job_id, optedOut.json.job_id];
  let jobs: Record<string, any> = {};
  for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    jobs = (await call('GET', 'get_jobs_list', { job_ids: ids })).json;
    if (ids.every((id) => ['DONE', 'ERROR'].includes(jobs[id]?.status))) break;
  }
  t.same(
    ids.map((id) => jobs[id].status),
    ['DONE', 'ERROR'],
  );
  t.match(jobs[ids[1]].error, /PID-000123/, 'the opt-out error names the patient (in the API answer only)');

  const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request completed');
  t.ok(requests.length >= 8, 'one line per request');
  t.ok(
    requests.every((l) => typeof l.reqId === 'string' && l.method && typeof l.statusCode === 'number' && typeof l.ms === 'number'),
    'request id, method, status and time on every request line',
  );
  t.ok(
    requests.some((l) => l.user === 'z123sandbox' && l.route === '/sandbox/create_job'),
    'user and route pattern',
  );
  const forbidden = ['Sample', 'Patient', 'PID-000123', '19600229', 'PSEUDO-77', 'Pseudo', 'study1', share, dir, 'srv', TOKEN];
  for (const word of forbidden)
    t.same(
      lines.filter((l) => l.includes(word)),
      [],
      `no log line contains ${word}`,
    );
});
