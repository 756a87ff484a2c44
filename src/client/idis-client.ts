// A minimal IDIS web API client speaking exactly what anonapi sends: form-encoded parameters in
// the body on GET and POST (fetch cannot send a GET body, so node:http), Authorization: Token.
// Used by the tests; the base for the client commands (anon server/job/batch ...).

import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type FormParams = Record<string, string | number | boolean | (string | number)[] | undefined | null>;

export interface IdisResponse {
  status: number;
  body: string;
  json?: unknown;
}

/** Encodes like python-requests: lists as repeated keys, None dropped, booleans True/False. */
export function encodeForm(params: FormParams): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, String(x));
    else u.append(k, typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
  }
  return u.toString();
}

export function rawRequest(url: string, opts: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<IdisResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body, 'utf8');
    const headers: Record<string, string> = { accept: '*/*', ...(opts.headers ?? {}) };
    if (body) headers['content-length'] = String(body.length);
    const req = (u.protocol === 'https:' ? httpsRequest : request)(u, { method: opts.method, headers, timeout: opts.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** One IDIS call: base + "/" + function, the way anonapi builds it; user_name appended last. */
export function idisCall(base: string, fn: string, method: 'GET' | 'POST', params: FormParams, auth: { user: string; token: string }): Promise<IdisResponse> {
  const body = encodeForm({ ...params, user_name: params.user_name ?? auth.user });
  return rawRequest(`${base}/${fn}`, {
    method,
    headers: { authorization: `Token ${auth.token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}
