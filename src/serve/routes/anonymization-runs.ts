// /api/dataframer/anonymization-runs (the reference's path; /api/anonymization-runs is an alias):
// jobs as anonymization-run resources (Bearer token), each the caller's own: list, create (201),
// get one by its UUID with its run report, cancel, download an output file.

import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ApiErrors } from '../errors.js';
import { authenticate } from '../auth.js';
import { createJob } from '../create-job.js';
import { given } from '../form.js';
import { reportFiles, runObject } from '../run-object.js';
import { openOutput } from '../output-file.js';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { JobRow } from '../store.js';
import type { ServeUser } from '../config.js';
import { ownerScope } from '../job-rules.js';
import type { ServeDeps } from './types.js';

export const RUNS_PREFIX = '/api/dataframer/anonymization-runs';
export const RUNS_ALIAS = '/api/anonymization-runs';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const text = { type: 'string' } as const;
const createRun = {
  type: 'object',
  properties: {
    source_path: text,
    destination_path: text,
    project_name: text,
    project: text,
    anonymizedpatientid: text,
    anonymizedpatientname: text,
    description: text,
    priority: text,
    source_sop_class_filter_list: text,
    detection_method: text,
    server: text,
  },
} as const;
/** What a run request may set of a job (the rest is fixed: a PATH job, no opt-out override). */
const PASSED = ['source_path', 'destination_path', 'anonymizedpatientid', 'anonymizedpatientname', 'description', 'priority', 'source_sop_class_filter_list'] as const;
const byId = { type: 'object', required: ['id'], properties: { id: text } } as const;
const byFile = { type: 'object', required: ['id', 'file_id'], properties: { id: text, file_id: text } } as const;

const VERBS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const notAllowed = (allow: string[]) => async (req: { method: string }, reply: FastifyReply) =>
  reply
    .code(405)
    .header('Allow', allow.join(', '))
    .send({ errors: { method: `${req.method} not allowed` } });

/** Runs are created in the IDIS server (prefix) the request names; with one prefix, that one. */
export const anonymizationRuns: FastifyPluginAsync<ServeDeps> = async (plain, { cfg, store, runner }) => {
  const app = plain.withTypeProvider<JsonSchemaToTsProvider>();
  app.addHook('onRequest', authenticate(cfg, 'Bearer'));
  /** A run the caller may see: their own (any, for an admin); another user's answers as a missing one. */
  const load = (id: string, user: ServeUser): JobRow | undefined => {
    const j = UUID.test(id) ? store.byRunId(id.toLowerCase()) : undefined;
    const owner = ownerScope(user);
    return j && (owner === undefined || j.user_name === owner) ? j : undefined;
  };
  const notFound = (reply: FastifyReply, id: string): FastifyReply => reply.code(404).send({ errors: { id: `anonymization run ${id} does not exist` } });

  app.get('/', async (req) => store.recent(1000, undefined, ownerScope(req.user)).map((j) => runObject(cfg, j, false)));
  app.post('/', { schema: { body: createRun } }, async (req, reply) => {
    const b = req.body;
    const method = given(b.detection_method);
    if (method !== undefined && method !== 'heuristics') {
      throw new ApiErrors({ detection_method: `detection_method ${method} is not available: this server de-identifies by profile rules (heuristics)` });
    }
    const named = given(b.server);
    const server = named ?? (cfg.prefixes.length === 1 ? cfg.prefixes[0] : undefined);
    if (server === undefined || !cfg.prefixes.includes(server)) {
      throw new ApiErrors({ server: `server names the IDIS server the run belongs to: one of ${cfg.prefixes.join(', ')}` });
    }
    const params = Object.fromEntries(PASSED.map((k) => [k, b[k]]));
    const project_name = given(b.project_name) ?? b.project;
    const created = createJob({ cfg, store, runner, user: req.user, server }, { ...params, source_type: 'PATH', destination_type: 'PATH', project_name }) as { job_id: number };
    return reply.code(201).send(runObject(cfg, store.get(created.job_id)!, true));
  });
  app.route({ method: VERBS.filter((v) => v !== 'GET' && v !== 'POST'), url: '/', handler: notAllowed(['GET', 'POST']) });

  app.get('/:id', { schema: { params: byId } }, async (req, reply) => {
    const j = load(req.params.id, req.user);
    return j ? runObject(cfg, j, true) : notFound(reply, req.params.id);
  });
  app.route({ method: VERBS.filter((v) => v !== 'GET'), url: '/:id', handler: notAllowed(['GET']) });

  app.get('/:id/files/:file_id', { schema: { params: byFile } }, async (req, reply) => {
    const j = load(req.params.id, req.user);
    if (!j) return notFound(reply, req.params.id);
    const file = reportFiles(cfg, j).find((f) => f.id === req.params.file_id);
    if (!file) return reply.code(404).send({ errors: { file_id: `run ${req.params.id} has no file ${req.params.file_id}` } });
    const fd = openOutput(cfg, j, file.path);
    if (fd === undefined) return reply.code(404).send({ errors: { file_id: `file ${req.params.file_id} is no longer in the destination` } });
    return reply
      .type(file.content_type)
      .header('content-disposition', `attachment; filename="${basename(file.path)}"`)
      .send(createReadStream('', { fd }));
  });
  app.route({ method: VERBS.filter((v) => v !== 'GET'), url: '/:id/files/:file_id', handler: notAllowed(['GET']) });

  app.post('/:id/cancel', { schema: { params: byId } }, async (req, reply) => {
    const j = load(req.params.id, req.user);
    if (!j) return notFound(reply, req.params.id);
    if (j.status === 'ACTIVE' || j.status === 'UPLOADED') {
      runner.abort(j.job_id);
      store.update(j.job_id, { status: 'INACTIVE', completed_at: new Date().toISOString() });
    }
    return runObject(cfg, store.get(j.job_id)!, true);
  });
  app.route({ method: VERBS.filter((v) => v !== 'POST'), url: '/:id/cancel', handler: notAllowed(['POST']) });

  app.setNotFoundHandler(async (req, reply) => reply.code(404).send({ errors: { path: `no such resource ${req.url.split('?')[0]}` } }));
};
