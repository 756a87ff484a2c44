import type { Argv, CommandModule } from 'yargs';
import { readBatch, writeBatch, type Batch } from '../../../client/batch.js';
import { ClientError } from '../../../client/errors.js';
import { jobParams, readMapping, type MappingRow } from '../../../client/mapping.js';
import { activeServer, jobDefaults, saveSettings } from '../../../client/settings.js';
import { api, ask, confirm, ctx, guarded, mappingFile, yesOption } from './common.js';

/** The job defaults anonapi keeps (create set-defaults / show-defaults), with their prompts. */
const DEFAULTS = [
  { key: 'project', flag: 'project', label: 'default IDIS project name' },
  { key: 'destination_path', flag: 'destination-path', label: 'default job destination directory' },
] as const;

/**
 * A --filter pattern against a row's source ("<type>:<value>"): `*` any characters, `?` one;
 * a pattern without wildcards matches when the source contains it. Case-sensitive, like paths on the share.
 */
export function sourceMatches(pattern: string, source: string): boolean {
  if (!/[*?]/.test(pattern)) return source.includes(pattern);
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return re.test(source);
}

export const createCommand: CommandModule = {
  command: 'create <command>',
  describe: 'Create jobs',
  builder: (y: Argv) =>
    y
      .command({
        command: 'from-mapping',
        describe: 'One job per row of the active mapping on the active server; the job ids go into .anonbatch in the current folder',
        builder: (b: Argv) =>
          b
            .option('dry-run', { type: 'boolean', default: false, describe: 'show the jobs, create nothing' })
            .option('filter', {
              type: 'string',
              array: true,
              describe: 'only the rows whose source matches (repeatable; * and ? wildcards, else a substring), e.g. --filter "accession_number:*"',
            })
            .option('yes', yesOption),
        handler: guarded(async (a: { 'dry-run': boolean; filter?: string[]; yes?: boolean }) => {
          const c = ctx();
          const file = mappingFile(c);
          const m = readMapping(file);
          if (m.rows.length === 0) throw new ClientError('the mapping has no rows: add some with anon map add-study-folders / add-accession-numbers / add-selection-file');
          let rows: MappingRow[] = m.rows;
          const filters = (a.filter ?? []).map(String).filter((f) => f !== '');
          if (filters.length) {
            rows = rows.filter((r) => filters.some((f) => sourceMatches(f, r.source)));
            if (rows.length === 0) throw new ClientError(`no row of ${file} matches --filter ${filters.join(' ')} (${m.rows.length} row(s))`);
            console.log(`--filter: ${rows.length} of ${m.rows.length} row(s)`);
          }
          const defaults = jobDefaults(c.settings);
          const all = rows.map((r) => ({ row: r, params: jobParams(r, m, defaults) })); // every row checked before any job is made
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
          const projects = [...new Set(all.map((x) => String(x.params.project_name)))];
          const destinations = [...new Set(all.map((x) => String(x.params.destination_path)))];
          const q = `create ${all.length} job(s) on ${server.name} for project(s) ${projects.join(', ')}, writing to ${destinations.join(', ')}?`;
          if (!(await confirm(q, a.yes))) return;
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
        }),
      })
      .command({
        command: 'set-defaults',
        describe: 'Set the default project and destination path (used by map init, and by create when the mapping has none); asks on stdin unless given as options',
        builder: (b: Argv) =>
          b
            .option('project', { type: 'string', describe: 'default IDIS project (anonymisation profile)' })
            .option('destination-path', { type: 'string', describe: 'default UNC output path (\\\\server\\share\\...)' }),
        handler: guarded(async (a: { project?: string; 'destination-path'?: string }) => {
          const c = ctx();
          const current = jobDefaults(c.settings);
          const values: Record<string, string> = {};
          if (a.project === undefined && a['destination-path'] === undefined) {
            console.error('Set the defaults; the current value is shown in [brackets]. Enter without input keeps it.');
            const answers = await ask(DEFAULTS.map((d) => `${d.label} [${current[d.key] ?? ''}]: `));
            DEFAULTS.forEach((d, i) => {
              if (answers[i].trim() !== '') values[d.key] = answers[i].trim();
            });
          } else {
            for (const d of DEFAULTS) {
              const v = a[d.flag];
              if (v !== undefined) {
                if (String(v).trim() === '') throw new ClientError(`--${d.flag} is empty`);
                values[d.key] = String(v).trim();
              }
            }
          }
          const merged = { ...current, ...values };
          const order = [...DEFAULTS.map((d) => d.key as string), ...Object.keys(merged).filter((k) => !DEFAULTS.some((d) => d.key === k))];
          c.settings.job_default_parameters = order.filter((k) => merged[k] !== undefined).map((k) => `${k},${merged[k]}`);
          saveSettings(c.settings, c.settingsFile);
          for (const d of DEFAULTS) console.log(`${d.label}: ${merged[d.key] ?? ''}`);
          console.log('Saved');
        }),
      })
      .command({
        command: 'show-defaults',
        describe: 'Show the default project and destination path',
        handler: guarded(() => {
          const c = ctx();
          const d = jobDefaults(c.settings);
          for (const x of DEFAULTS) console.log(`${x.label}: ${d[x.key] ?? ''}`);
          for (const [k, v] of Object.entries(d)) if (!DEFAULTS.some((x) => x.key === k)) console.log(`default ${k}: ${v}`);
        }),
      })
      .demandCommand(1, 'Name a create command.'),
  handler: () => undefined,
};
