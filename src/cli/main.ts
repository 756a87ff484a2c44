import { VERSION } from '../version.js';
import { AnonError, UsageError } from '../errors.js';
import type { Argv, CommandModule } from 'yargs';
import { prestartRun } from './prestart.js';
import { COMMAND_HELP } from './command-help.js';
import { releasePrestartedPool } from '../pool/pool.js';

/** Adds one command; the closure keeps each module's own argument type (a list of modules could not). */
type AddCommand = (y: Argv) => Argv;
function add<U>(m: CommandModule<object, U>): AddCommand {
  return (y) => y.command(m);
}

/**
 * Each command's module, loaded on demand: `anon run` need not load the server, the pixel
 * codecs or the client (hundreds of milliseconds at every start, in every worker of a run).
 */
export const COMMANDS: Record<string, () => Promise<AddCommand>> = {
  run: async () => add((await import('./commands/run.js')).runCommand),
  preview: async () => add((await import('./commands/preview.js')).previewCommand),
  serve: async () => add((await import('./commands/serve.js')).serveCommand),
  dump: async () => add((await import('./commands/dump.js')).dumpCommand),
  profile: async () => add((await import('./commands/profile.js')).profileCommand),
  bench: async () => add((await import('./commands/bench.js')).benchCommand),
  verify: async () => add((await import('./commands/verify.js')).verifyCommand),
  watch: async () => add((await import('./commands/watch.js')).watchCommand),
  review: async () => add((await import('./commands/review.js')).reviewCommand),
  worker: async () => add((await import('./commands/worker.js')).workerCommand),
  server: async () => add((await import('./commands/client/server.js')).serverCommand),
  job: async () => add((await import('./commands/client/job.js')).jobCommand),
  batch: async () => add((await import('./commands/client/batch.js')).batchCommand),
  map: async () => add((await import('./commands/client/map.js')).mapCommand),
  select: async () => add((await import('./commands/client/select.js')).selectCommand),
  create: async () => add((await import('./commands/client/create.js')).createCommand),
  settings: async () => add((await import('./commands/client/settings.js')).settingsCommand),
  status: async () => add((await import('./commands/client/status.js')).statusCommand),
  pacs: async () => add((await import('./commands/pacs.js')).pacsCommand),
};

/**
 * yargs renders the invoked command's whole help text as soon as its handler starts (tens of ms
 * of string widths at every start of `anon run`), to show it should the handler fail; our fail
 * handler rethrows handler errors and renders help itself for usage errors, so that cache is not wanted.
 */
function skipHelpCache(cli: Argv): void {
  const internal = (cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** The CLI edge: the only place that prints errors and sets exit codes. */
export async function main(argv: string[]): Promise<void> {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // `anon --version` alone: what yargs would print, without loading yargs (most of its start)
  if (argv.length === 1 && argv[0] === '--version') {
    console.log(VERSION);
    return;
  }
  // A plain `anon run`'s workers start loading the engine now, while this thread loads the CLI.
  await prestartRun(argv);
  // Only the invoked command is loaded; none for --version alone; for --help, no command or a
  // name yargs must reject, every command's usage line and description, not its module.
  const invoked = argv.find((a) => !a.startsWith('-'));
  const versionOnly = invoked === undefined && argv.includes('--version') && !argv.some((a) => a === '--help' || a === '-h');
  const adders: AddCommand[] =
    invoked !== undefined && invoked in COMMANDS
      ? [await COMMANDS[invoked]()]
      : versionOnly
        ? []
        : Object.values(COMMAND_HELP).map(
            ([command, describe]) =>
              (y: Argv) =>
                y.command(command, describe),
          );
  // yargs after prestartRun: the pool's workers start before this thread spends its time loading yargs
  const { default: yargs } = await import('yargs');
  const base = yargs(argv).scriptName('anon').usage('$0 <command> [options]\n\nDe-identify DICOM files (PS3.15 Annex E).');
  const cli = adders
    .reduce((y, addTo) => addTo(y), base)
    .demandCommand(1, 'Name a command.')
    .strict()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err, y) => {
      if (err) throw err;
      console.error(`${y.help()}\n\n${msg}`);
      process.exit(2);
    });
  skipHelpCache(cli);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`anon: ${e.message}`);
      process.exit(2);
    }
    // any coded error (a file's, a PACS's, a report that cannot be written): its code and place, no stack
    if (e instanceof AnonError) {
      const where = [e.file, e.path, e.offset !== undefined ? `offset ${e.offset}` : ''].filter(Boolean).join(', ');
      console.error(`anon: ${e.code}: ${e.message}${where ? ` (${where})` : ''}`);
      process.exit(1);
    }
    throw e;
  } finally {
    await releasePrestartedPool();
  }
}
