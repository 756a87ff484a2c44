// Output integrity: a job never overwrites, overlapping destinations never run at once, an
// unfinished job's outputs are marked and cleaned on reset, one server per data folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startServer } from '../src/serve/server.js';
import { ALICE, callAs, finished, folderJob, PROJECT2, serve } from './helpers/serve.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

const allFiles = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile());

t.test('attack: mirror layout over an existing file → ERROR naming the conflict, the file unchanged', async (t) => {
  const e = await serve(t, { layout: 'mirror' });
  mkdirSync(join(e.share, 'out', 'ct'), { recursive: true });
  writeFileSync(join(e.share, 'out', 'ct', 'slice-1.dcm'), 'an original, not ours');
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  const job = await finished(e, ALICE, id);
  t.equal(job.status, 'ERROR');
  t.match(job.error, /OUTPUT_CONFLICT: ct\/slice-1\.dcm already holds a different file: not overwritten/);
  t.notMatch(job.error, e.dir, 'no server path in the error');
  t.equal(readFileSync(join(e.share, 'out', 'ct', 'slice-1.dcm'), 'utf8'), 'an original, not ours');
  t.ok(existsSync(join(e.share, 'out', `.anonflow-incomplete-job-${id}`)), 'the partial output is marked incomplete');
});

t.test('attack: two jobs with different profiles into one destination → the second ERROR, no duplicates', async (t) => {
  const e = await serve(t, { layout: 'mirror' });
  const a = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  t.equal((await finished(e, ALICE, a)).status, 'DONE');
  const before = allFiles(join(e.share, 'out')).sort();
  const b = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ project_name: PROJECT2 }))).json.job_id as number;
  const job = await finished(e, ALICE, b);
  t.equal(job.status, 'ERROR');
  t.match(job.error, /OUTPUT_CONFLICT/);
  t.same(
    allFiles(join(e.share, 'out'))
      .filter((f) => !f.startsWith('.anonflow-incomplete'))
      .sort(),
    before,
    'no suffixed duplicates, nothing replaced',
  );
});

t.test('overlapping destinations (out and out\\sub) → the jobs run one after the other', async (t) => {
  const e = await serve(t);
  const a = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  const b = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ destination_path: '\\\\srv\\share\\out\\sub' }))).json.job_id as number;
  t.equal((await finished(e, ALICE, a)).status, 'DONE');
  t.equal((await finished(e, ALICE, b)).status, 'DONE');
  const [ja, jb] = [e.server.store.get(a)!, e.server.store.get(b)!];
  t.ok(jb.started_at! >= ja.completed_at!, `the second started (${jb.started_at}) after the first completed (${ja.completed_at})`);
  t.notOk(existsSync(join(e.share, 'out', `.anonflow-incomplete-job-${a}`)), 'a DONE job leaves no marker');
});

t.test('a job that did not finish → marked incomplete; a reset removes what it created (only that) before it runs again', async (t) => {
  const e = await serve(t, { layout: 'mirror' });
  mkdirSync(join(e.share, 'out', 'ct'), { recursive: true });
  writeFileSync(join(e.share, 'out', 'ct', 'slice-1.dcm'), 'in the way');
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  t.equal((await finished(e, ALICE, id)).status, 'ERROR');
  t.ok(existsSync(join(e.share, 'out', `.anonflow-incomplete-job-${id}`)), 'marked incomplete');
  t.ok(existsSync(join(e.share, 'out', 'ct', 'slice-2.dcm')), 'a partial output');
  // the input goes away: a rerun will not write its output again, so only the clean-up can remove it
  unlinkSync(join(e.share, 'root', 'study1', 'ct', 'slice-2.dcm'));
  const reset = await callAs(e, ALICE, 'modify_job', 'POST', { job_id: id, status: 'ACTIVE', files_downloaded: 0, files_processed: 0, error: ' ' });
  t.equal(reset.status, 200);
  t.equal((await finished(e, ALICE, id)).status, 'ERROR', 'the file in the way is still in the way');
  t.notOk(existsSync(join(e.share, 'out', 'ct', 'slice-2.dcm')), 'the previous run’s output was removed');
  t.equal(readFileSync(join(e.share, 'out', 'ct', 'slice-1.dcm'), 'utf8'), 'in the way', 'a file the job did not create is kept');
  t.ok(existsSync(join(e.share, 'out', 'ct', 'slice-3.dcm')), 'the rerun wrote the others again');
});

t.test('attack: a second anon serve on the same data folder → a clear error, the first keeps running', async (t) => {
  const e = await serve(t);
  await t.rejects(startServer(e.cfg, { pollMs: 100 }), /in use by another anon serve/);
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  t.equal((await finished(e, ALICE, id)).status, 'DONE', 'the first server still runs jobs');
  t.equal(statSync(e.cfg.data_dir).mode & 0o777, 0o700, 'the data folder is 0700');
  t.equal(statSync(join(e.cfg.data_dir, 'jobs.sqlite')).mode & 0o777, 0o600, 'the database is 0600');
});
