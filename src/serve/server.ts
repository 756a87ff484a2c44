// `anon serve`: the job store, the runner and the app, listening on the configured host and port.

import type { FastifyInstance } from 'fastify';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReviewSession } from '../review/session.js';
import { buildApp } from './app.js';
import { lockDataDir } from './data-lock.js';
import type { ServeConfig } from './config.js';
import { JobRunner } from './runner.js';
import { JobStore } from './store.js';
import { jobReviews } from './review-jobs.js';

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
  /** the review page for quarantined images (anon serve --review) */
  review?: ReviewSession;
}

export async function startServer(cfg: ServeConfig, opts: ServeOptions = {}): Promise<ServeHandle> {
  // the data folder holds the job database, reports and keys: the server's user only
  mkdirSync(cfg.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(cfg.data_dir, 0o700);
  const unlock = lockDataDir(cfg.data_dir);
  let store: JobStore;
  try {
    store = new JobStore(cfg.data_dir);
  } catch (e) {
    unlock();
    throw e;
  }
  // The runner's messages go to the app's log, which exists only once the runner is built.
  let warn: (m: string) => void = () => {};
  const runner = new JobRunner(store, cfg, opts.log ?? ((m) => warn(m)));
  // the review page always lists the users' own jobs' quarantines; folders given with --review come on top
  const review = opts.review ?? new ReviewSession({ sources: [], profilesDir: join(cfg.data_dir, 'review-profiles') });
  review.attachJobs(jobReviews(cfg, store));
  const app = buildApp({ cfg, store, runner, review }, { level: cfg.log_level, stream: opts.logStream });
  warn = (m) => app.log.warn(m);
  let url: string;
  try {
    await app.ready();
    runner.start(opts.pollMs);
    url = opts.listen === false ? '' : await app.listen({ host: cfg.host, port: cfg.port });
    if (cfg.tls_cert) url = url.replace(/^http:/, 'https:'); // the server comes from our factory: Fastify cannot tell
  } catch (e) {
    await app.close();
    await runner.stop();
    store.close();
    unlock();
    throw e;
  }
  return {
    app,
    store,
    runner,
    url,
    close: async () => {
      await app.close();
      await runner.stop();
      store.close();
      unlock();
    },
  };
}
