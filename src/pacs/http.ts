// One HTTP exchange with a PACS: auth header, a timeout that counts silence (no header, or no body
// byte, for timeoutMs), the job's abort signal, and retries with exponential backoff while the
// failure is transient and no body byte has been handed out yet.

import { Readable, Transform } from 'node:stream';
import type { PacsConnection } from './connection.js';
import { authHeader } from './connection.js';
import { PacsError, transientStatus } from './errors.js';

export interface PacsRequest {
  method?: 'GET' | 'POST';
  /** Relative to the connection's DICOMweb root, or absolute (WADO-URI). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A body made afresh for each attempt (a stream can be read once). */
  body?: () => Readable | Buffer;
  /** What the request is for, in error messages: "study 1.2.3", "accession number A12". */
  what: string;
  signal?: AbortSignal;
  /** Statuses that are answers, not errors (e.g. 404 from a search). */
  accept?: number[];
}

export interface PacsResponse {
  status: number;
  headers: Headers;
  /** The body, guarded by the idle timeout; read it or destroy it. */
  body: Readable;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function requestUrl(conn: PacsConnection, path: string, query?: Record<string, string>): URL {
  const u = /^https?:\/\//.test(path) ? new URL(path) : new URL(`${conn.url}/${path.replace(/^\/+/, '')}`);
  for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
  // WADO-URI servers (Orthanc among them) read contentType=application/dicom literally, not %2F
  u.search = u.search.replace(/%2F/gi, '/');
  return u;
}

/** Sends the request, retrying transient failures; the response's body is not yet read. */
export async function pacsRequest(conn: PacsConnection, req: PacsRequest): Promise<PacsResponse> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(conn, req);
    } catch (e) {
      if (req.signal?.aborted) throw e;
      if (!(e instanceof PacsError) || !e.transient || attempt >= conn.retries) throw e;
      await sleep(conn.backoffMs * 2 ** attempt * (0.75 + Math.random() / 2), req.signal);
    }
  }
}

async function once(conn: PacsConnection, req: PacsRequest): Promise<PacsResponse> {
  const url = requestUrl(conn, req.path, req.query);
  const method = req.method ?? 'GET';
  const where = `${method} ${url.pathname}`;
  const ctl = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, conn.timeoutMs);
  };
  const onOuter = (): void => ctl.abort(req.signal!.reason);
  req.signal?.addEventListener('abort', onOuter, { once: true });
  const done = (): void => {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onOuter);
  };
  const fail = (e: unknown): Error => {
    if (req.signal?.aborted) return (req.signal.reason as Error) ?? new Error('aborted');
    if (e instanceof PacsError) return e;
    if (timedOut) return new PacsError('PACS_TIMEOUT', `PACS ${conn.name}: no answer within ${conn.timeoutMs} ms when requesting ${req.what} (${where})`, { transient: true });
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code ?? (e as Error).message;
    return new PacsError('PACS_UNREACHABLE', `PACS ${conn.name}: could not connect when requesting ${req.what} (${where}): ${cause}`, { transient: true });
  };
  touch();
  let res: Response;
  try {
    const auth = authHeader(conn.auth);
    const body = req.body?.();
    res = await fetch(url, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...req.headers },
      body: body === undefined ? undefined : body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body,
      signal: ctl.signal,
      redirect: 'error',
      ...(body instanceof Readable ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch (e) {
    done();
    throw fail(e);
  }
  if (!res.ok && !(req.accept ?? []).includes(res.status)) {
    done();
    await res.body?.cancel().catch(() => {});
    throw new PacsError('PACS_HTTP', `PACS ${conn.name}: got HTTP error ${res.status} ${res.statusText} when requesting ${req.what} (${where})`, {
      status: res.status,
      transient: transientStatus(res.status),
    });
  }
  touch();
  const guard = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      touch();
      cb(null, chunk);
    },
    flush(cb) {
      done();
      cb();
    },
  });
  guard.on('close', done);
  if (!res.body) {
    guard.end();
    return { status: res.status, headers: res.headers, body: guard };
  }
  const src = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  src.on('error', (e) => guard.destroy(fail(e)));
  guard.on('close', () => src.destroy());
  src.pipe(guard);
  return { status: res.status, headers: res.headers, body: guard };
}

/** Reads a small body (JSON answers) whole, up to a bound. */
export async function readSmall(conn: PacsConnection, res: PacsResponse, what: string, max = 64 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > max) {
      res.body.destroy();
      throw new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: the answer for ${what} is larger than ${max} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}
