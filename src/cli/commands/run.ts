import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { exportMidiB } from '../../pseudo/mapping.js';
import { PseudoError } from '../../pseudo/errors.js';
import { run, UsageError, type FileOutcome } from '../../run/run.js';
import { setupDeid } from '../../run/setup.js';

interface RunArgs {
  inputs: string[];
  out: string;
  profile: string;
  option: string[];
  layout: string;
  'secret-file'?: string;
  pseudonyms?: string;
  'export-mapping'?: string;
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
      .option('profile', { alias: 'p', type: 'string', default: 'basic', describe: 'built-in profile name (anon profile list) or a profile JSON file' })
      .option('option', { type: 'string', array: true, default: [], describe: 'a PS3.15 E.3 option to add, e.g. retainLongModifiedDates (repeatable)' })
      .option('layout', { type: 'string', default: 'hierarchy', choices: ['hierarchy', 'mirror'], describe: 'hierarchy: patient/study/series/instance by pseudonymised names; mirror: the inputs\' relative paths' })
      .option('secret-file', { type: 'string', describe: 'the project secret keying pseudonyms (else ANON_SECRET, else a per-user secret)' })
      .option('pseudonyms', { type: 'string', describe: 'CSV mapping original Patient IDs to pseudo IDs and names (anonapi mapping format)' })
      .option('export-mapping', { type: 'string', describe: 'folder for uid_mapping.csv and patid_mapping.csv (MIDI-B, mode 0600), outside --out' })
      .option('report-dir', { type: 'string', describe: 'where the JSON run report goes (default ./anon-runs/<run-id>/)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print nothing but errors' })
      .option('json', { type: 'boolean', default: false, describe: 'print the run report as JSON at the end' }) as never,
  handler: async (args) => {
    const out = resolve(args.out);
    const mappingDir = args['export-mapping'] ? resolve(args['export-mapping']) : undefined;
    const setup = setupDeid({ profile: args.profile, options: args.option, secretFile: args['secret-file'], pseudonyms: args.pseudonyms, record: mappingDir !== undefined });
    if (!args.quiet && !args.json) for (const n of setup.notes) console.error(`anon: ${n}`);
    const report = await run({
      inputs: args.inputs,
      out,
      profileName: setup.profile.name,
      env: setup.env,
      layout: args.layout as 'hierarchy' | 'mirror',
      reportOptions: { deidentification_options: setup.profile.options },
      onFile: args.quiet || args.json ? undefined : (o) => console.log(line(o)),
    });
    if (mappingDir && setup.recorder) {
      try {
        exportMidiB(setup.recorder, mappingDir, { forbiddenRoots: [out] });
      } catch (e) {
        if (e instanceof PseudoError) throw new UsageError(e.message);
        throw e;
      }
    }
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
