import type { Argv, CommandModule } from 'yargs';
import type { IdisApi } from '../../../client/api.js';
import { ClientError } from '../../../client/errors.js';
import { parseJobIds } from '../../../client/ranges.js';
import { api, confirm, ctx, guarded, jobInfo, jobTable, yesOption } from './common.js';

interface IdsArgs {
  job_ids: string[];
  yes?: boolean;
}

/** One call per job; every failure reported, exit 1 if any failed. */
export async function perJob(a: IdisApi, ids: string[], what: string, f: (id: string) => Promise<unknown>): Promise<void> {
  let failed = 0;
  for (const id of ids) {
    try {
      await f(id);
      console.log(`${what} job ${id}`);
    } catch (e) {
      if (!(e instanceof ClientError)) throw e;
      failed++;
      console.error(`anon: job ${id}: ${e.message}`);
    }
  }
  if (failed > 0) throw new ClientError(`${failed} of ${ids.length} job(s) failed on ${a.server.name}`);
}

const ids = (y: Argv) => y.positional('job_ids', { type: 'string', array: true, demandOption: true, describe: 'job ids and ranges: 1,2,5-9 or 3 5-7' });

export const jobCommand: CommandModule = {
  command: 'job <command>',
  describe: 'Jobs on the active server (ids and ranges: 1,2,5-9 or 3 5-7)',
  builder: (y: Argv) =>
    y
      .command({
        command: 'info <job_ids..>',
        describe: 'Everything about some jobs',
        builder: ids,
        handler: guarded(async (args: IdsArgs) => {
          const a = api(ctx());
          const list = parseJobIds(args.job_ids);
          for (const [i, id] of list.entries()) {
            const j = await a.job(id);
            if (i > 0) console.log('');
            console.log(jobInfo(j));
          }
        }),
      })
      .command({
        command: 'list <job_ids..>',
        describe: 'Status of some jobs, one line each',
        builder: ids,
        handler: guarded(async (args: IdsArgs) => {
          const a = api(ctx());
          const list = parseJobIds(args.job_ids);
          const jobs = await a.jobsList(list);
          console.log(jobTable(jobs));
          if (jobs.length < list.length) console.log(`${list.length - jobs.length} job(s) not found`);
        }),
      })
      .command({
        command: 'cancel <job_ids..>',
        describe: 'Set jobs to INACTIVE',
        builder: (b: Argv) => ids(b).option('yes', yesOption),
        handler: guarded(async (args: IdsArgs) => {
          const a = api(ctx());
          const list = parseJobIds(args.job_ids);
          if (!(await confirm(`cancel ${list.length} job(s) on ${a.server.name}?`, args.yes))) return;
          await perJob(a, list, 'cancelled', (id) => a.cancel(id));
        }),
      })
      .command({
        command: 'reset <job_ids..>',
        describe: 'Reset jobs: status ACTIVE, counters 0, error cleared, so they run again',
        builder: (b: Argv) => ids(b).option('yes', yesOption),
        handler: guarded(async (args: IdsArgs) => {
          const a = api(ctx());
          const list = parseJobIds(args.job_ids);
          if (!(await confirm(`reset ${list.length} job(s) on ${a.server.name}?`, args.yes))) return;
          await perJob(a, list, 'reset', (id) => a.reset(id));
        }),
      })
      .command({
        command: 'set-opt-out-ignore <job_ids> <reason>',
        describe: 'Let jobs run although the patient opted out (give the reason, e.g. specific consent)',
        builder: (b: Argv) =>
          b
            .positional('job_ids', { type: 'string', demandOption: true, describe: 'job ids and ranges: 1,2,5-9' })
            .positional('reason', { type: 'string', demandOption: true })
            .option('yes', yesOption),
        handler: guarded(async (args: { job_ids: string; reason: string; yes?: boolean }) => {
          const a = api(ctx());
          const list = parseJobIds([args.job_ids]);
          if (String(args.reason).trim() === '') throw new ClientError('give a reason');
          if (!(await confirm(`ignore opt-out for ${list.length} job(s) on ${a.server.name}, reason "${args.reason}"?`, args.yes))) return;
          await perJob(a, list, 'opt-out ignored for', (id) => a.setOptOutIgnore(id, String(args.reason)));
        }),
      })
      .demandCommand(1, 'Name a job command.'),
  handler: () => undefined,
};
