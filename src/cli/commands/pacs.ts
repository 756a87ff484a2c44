// anon pacs echo|find: checks a DICOMweb connection and searches its studies by patient ID,
// accession number or date range (QIDO-RS), printing a table or JSON.

import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { echo, searchStudies, type StudyQuery } from '../../pacs/index.js';
import { runConnection } from '../../run/pacs-run.js';

interface PacsArgs {
  url: string;
  'patient-id'?: string;
  accession?: string;
  study?: string;
  date?: string;
  limit?: number;
  json?: boolean;
  timeout?: number;
}

const conn = (a: PacsArgs) => {
  const c = runConnection('pacs', a.url, process.env.ANON_PACS_TOKEN || undefined);
  return a.timeout !== undefined ? { ...c, timeoutMs: a.timeout } : c;
};

const urlArg = (y: Argv) =>
  y
    .positional('url', { type: 'string', demandOption: true, describe: 'DICOMweb root (user:password@ for basic auth; ANON_PACS_TOKEN in the environment: bearer)' })
    .option('timeout', { type: 'number', describe: 'ms without an answer before giving up (default 30000)' });

export const pacsCommand: CommandModule = {
  command: 'pacs <command>',
  describe: 'Check a DICOMweb PACS connection and search its studies',
  builder: (y: Argv) =>
    y
      .command({
        command: 'echo <url>',
        describe: 'Check that the PACS answers a search (QIDO-RS)',
        builder: (b: Argv) => urlArg(b),
        handler: async (a: PacsArgs) => {
          const c = conn(a);
          const ms = await echo(c);
          console.log(`${c.url}: answered in ${ms} ms`);
        },
      })
      .command({
        command: 'find <url>',
        describe: 'Search studies by patient ID, accession number, StudyInstanceUID or date range',
        builder: (b: Argv) =>
          urlArg(b)
            .option('patient-id', { type: 'string', describe: 'Patient ID' })
            .option('accession', { type: 'string', describe: 'accession number' })
            .option('study', { type: 'string', describe: 'StudyInstanceUID' })
            .option('date', { type: 'string', describe: 'study date YYYYMMDD or range YYYYMMDD-YYYYMMDD (either end open)' })
            .option('limit', { type: 'number', describe: 'at most this many studies' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        handler: async (a: PacsArgs) => {
          if (a.date !== undefined && !/^(\d{8})?-?(\d{8})?$/.test(a.date)) throw new UsageError('--date takes YYYYMMDD, YYYYMMDD-YYYYMMDD, -YYYYMMDD or YYYYMMDD-');
          const q: StudyQuery = { patientId: a['patient-id'], accession: a.accession, studyUid: a.study, date: a.date, limit: a.limit };
          for (const k of Object.keys(q) as (keyof StudyQuery)[]) if (q[k] === undefined) delete q[k];
          const found = await searchStudies(conn(a), q);
          if (a.json) {
            console.log(JSON.stringify(found, null, 2));
            return;
          }
          for (const s of found) {
            console.log([s.studyUid, s.accession ?? '', s.patientId ?? '', s.date ?? '', s.instances ?? '', s.description ?? ''].join('\t'));
          }
          console.error(`${found.length} study(ies)`);
        },
      })
      .demandCommand(1, 'Name a pacs command: echo or find.'),
  handler: () => {},
};
