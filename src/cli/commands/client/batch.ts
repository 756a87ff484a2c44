import type { Argv, CommandModule } from 'yargs';
import { IdisApi } from '../../../client/api.js';
import { deleteBatch, readBatch, requireBatch, writeBatch, type Batch } from '../../../client/batch.js';
import { ClientError } from '../../../client/errors.js';
import { parseJobIds } from '../../../client/ranges.js';
import { activeServer } from '../../../client/settings.js';
import { confirm, ctx, guarded, jobTable, yesOption, type Ctx } from './common.js';
import { perJob } from './job.js';

/** The batch's server, with the user's credentials. */
const batchApi = (c: Ctx, b: Batch): IdisApi => IdisApi.fromSettings(c.settings, b.server);

const ids = (y: Argv) => y.positional('job_ids', { type: 'string', array: true, demandOption: true, describe: 'job ids and ranges: 20-35 or 1,2,5' });

export const batchCommand: CommandModule = {
  command: 'batch <command>',
  describe: 'A batch of jobs on one server, kept in .anonbatch in the current folder',
  builder: (y: Argv) =>
    y
      .command({
        command: 'init',
        describe: 'Start a batch in the current folder, on the active server',
        handler: guarded(() => {
          const c = ctx();
          if (readBatch(c.cwd)) throw new ClientError(`there is already a batch in ${c.cwd}`);
          const server = activeServer(c.settings);
          writeBatch(c.cwd, { job_ids: [], server });
          console.log(`batch started in ${c.cwd} for server ${server.name} (${server.url})`);
        }),
      })
      .command({
        command: 'info',
        describe: 'Show the batch: server and job ids',
        handler: guarded(() => {
          const b = requireBatch(ctx().cwd);
          console.log(`server: ${b.server.name} (${b.server.url})`);
          console.log(`jobs (${b.job_ids.length}): ${b.job_ids.join(',')}`);
        }),
      })
      .command({
        command: 'add <job_ids..>',
        describe: 'Add jobs to the batch',
        builder: ids,
        handler: guarded((a: { job_ids: string[] }) => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const add = parseJobIds(a.job_ids);
          const before = b.job_ids.length;
          b.job_ids = [...new Set([...b.job_ids, ...add])];
          writeBatch(c.cwd, b);
          console.log(`added ${b.job_ids.length - before} job(s); the batch has ${b.job_ids.length}`);
        }),
      })
      .command({
        command: 'remove <job_ids..>',
        describe: 'Remove jobs from the batch',
        builder: ids,
        handler: guarded((a: { job_ids: string[] }) => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const drop = new Set(parseJobIds(a.job_ids));
          const before = b.job_ids.length;
          b.job_ids = b.job_ids.filter((id) => !drop.has(id));
          writeBatch(c.cwd, b);
          console.log(`removed ${before - b.job_ids.length} job(s); the batch has ${b.job_ids.length}`);
        }),
      })
      .command({
        command: 'delete',
        describe: 'Delete the batch file (the jobs stay on the server)',
        builder: (b: Argv) => b.option('yes', yesOption),
        handler: guarded(async (a: { yes?: boolean }) => {
          const c = ctx();
          requireBatch(c.cwd);
          if (!(await confirm(`delete the batch in ${c.cwd}?`, a.yes))) return;
          deleteBatch(c.cwd);
          console.log('batch deleted');
        }),
      })
      .command({
        command: 'status',
        describe: 'Status of every job in the batch, with a summary',
        builder: (b: Argv) => b.option('patient-name', { type: 'boolean', describe: 'add the pseudo ID of each job' }),
        handler: guarded(async (a: { 'patient-name'?: boolean }) => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const api = batchApi(c, b);
          const jobs = await api.jobsList(b.job_ids, a['patient-name']);
          const extra = a['patient-name'] ? [{ head: 'anon_name', get: (j: Record<string, unknown>) => j.source_anonymizedpatientid }] : [];
          if (jobs.length) console.log(jobTable(jobs, extra));
          const counts = new Map<string, number>();
          for (const j of jobs) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
          const missing = b.job_ids.length - jobs.length;
          console.log(`\nstatus of ${b.job_ids.length} job(s) on ${b.server.name}:`);
          for (const [s, n] of [...counts].sort()) console.log(`${s.padEnd(10)} ${n}`);
          if (missing > 0) console.log(`${'NOT_FOUND'.padEnd(10)} ${missing}`);
        }),
      })
      .command({
        command: 'cancel',
        describe: 'Cancel every job in the batch',
        builder: (b: Argv) => b.option('yes', yesOption),
        handler: guarded(async (a: { yes?: boolean }) => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const api = batchApi(c, b);
          if (!(await confirm(`cancel all ${b.job_ids.length} job(s) in the batch?`, a.yes))) return;
          await perJob(api, b.job_ids, 'cancelled', (id) => api.cancel(id));
        }),
      })
      .command({
        command: 'cancel-active',
        describe: 'Cancel the jobs in the batch that are ACTIVE',
        builder: (b: Argv) => b.option('yes', yesOption),
        handler: guarded(async (a: { yes?: boolean }) => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const api = batchApi(c, b);
          const active = (await api.jobsList(b.job_ids)).filter((j) => j.status === 'ACTIVE').map((j) => String(j.job_id));
          if (active.length === 0) {
            console.log('no active jobs in the batch');
            return;
          }
          if (!(await confirm(`cancel ${active.length} active job(s)?`, a.yes))) return;
          await perJob(api, active, 'cancelled', (id) => api.cancel(id));
        }),
      })
      .command({
        command: 'reset',
        describe: 'Reset every job in the batch',
        builder: (b: Argv) => b.option('yes', yesOption),
        handler: guarded(async (a: { yes?: boolean }) => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const api = batchApi(c, b);
          if (!(await confirm(`reset all ${b.job_ids.length} job(s) in the batch?`, a.yes))) return;
          await perJob(api, b.job_ids, 'reset', (id) => api.reset(id));
        }),
      })
      .command({
        command: 'reset-error',
        describe: 'Reset the jobs in the batch that are in ERROR',
        builder: (b: Argv) => b.option('yes', yesOption),
        handler: guarded(async (a: { yes?: boolean }) => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const api = batchApi(c, b);
          const err = (await api.jobsList(b.job_ids)).filter((j) => j.status === 'ERROR').map((j) => String(j.job_id));
          if (err.length === 0) {
            console.log('no jobs in ERROR in the batch');
            return;
          }
          if (!(await confirm(`reset ${err.length} job(s) in ERROR?`, a.yes))) return;
          await perJob(api, err, 'reset', (id) => api.reset(id));
        }),
      })
      .command({
        command: 'show-error',
        describe: 'The error messages of the jobs in ERROR',
        handler: guarded(async () => {
          const c = ctx();
          const b = requireBatch(c.cwd);
          const err = (await batchApi(c, b).jobsList(b.job_ids)).filter((j) => j.status === 'ERROR');
          err.sort((x, y) => Number(x.job_id) - Number(y.job_id));
          if (err.length === 0) console.log('no jobs in ERROR in the batch');
          for (const j of err) console.log(`${j.job_id}: ${j.error ?? ''}`);
        }),
      })
      .demandCommand(1, 'Name a batch command.'),
  handler: () => undefined,
};
