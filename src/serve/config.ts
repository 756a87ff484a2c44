// `anon serve` configuration: a JSON or YAML file (validated with ajv), plus command-line flags
// that add to it. Tokens are only ever held hashed (SHA-256): the file carries hashes, a token
// given in --users-file or ANON_SERVE_USERS (never on the command line) is hashed as it is read.

import { ConfigError } from './errors.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { isBuiltinName } from '../profile/builtins.js';
import { PacsError, type PacsConnection, type PacsConnectionInput } from '../pacs/index.js';
import { PACS_SCHEMA, pacsConnections } from './pacs-source.js';

export interface ServeUser {
  name: string;
  /** hex SHA-256 of the token */
  token_sha256: string;
  /** projects this user may create jobs for (absent: all) */
  projects?: string[];
  /** admin: may read, modify and cancel every user's jobs and runs (else only their own) */
  role?: 'admin' | 'user';
  /** shown as created_by_email of the user's anonymization runs */
  email?: string;
}

export interface ServeConfig {
  host: string;
  port: number;
  data_dir: string;
  /** path prefixes, one per "server" (e.g. /sandbox, /p01) */
  prefixes: string[];
  users: ServeUser[];
  /** UNC share (\\server\share) → local folder */
  shares: { unc: string; path: string }[];
  /** local folders sources and destinations must lie in (share folders are roots too) */
  roots: string[];
  /** project name → profile (built-in name or JSON file) */
  projects: Record<string, string>;
  /** Redis URL of the work queue (anon serve --queue): jobs' files go to `anon worker`s instead of this process's pool */
  queue?: string;
  /** Patient IDs of patients who opted out */
  opt_out: string[];
  /** SOP Class UIDs a job processes when it names none itself (absent or empty: all) */
  sop_class_filter: string[];
  /** jobs run at once */
  concurrency: number;
  /** worker threads per job (0: on the server's thread) */
  threads: number;
  layout: 'hierarchy' | 'mirror';
  /** request log level (pino): the log never carries patient data */
  log_level: LogLevel;
  /** PEM certificate and key: HTTPS instead of HTTP */
  tls_cert?: string;
  tls_key?: string;
  /** the longest a request may take, headers and body included (ms) */
  request_timeout_ms: number;
  /** DICOMweb PACS connections for WADO/PACS jobs; the first serves jobs that name none of them */
  pacs: PacsConnection[];
  /** requests without a valid token one client address may make per minute (then 429) */
  auth_failures_per_minute: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    data_dir: { type: 'string', minLength: 1 },
    prefixes: { type: 'array', items: { type: 'string', pattern: '^/[A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*$' } },
    users: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'token_sha256'],
        properties: {
          name: { type: 'string', minLength: 1 },
          token_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          projects: { type: 'array', items: { type: 'string', minLength: 1 } },
          role: { enum: ['admin', 'user'] },
          email: { type: 'string', minLength: 3 },
        },
      },
    },
    shares: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['unc', 'path'],
        properties: { unc: { type: 'string', pattern: '^\\\\\\\\[^\\\\]+\\\\[^\\\\]+' }, path: { type: 'string', minLength: 1 } },
      },
    },
    roots: { type: 'array', items: { type: 'string', minLength: 1 } },
    projects: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    queue: { type: 'string', pattern: '^rediss?://' },
    opt_out: { type: 'array', items: { type: 'string', minLength: 1 } },
    sop_class_filter: { type: 'array', items: { type: 'string', pattern: '^[0-9.]+$' } },
    concurrency: { type: 'integer', minimum: 1, maximum: 64 },
    threads: { type: 'integer', minimum: 0, maximum: 256 },
    /** replaced by per-project keys: named only to say so */
    secret_file: { type: 'string' },
    layout: { enum: ['hierarchy', 'mirror'] },
    log_level: { enum: LOG_LEVELS },
    tls_cert: { type: 'string', minLength: 1 },
    tls_key: { type: 'string', minLength: 1 },
    request_timeout_ms: { type: 'integer', minimum: 100, maximum: 3_600_000 },
    auth_failures_per_minute: { type: 'integer', minimum: 1 },
    pacs: PACS_SCHEMA,
  },
} as const;

export { ConfigError };

/** One secret for every project let projects be linked; this says what replaced it. */
const SECRET_FILE_GONE =
  'one secret for every project is no longer used: each project has its own key under <data_dir>/keys (anon serve keys list); to keep the pseudonyms of a project made with the old secret, copy that secret file to <data_dir>/keys/project-<name>.key (mode 0600)';

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant-time comparison of a presented token with a stored hash. */
export function tokenMatches(token: string, sha256hex: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(sha256hex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const newToken = (): string => randomBytes(32).toString('base64url');

export function defaultConfig(): ServeConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    data_dir: resolve('anon-serve'),
    prefixes: [],
    users: [],
    shares: [],
    roots: [],
    projects: {},
    opt_out: [],
    sop_class_filter: [],
    concurrency: 2,
    threads: 1,
    layout: 'hierarchy',
    log_level: 'info',
    request_timeout_ms: 30_000,
    auth_failures_per_minute: 30,
    pacs: [],
  };
}

