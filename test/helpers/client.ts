// Shared by the client tests: a temp settings home, the anon CLI as a child process, and
// `anon serve` on loopback to talk to.
import type { Test } from 'tap';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv } from './child-env.js';
import { createKey } from '../../src/serve/project-keys.js';
import { fromRoot } from './root.js';

const BIN = fromRoot('bin/anon');

export const USER = { user: 'z123sandbox', token: 's3cr3t' };
export const SECRET = 'client-test-secret-0123456789';

export interface Run {
  code: number;
  out: string;
  err: string;
}

export interface Env {
  dir: string;
  home: string;
  share: string;
  base: string;
  anon: (cwd: string, args: string[], stdin?: string, extraEnv?: Record<string, string>) => Promise<Run>;
}

export async function setup(t: Test, opts: { server?: boolean; serveArgs?: string[] } = {}): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-client-'));
  const home = join(dir, 'home');
  const share = join(dir, 'share');
  for (const d of ['out', 'out2', 'work']) mkdirSync(join(share, d), { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...cleanEnv(), ANON_SECRET: SECRET, ANONFLOW_HOME: home };
  const anon = (cwd: string, args: string[], stdin?: string, extraEnv: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extraEnv }, timeout: 60_000 }, (err, out, errOut) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: String(out), err: String(errOut) });
      });
      child.stdin!.end(stdin ?? '');
    });
  let base = '';
  if (opts.server !== false) {
    for (const id of ['555', '777']) createKey(join(dir, 'data'), id); // the PIMS key files the mappings name, provisioned as an operator would
    const child: ChildProcess = spawn(
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
        `\\\\srv\\share=${share}`,
        '--project',
        'Wetenschap-Algemeen=basic',
        '--concurrency',
        '2',
        '--threads',
        '0',
        ...(opts.serveArgs ?? []),
      ],
      { env: { ...env, ANON_SERVE_USERS: `${USER.user}:${USER.token}` }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let errText = '';
    child.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${errText}`)), 60_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(`${m[1]}/sandbox`);
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited (${code}): ${errText}`)));
    });
  }
  return { dir, home, share, base, anon };
}

export async function login(t: Test, e: Env): Promise<void> {
  for (const args of [
    ['server', 'add', 'sandbox', e.base || 'http://127.0.0.1:1/sandbox'],
    ['settings', 'user', 'set-username', USER.user],
    ['settings', 'user', 'set-token', USER.token],
  ]) {
    const r = await e.anon(e.dir, args);
    t.equal(r.code, 0, `anon ${args.join(' ')}: ${r.err}`);
  }
}
