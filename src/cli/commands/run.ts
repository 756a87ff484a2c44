import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { run, UsageError, type FileOutcome } from '../../run/run.js';

interface RunArgs {
  inputs: string[];
  out: string;
  profile: string;
  layout: string;
  'report-dir'?: string;
  quiet: boolean;
  json: boolean;
}

const line = (o: FileOutcome): string => {
  switch (o.status) {
    case 'written': return `written  ${o.path} -> ${o.output}`;
    case 'skipped': return `skipped  ${o.path}: ${o.reason}`;
    case 'failed': return `failed   ${o.path}: ${o.error.code}: ${o.error.message}${o.error.path ? ` at ${o.error.path}` : ''}`;
  }
};

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <inputs..>',
  describe: 'De-identify DICOM files and folders (recursively) into an output folder',
  builder: (y) =>
    y
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'files or folders to read' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder (must not be inside an input)' })
      .option('profile', { type: 'string', default: 'identity', describe: 'profile name (identity: rewrite unchanged)' })
      .option('layout', { type: 'string', default: 'mirror', choices: ['mirror'], describe: 'mirror: keep the inputs\' relative paths' })
      .option('report-dir', { type: 'string', describe: 'where the JSON run report goes (default ./anon-runs/<run-id>/)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print nothing but errors' })
      .option('json', { type: 'boolean', default: false, describe: 'print the run report as JSON at the end' }) as never,
  handler: async (args) => {
    if (args.profile !== 'identity') {
      // The PS3.15 profiles are the profile issue's work; refuse rather than pretend to de-identify.
      throw new UsageError(`profile '${args.profile}' is not available: this build ships only 'identity'`);
    }
    const report = await run({
      inputs: args.inputs,
      out: args.out,
      profile: 'identity',
      layout: 'mirror',
      onFile: args.quiet || args.json ? undefined : (o) => console.log(line(o)),
    });
    const dir = resolve(args['report-dir'] ?? join('anon-runs', report.id));
    mkdirSync(dir, { recursive: true });
    const reportPath = join(dir, 'report.json');
    writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else if (!args.quiet) {
      console.log(
        `${report.status}: ${report.anonymized_files.length} written, ${report.skipped.length} skipped, ` +
          `${report.failures.length} failed, ${report.quarantined.length} quarantined in ${report.duration_seconds}s; report: ${reportPath}`,
      );
    }
    if (report.failures.length || report.quarantined.length) process.exitCode = 1;
  },
};
