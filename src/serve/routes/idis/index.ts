// One IDIS "server" (path prefix, e.g. /sandbox): Token auth first, then the functions, a 405 for
// a wrong verb, and hug's 404 with documentation for an unknown function or the root's status.

import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { VERSION } from '../../../version.js';
import { authenticate, sameUserName } from '../../auth.js';
import type { ServeConfig } from '../../config.js';
import { ownerScope, type IdisContext } from '../../job-rules.js';
import type { ServeDeps } from '../types.js';
import { documentation, IDIS_FUNCTIONS, notDefined } from './functions.js';
import { readRoutes } from './read.js';
import { writeRoutes } from './write.js';

const VERBS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

const notAllowed = (reply: FastifyReply, allow: string, message: string): FastifyReply =>
  reply
    .code(405)
    .header('Allow', allow)
    .send({ errors: { method: message } });

/** The hooks every IDIS answer passes, including its 404s. */
function guard(app: FastifyInstance, cfg: ServeConfig): void {
  app.addHook('onRequest', authenticate(cfg, 'Token'));
  app.addHook('preValidation', sameUserName);
}

export const idisServer: FastifyPluginAsync<ServeDeps & { server: string }> = async (plain, { cfg, store, runner, server }) => {
  const app = plain.withTypeProvider<JsonSchemaToTsProvider>();
  guard(app, cfg);
  const ctxOf = (req: FastifyRequest): IdisContext => ({ cfg, store, runner, user: req.user, server });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/',
    handler: async (req) => {
      const counts: Record<string, number> = {};
      for (const j of store.recent(1000, server, ownerScope(req.user))) counts[j.status] = (counts[j.status] ?? 0) + 1;
      return { documentation: documentation(server), status: { server, version: VERSION, user_name: req.user.name, running: runner.busy, recent_jobs_by_status: counts } };
    },
  });
  app.route({
    method: VERBS.filter((v) => v !== 'GET' && v !== 'HEAD'),
    url: '/',
    handler: async (req, reply) => notAllowed(reply, 'GET', `${req.method} is not allowed here; use GET`),
  });

  readRoutes(app, ctxOf);
  writeRoutes(app, ctxOf);
  for (const [name, f] of Object.entries(IDIS_FUNCTIONS)) {
    app.route({
      method: VERBS.filter((v) => v !== f.method),
      url: `/${name}`,
      handler: async (req, reply) => notAllowed(reply, f.method, `Method not allowed: ${name} takes ${f.method}, not ${req.method}`),
    });
  }
  app.setNotFoundHandler(async (_req, reply) => reply.code(404).send(notDefined(server)));
};

/** Paths under no prefix: still Token auth first, then hug's 404 (documentation of the widest prefix). */
export const outsidePrefixes: FastifyPluginAsync<{ cfg: ServeConfig; server: string }> = async (app, { cfg, server }) => {
  guard(app, cfg);
  app.setNotFoundHandler(async (_req, reply) => reply.code(404).send(notDefined(server)));
};
