// The server's log: Fastify's pino logger with request ids. Requests carry patient data (names,
// IDs and source paths in bodies, identifiers in unknown URLs, values quoted in error messages),
// so Fastify's request lines are replaced by ones with method, route pattern, status, time and
// user only, errors keep type, code and frames but not their message, and anything that still
// reaches a line through an object is redacted.

import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';

export interface LogOptions {
  /** pino level; 'silent' for none */
  level: string;
  /** where lines go (default stderr) */
  stream?: NodeJS.WritableStream;
}

const route = (req: FastifyRequest): string => (req.is404 ? '(no route)' : (req.routeOptions.url ?? '(no route)'));

const requestFields = (req: FastifyRequest, reply: FastifyReply) => ({
  method: req.method,
  route: route(req),
  statusCode: reply.statusCode,
  ms: Math.round(reply.elapsedTime),
  user: req.user?.name,
});

/** Fastify's request and error lines without URLs or error messages. */
class PatientSafeLog extends LogController {
  override incomingRequest(req: FastifyRequest): void {
    req.log.debug({ method: req.method, route: route(req) }, 'incoming request');
  }

  override requestCompleted(error: Error | null, req: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ ...requestFields(req, reply), err: error }, 'request errored');
    else reply.log.info(requestFields(req, reply), 'request completed');
  }

  override routeNotFound(req: FastifyRequest): void {
    req.log.debug({ method: req.method }, 'no route');
  }

  override defaultErrorLog(error: Error, req: FastifyRequest, reply: FastifyReply): void {
    reply.log[reply.statusCode >= 500 ? 'error' : 'info']({ ...requestFields(req, reply), err: error }, 'request failed');
  }

  override writeHeadError(error: Error, req: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn({ ...requestFields(req, reply), err: error }, 'writing the response head failed');
  }
}

export function loggerOptions(o: LogOptions): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  return {
    logController: new PatientSafeLog(),
    logger: {
      level: o.level,
      stream: o.stream ?? process.stderr,
      redact: {
        paths: ['req.url', 'req.query', 'req.body', 'req.params', 'req.headers', 'body', 'query', 'params', 'headers', 'url'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method?: string; routeOptions?: { url?: string } }) => ({ method: req.method, route: req.routeOptions?.url }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: (err: Error & { code?: string }) => ({
          type: err.name,
          code: err.code,
          message: '(not logged: it may quote a path or a value)',
          stack: (err.stack ?? '')
            .split('\n')
            .filter((l) => /^\s+at /.test(l))
            .join('\n'),
        }),
      },
    },
  };
}
