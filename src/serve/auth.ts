// Token authentication: every request first (before 404/405/400), a missing or unknown token is
// 401 (anonapi understands no 403). IDIS clients send "Authorization: Token …" and user_name,
// which must be the token's user; the anonymization-run API sends "Authorization: Bearer …".

import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler, preValidationAsyncHookHandler } from 'fastify';
import { tokenMatches, type ServeConfig, type ServeUser } from './config.js';
import { given, type FlatParams } from './form.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** the authenticated user (set by the auth hook of the route's scope) */
    user: ServeUser;
  }
}

export type AuthScheme = 'Token' | 'Bearer';

const unauthorized = (reply: FastifyReply, scheme: AuthScheme): FastifyReply =>
  reply
    .code(401)
    .header('WWW-Authenticate', scheme)
    .send({ errors: { authorization: 'Unauthorized: your credentials do not seem to work' } });

function userOf(req: FastifyRequest, cfg: ServeConfig, scheme: AuthScheme): ServeUser | undefined {
  const m = new RegExp(`^${scheme}\\s+(\\S+)\\s*$`, 'i').exec(String(req.headers.authorization ?? ''));
  return m ? cfg.users.find((u) => tokenMatches(m[1], u.token_sha256)) : undefined;
}

/** Whether an Authorization header (either scheme) carries a known token. */
export function hasValidToken(header: string | undefined, cfg: ServeConfig): boolean {
  const m = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(String(header ?? ''));
  return m !== null && cfg.users.some((u) => tokenMatches(m[1], u.token_sha256));
}

/** onRequest: the token names a user, else 401. */
export const authenticate = (cfg: ServeConfig, scheme: AuthScheme): onRequestAsyncHookHandler =>
  async function (req, reply) {
    const user = userOf(req, cfg, scheme);
    if (!user) return unauthorized(reply, scheme);
    req.user = user;
  };

/** preValidation (the body is parsed by then): a user_name parameter must be the token's user. */
export const sameUserName: preValidationAsyncHookHandler = async function (req, reply) {
  const named = given((req.body as FlatParams | undefined)?.user_name as string | undefined);
  if (named !== undefined && named !== req.user.name) return unauthorized(reply, 'Token');
};
