// A bounded loopback soak: 20 clients of four users for SOAK_SECONDS (default 20; the figures in
// the closing note come from a longer run), mixing valid requests, invalid ones (bad
// tokens, malformed bodies, paths outside the roots, a symlinked destination) and requests on
// other users' jobs and runs. Must hold: no 5xx, no effect of another user's request, no file
// outside the roots touched, every valid job finished.
import { mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { rawRequest } from '../src/client/idis-client.js';
import { hashToken } from '../src/serve/config.js';
import { callAs, finished, folderJob, runCall, serve } from './helpers/serve.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 20);
const USERS = ['u0', 'u1', 'u2', 'u3'].map((u) => ({ user: u, token: `${u}-token-soak-0123` }));

t.test(
  `soak: 20 clients, ${SECONDS} s of valid, invalid and other-user requests → 0 unauthorised effects, 0 5xx, nothing outside the roots touched`,
  { timeout: (SECONDS + 240) * 1000 },
  async (t) => {
    const e = await serve(t, { concurrency: 2 });
    e.cfg.users.push(...USERS.map((u) => ({ name: u.user, token_sha256: hashToken(u.token) })));
    writeFileSync(join(e.outside, 'sentinel'), 'untouched');
    const outsideBefore = JSON.stringify(readdirSync(e.outside).map((n) => [n, statSync(join(e.outside, n)).mtimeMs]));
    mkdirSync(join(e.share, 'trap'));
    symlinkSync(e.outside, join(e.share, 'trap', 'out'));

    const statuses = new Map<number, number>();
    const owned = new Map<number, { user: string; trap: boolean }>(); // job → creator
    const violations: string[] = [];
    let requests = 0;
    const count = (s: number): void => {
      requests++;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    };
    const until = Date.now() + SECONDS * 1000;
    const t0 = Date.now();

    const client = async (i: number): Promise<void> => {
      const me = USERS[i % USERS.length];
      const mine: number[] = [];
      for (let n = 0; Date.now() < until; n++) {
        const kind = n % 8;
        if (kind === 0 && mine.length < 4) {
          const trap = i % 5 === 0 && n === 0; // some clients first aim at a symlinked destination (refused at create_job)
          const r = await callAs(e, me, 'create_job', 'POST', folderJob({ destination_path: trap ? '\\\\srv\\share\\trap\\out' : `\\\\srv\\share\\out\\c${i}\\j${mine.length}` }));
          count(r.status);
          if (r.status === 200) {
            mine.push((r.json as any).job_id);
            owned.set((r.json as any).job_id, { user: me.user, trap });
          }
        } else if (kind === 1) {
          count((await callAs(e, { user: me.user, token: `wrong-${n}` }, 'get_jobs', 'GET')).status);
        } else if (kind === 2) {
          const theirs = [...owned.entries()].find(([, o]) => o.user !== me.user)?.[0];
          if (theirs === undefined) continue;
          for (const [fn, params] of [
            ['cancel_job', {}],
            ['modify_job', { status: 'ACTIVE', files_downloaded: 0, files_processed: 0, error: ' ' }],
            ['get_job', {}],
          ] as const) {
            const r = await callAs(e, me, fn, fn === 'get_job' ? 'GET' : 'POST', { job_id: theirs, ...params });
            count(r.status);
            if (r.status === 200) violations.push(`${me.user} ${fn} on job ${theirs}: 200`);
          }
          const run = e.server.store.get(theirs)?.run_id;
          const r = await runCall(e, me, 'POST', `/api/dataframer/anonymization-runs/${run}/cancel`);
          count(r.status);
          if (r.status !== 404) violations.push(`${me.user} cancel run of job ${theirs}: ${r.status}`);
        } else if (kind === 3) {
          const r = await callAs(e, me, 'create_job', 'POST', folderJob({ source_path: 'folder:/etc', destination_path: '/tmp' }));
          count(r.status);
        } else if (kind === 4) {
          const r = await rawRequest(`${e.base}/modify_job`, {
            method: 'POST',
            headers: { authorization: `Token ${me.token}`, 'content-type': 'application/json' },
            body: '{"job_id": [',
          });
          count(r.status);
        } else if (kind === 5) {
          count((await callAs(e, me, 'get_jobs', 'GET')).status);
        } else if (kind === 6 && mine.length) {
          count((await callAs(e, me, 'get_jobs_list_extended', 'GET', { job_ids: mine })).status);
        } else {
          count((await runCall(e, me, 'GET', '/api/dataframer/anonymization-runs')).status);
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => client(i)));
    const elapsed = (Date.now() - t0) / 1000;

    // every job ends: the symlinked ones ERROR, the others DONE; none cancelled or moved by another user
    const ends = new Map<string, number>();
    for (const [id, o] of owned) {
      const j = await finished(e, { user: o.user, token: USERS.find((u) => u.user === o.user)!.token }, id, 180_000);
      ends.set(j.status, (ends.get(j.status) ?? 0) + 1);
      if (j.status !== (o.trap ? 'ERROR' : 'DONE')) violations.push(`job ${id} of ${o.user}: ${j.status} ${j.error ?? ''}`);
      if (e.server.store.get(id)!.user_name !== o.user) violations.push(`job ${id} changed owner`);
    }
    const fiveXX = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    t.comment(
      `soak: ${requests} requests in ${elapsed.toFixed(0)} s (${(requests / elapsed).toFixed(0)}/s), status counts ${JSON.stringify(Object.fromEntries(statuses))}, jobs ${JSON.stringify(Object.fromEntries(ends))}`,
    );
    t.equal(fiveXX, 0, 'no 5xx');
    t.same(violations, [], 'no unauthorised effect');
    t.equal(JSON.stringify(readdirSync(e.outside).map((n) => [n, statSync(join(e.outside, n)).mtimeMs])), outsideBefore, 'nothing outside the roots touched');
    t.ok(owned.size > 0 && requests > 100, 'the soak did work');
  },
);
