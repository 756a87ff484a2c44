// Transport and hygiene: HTTPS for anonapi (validate_ssl with a CA made here), request timeouts,
// rate-limited failed authentication, tokens never on the command line, --init-config with
// hashes only, no server path in an error body.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readConfigFile } from '../src/serve/config.js';
import { rawRequest } from '../src/client/idis-client.js';
import { cleanEnv } from './helpers/child-env.js';
import { ALICE, callAs, finished, folderJob, serve } from './helpers/serve.js';
import { fromRoot } from './helpers/root.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

const BIN = fromRoot('bin/anon');
/** A Python with requests (anonapi's HTTP library): the one on PATH, else Debian's (python3-requests). */
const PYTHON = ['python3', '/usr/bin/python3'].find((py) => {
  try {
    execFileSync(py, ['-c', 'import requests'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const hasRequests = PYTHON !== undefined;

/** A CA and a server certificate for localhost/127.0.0.1 signed by it, made with openssl. */
function makeCa(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string): string => join(dir, n);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=anonflow test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '1', '-extfile', f('ext.cnf'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** One IDIS call the way anonapi makes it: python requests, form body on GET, verify on. */
const PY = `import os, sys, requests
try:
    r = requests.get(sys.argv[1] + '/get_jobs', data={'user_name': sys.argv[2]}, headers={'Authorization': 'Token ' + sys.argv[3]}, verify=True)
    print(r.status_code)
except requests.exceptions.SSLError:
    print('SSLError')
`;

const python = (args: string[], env: Record<string, string>): Promise<string> =>
  new Promise((resolve) => execFile(PYTHON ?? 'python3', ['-c', PY, ...args], { env: { ...cleanEnv(), ...env } }, (_e, out) => resolve(String(out).trim())));

t.test(
  'attack: eavesdropping on plain HTTP → --tls-cert/--tls-key serve HTTPS; anonapi’s requests trusts it through REQUESTS_CA_BUNDLE only',
  { skip: hasRequests ? false : 'python3 requests is not installed' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'anonflow-tls-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const pki = makeCa(dir);
    const e = await serve(t, { tls_cert: pki.cert, tls_key: pki.key });
    t.match(e.server.url, /^https:/);
    const base = e.base.replace('127.0.0.1', 'localhost');
    t.equal(await python([base, ALICE.user, ALICE.token], { REQUESTS_CA_BUNDLE: pki.ca }), '200', 'with the CA: 200');
    t.equal(await python([base, ALICE.user, ALICE.token], {}), 'SSLError', 'without it: the certificate is not trusted');
  },
);

t.test('attack: slow unauthenticated uploads → every connection closed after the request timeout', async (t) => {
  const e = await serve(t, { request_timeout_ms: 1000 });
  const port = Number(new URL(e.server.url).port);
  const closed = await Promise.all(
    Array.from(
      { length: 50 },
      () =>
        new Promise<number>((resolve) => {
          const started = Date.now();
          const s = connect(port, '127.0.0.1', () => s.write('POST /sandbox/create_job HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nsource_type=PA'));
          const drip = setInterval(() => s.writable && s.write('T'), 200); // a byte now and then, never done
          s.on('error', () => {});
          s.on('close', () => {
            clearInterval(drip);
            resolve(Date.now() - started);
          });
          setTimeout(() => s.destroy(), 20_000).unref();
        }),
    ),
  );
  t.ok(
    closed.every((ms) => ms < 15_000),
    `all 50 closed by the server, not by the test's 20 s guard (slowest ${Math.max(...closed)} ms)`,
  );
});

t.test('attack: guessing tokens → 429 past auth_failures_per_minute; a valid token is still served', async (t) => {
  const e = await serve(t, { auth_failures_per_minute: 5 });
  const codes: number[] = [];
  for (let i = 0; i < 8; i++) codes.push((await callAs(e, { user: ALICE.user, token: `guess-${i}` }, 'get_jobs', 'GET')).status);
  t.same(codes.slice(0, 5), [401, 401, 401, 401, 401]);
  t.same(codes.slice(5), [429, 429, 429]);
  t.equal((await callAs(e, ALICE, 'get_jobs', 'GET')).status, 200);
});

t.test('attack: a token on the command line (visible in ps) → refused; ANON_SERVE_USERS and --users-file work', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-tokens-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) =>
      execFile(
        process.execPath,
        [BIN, 'serve', '--data-dir', join(dir, 'data'), '--project', 'P=basic', '--list-keys', ...args],
        { env: { ...cleanEnv(), ...env } },
        (err, out, errOut) => resolve({ code: err ? Number(err.code) : 0, out: String(out), err: String(errOut) }),
      ),
    );
  const argv = await run(['--user', 'alice:secret-token']);
  t.equal(argv.code, 2);
  t.match(argv.err, /Unknown argument: user/);
  t.equal((await run([], { ANON_SERVE_USERS: 'alice:secret-token' })).code, 0, 'from the environment');
  writeFileSync(join(dir, 'users'), '# name:token\nalice:secret-token\n', { mode: 0o600 });
  t.equal((await run(['--users-file', join(dir, 'users')])).code, 0, 'from a file');
  t.match((await run([])).err, /no users/, 'none at all: refused');
});

t.test('--init-config → hashes only in the file, the token printed once; JSON or YAML by the extension, both read back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-init-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['serve.json', 'serve.yaml']) {
    const file = join(dir, name);
    const out = execFileSync(process.execPath, [BIN, 'serve', '--init-config', file], { env: cleanEnv() }).toString();
    const token = /shown this once: (\S+)/.exec(out)?.[1];
    t.ok(token, `${name}: the token is printed`);
    t.notOk(readFileSync(file, 'utf8').includes(token!), `${name}: the token is not in the file`);
    t.notMatch(out, /only its hash/);
    const cfg = readConfigFile(file);
    t.equal(cfg.users?.length, 1, `${name}: --config reads it back`);
    if (name.endsWith('.json')) t.doesNotThrow(() => JSON.parse(readFileSync(file, 'utf8')), 'JSON in a .json file');
  }
});

t.test('attack: probing for server paths → no server path or stack in a job error or an error body', async (t) => {
  const e = await serve(t);
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ source_path: 'folder:\\\\srv\\share\\no-such-folder' }))).json.job_id as number;
  const job = await finished(e, ALICE, id);
  t.equal(job.status, 'ERROR');
  t.notMatch(job.error, e.dir, 'the job error');
  const bad = await rawRequest(`${e.base}/create_job`, {
    method: 'POST',
    headers: { authorization: `Token ${ALICE.token}`, 'content-type': 'application/json' },
    body: '{"source_type": ',
  });
  t.equal(bad.status, 400);
  t.notMatch(bad.body, /\bat \/|node_modules|\.ts:\d+/, 'no stack in a 400');
  t.notMatch(bad.body, e.dir);
});
