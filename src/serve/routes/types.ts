// What the route plugins are given and how the IDIS route groups are typed.

import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ReviewSession } from '../../review/session.js';
import type { ServeConfig } from '../config.js';
import type { IdisContext } from '../job-rules.js';
import type { JobRunner } from '../runner.js';
import type { JobStore } from '../store.js';

export interface ServeDeps {
  cfg: ServeConfig;
  store: JobStore;
  runner: JobRunner;
  /** The review page for quarantined images (anon serve --review), under /review, behind the Bearer tokens. */
  review?: ReviewSession;
}

/** A Fastify scope whose handlers are typed from their JSON schemas. */
export type IdisApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, JsonSchemaToTsProvider>;
export type IdisRoutes = (app: IdisApp, ctxOf: (req: FastifyRequest) => IdisContext) => void;
