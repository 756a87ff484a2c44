// Issue 20's must-hold: a real redis-server, one `anon serve --queue` and three `anon worker`
// processes. A 300-file job ends DONE with every file written once, while one worker is killed
// with SIGKILL mid-job and Redis is restarted once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import t, { type Test } from 'tap';
import { writeInstances } from '../fixtures/instances.js';
import { idisCall } from '../src/client/idis-client.js';
import { closeDicom, openDicom } from '../src/dicom/file.js';
import { hashToken } from '../src/serve/config.js';
import { cleanEnv } from './helpers/child-env.js';
import { redisSkip, startRedis } from './helpers/redis.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/queue/consumer.js'));
const skip = redisSkip || (built ? false : 'dist/ not built: run npm run build (npm test does)');
const USER = { user: 'z123sandbox', token: 'queue-token-0123' };
const FILES = 300;

/** Starts `anon <args>` and resolves once a line of its stdout matches `ready`. */
function startChild(t: Test, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...cleanEnv(), ANON_SERVE_USERS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`anon ${args[0]} did not start: ${out} ${err}`)), 90_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    });
    child.once('exit', (code) => reject(new Error(`anon ${args[0]} exited (${code}): ${err}`)));
  });
}

/** Every regular file under dir, relative, with its SHA-256. */
function digests(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const d of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const p = join(d.parentPath, d.name);
    m.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return m;
}

t.test(
  '300-file job over three workers, one SIGKILLed and Redis restarted → DONE, each file written once, no partial file, inputs untouched',
  { skip, timeout: 300_000 },
  async (t) => {
    const t0 = Date.now();
    const phase = (what: string): void => void t.comment(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const dir = mkdtempSync(join(tmpdir(), 'anonflow-queue-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const share = join(dir, 'share');
    writeInstances(join(share, 'in'), FILES, { study: '2.25.4242', patientName: 'Queue^Test', patientId: 'Q-1', pixels: 32 * 1024 });
    mkdirSync(join(share, 'out'));
    const inputsBefore = digests(join(share, 'in'));
    const redis = await startRedis(t, { persist: true });
    const cfgFile = join(dir, 'anon-serve.yaml');
    writeFileSync(
      cfgFile,
      [
        `data_dir: ${join(dir, 'data')}`,
        `shares:\n  - unc: '\\\\srv\\share'\n    path: ${share}`,
        `users:\n  - name: ${USER.user}\n    token_sha256: ${hashToken(USER.token)}`,
        `projects:\n  Wetenschap-Algemeen: basic`,
        `prefixes: [/sandbox]`,
        '',
      ].join('\n'),
    );
    const workerArgs = ['worker', '--queue', redis.url, '--config', cfgFile, '--threads', '1', '--concurrency', '1', '--lease-ms', '2000', '--heartbeat-ms', '500'];
    const [server, ...workers] = await Promise.all([
      startChild(t, ['serve', '--config', cfgFile, '--port', '0', '--queue', redis.url], /listening on (http:\/\/127\.0\.0\.1:\d+)/),
      ...[0, 1, 2].map(() => startChild(t, workerArgs, /taking tasks/)),
    ]);
    const base = `${server.match[1]}/sandbox`;
    phase('server and workers up');
    const r = await idisCall(
      base,
      'create_job',
      'POST',
      {
        source_type: 'PATH',
        source_path: 'folder:\\\\srv\\share\\in',
        destination_type: 'PATH',
        project_name: 'Wetenschap-Algemeen',
        destination_path: '\\\\srv\\share\\out',
      },
      USER,
    );
    t.equal(r.status, 200, 'job created');
    const id = (r.json as { job_id: number }).job_id;
    const job = async (): Promise<Record<string, any>> => ((await idisCall(base, 'get_jobs_list', 'GET', { job_ids: [id] }, USER)).json as Record<string, any>)[id];

    // kill one worker once the job is under way, then restart Redis
    let before: Record<string, any> = {};
    for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((r) => setTimeout(r, 25))) {
      before = await job();
      if (before.files_processed > 0 || before.status === 'DONE' || before.status === 'ERROR') break;
    }
    workers[0].child.kill('SIGKILL');
    await new Promise((r) => workers[0].child.once('exit', r));
    t.ok(before.files_processed > 0 && before.files_processed < FILES, `the worker was killed mid-job (${before.files_processed} of ${FILES} done)`);
    phase('worker killed');
    await redis.restart();
    phase('redis restarted');

    let after: Record<string, any> = {};
    for (const until = Date.now() + 240_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      after = await job();
      if (after.status === 'DONE' || after.status === 'ERROR') break;
    }
    phase('job ended');
    t.same([after.status, after.files_downloaded, after.files_processed, after.error ?? null], ['DONE', FILES, FILES, null], 'the job ended DONE with every file');

    const journal = readFileSync(join(dir, 'data', 'jobs', String(id), 'report', 'journal.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input: string; status: string; output?: string });
    t.equal(journal.length, FILES, 'one journal entry per input');
    t.equal(new Set(journal.map((e) => e.input)).size, FILES, 'no input twice');
    t.ok(
      journal.every((e) => e.status === 'written'),
      'every input written',
    );

    const outputs = [...digests(join(share, 'out')).keys()];
    const temp = outputs.filter((p) => p.startsWith('.anonflow-tmp'));
    const dicom = outputs.filter((p) => !p.startsWith('.anonflow-tmp'));
    t.same(temp, [], 'no temporary file left in the output folder');
    t.equal(dicom.length, FILES, 'every file written exactly once');
    t.same(new Set(journal.map((e) => relative(join(share, 'out'), e.output!))), new Set(dicom), 'the outputs are the journal’s');
    let complete = 0;
    for (const p of dicom) {
      const f = await openDicom(join(share, 'out', p));
      if (f.dataset.get(0x7fe00010)?.length === 32 * 1024) complete++;
      closeDicom(f);
    }
    t.equal(complete, FILES, 'no partial file: every output parses with its whole pixel data');
    t.same(digests(join(share, 'in')), inputsBefore, 'inputs untouched');

    const listed = await fetch(`${server.match[1]}/api/workers`, { headers: { authorization: `Bearer ${USER.token}` } });
    const body = (await listed.json()) as { workers: { id: string; version: string; heartbeat: string; load: { files: number } }[] };
    t.equal(body.workers.length, 2, 'the two live workers are listed (the killed one expired)');
    t.ok(
      body.workers.every((w) => /^\d+\.\d+\.\d+/.test(w.version) && Date.parse(w.heartbeat) > Date.now() - 10_000),
      'with their version and a recent heartbeat',
    );

    for (const w of [server, workers[1], workers[2]]) w.child.kill('SIGTERM');
    await Promise.all([server, workers[1], workers[2]].map((w) => new Promise((r) => (w.child.exitCode === null ? w.child.once('exit', r) : r(null)))));
  },
);
