// The review page as a Fastify plugin: its built files, and a JSON API over a ReviewSession.
// The API scope runs the caller's authentication first (anon serve: its Bearer tokens; anon
// review: the session token printed at start). The files hold no data and are served to anyone,
// so the page can ask for the token; every action on an image goes through the API.

import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ASSETS, loadAssets, type AssetName } from './assets.js';
import { ReviewError, reviewStatus } from './errors.js';
import type { ReviewSession } from './session.js';
import type { Box, Viewer } from './types.js';

export interface ReviewPluginOptions {
  session: ReviewSession;
  /** onRequest hook of the API routes: answers 401 itself when the request is not authenticated */
  authenticate: onRequestAsyncHookHandler;
  /** who the authenticated request is (recorded with each decision) */
  reviewer: (req: FastifyRequest) => string;
  /** what the request may see (anon serve: the user's own jobs, all for an admin); default everything */
  viewer?: (req: FastifyRequest) => Viewer;
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
const MAX_JSON = 64 * 1024;

const box = {
  type: 'object',
  additionalProperties: false,
  required: ['x', 'y', 'width', 'height'],
  properties: {
    x: { type: 'integer', minimum: 0, maximum: 65535 },
    y: { type: 'integer', minimum: 0, maximum: 65535 },
    width: { type: 'integer', minimum: 1, maximum: 65535 },
    height: { type: 'integer', minimum: 1, maximum: 65535 },
    frame: { type: 'integer', minimum: 1 },
  },
} as const;
const boxes = { type: 'array', maxItems: 500, items: box } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{16}$' } } } as const;

function securityHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', CSP).header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer').header('X-Frame-Options', 'DENY');
}

function assets(app: FastifyInstance): void {
  const files = loadAssets();
  const send = (name: AssetName) => async (_req: FastifyRequest, reply: FastifyReply) => {
    securityHeaders(reply);
    return reply.type(ASSETS[name]).header('Cache-Control', 'no-cache').send(files.get(name));
  };
  app.get('/', send('index.html'));
  for (const name of Object.keys(ASSETS) as AssetName[]) app.get(`/${name}`, send(name));
}

async function api(app: FastifyInstance, o: ReviewPluginOptions): Promise<void> {
  const s = o.session;
  const who = (req: FastifyRequest): Viewer => o.viewer?.(req) ?? { name: o.reviewer(req), admin: true };
  // JSON bodies as JSON, whatever the enclosing app parses (anon serve flattens forms).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_JSON }, (_req, body, done) => {
    try {
      done(null, body === '' ? {} : JSON.parse(String(body)));
    } catch {
      done(new ReviewError('REVIEW_INVALID', 'the body is not JSON'), undefined);
    }
  });
  app.addHook('onRequest', o.authenticate);
  app.addHook('onSend', async (_req, reply) => {
    securityHeaders(reply);
    reply.header('Cache-Control', 'no-store');
  });
  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, req, reply) => {
    if (err instanceof ReviewError) return reply.code(reviewStatus(err)).send({ error: { code: err.code, message: err.message } });
    if (err.validation) return reply.code(400).send({ error: { code: 'REVIEW_INVALID', message: err.message } });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).send({ error: { code: 'REVIEW_INVALID', message: err.message } });
    req.log.error({ err }, 'review: internal error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });

  app.get('/items', { schema: { querystring: { type: 'object', properties: { reason: { type: 'string' } } } } }, async (req) => {
    const { reason } = req.query as { reason?: string };
    return { items: await s.list(reason || undefined, who(req)) };
  });
  app.get(
    '/items/:id',
    { schema: { params: idParams, querystring: { type: 'object', properties: { identifiers: { type: 'string', enum: ['0', '1', 'true', 'false'] } } } } },
    async (req) => {
      const { identifiers } = req.query as { identifiers?: string };
      return s.detail((req.params as { id: string }).id, identifiers === '1' || identifiers === 'true', who(req));
    },
  );
  const png = (thumb: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.params as { id: string; frame?: number };
    return reply.type('image/png').send(await s.image(p.id, p.frame ?? 1, thumb, who(req)));
  };
  app.get('/items/:id/thumbnail.png', { schema: { params: idParams } }, png(true));
  app.get(
    '/items/:id/frames/:frame.png',
    { schema: { params: { ...idParams, required: ['id', 'frame'], properties: { ...idParams.properties, frame: { type: 'integer', minimum: 1 } } } } },
    png(false),
  );
  app.post('/items/:id/release', { schema: { params: idParams, body: { type: 'object', required: ['boxes'], properties: { boxes } } } }, async (req, reply) => {
    const r = await s.release((req.params as { id: string }).id, (req.body as { boxes: Box[] }).boxes, o.reviewer(req), who(req));
    // Not written (the job quarantined or failed it): it stays in quarantine, and the page says why.
    if (!r.released)
      return reply.code(422).send({
        error: { code: 'REVIEW_NOT_RELEASED', message: r.outcome.status === 'failed' ? r.outcome.error.message : 'reason' in r.outcome ? r.outcome.reason : r.outcome.status },
      });
    return s.public(r.entry);
  });
  app.post(
    '/items/:id/reject',
    { schema: { params: idParams, body: { type: 'object', required: ['note'], properties: { note: { type: 'string', minLength: 1, maxLength: 2000 } } } } },
    async (req) => s.reject((req.params as { id: string }).id, (req.body as { note: string }).note, o.reviewer(req), who(req)),
  );
  app.post(
    '/items/:id/mask-rule',
    {
      schema: {
        params: idParams,
        body: { type: 'object', required: ['profile', 'boxes'], properties: { profile: { type: 'string', minLength: 1, maxLength: 64 }, boxes: { ...boxes, minItems: 1 } } },
      },
    },
    async (req) => {
      const b = req.body as { profile: string; boxes: Box[] };
      const saved = await s.saveRule((req.params as { id: string }).id, b.profile, b.boxes, who(req));
      return { profile: b.profile, rule: saved.rule };
    },
  );
}

/** Register with a prefix (e.g. /review): the page at `<prefix>/`, the API at `<prefix>/api/`. */
export async function reviewPlugin(app: FastifyInstance, o: ReviewPluginOptions): Promise<void> {
  assets(app);
  await app.register(api, { ...o, prefix: '/api' });
}
