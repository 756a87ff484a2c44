// `anon serve`: the job store, the runner and the app, listening on the configured host and port.

import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { ServeConfig } from './config.js';
import { JobRunner } from './runner.js';
import { JobStore } from './store.js';

export interface ServeHandle {
  app: FastifyInstance;
  store: JobStore;
  runner: JobRunner;
  /** http://host:port, once listening */
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** the runner's messages (default: the app's log) */
  log?: (msg: string) => void;
  /** false: build only (app.inject()) */
  listen?: boolean;
  pollMs?: number;
  /** where the request log goes (default stderr, at cfg.log_level) */
  logStream?: NodeJS.WritableStream;
}

export async function startServer(cfg: ServeConfig, opts: ServeOptions = {}): Promise<ServeHandle> {
  const store = new JobStore(cfg.data_dir);
  // The runner's messages go to the app's log, which exists only once the runner is built.
  let warn: (m: string) => void = () => {};
  const runner = new JobRunner(store, cfg, opts.log ?? ((m) => warn(m)));
  const app = buildApp({ cfg, store, runner }, { level: cfg.log_level, stream: opts.logStream });
  warn = (m) => app.log.warn(m);
  await app.ready();
  runner.start(opts.pollMs);
  const url = opts.listen === false ? '' : await app.listen({ host: cfg.host, port: cfg.port });
  return {
    app,
    store,
    runner,
    url,
    close: async () => {
      await app.close();
      await runner.stop();
      store.close();
    },
  };
}
