// A PACS connection: a DICOMweb base URL with its authentication, timeouts, concurrency and retry
// policy. Given as NAME=URL on the command line (credentials in the URL mean basic auth) or as an
// object in anon serve's config file.

import { PacsError } from './errors.js';

export type PacsAuth = { type: 'none' } | { type: 'basic'; user: string; password: string } | { type: 'bearer'; token: string };

export interface PacsConnection {
  name: string;
  /** DICOMweb root (QIDO-RS, WADO-RS, STOW-RS), without a trailing slash and without credentials. */
  url: string;
  auth: PacsAuth;
  /** WADO-URI endpoint (…/wado); when set, instances are retrieved one by one through it, as IDIS does. */
  wadoUri?: string;
  /** ms without a byte from the PACS before a request is given up (and maybe retried). */
  timeoutMs: number;
  /** Requests in flight at once to this PACS. */
  concurrency: number;
  /** Further attempts after a transient failure, with exponential backoff. */
  retries: number;
  /** First backoff delay in ms (doubled each attempt). */
  backoffMs: number;
}

export const PACS_DEFAULTS = { timeoutMs: 30_000, concurrency: 4, retries: 3, backoffMs: 250 } as const;

/** The parts of a connection a config file may give; everything but name and url is optional. */
export interface PacsConnectionInput {
  name: string;
  url: string;
  auth?: PacsAuth;
  wado_uri?: string;
  timeout_ms?: number;
  concurrency?: number;
  retries?: number;
  backoff_ms?: number;
}

/** A connection from its config form; the URL's user:password, if any, become basic auth. */
export function pacsConnection(input: PacsConnectionInput): PacsConnection {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(input.name)) throw new PacsError('PACS_CONFIG', `PACS name "${input.name}": letters, digits, _ . - only`);
  let u: URL;
  try {
    u = new URL(input.url);
  } catch {
    throw new PacsError('PACS_CONFIG', `PACS ${input.name}: "${input.url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PacsError('PACS_CONFIG', `PACS ${input.name}: only http and https URLs`);
  let auth: PacsAuth = input.auth ?? { type: 'none' };
  if (u.username) {
    auth = { type: 'basic', user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
  }
  const whole = (v: number | undefined, d: number, what: string, min: number): number => {
    if (v === undefined) return d;
    if (!Number.isInteger(v) || v < min) throw new PacsError('PACS_CONFIG', `PACS ${input.name}: ${what} must be a whole number ≥ ${min}`);
    return v;
  };
  return {
    name: input.name,
    url: u.toString().replace(/\/+$/, ''),
    auth,
    ...(input.wado_uri ? { wadoUri: input.wado_uri.replace(/\/+$/, '') } : {}),
    timeoutMs: whole(input.timeout_ms, PACS_DEFAULTS.timeoutMs, 'timeout_ms', 1),
    concurrency: whole(input.concurrency, PACS_DEFAULTS.concurrency, 'concurrency', 1),
    retries: whole(input.retries, PACS_DEFAULTS.retries, 'retries', 0),
    backoffMs: whole(input.backoff_ms, PACS_DEFAULTS.backoffMs, 'backoff_ms', 0),
  };
}

/** NAME=URL (or a bare URL, named "pacs") as given to --pacs. */
export function parsePacsArg(arg: string): PacsConnection {
  const m = /^([A-Za-z0-9_.-]{1,64})=(.+)$/.exec(arg);
  return m ? pacsConnection({ name: m[1], url: m[2] }) : pacsConnection({ name: 'pacs', url: arg });
}

/** The Authorization header for a connection, if it has one. */
export function authHeader(auth: PacsAuth): string | undefined {
  if (auth.type === 'basic') return `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  return undefined;
}
