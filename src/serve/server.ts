// `anon serve`: Fastify with one catch-all route, so that routing follows the IDIS contract
// exactly (prefixes, duplicate slashes, 401 before anything else, hug-style 404 with
// documentation, 405 for a wrong verb) and form bodies are read on GET too (Fastify does not
// parse bodies of GET requests).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { VERSION } from '../version.js';
import { tokenMatches, type ServeConfig, type ServeUser } from './config.js';
import { ApiErrors, documentation, IDIS_FUNCTIONS, jobExtended, Params, type IdisContext } from './idis.js';
import { jobReportDir, JobRunner } from './runner.js';
import { JobStore, type JobRow } from './store.js';

const MAX_BODY = 1024 * 1024;
const RUNS = '/api/anonymization-runs';

export interface ServeHandle {
  app: FastifyInstance;
  store: JobStore;
  runner: JobRunner;
  /** http://host:port, once listening */
  url: string;
  close(): Promise<void>;
}

function formToMap(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(text)) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
}

function jsonToMap(body: unknown): Map<string, string[]> {
  const m = new Map<string, string[]>();
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) {
      if (v === null || v === undefined) continue;
      m.set(k, Array.isArray(v) ? v.map(String) : [String(v)]);
    }
  }
  return m;
}

async function readRaw(req: FastifyRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req.raw) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiErrors({ body: 'request body too large' });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Every parameter of a request: query string, then the body over it (form or JSON, on any verb). */
async function requestParams(req: FastifyRequest): Promise<Params> {
  const q = req.url.indexOf('?');
  const query = q >= 0 ? formToMap(req.url.slice(q + 1)) : undefined;
  let body: Map<string, string[]> | undefined;
  const ct = String(req.headers['content-type'] ?? '');
  if (req.method === 'GET' || req.method === 'HEAD') {
    const text = await readRaw(req);
    if (text) body = /json/i.test(ct) ? jsonToMap(safeJson(text)) : formToMap(text);
  } else if (typeof req.body === 'string') {
    body = /json/i.test(ct) ? jsonToMap(safeJson(req.body)) : formToMap(req.body);
  } else if (req.body !== undefined) {
    body = jsonToMap(req.body);
  }
  return Params.from(query, body);
}

const safeJson = (t: string): unknown => {
  try {
    return JSON.parse(t);
  } catch {
    throw new ApiErrors({ body: 'request body is not valid JSON' });
  }
};

function authenticate(req: FastifyRequest, cfg: ServeConfig, scheme: RegExp): ServeUser | undefined {
  const h = String(req.headers.authorization ?? '');
  const m = scheme.exec(h);
  if (!m) return undefined;
  const token = m[1].trim();
  return cfg.users.find((u) => tokenMatches(token, u.token_sha256));
}

const unauthorized = (reply: FastifyReply, scheme: string): FastifyReply =>
  reply.code(401).header('WWW-Authenticate', scheme).send({ errors: { authorization: 'Unauthorized: your credentials do not seem to work' } });

function runStatus(j: JobRow): string {
  switch (j.status) {
    case 'UPLOADED': return 'PROCESSING';
    case 'DONE': return 'SUCCEEDED';
    case 'ERROR': return 'FAILED';
    case 'INACTIVE': return j.started_at ? 'CANCELED' : 'PENDING';
    default: return 'PENDING';
  }
}

