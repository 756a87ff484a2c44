// The server's log: Fastify's pino logger with request ids. Requests carry patient data (names,
// IDs, source paths in bodies; identifiers in unknown URLs), so a request is logged by method,
// route pattern, status, time and user only, and anything that could still reach a log line
// through an object is redacted.

import type { FastifyInstance, FastifyServerOptions } from 'fastify';

export interface LogOptions {
  /** pino level; 'silent' for none */
  level: string;
  /** where lines go (default stderr) */
  stream?: NodeJS.WritableStream;
}

export function loggerOptions(o: LogOptions): FastifyServerOptions['logger'] {
  return {
    level: o.level,
    stream: o.stream ?? process.stderr,
    redact: {
      paths: ['req.url', 'req.query', 'req.body', 'req.params', 'req.headers', 'body', 'query', 'params', 'headers', 'url'],
      censor: '[redacted]',
    },
    serializers: {
      // only what cannot carry patient data: never the URL (unknown paths), query or body
      req: (req: { method?: string; routeOptions?: { url?: string }; id?: string }) => ({ method: req.method, route: req.routeOptions?.url }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      // an error message may quote a path or a value: its type, code and frames only
      err: (err: Error & { code?: string }) => ({
        type: err.name,
        code: err.code,
        message: '(not logged)',
        stack: (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n'),
      }),
    },
  };
}

/** One line per request when it is answered (Fastify's own request logging is off). */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, route: req.is404 ? '(no route)' : req.routeOptions.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime), user: req.user?.name },
      'request completed',
    );
  });
}
