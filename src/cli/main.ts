import { VERSION } from '../version.js';
import yargs from 'yargs';
import { DicomError } from '../dicom/errors.js';
import { UsageError } from '../run/run.js';
import { benchCommand } from './commands/bench.js';
import { dumpCommand } from './commands/dump.js';
import { profileCommand } from './commands/profile.js';
import { previewCommand } from './commands/preview.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { verifyCommand } from './commands/verify.js';
import { watchCommand } from './commands/watch.js';
import { batchCommand } from './commands/client/batch.js';
import { createCommand } from './commands/client/create.js';
import { jobCommand } from './commands/client/job.js';
import { mapCommand } from './commands/client/map.js';
import { selectCommand } from './commands/client/select.js';
import { serverCommand } from './commands/client/server.js';
import { settingsCommand } from './commands/client/settings.js';


/** The CLI edge: the only place that prints errors and sets exit codes. */
export async function main(argv: string[]): Promise<void> {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const cli = yargs(argv)
    .scriptName('anon')
    .usage('$0 <command> [options]\n\nDe-identify DICOM files (PS3.15 Annex E).')
    .command(runCommand)
    .command(previewCommand)
    .command(serveCommand)
    .command(dumpCommand)
    .command(profileCommand)
    .command(benchCommand)
    .command(verifyCommand)
    .command(watchCommand)
    .command(serverCommand)
    .command(jobCommand)
    .command(batchCommand)
    .command(mapCommand)
    .command(selectCommand)
    .command(createCommand)
    .command(settingsCommand)
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
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`anon: ${e.message}`);
      process.exit(2);
    }
    if (e instanceof DicomError) {
      const where = [e.file, e.path, e.offset !== undefined ? `offset ${e.offset}` : ''].filter(Boolean).join(', ');
      console.error(`anon: ${e.code}: ${e.message}${where ? ` (${where})` : ''}`);
      process.exit(1);
    }
    throw e;
  }
}