/** A job as an anonymization-run resource; with `full`, the run report's results and files. */
function runObject(cfg: ServeConfig, j: JobRow, full: boolean): Record<string, unknown> {
  const summary = {
    id: String(j.job_id),
    status: runStatus(j),
    dataset_id: null,
    dataset_name: j.source_path,
    detection_method: 'heuristics',
    profile: cfg.projects[j.project_name] ?? null,
    project_name: j.project_name,
    pii_types: [] as string[],
    llm_model_name: null,
    created_by: j.user_name,
    created_by_email: null,
    created_at: j.created_at,
    completed_at: j.completed_at,
  };
  if (!full) return summary;
  const reportFile = join(jobReportDir(cfg, j.job_id), 'report.json');
  let report: Record<string, any> | undefined;
  if (existsSync(reportFile) && (j.status === 'DONE' || j.status === 'ERROR')) {
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8'));
    } catch {
      report = undefined;
    }
  }
  const started = j.started_at ? Date.parse(j.started_at) : undefined;
  const ended = j.completed_at ? Date.parse(j.completed_at) : undefined;
  return {
    ...summary,
    pii_types: report ? Object.keys(report.results?.entity_summary ?? {}) : [],
    duration_seconds: started !== undefined && ended !== undefined ? Math.round((ended - started) / 1000) : null,
    results: {
      entity_summary: report?.results?.entity_summary ?? {},
      samples_processed: report?.results?.samples_processed ?? j.files_processed ?? 0,
      entities_found: [],
      error: j.status === 'ERROR' ? j.error : null,
    },
    anonymized_files: (report?.anonymized_files ?? []).map((f: Record<string, unknown>) => ({ id: f.id, path: f.path, size_in_bytes: f.size_in_bytes, content_type: f.content_type })),
    files_downloaded: j.files_downloaded,
    files_processed: j.files_processed,
    files_quarantined: j.files_quarantined,
    job: jobExtended(j),
  };
}

