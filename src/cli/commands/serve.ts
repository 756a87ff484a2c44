import { existsSync, writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { loadSecret } from '../../pseudo/secret.js';
import { buildConfig, ConfigError, exampleConfig, newToken } from '../../serve/config.js';
import { startServer } from '../../serve/server.js';

interface ServeArgs {
  config?: string;
  'init-config'?: string;
  host?: string;
  port?: number;
  'data-dir'?: string;
  prefix: string[];
  user: string[];
  share: string[];
  root: string[];
  project: string[];
  concurrency?: number;
  threads?: number;
  'secret-file'?: string;
  'log-level'?: string;
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
      .option('user', { type: 'string', array: true, default: [], describe: 'NAME:TOKEN of a user (repeatable; the token is kept hashed)' })
      .option('share', { type: 'string', array: true, default: [], describe: "'\\\\server\\share=/local/dir': where a UNC share is mounted (repeatable)" })
      .option('root', { type: 'string', array: true, default: [], describe: 'a local folder sources and destinations may lie in (repeatable; share folders are roots too)' })
      .option('project', { type: 'string', array: true, default: [], describe: 'NAME=PROFILE: an IDIS project and its profile (repeatable)' })
      .option('concurrency', { type: 'number', describe: 'jobs run at once (default 2)' })
      .option('threads', { type: 'number', describe: 'worker threads per job (default 1; 0: on the server thread)' })
      .option('secret-file', { type: 'string', describe: 'the project secret keying pseudonyms (else ANON_SECRET, else a per-user secret)' })
      .option('log-level', { type: 'string', describe: 'request log level: fatal, error, warn, info (default), debug, trace or silent; never patient data' }),
  handler: async (args) => {
    if (args['init-config']) {
      const file = args['init-config'];
      if (existsSync(file)) throw new UsageError(`${file} exists; not overwritten`);
      const token = newToken();
      writeFileSync(file, exampleConfig(token), { mode: 0o600 });
      console.log(`wrote ${file}; user z123sandbox has the token ${token} (only its hash is in the file)`);
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
        user: args.user,
        share: args.share,
        root: args.root,
        project: args.project,
        concurrency: args.concurrency,
        threads: args.threads,
        secretFile: args['secret-file'],
        logLevel: args['log-level'],
      });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    try {
      const secret = loadSecret({ secretFile: cfg.secret_file });
      for (const w of secret.warnings) console.error(`anon serve: ${w}`);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const server = await startServer(cfg, { log: (m) => console.error(`anon serve: ${m}`) });
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
