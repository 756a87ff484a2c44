// GET /api/workers (Bearer token): the `anon worker` processes taking this server's tasks, as they
// announce themselves on the queue (host, pid, version, threads, load, last heartbeat). Without
// a queue the list is empty: jobs run in the server's own threads.

import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import { authenticate } from '../auth.js';
import { openRedis, shownUrl } from '../../queue/connection.js';
import { listWorkers } from '../../queue/registry.js';
import type { ServeDeps } from './types.js';

export const WORKERS_PATH = '/api/workers';

export const workersRoute: FastifyPluginAsync<ServeDeps> = async (app, { cfg }) => {
  let redis: Redis | undefined;
  app.addHook('onRequest', authenticate(cfg, 'Bearer'));
  app.addHook('onClose', async () => redis?.disconnect());
  app.get(WORKERS_PATH, async () => {
    if (!cfg.queue) return { queue: null, workers: [] };
    redis ??= openRedis(cfg.queue);
    return { queue: shownUrl(cfg.queue), workers: await listWorkers(redis) };
  });
};
