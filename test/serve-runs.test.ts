// The anonymization-run resource per its reference (Dataframer "Get an anonymization run"):
// /api/dataframer/anonymization-runs/{run_id}, UUIDs, four statuses, the caller's runs only,
// paths relative to the destination and downloadable by their owner.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { hashToken } from '../src/serve/config.js';
import { ALICE, BOB, PROJECT, runCall, serve } from './helpers/serve.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

const RUNS = '/api/dataframer/anonymization-runs';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const runBody = (extra: Record<string, string> = {}) => ({
  source_path: 'folder:\\\\srv\\share\\root\\study1',
  destination_path: '\\\\srv\\share\\out',
  project_name: PROJECT,
  ...extra,
});

async function settled(e: Parameters<typeof runCall>[0], id: string): Promise<any> {
  for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    const one = (await runCall(e, ALICE, 'GET', `${RUNS}/${id}`)).json as any;
    if (one.status === 'SUCCEEDED' || one.status === 'FAILED') return one;
  }
  throw new Error(`run ${id} did not finish`);
}

t.test('a run → UUID id, the reference’s fields, files relative to the destination and downloadable by their owner only', async (t) => {
  const e = await serve(t);
  e.cfg.users.find((u) => u.name === ALICE.user)!.email = 'alice@example.org';
  const c = await runCall(e, ALICE, 'POST', RUNS, runBody());
  t.equal(c.status, 201);
  t.match(c.json, { id: UUID, status: 'PENDING', created_by_email: 'alice@example.org', dataset_id: 'folder:\\\\srv\\share\\root\\study1', dataset_name: 'study1' });
  const run = await settled(e, (c.json as any).id);
  t.equal(run.status, 'SUCCEEDED');
  t.equal(run.anonymized_files.length, 4);
  for (const f of run.anonymized_files) t.notOk(f.path.startsWith('/') || f.path.includes(e.dir), `${f.path}: relative, no server path`);
  const f = run.anonymized_files[0];
  const got = await runCall(e, ALICE, 'GET', `${RUNS}/${run.id}/files/${f.id}`);
  t.equal(got.status, 200);
  t.equal(Buffer.from(got.body, 'latin1').length > 0, true);
  t.equal(got.body, readFileSync(join(e.share, 'out', f.path)).toString('utf8'), 'the bytes of the output file');
  t.equal((await runCall(e, BOB, 'GET', `${RUNS}/${run.id}/files/${f.id}`)).status, 404, 'another user: 404');
  t.equal((await runCall(e, ALICE, 'GET', `${RUNS}/${run.id}/files/999`)).status, 404, 'no such file: 404');
  t.equal((await runCall(e, ALICE, 'GET', `/api/anonymization-runs/${run.id}`)).status, 200, 'the short path is an alias');
  t.equal((await runCall(e, ALICE, 'GET', `${RUNS}/1`)).status, 404, 'numeric ids are not run ids');
});

t.test('a run cancelled before it starts → FAILED with results.error "canceled", not PENDING forever', async (t) => {
  const e = await serve(t);
  await e.server.runner.stop(); // nothing starts
  const c = await runCall(e, ALICE, 'POST', RUNS, runBody());
  const cancelled = await runCall(e, ALICE, 'POST', `${RUNS}/${(c.json as any).id}/cancel`);
  t.equal(cancelled.status, 200);
  t.match(cancelled.json, { status: 'FAILED', results: { error: 'canceled' } });
  t.equal(((await runCall(e, ALICE, 'GET', `${RUNS}/${(c.json as any).id}`)).json as any).status, 'FAILED');
});

t.test('several IDIS servers → a run names its server (400 without one); the list is the caller’s own', async (t) => {
  const e = await serve(t, {});
  e.cfg.prefixes.push('/p01');
  e.cfg.users.push({ name: 'dave', token_sha256: hashToken('dave-token-0000') });
  const none = await runCall(e, ALICE, 'POST', RUNS, runBody());
  t.equal(none.status, 400);
  t.ok((none.json as any).errors.server);
  const named = await runCall(e, ALICE, 'POST', RUNS, runBody({ server: '/p01' }));
  t.equal(named.status, 201);
  t.equal((named.json as any).server, '/p01');
  t.same(
    ((await runCall(e, ALICE, 'GET', RUNS)).json as any[]).map((r) => r.id),
    [(named.json as any).id],
  );
  t.same((await runCall(e, { token: 'dave-token-0000' }, 'GET', RUNS)).json, [], 'another user sees none');
});
