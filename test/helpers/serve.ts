import type { Test } from 'tap';
// Shared by the server safety tests: `anon serve` on loopback (port 0) with the share \\srv\share
// mapped to a temp folder holding a sample study, two users, and IDIS calls as either.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSample } from '../../fixtures/sample.js';
import { idisCall, rawRequest, type IdisResponse } from '../../src/client/idis-client.js';
import { buildConfig, type ServeConfig } from '../../src/serve/config.js';
import { startServer, type ServeHandle, type ServeOptions } from '../../src/serve/server.js';

export const ALICE = { user: 'alice', token: 'alice-token-0123' };
export const BOB = { user: 'bob', token: 'bob-token-4567' };
export const PROJECT = 'Wetenschap-Algemeen';
export const PROJECT2 = 'Andere-Studie';

export interface ServeEnv {
  dir: string;
  share: string;
  /** a folder outside every root: nothing may ever appear in it or leave it */
  outside: string;
  server: ServeHandle;
  base: string;
  cfg: ServeConfig;
}

export async function serve(t: Test, extra: Partial<ServeConfig> = {}, opts: Pick<ServeOptions, 'review'> = {}): Promise<ServeEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-safety-'));
  const share = join(dir, 'share');
  const outside = join(dir, 'outside');
  mkdirSync(join(share, 'out'), { recursive: true });
  mkdirSync(outside);
  writeSample(join(share, 'root', 'study1'));
  const cfg = {
    ...buildConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      prefix: ['/sandbox'],
      user: [`${ALICE.user}:${ALICE.token}`, `${BOB.user}:${BOB.token}`],
      share: [`\\\\srv\\share=${share}`],
      project: [`${PROJECT}=basic`, `${PROJECT2}=basic`],
      threads: 0,
      concurrency: 2,
    }),
    ...extra,
  };
  const server = await startServer(cfg, {
    pollMs: 100,
    logStream: devNull(),
    ...opts,
  });
  const env: ServeEnv = {
    dir,
    share,
    outside,
    server,
    base: `${server.url}/sandbox`,
    cfg,
  };
  t.teardown(async () => {
    await env.server.close(); // the one running now (a test may restart it)
    rmSync(dir, { recursive: true, force: true });
  });
  return env;
}

const devNull = (): NodeJS.WritableStream => ({ write: () => true }) as unknown as NodeJS.WritableStream;

/** Responses as tests read them: the body's shape is what the assertions check. */
export type TestResponse = Omit<IdisResponse, 'json'> & { json: any };

export const callAs = (e: ServeEnv, who: { user: string; token: string }, fn: string, method: 'GET' | 'POST', params: Record<string, unknown> = {}): Promise<TestResponse> =>
  idisCall(e.base, fn, method, params as never, who) as Promise<TestResponse>;

export const folderJob = (extra: Record<string, string> = {}): Record<string, string> => ({
  source_type: 'PATH',
  source_path: 'folder:\\\\srv\\share\\root\\study1',
  destination_type: 'PATH',
  project_name: PROJECT,
  destination_path: '\\\\srv\\share\\out',
  ...extra,
});

/** Polls the job (as its owner) until its status is final. */
export async function finished(e: ServeEnv, who: { user: string; token: string }, id: number, ms = 60_000): Promise<Record<string, any>> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await callAs(e, who, 'get_job', 'GET', { job_id: id });
    const j = r.json as Record<string, any>;
    if (j && ['DONE', 'ERROR', 'INACTIVE'].includes(j.status)) return j;
    if (Date.now() > until) throw new Error(`job ${id} not finished in time: ${JSON.stringify(j).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A call on the anonymization-run resource with a Bearer token. */
export const runCall = (e: ServeEnv, who: { token: string }, method: string, path: string, body?: Record<string, unknown>): Promise<TestResponse> =>
  rawRequest(`${e.server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${who.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  }) as Promise<TestResponse>;
