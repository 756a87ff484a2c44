import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { buildConfig, ConfigError, exampleConfig, newToken } from '../../serve/config.js';
import { startServer } from '../../serve/server.js';
import { createKey, listKeys } from '../../serve/project-keys.js';
import { loadMapping } from '../../job/mapping-log.js';
import { exportMidiB } from '../../pseudo/mapping.js';
import { ReviewError } from '../../review/errors.js';
import { ReviewSession } from '../../review/session.js';

interface ServeArgs {
  config?: string;
  'init-config'?: string;
  host?: string;
  port?: number;
  'data-dir'?: string;
  prefix: string[];
  'users-file'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  share: string[];
  root: string[];
  project: string[];
  pacs: string[];
  concurrency?: number;
  threads?: number;
  queue?: string;
  'secret-file'?: string;
  'log-level'?: string;
  'list-keys'?: boolean;
  'create-key'?: string;
  'export-mapping'?: string[];
  review: string[];
  'review-out'?: string;
  'review-profile': string[];
  'review-profiles-dir'?: string;
}

function reviewSession(args: ServeArgs, dataDir: string): ReviewSession {
  if (!args['review-out']) throw new UsageError('--review needs --review-out: where released images are written');
  try {
    return new ReviewSession({
      sources: args.review,
      out: resolve(args['review-out']),
      profile: args['review-profile'],
      profilesDir: resolve(args['review-profiles-dir'] ?? join(dataDir, 'review-profiles')),
    });
  } catch (e) {
    if (e instanceof ReviewError) throw new UsageError(e.message);
    throw e;
  }
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the job server: the IDIS web API (anonapi client) and /api/anonymization-runs',
  builder: (y) =>
    y
      .option('config', { type: 'string', describe: 'config file (YAML or JSON); the flags below add to it' })
      .option('init-config', { type: 'string', describe: 'write an annotated example config to this file (with a new token) and exit' })
      .option('host', { type: 'string', describe: 'address to listen on (default 127.0.0.1)' })
      .option('port', { type: 'number', describe: 'port (default 8080; 0: any free port)' })
      .option('data-dir', { type: 'string', describe: 'folder for the job database, reports and journals (default ./anon-serve)' })
      .option('prefix', { type: 'string', array: true, default: [], describe: 'a path prefix ("server"), e.g. /sandbox (repeatable)' })
      .option('users-file', { type: 'string', describe: 'a file of NAME:TOKEN lines (0600); or ANON_SERVE_USERS in the environment. Never tokens on the command line' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve HTTPS (with --tls-key)' })
      .option('tls-key', { type: 'string', describe: 'PEM private key of --tls-cert' })
      .option('share', { type: 'string', array: true, default: [], describe: "'\\\\server\\share=/local/dir': where a UNC share is mounted (repeatable)" })
      .option('root', { type: 'string', array: true, default: [], describe: 'a local folder sources and destinations may lie in (repeatable; share folders are roots too)' })
      .option('project', { type: 'string', array: true, default: [], describe: 'NAME=PROFILE: an IDIS project and its profile (repeatable)' })
      .option('pacs', {
        type: 'string',
        array: true,
        default: [],
        describe: 'NAME=URL: a DICOMweb PACS (QIDO/WADO-RS root; user:password@ in the URL for basic auth) for WADO jobs; the first serves jobs naming none (repeatable)',
      })
      .option('concurrency', { type: 'number', describe: 'jobs run at once (default 2)' })
      .option('threads', { type: 'number', describe: 'worker threads per job (default 1; 0: on the server thread)' })
      .option('queue', { type: 'string', describe: "Redis URL (redis://host:6379): jobs' files go to anon worker processes on any machine, not this process's threads" })
      .option('secret-file', { type: 'string', describe: 'no longer used: each project has its own key under <data-dir>/keys' })
      .option('list-keys', { type: 'boolean', describe: 'list the pseudonymisation keys (project-<name> and pims_keyfile_id ones) and exit' })
      .option('export-mapping', {
        type: 'string',
        array: true,
        describe:
          'KEY_ID DIR: write the MIDI-B mapping (uid_mapping.csv, patid_mapping.csv) of every job keyed by KEY_ID (e.g. project-<name>) into DIR, outside the shares, and exit',
      })
      .option('create-key', { type: 'string', describe: 'create the key ID (0600, under <data-dir>/keys) for jobs naming pims_keyfile_id ID, and exit' })
      .option('review', {
        type: 'string',
        array: true,
        default: [],
        describe: 'serve the review page at /review for these watch quarantine or run report folders (repeatable; needs --review-out)',
      })
      .option('review-out', { type: 'string', describe: 'where images released from review are written' })
      .option('review-profile', { type: 'string', array: true, default: ['basic'], describe: 'profile(s) review releases are de-identified with' })
      .option('review-profiles-dir', { type: 'string', describe: 'where "apply to all like this" saves profiles (default <data-dir>/review-profiles)' })
      .option('log-level', { type: 'string', describe: 'request log level: fatal, error, warn, info (default), debug, trace or silent; never patient data' }),
  handler: async (args) => {
    if (args['init-config']) {
      const file = args['init-config'];
      if (existsSync(file)) throw new UsageError(`${file} exists; not overwritten`);
      const token = newToken();
      writeFileSync(file, exampleConfig(token, file), { mode: 0o600, flag: 'wx' });
      console.log(`wrote ${file} (${/\.json$/i.test(file) ? 'JSON' : 'YAML'}; tokens as hashes only)`);
      console.log(`the token of user z123sandbox, shown this once: ${token}`);
      return;
    }
    let cfg;
    try {
      cfg = buildConfig({
        config: args.config,
        host: args.host,
        port: args.port,
        dataDir: args['data-dir'],
        prefix: args.prefix,
        usersFile: args['users-file'],
        usersEnv: process.env.ANON_SERVE_USERS,
        tlsCert: args['tls-cert'],
        tlsKey: args['tls-key'],
        share: args.share,
        root: args.root,
        project: args.project,
        pacs: args.pacs,
        concurrency: args.concurrency,
        threads: args.threads,
        queue: args.queue,
        secretFile: args['secret-file'],
        logLevel: args['log-level'],
      });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    if (args['export-mapping']) {
      const [keyId, dir] = args['export-mapping'];
      if (!keyId || !dir) throw new UsageError('--export-mapping takes KEY_ID DIR');
      const r = exportMidiB(loadMapping(cfg.data_dir, keyId), dir, { forbiddenRoots: [...cfg.roots, ...cfg.shares.map((s) => s.path)] });
      console.log(`wrote ${r.uidFile} (${r.uidRows} rows) and ${r.patidFile} (${r.patidRows} rows)`);
      return;
    }
    if (args['list-keys'] || args['create-key']) {
      if (args['create-key']) console.log(`${createKey(cfg.data_dir, args['create-key']) ? 'created' : 'exists'}: ${args['create-key']}`);
      else for (const k of listKeys(cfg.data_dir)) console.log(k);
      return;
    }
    const review = args.review.length ? reviewSession(args, cfg.data_dir) : undefined;
    const server = await startServer(cfg, { log: (m) => console.error(`anon serve: ${m}`), review });
    if (review) console.log(`anon serve: review page at ${server.url}/review/ (Bearer token of a user)`);
    const bases = cfg.prefixes.map((p) => `${server.url}${p === '/' ? '' : p}`).join(', ');
    console.log(`anon serve: listening on ${server.url} (servers: ${bases}; runs: ${server.url}/api/anonymization-runs)`);
    await new Promise<void>((resolveStop) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        console.error('anon serve: stopping; running jobs resume at the next start');
        void server.close().then(resolveStop);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // Closed cleanly: exit rather than wait on a stray handle of a job still winding down.
    process.exit(process.exitCode ?? 0);
  },
};
