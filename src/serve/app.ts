// The `anon serve` application, built without listening (tests use app.inject()): body parsing
// on every verb (anonapi sends form bodies on GET), Token/Bearer auth, one route per endpoint
// with its JSON schema, and errors in the IDIS shape.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { validationErrors } from './api-errors.js';
import { reviewPlugin } from '../review/plugin.js';
import { authenticate, hasValidToken } from './auth.js';
import type { ServeConfig } from './config.js';
import { serverFactory } from './transport.js';
import { ApiErrors } from './errors.js';
import { flatForm, flatJson, type FlatParams } from './form.js';
import { loggerOptions, type LogOptions } from './logging.js';
import { anonymizationRuns, RUNS_ALIAS, RUNS_PREFIX } from './routes/anonymization-runs.js';
import { idisServer, outsidePrefixes } from './routes/idis/index.js';
import type { ServeDeps } from './routes/types.js';
import { workersRoute } from './routes/workers.js';

const MAX_BODY = 1024 * 1024;

const parseJson = (text: string): FlatParams => {
  try {
    return flatJson(JSON.parse(text));
  } catch {
    throw new ApiErrors({ body: 'request body is not valid JSON' });
  }
};

/** Every request body as parameters; JSON arrives as text too, so a bad one gets the contract's 400. */
function parseBodies(app: FastifyInstance): void {
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    if (!text) return done(null, {});
    try {
      done(null, /json/i.test(String(req.headers['content-type'] ?? '')) ? parseJson(text) : flatForm(text));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  // the query string too, the body over it, so curl and browsers work as well
  app.addHook('preValidation', async (req) => {
    req.body = { ...(req.query as FlatParams), ...((req.body as FlatParams | undefined) ?? {}) };
  });
}

function errorShape(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiErrors) return reply.code(400).send({ errors: err.errors });
    if (err.validation) return reply.code(400).send({ errors: validationErrors(err.validation, req.body) });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && req.method === 'GET') return reply.code(400).send({ errors: { body: 'request body too large' } });
    const status = err.statusCode;
    if (status === 429) return reply.code(429).send({ errors: (err as { errors?: unknown }).errors ?? { request: 'too many requests' } });
    if (status && status >= 400 && status < 500) return reply.code(status === 404 ? 400 : status).send({ errors: { request: err.message } });
    req.log.error({ err }, 'internal error');
    return reply.code(500).send({ errors: { server: 'internal error' } });
  });
}

/**
 * Requests without a valid token are limited per client address (@fastify/rate-limit): 429 past
 * the limit. Requests with a valid token are not counted, so guessing tokens is slow and users
 * are not throttled.
 */
function limitFailedAuth(app: FastifyInstance, cfg: ServeConfig): void {
  void app.register(rateLimit, { global: false });
  // a root hook, so it runs before every scope's authentication (which answers 401 at once)
  app.after(() => {
    app.addHook(
      'onRequest',
      app.rateLimit({
        max: cfg.auth_failures_per_minute,
        timeWindow: 60_000,
        allowList: (req) => hasValidToken(req.headers.authorization, cfg),
        errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, errors: { authorization: `too many requests without a valid token; retry in ${Math.ceil(ctx.ttl / 1000)} s` } }),
      }),
    );
  });
}

export function buildApp(deps: ServeDeps, log: LogOptions = { level: 'info' }): FastifyInstance {
  const app = Fastify({
    ...loggerOptions(log),
    bodyLimit: MAX_BODY,
    exposeHeadRoutes: false,
    serverFactory: serverFactory(deps.cfg),
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true, querystringParser: flatForm },
    // a URL that does not decode: 400 in the IDIS shape
    frameworkErrors: (_err, _req, reply) => void (reply as FastifyReply).code(400).send({ errors: { path: 'malformed URL' } }),
  });
  parseBodies(app);
  errorShape(app);
  limitFailedAuth(app, deps.cfg);
  const prefixes = [...deps.cfg.prefixes].sort((a, b) => b.length - a.length);
  for (const server of prefixes) app.register(idisServer, { ...deps, server, prefix: server === '/' ? '' : server });
  if (!prefixes.includes('/')) app.register(outsidePrefixes, { cfg: deps.cfg, server: prefixes[prefixes.length - 1] });
  for (const prefix of [RUNS_PREFIX, RUNS_ALIAS]) app.register(anonymizationRuns, { ...deps, prefix });
  if (deps.review) {
    // every review action is a user's: the API needs a Bearer token and records its user
    app.register(reviewPlugin, {
      prefix: '/review',
      session: deps.review,
      authenticate: authenticate(deps.cfg, 'Bearer'),
      reviewer: (req) => req.user.name,
      // a user's own jobs only, as everywhere in the server
      viewer: (req) => ({ name: req.user.name, admin: req.user.role === 'admin' }),
    });
  }
  app.register(workersRoute, deps);
  return app;
}
