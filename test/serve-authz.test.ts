// Per-user authorisation: a job belongs to the user who created it. Every route, called with
// another user's token, answers as if the job did not exist and changes nothing; an admin sees
// all; status, error and counters are the server's to write.
import t from 'tap';
import { hashToken } from '../src/serve/config.js';
import { ALICE, BOB, callAs, finished, folderJob, PROJECT2, runCall, serve } from './helpers/serve.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

const CAROL = { user: 'carol', token: 'carol-admin-token' };

t.test("attack: another user's token on every route → nothing of the job seen, nothing changed", async (t) => {
  const e = await serve(t);
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ description: 'alice job' }))).json.job_id as number;
  const before = await finished(e, ALICE, id);
  t.equal(before.status, 'DONE');

  const missing = (await callAs(e, BOB, 'get_job', 'GET', { job_id: 999999 })).status;
  const asMissing = async (what: string, p: Promise<{ status: number; body: string }>): Promise<void> => {
    const r = await p;
    t.equal(r.status, missing, `${what}: answered as a missing job`);
    t.notMatch(r.body, /alice/, `${what}: nothing of the job in the body`);
  };
  await asMissing('get_job', callAs(e, BOB, 'get_job', 'GET', { job_id: id }));
  await asMissing('cancel_job', callAs(e, BOB, 'cancel_job', 'POST', { job_id: id }));
  await asMissing('modify_job', callAs(e, BOB, 'modify_job', 'POST', { job_id: id, status: 'ACTIVE', files_downloaded: 0, files_processed: 0, error: ' ' }));
  await asMissing(
    'modify_job (point at another folder and project)',
    callAs(e, BOB, 'modify_job', 'POST', { job_id: id, destination_path: '\\\\srv\\share\\bob', project_name: PROJECT2, status: 'ACTIVE' }),
  );
  for (const fn of ['get_jobs_list', 'get_jobs_list_extended']) {
    const r = await callAs(e, BOB, fn, 'GET', { job_ids: [id] });
    t.equal(r.status, 200, fn);
    t.same(r.json, {}, `${fn}: the job is left out`);
  }
  const jobs = await callAs(e, BOB, 'get_jobs', 'GET');
  t.same(jobs.json, {}, 'get_jobs: none of alice’s jobs');
  const root = await callAs(e, BOB, '', 'GET');
  t.same((root.json as any).status.recent_jobs_by_status, {}, 'the status page counts only bob’s jobs');

  const run = e.server.store.get(id)!.run_id;
  const runs = await runCall(e, BOB, 'GET', '/api/dataframer/anonymization-runs');
  t.same(runs.json, [], 'the run list is scoped to its caller');
  t.equal((await runCall(e, BOB, 'GET', `/api/dataframer/anonymization-runs/${run}`)).status, 404, 'GET run: 404');
  t.equal((await runCall(e, BOB, 'POST', `/api/dataframer/anonymization-runs/${run}/cancel`)).status, 404, 'cancel run: 404');
  t.equal((await runCall(e, BOB, 'GET', `/api/dataframer/anonymization-runs/${run}/files/1`)).status, 404, 'download: 404');

  const after = (await callAs(e, ALICE, 'get_job', 'GET', { job_id: id })).json;
  t.same(after, before, 'the job is exactly as it was');
  t.equal((await runCall(e, ALICE, 'GET', `/api/dataframer/anonymization-runs/${run}`)).status, 200, 'its owner still reads it');
  t.equal((await runCall(e, ALICE, 'GET', `/api/dataframer/anonymization-runs/${run}/files/1`)).status, 200, 'and downloads its files');
});

t.test('an admin (role: admin in the config) → reads and cancels any user’s job', async (t) => {
  const e = await serve(t);
  e.cfg.users.push({ name: CAROL.user, token_sha256: hashToken(CAROL.token), role: 'admin' });
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  t.equal((await callAs(e, CAROL, 'get_job', 'GET', { job_id: id })).status, 200);
  t.equal((await callAs(e, CAROL, 'cancel_job', 'POST', { job_id: id })).json.status, 'INACTIVE');
  t.ok(Object.keys((await callAs(e, CAROL, 'get_jobs', 'GET')).json).includes(String(id)));
});

t.test('attack: a user sets status, error or counters of their own job → 400, the server’s values stay', async (t) => {
  const e = await serve(t);
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  const before = await finished(e, ALICE, id);
  for (const [field, value] of [
    ['status', 'DONE'],
    ['status', 'ERROR'],
    ['status', 'UPLOADED'],
    ['error', 'all fine, trust me'],
    ['files_processed', '20'],
    ['files_downloaded', '7'],
  ]) {
    const r = await callAs(e, ALICE, 'modify_job', 'POST', { job_id: id, [field]: value });
    t.equal(r.status, 400, `${field}=${value} refused`);
  }
  for (const field of ['destination_path', 'source_path', 'project_name', 'pims_keyfile_id']) {
    t.equal((await callAs(e, ALICE, 'modify_job', 'POST', { job_id: id, [field]: 'x' })).status, 400, `${field}: only an admin changes it`);
  }
  t.same((await callAs(e, ALICE, 'get_job', 'GET', { job_id: id })).json, before, 'nothing changed');
  const reset = await callAs(e, ALICE, 'modify_job', 'POST', { job_id: id, status: 'ACTIVE', files_downloaded: 0, files_processed: 0, error: ' ' });
  t.equal(reset.status, 200, 'anonapi’s reset is accepted');
  t.equal((await finished(e, ALICE, id)).status, 'DONE', 'and runs again');
});

t.test('attack: more job_ids than the cap (32,767) → 400, not 500', async (t) => {
  const e = await serve(t);
  const ids = Array.from({ length: 32_767 }, (_, i) => i + 1);
  const r = await callAs(e, ALICE, 'get_jobs_list', 'GET', { job_ids: ids });
  t.equal(r.status, 400);
  t.match((r.json as any).errors.job_ids, /at most 1000/);
});