/** Paths in a config file are relative to the file; profile names stay names. */
function absolutize(c: Partial<ServeConfig>, base: string): void {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  if (c.data_dir) c.data_dir = abs(c.data_dir);
  if (c.tls_cert) c.tls_cert = abs(c.tls_cert);
  if (c.tls_key) c.tls_key = abs(c.tls_key);
  if (c.roots) c.roots = c.roots.map(abs);
  if (c.shares) c.shares = c.shares.map((s) => ({ unc: s.unc, path: abs(s.path) }));
  if (c.projects) for (const [k, v] of Object.entries(c.projects)) c.projects[k] = isBuiltinName(v) ? v : abs(v);
}

/** Reads and validates a JSON or YAML config file; every problem is listed in one ConfigError. */
export function readConfigFile(file: string): Partial<ServeConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config ${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) data = {};
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(SCHEMA);
  if (!validate(data)) {
    const list = (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
    throw new ConfigError(`config ${file}: ${list.join('; ')}`);
  }
  if ((data as { secret_file?: unknown }).secret_file !== undefined) throw new ConfigError(`config ${file}: ${SECRET_FILE_GONE}`);
  const c = data as Partial<ServeConfig>;
  absolutize(c, dirname(resolve(file)));
  if (c.pacs) c.pacs = pacsOrConfigError(() => pacsConnections(c.pacs as unknown as PacsConnectionInput[], []), file);
  return c;
}

export interface ServeFlags {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  prefix?: string[];
  /** NAME:TOKEN pairs given in code (tests); the CLI takes tokens from a file or the environment only */
  user?: string[];
  /** a file of NAME:TOKEN lines (--users-file): tokens never on the command line, where `ps` shows them */
  usersFile?: string;
  /** ANON_SERVE_USERS: NAME:TOKEN pairs separated by spaces or commas */
  usersEnv?: string;
  share?: string[];
  root?: string[];
  project?: string[];
  concurrency?: number;
  threads?: number;
  queue?: string;
  secretFile?: string;
  logLevel?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** NAME=URL DICOMweb connections (--pacs) */
  pacs?: string[];
}

function pacsOrConfigError(make: () => PacsConnection[], where: string): PacsConnection[] {
  try {
    return make();
  } catch (e) {
    if (e instanceof PacsError) throw new ConfigError(`${where}: ${e.message}`);
    throw e;
  }
}

/** The config file (if any), then the flags added to it. */
export function buildConfig(f: ServeFlags): ServeConfig {
  const c: ServeConfig = { ...defaultConfig(), ...(f.config ? readConfigFile(f.config) : {}) };
  if (f.host) c.host = f.host;
  if (f.port !== undefined) c.port = f.port;
  if (f.dataDir) c.data_dir = resolve(f.dataDir);
  if (f.concurrency !== undefined) c.concurrency = f.concurrency;
  if (f.threads !== undefined) c.threads = f.threads;
  if (f.queue) {
    if (!/^rediss?:\/\//.test(f.queue)) throw new ConfigError('--queue takes a Redis URL such as redis://127.0.0.1:6379');
    c.queue = f.queue;
  }
  if (f.tlsCert) c.tls_cert = resolve(f.tlsCert);
  if (f.tlsKey) c.tls_key = resolve(f.tlsKey);
  if (f.secretFile) throw new ConfigError(`--secret-file: ${SECRET_FILE_GONE}`);
  if (f.logLevel) {
    if (!(LOG_LEVELS as readonly string[]).includes(f.logLevel)) throw new ConfigError(`--log-level takes one of ${LOG_LEVELS.join(', ')}`);
    c.log_level = f.logLevel as LogLevel;
  }
  for (const p of f.prefix ?? []) {
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(p)) throw new ConfigError(`--prefix ${p}: a path such as /sandbox`);
    c.prefixes = [...c.prefixes, p];
  }
  const pairs = [
    ...(f.user ?? []).map((u) => ({ u, from: 'a user' })),
    ...(f.usersFile ? usersFileLines(f.usersFile) : []).map((u) => ({ u, from: f.usersFile! })),
    ...(f.usersEnv ?? '')
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((u) => ({ u, from: 'ANON_SERVE_USERS' })),
  ];
  for (const { u, from } of pairs) {
    const i = u.indexOf(':');
    if (i <= 0 || i === u.length - 1) throw new ConfigError(`${from}: users are NAME:TOKEN (got "${u.replace(/:.*/, ':…')}")`);
    c.users = [...c.users, { name: u.slice(0, i), token_sha256: hashToken(u.slice(i + 1)) }];
  }
  for (const s of f.share ?? []) {
    const i = s.indexOf('=');
    const unc = s.slice(0, i);
    if (i <= 0 || !/^\\\\[^\\]+\\[^\\]+/.test(unc)) throw new ConfigError(`--share takes '\\\\server\\share=/local/dir' (got "${s}")`);
    c.shares = [...c.shares, { unc, path: resolve(s.slice(i + 1)) }];
  }
  for (const r of f.root ?? []) c.roots = [...c.roots, resolve(r)];
  for (const p of f.project ?? []) {
    const i = p.indexOf('=');
    if (i <= 0 || i === p.length - 1) throw new ConfigError(`--project takes NAME=PROFILE (got "${p}")`);
    const prof = p.slice(i + 1);
    c.projects = { ...c.projects, [p.slice(0, i)]: isBuiltinName(prof) ? prof : resolve(prof) };
  }
  if (f.pacs?.length) {
    c.pacs = [...c.pacs, ...pacsOrConfigError(() => pacsConnections(undefined, f.pacs), '--pacs')];
    if (new Set(c.pacs.map((p) => p.name)).size !== c.pacs.length) throw new ConfigError('--pacs: a PACS name is configured twice');
  }
  c.prefixes = [...new Set(c.prefixes.map(normalizePrefix))];
  if (c.prefixes.length === 0) c.prefixes = ['/'];
  if (c.users.length === 0)
    throw new ConfigError('no users: add users (hashed) to the config file, NAME:TOKEN lines in --users-file, or ANON_SERVE_USERS (every request needs a token)');
  if (Object.keys(c.projects).length === 0)
    throw new ConfigError('no projects: add --project NAME=PROFILE (e.g. --project Wetenschap-Algemeen=basic) or projects in the config file');
  return c;
}

function usersFileLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`--users-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

export function normalizePrefix(p: string): string {
  const s = ('/' + p).replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return s === '' ? '/' : s;
}

/** The annotated example `anon serve --init-config FILE` writes. */
export function exampleConfig(token: string, file = 'anon-serve.yaml'): string {
  if (/\.json$/i.test(file)) return JSON.stringify(exampleObject(token), null, 2) + '\n';
  return `# anon serve configuration (YAML; JSON works too). Relative paths are relative to this file.
# Flags on the command line (--user, --share, --project, --prefix, ...) add to what is here.

host: 127.0.0.1          # listen on loopback only; put a TLS proxy in front for other hosts
port: 8080
data_dir: ./anon-serve   # jobs.sqlite, per-job reports and journals

# One path prefix per "server", as anonapi's server URLs name them: http://host:8080/sandbox
prefixes:
  - /sandbox

# Users and their tokens, stored as SHA-256 hashes only (the token itself was printed once,
# when this file was written). The client sends "Authorization: Token <token>" and user_name=<name>.
# Make a hash with: node -e "console.log(require('crypto').createHash('sha256').update(process.argv[1]).digest('hex'))" TOKEN
users:
  - name: z123sandbox
    token_sha256: ${hashToken(token)}
    # projects: [Wetenschap-Algemeen]   # optional: only these projects for this user
    # role: admin                          # optional: may read, modify and cancel every user's jobs
    # email: someone@example.org           # shown as created_by_email of the user's runs

# Windows UNC shares as the jobs name them, and where they are mounted here.
shares:
  - unc: '\\\\srv\\share'
    path: ./share

# Sources and destinations must lie inside these folders (share folders count as roots).
roots: []

# IDIS project name → de-identification profile (a built-in name or a profile JSON file).
projects:
  Wetenschap-Algemeen: basic

# Patient IDs that opted out: their jobs fail unless source_ignore_opt_out is set with a reason.
opt_out: []

# Default SOP Class UIDs a job processes when it names none (empty: all).
sop_class_filter: []

concurrency: 2   # jobs at once
threads: 1       # worker threads per job
# Each project has its own pseudonymisation key, <data_dir>/keys/project-<name>.key (0600),
# made on first use; a job's pims_keyfile_id picks <data_dir>/keys/<id>.key (anon serve keys create).
layout: hierarchy
log_level: info  # request log on stderr: method, route, status, time, user; never patient data
# tls_cert: ./server.pem   # HTTPS with this certificate and key (anonapi: validate_ssl, REQUESTS_CA_BUNDLE)
# tls_key: ./server.key
request_timeout_ms: 30000     # a request (headers and body) taking longer is cut off
auth_failures_per_minute: 30  # requests without a valid token per client address, then 429
`;
}

/** The same example as data (for a .json file: JSON has no comments). */
function exampleObject(token: string): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: 8080,
    data_dir: './anon-serve',
    prefixes: ['/sandbox'],
    users: [{ name: 'z123sandbox', token_sha256: hashToken(token) }],
    shares: [{ unc: '\\\\srv\\share', path: './share' }],
    roots: [],
    projects: { 'Wetenschap-Algemeen': 'basic' },
    opt_out: [],
    sop_class_filter: [],
    concurrency: 2,
    threads: 1,
    layout: 'hierarchy',
    log_level: 'info',
    request_timeout_ms: 30000,
    auth_failures_per_minute: 30,
  };
}
