import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeInstances as writeSeries } from '../fixtures/instances.js';

const writeInstances = (dir: string, n: number): void => writeSeries(dir, n, { study: '2.25.888', patientName: 'Restart^Test', patientId: 'RS-1', pixels: 128 * 1024 });
import { idisCall } from '../src/client/idis-client.js';
import { cleanEnv } from './helpers/child-env.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/serve/server.js'));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';
const USER = { user: 'z123sandbox', token: 's3cr3t' };
const FILES = 250;

/** Starts `anon serve` as a child; resolves with its base URL once it listens. */
function startChild(t: Test, dir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '--prefix',
      '/sandbox',
      '--share',
      `\\\\srv\\share=${join(dir, 'share')}`,
      '--project',
      'Wetenschap-Algemeen=basic',
      '--concurrency',
      '1',
      '--threads',
      '1',
    ],
    { env: { ...cleanEnv(), ANON_SECRET: 'serve-restart-secret-0123456789', ANON_SERVE_USERS: `${USER.user}:${USER.token}` }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: `${m[1]}/sandbox` });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

const list = async (base: string, ids: number[]): Promise<Record<string, any>> =>
  (await idisCall(base, 'get_jobs_list', 'GET', { job_ids: ids }, USER)).json as Record<string, any>;

t.test('server killed mid-run and restarted → the interrupted and waiting jobs resume and finish, no file twice', { skip, timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-serve-restart-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeInstances(join(dir, 'share', 'in'), FILES);
  mkdirSync(join(dir, 'share', 'out'));

  const first = await startChild(t, dir);
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await idisCall(
      first.base,
      'create_job',
      'POST',
      {
        source_type: 'PATH',
        source_path: 'folder:\\\\srv\\share\\in',
        destination_type: 'PATH',
        project_name: 'Wetenschap-Algemeen',
        destination_path: '\\\\srv\\share\\out',
        anonymizedpatientid: `R${i}`,
        anonymizedpatientname: `R${i}`,
      },
      USER,
    );
    t.equal(r.status, 200);
    ids.push((r.json as any).job_id);
  }
  // kill it while the first job is part way
  let before: Record<string, any> = {};
  for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    before = await list(first.base, ids);
    if (before[ids[0]].status === 'UPLOADED' && before[ids[0]].files_processed > 0) break;
  }
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  t.equal(before[ids[0]].status, 'UPLOADED', 'the first job was running when the server was killed');
  t.ok(before[ids[0]].files_processed < FILES, `killed part way (${before[ids[0]].files_processed} of ${FILES})`);
  t.same(
    ids.slice(1).map((id) => before[id].status),
    ['ACTIVE', 'ACTIVE'],
    'the others were waiting',
  );

  const second = await startChild(t, dir);
  let after: Record<string, any> = {};
  for (const until = Date.now() + 150_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    after = await list(second.base, ids);
    if (ids.every((id) => after[id].status === 'DONE' || after[id].status === 'ERROR')) break;
  }
  t.same(
    ids.map((id) => [after[id].status, after[id].files_downloaded, after[id].files_processed]),
    ids.map(() => ['DONE', FILES, FILES]),
  );
  const journal = readFileSync(join(dir, 'data', 'jobs', String(ids[0]), 'report', 'journal.ndjson'), 'utf8')
    .trim()
    .split('\n');
  const inputs = journal.map((l) => JSON.parse(l).input);
  t.equal(new Set(inputs).size, FILES, 'the resumed job processed every input');
  t.equal(inputs.length, FILES, 'and none of them twice');
  for (let i = 0; i < 3; i++) {
    const out = join(dir, 'share', 'out', `R${i}`);
    t.equal(readdirSync(out, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length, FILES, `job ${ids[i]}: every output once`);
  }
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
});