export async function startServer(cfg: ServeConfig, opts: { log?: (msg: string) => void; listen?: boolean; pollMs?: number } = {}): Promise<ServeHandle> {
  const log = opts.log ?? (() => {});
  const store = new JobStore(cfg.data_dir);
  const runner = new JobRunner(store, cfg, log);
  const app = Fastify({ logger: false, bodyLimit: MAX_BODY });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // JSON bodies arrive as text too, so a bad one gets the contract's 400 shape
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((e: unknown, _req, reply) => {
    const err = e as Error;
    if (err instanceof ApiErrors) return reply.code(400).send({ errors: err.errors });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status === 404 ? 400 : status).send({ errors: { request: err.message } });
    log(`internal error: ${err.stack ?? err.message}`);
    return reply.code(500).send({ errors: { server: 'internal error' } });
  });
  const prefixes = [...cfg.prefixes].sort((a, b) => b.length - a.length);

  const idis = async (req: FastifyRequest, reply: FastifyReply, path: string): Promise<unknown> => {
    const prefix = prefixes.find((p) => p === '/' || path === p || path.startsWith(p + '/'));
    const user = authenticate(req, cfg, /^Token\s+(\S+)\s*$/i);
    if (!user) return unauthorized(reply, 'Token');
    const params = await requestParams(req);
    const named = params.one('user_name');
    if (named !== undefined && named !== user.name) return unauthorized(reply, 'Token');
    const docPrefix = prefix ?? prefixes[prefixes.length - 1];
    if (prefix === undefined) {
      return reply.code(404).send({ 404: 'The API call you tried to make was not defined. Here\'s a definition of the API to help you get going :)', documentation: documentation(docPrefix) });
    }
    const fn = (prefix === '/' ? path : path.slice(prefix.length)).replace(/^\/+|\/+$/g, '');
    if (fn === '') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply.code(405).header('Allow', 'GET').send({ errors: { method: `${req.method} is not allowed here; use GET` } });
      const recent = store.recent(1000, prefix);
      const counts: Record<string, number> = {};
      for (const j of recent) counts[j.status] = (counts[j.status] ?? 0) + 1;
      return reply.code(200).send({ documentation: documentation(prefix), status: { server: prefix, version: VERSION, user_name: user.name, running: runner.busy, recent_jobs_by_status: counts } });
    }
    const f = IDIS_FUNCTIONS[fn];
    if (!f) {
      return reply.code(404).send({ 404: 'The API call you tried to make was not defined. Here\'s a definition of the API to help you get going :)', documentation: documentation(prefix) });
    }
    if (req.method !== f.method) {
      return reply.code(405).header('Allow', f.method).send({ errors: { method: `Method not allowed: ${fn} takes ${f.method}, not ${req.method}` } });
    }
    const ctx: IdisContext = { cfg, store, runner, user, server: prefix };
    return reply.code(200).send(f.fn(ctx, params));
  };

  const runs = async (req: FastifyRequest, reply: FastifyReply, path: string): Promise<unknown> => {
    const user = authenticate(req, cfg, /^Bearer\s+(\S+)\s*$/i);
    if (!user) return unauthorized(reply, 'Bearer');
    const rest = path.slice(RUNS.length).replace(/^\/+|\/+$/g, '');
    const parts = rest === '' ? [] : rest.split('/');
    const server = prefixes[prefixes.length - 1];
    const ctx: IdisContext = { cfg, store, runner, user, server };
    const notFound = (id: string): FastifyReply => reply.code(404).send({ errors: { id: `anonymization run ${id} does not exist` } });
    const load = (id: string): JobRow | undefined => (/^\d{1,15}$/.test(id) ? store.get(Number(id)) : undefined);
    if (parts.length === 0) {
      if (req.method === 'GET') return reply.send(store.recent(1000).map((j) => runObject(cfg, j, false)));
      if (req.method !== 'POST') return reply.code(405).header('Allow', 'GET, POST').send({ errors: { method: `${req.method} not allowed` } });
      const p = await requestParams(req);
      const method = p.one('detection_method');
      if (method !== undefined && method !== 'heuristics') throw new ApiErrors({ detection_method: `detection_method ${method} is not available: this server de-identifies by profile rules (heuristics)` });
      const projectName = p.one('project_name') ?? p.one('project');
      const created = IDIS_FUNCTIONS.create_job.fn(ctx, Params.from(new Map<string, string[]>([
        ['source_type', ['PATH']],
        ['destination_type', ['PATH']],
        ...(['source_path', 'destination_path', 'anonymizedpatientid', 'anonymizedpatientname', 'description', 'priority', 'source_sop_class_filter_list'] as const)
          .filter((k) => p.one(k) !== undefined).map((k) => [k, [p.one(k)!]] as [string, string[]]),
        ...(projectName ? [['project_name', [projectName]] as [string, string[]]] : []),
      ]))) as { job_id: number };
      return reply.code(201).send(runObject(cfg, store.get(created.job_id)!, true));
    }
    const j = load(parts[0]);
    if (!j) return notFound(parts[0]);
    if (parts.length === 1) {
      if (req.method !== 'GET') return reply.code(405).header('Allow', 'GET').send({ errors: { method: `${req.method} not allowed` } });
      return reply.send(runObject(cfg, j, true));
    }
    if (parts.length === 2 && parts[1] === 'cancel') {
      if (req.method !== 'POST') return reply.code(405).header('Allow', 'POST').send({ errors: { method: `${req.method} not allowed` } });
      if (j.status === 'ACTIVE' || j.status === 'UPLOADED') {
        runner.abort(j.job_id);
        store.update(j.job_id, { status: 'INACTIVE', completed_at: new Date().toISOString() });
      }
      return reply.send(runObject(cfg, store.get(j.job_id)!, true));
    }
    return reply.code(404).send({ errors: { path: `no such resource ${path}` } });
  };

  app.all('*', async (req, reply) => {
    const raw = req.url.split('?')[0];
    let path: string;
    try {
      path = decodeURIComponent(raw).replace(/\/{2,}/g, '/');
    } catch {
      return reply.code(400).send({ errors: { path: 'malformed URL' } });
    }
    if (path === RUNS || path.startsWith(RUNS + '/')) return runs(req, reply, path);
    return idis(req, reply, path);
  });

  runner.start(opts.pollMs);
  let url = '';
  if (opts.listen !== false) {
    url = await app.listen({ host: cfg.host, port: cfg.port });
  }
  return {
    app,
    store,
    runner,
    url,
    close: async () => {
      await app.close();
      await runner.stop();
      store.close();
    },
  };
}
