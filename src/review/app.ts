// `anon review`'s own server: the review plugin under /review, on loopback only, behind a token
// made at start and handed to the page in the URL's fragment (never sent in a request line, so
// never logged). Other local users cannot act on the images without it.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { reviewPlugin } from './plugin.js';
import type { ReviewSession } from './session.js';

export const REVIEW_PREFIX = '/review';
export const LOOPBACK = '127.0.0.1';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function newReviewToken(): string {
  return randomBytes(24).toString('base64url');
}

export function buildReviewApp(session: ReviewSession, o: { token: string; reviewer: string }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, routerOptions: { ignoreTrailingSlash: true } });
  const expected = digest(o.token);
  void app.register(reviewPlugin, {
    prefix: REVIEW_PREFIX,
    session,
    reviewer: () => o.reviewer,
    authenticate: async (req, reply) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
      if (!m || !timingSafeEqual(digest(m[1]), expected)) {
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Bearer')
          .send({ error: { code: 'UNAUTHORIZED', message: 'the page needs the token anon review printed' } });
      }
    },
  });
  app.get('/', async (_req, reply) => reply.redirect(`${REVIEW_PREFIX}/`));
  return app;
}

export interface ReviewHandle {
  /** the page's address, with the token in the fragment */
  url: string;
  /** the address listened on (always 127.0.0.1) */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 only (port 0: any free port). */
export async function startReview(session: ReviewSession, o: { port: number; reviewer: string; token?: string }): Promise<ReviewHandle> {
  const token = o.token ?? newReviewToken();
  const app = buildReviewApp(session, { token, reviewer: o.reviewer });
  await app.listen({ host: LOOPBACK, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host = typeof addr === 'object' && addr ? addr.address : LOOPBACK;
  return { url: `http://${LOOPBACK}:${port}${REVIEW_PREFIX}/#token=${token}`, host, port, close: () => app.close() };
}
