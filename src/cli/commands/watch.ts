import { relative, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { deidOptions, ocrOption } from './deid-options.js';
import { UsageError } from '../../errors.js';
import { setupDeid } from '../../job/setup.js';
import { WatchDaemon, type WatchEvent } from '../../watch/daemon.js';

interface WatchArgs {
  inbox: string;
  out: string;
  profile: string;
  option: string[];
  layout: string;
  threads?: number;
  'secret-file'?: string;
  pseudonyms?: string;
  ocr: boolean;
  'ocr-policy'?: string;
  done?: string;
  failed?: string;
  quarantine?: string;
  state?: string;
  'delete-originals': boolean;
  'settle-ms': number;
  'study-quiet'?: number;
  'rescan-s': number;
  'stats-s': number;
  quiet: boolean;
  json: boolean;
  fsync: boolean;
  'max-queue': number;
  'health-port'?: number;
  'health-host': string;
  'unhealthy-after': number;
}

const time = (): string => new Date().toISOString();

/** One line per file on stdout; stats and notices on stderr. */
function printer(mode: 'lines' | 'json' | 'quiet', inbox: string): (e: WatchEvent) => void {
  if (mode === 'json') return (e) => console.log(JSON.stringify(e));
  return (e) => {
    switch (e.type) {
      case 'start':
        if (mode === 'lines') console.error(`anon watch: watching ${e.inbox} → ${e.out} (state ${e.state}, ${e.threads} threads${e.health ? `, health ${e.health}/health` : ''})`);
        break;
      case 'file': {
        if (mode === 'quiet' && e.status !== 'failed') break;
        const moved = e.moved_to ? ` [original → ${relative(resolve(inbox, '..'), e.moved_to)}]` : e.moved_to === null ? ' [original removed]' : '';
        const what = e.status === 'written' || e.status === 'already-present' ? `→ ${e.output}` : e.status === 'quarantined' ? `: ${e.reason}` : `: ${e.code}: ${e.message}`;
        const line = `${time()} ${e.status.padEnd(15)} ${e.input}${what.startsWith(':') ? '' : ' '}${what} (${e.ms} ms)${moved}`;
        if (e.status === 'failed' || e.status === 'retry') console.error(line);
        else console.log(line);
        break;
      }
      case 'stats': {
        if (mode === 'quiet') break;
        const s = e.status;
        const q = s.queue;
        console.error(
          `${time()} stats: queue ${q.total} (settling ${q.settling}, grouping ${q.grouping}, ready ${q.ready}, in flight ${q.in_flight}, retrying ${q.retrying}); ` +
            `written ${s.totals.written}, already present ${s.totals.already_present}, failed ${s.totals.failed}, quarantined ${s.totals.quarantined}; ` +
            `${s.files_per_second} files/s, rss ${s.rss_mib} MiB${s.last_error ? `; last error ${s.last_error.code}` : ''}`,
        );
        break;
      }
      case 'notice':
        console.error(`anon watch: ${e.message}`);
        break;
      case 'stop':
        if (mode === 'lines') {
          const t = e.totals;
          console.error(`anon watch: stopped: ${t.written} written, ${t.already_present} already present, ${t.failed} failed, ${t.quarantined} quarantined`);
        }
        break;
    }
  };
}

export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch <inbox>',
  describe: 'Watch a folder and de-identify every file dropped into it, moving originals to done/, failed/ or quarantine/',
  builder: (y) =>
    deidOptions(y)
      .positional('inbox', { type: 'string', demandOption: true, describe: 'the folder to watch (recursively)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder (outside the inbox)' })
      .option('profile', { alias: 'p', type: 'string', default: 'basic', describe: 'built-in profile name (anon profile list) or a profile JSON file' })
      .option('layout', {
        type: 'string',
        default: 'hierarchy',
        choices: ['hierarchy', 'mirror'],
        describe: 'hierarchy: patient/study/series/instance by pseudonymised names; mirror: relative paths in the inbox (a later file of the same name replaces the output)',
      })
      .option('done', { type: 'string', describe: 'where originals go once written (default: <inbox>/../done)' })
      .option('failed', { type: 'string', describe: 'where originals that failed go, each with a .error.json (default: <inbox>/../failed)' })
      .option('quarantine', { type: 'string', describe: 'where non-DICOM and other refused files go, each with a .reason.json (default: <inbox>/../quarantine)' })
      .option('state', { type: 'string', describe: 'journal, reports, status.json and lock (default: <inbox>/../.anonflow-watch/<inbox name>)' })
      .option('delete-originals', { type: 'boolean', default: false, describe: 'delete originals once written instead of moving them to done/' })
      .option('settle-ms', { type: 'number', default: 2000, describe: 'a file is read once its size and mtime have not changed for this long' })
      .option('study-quiet', {
        type: 'number',
        describe: 'study grouping (off by default): hold a study until none of its files arrived for this many seconds; one report per study',
      })
      .option('rescan-s', { type: 'number', default: 60, describe: 'walk the inbox this often for files the watcher missed' })
      .option('stats-s', { type: 'number', default: 10, describe: 'print the stats line this often' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only failures' })
      .option('json', { type: 'boolean', default: false, describe: 'print machine-readable events (NDJSON) on stdout' })
      .option('fsync', {
        type: 'boolean',
        default: false,
        describe:
          'durable across power loss: each output is fsynced before its rename, then its folder (and new folders above it), before the original is moved or deleted (slower; the journal is fsynced every second either way)',
      })
      .option('max-queue', {
        type: 'number',
        default: 50_000,
        describe:
          "track at most this many inputs at once; more stay in the inbox until a rescan once the queue halves. Memory: a few hundred bytes per tracked input here, plus chokidar's record of every file and folder in the inbox (not capped: keep the inbox for arrivals, not an archive). With --study-quiet, a study larger than this is reported in more than one batch",
      })
      .option('health-port', {
        type: 'number',
        describe: 'serve GET /health (status.json; 200 when healthy, else 503) and GET /metrics (Prometheus text) on this port (0: any free port, shown in the start event)',
      })
      .option('health-host', {
        type: 'string',
        default: '127.0.0.1',
        describe:
          'address of the health endpoint (default: this machine only; 0.0.0.0 exposes folder paths and the last error, input path included, to the network: file names may hold patient data)',
      })
      .option('unhealthy-after', {
        type: 'number',
        default: 10,
        describe: '/health answers 503 once this many inputs in a row failed (or this many originals cannot be moved); always 503 while starting or stopping',
      }),
  handler: async (args) => {
    if (args.threads !== undefined && (!Number.isInteger(args.threads) || args.threads < 0)) throw new UsageError('--threads takes a whole number ≥ 0');
    for (const k of [
      'settle-ms',
      'rescan-s',
      'stats-s',
      'study-quiet',
      'threads',
      'out',
      'state',
      'done',
      'failed',
      'quarantine',
      'max-queue',
      'health-port',
      'health-host',
      'unhealthy-after',
    ] as const) {
      if (Array.isArray(args[k])) throw new UsageError(`--${k} is given more than once`);
    }
    for (const k of ['settle-ms', 'rescan-s', 'stats-s'] as const) {
      if (!(args[k] >= 0) || (k !== 'settle-ms' && args[k] === 0)) throw new UsageError(`--${k} takes a positive number`);
    }
    if (args['study-quiet'] !== undefined && !(args['study-quiet'] > 0)) throw new UsageError('--study-quiet takes a positive number of seconds');
    const hp = args['health-port'];
    if (hp !== undefined && !(Number.isInteger(hp) && hp >= 0 && hp <= 65535)) throw new UsageError('--health-port takes a port number (0–65535; 0: any free port)');
    for (const k of ['max-queue', 'unhealthy-after'] as const) {
      if (!(Number.isInteger(args[k]) && args[k] >= 1)) throw new UsageError(`--${k} takes a whole number ≥ 1`);
    }
    if (!args['health-host']) throw new UsageError('--health-host takes an address');
    // Profile, secret and pseudonym table are checked here, before any file is touched.
    const setup = setupDeid({ profile: args.profile, options: args.option, secretFile: args['secret-file'], pseudonyms: args.pseudonyms, ocr: ocrOption(args) });
    const mode = args.json ? 'json' : args.quiet ? 'quiet' : 'lines';
    if (mode === 'lines') for (const n of setup.notes) console.error(`anon: ${n}`);
    const daemon = new WatchDaemon({
      inbox: args.inbox,
      out: args.out,
      layout: args.layout as 'hierarchy' | 'mirror',
      worker: {
        deid: setup.spec,
        record: false,
        fsync: args.fsync,
      },
      profileName: setup.profile.name,
      profileOptions: setup.profile.options,
      threads: args.threads,
      state: args.state,
      done: args.done,
      failed: args.failed,
      quarantine: args.quarantine,
      deleteOriginals: args['delete-originals'],
      settleMs: args['settle-ms'],
      studyQuietMs: args['study-quiet'] !== undefined ? args['study-quiet'] * 1000 : undefined,
      rescanMs: args['rescan-s'] * 1000,
      statsMs: args['stats-s'] * 1000,
      maxQueue: args['max-queue'],
      healthPort: hp,
      healthHost: args['health-host'],
      unhealthyAfter: args['unhealthy-after'],
      onEvent: printer(mode, resolve(args.inbox)),
    });
    // Signals: the first finishes the files in flight and exits 0; a second exits at once (the
    // journal makes that safe too).
    let signalled = 0;
    const stopped = new Promise<void>((done) => {
      const onSignal = (sig: NodeJS.Signals): void => {
        if (++signalled > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
        if (mode === 'lines') console.error(`anon watch: ${sig}: finishing the files in flight`);
        // Signals arrive from the event loop, so `started` (assigned synchronously below) is set by then.
        void started
          .then(
            () => daemon.stop(),
            () => {},
          )
          .then(done);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    const started = daemon.start();
    await started;
    await stopped;
    // Everything is flushed and closed by now: exit rather than wait on a stray handle (a
    // watcher's or a timer's) that would keep a stopped daemon's process alive.
    process.exit(process.exitCode ?? 0);
  },
};
