import type { Argv } from 'yargs';

/** The options every de-identifying command shares (anon run, anon watch). */
export function deidOptions<T>(y: Argv<T>) {
  return y
    .option('option', { type: 'string', array: true, default: [] as string[], describe: 'a PS3.15 E.3 option to add, e.g. retainLongModifiedDates (repeatable)' })
    .option('threads', { alias: 'j', type: 'number', describe: 'worker threads (default: the number of cores; 0: no workers)' })
    .option('secret-file', { type: 'string', describe: 'the project secret keying pseudonyms (else ANON_SECRET, else a per-user secret)' })
    .option('pseudonyms', { type: 'string', describe: 'CSV mapping original Patient IDs to pseudo IDs and names (anonapi mapping format)' });
}
