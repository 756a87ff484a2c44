import type { Argv, CommandModule } from 'yargs';
import { readBatch, writeBatch, type Batch } from '../../../client/batch.js';
import { ClientError } from '../../../client/errors.js';
import { jobParams, mappingPath, readMapping } from '../../../client/mapping.js';
import { activeServer } from '../../../client/settings.js';
import { api, confirm, ctx, guarded, yesOption } from './common.js';

export const createCommand: CommandModule = {
  command: 'create <command>',
  describe: 'Create jobs',
  builder: (y: Argv) =>
    y
      .command({
        command: 'from-mapping',
        describe: 'One job per row of anon_mapping.csv on the active server; the job ids go into .anonbatch',
        builder: (b: Argv) =>
          b.option('dry-run', { type: 'boolean', default: false, describe: 'show the jobs, create nothing' }).option('yes', yesOption),
        handler: guarded(async (a: { 'dry-run': boolean; yes?: boolean }) => {
          const c = ctx();
          const m = readMapping(mappingPath(c.cwd));
          if (m.rows.length === 0) throw new ClientError('the mapping has no rows: add some with anon map add-study-folders / add-accession-numbers / add-selection-file');
          const all = m.rows.map((r) => ({ row: r, params: jobParams(r, m) })); // every row checked before any job is made
          if (a['dry-run']) {
            for (const { params } of all) console.log(JSON.stringify(params));
            console.log(`dry run: would create ${all.length} job(s)`);
            return;
          }
          const server = activeServer(c.settings);
          let batch: Batch | undefined = readBatch(c.cwd);
          if (batch && batch.server.url !== server.url) {
            throw new ClientError(`the batch in ${c.cwd} is for ${batch.server.name} (${batch.server.url}), the active server is ${server.name} (${server.url})`);
          }
          if (!(await confirm(`create ${all.length} job(s) on ${server.name}?`, a.yes))) return;
          batch ??= { job_ids: [], server };
          const client = api(c);
          const made: string[] = [];
          try {
            for (const { row, params } of all) {
              const job = await client.createJob(params);
              const id = String(job.job_id);
              made.push(id);
              batch.job_ids.push(id);
              writeBatch(c.cwd, batch); // after each, so a later failure loses nothing
              console.log(`created job ${id} for ${row.source}`);
            }
          } catch (e) {
            if (e instanceof ClientError) {
              throw new ClientError(`stopped after ${made.length} of ${all.length} job(s) (created: ${made.join(',') || 'none'}): ${e.message}`);
            }
            throw e;
          }
          console.log(`created ${made.length} job(s) on ${server.name}; the batch in ${c.cwd} has ${batch.job_ids.length}`);
        }) as never,
      })
      .demandCommand(1, 'Name a create command.'),
  handler: () => undefined,
};
