import type { Argv } from 'yargs';

/** The options every de-identifying command shares (anon run, anon watch). */
export function deidOptions<T>(y: Argv<T>) {
  return y
    .option('option', { type: 'string', array: true, default: [] as string[], describe: 'a PS3.15 E.3 option to add, e.g. retainLongModifiedDates (repeatable)' })
    .option('threads', {
      alias: 'j',
      type: 'number',
      describe: 'threads processing files (default: the number of cores; 0: no workers, all on the main thread; anon run counts its main thread as one)',
    })
    .option('secret-file', { type: 'string', describe: 'the project secret keying pseudonyms (else ANON_SECRET, else a per-user secret)' })
    .option('pseudonyms', { type: 'string', describe: 'CSV mapping original Patient IDs to pseudo IDs and names (anonapi mapping format)' })
    .option('ocr', {
      type: 'boolean',
      default: false,
      describe:
        'find burned-in text with OCR in the images that may carry it, mask it, and write them only when a second OCR pass reads nothing left (profile pixels.detect "ocr")',
    })
    .option('ocr-policy', { type: 'string', choices: ['all', 'identifiers'], describe: 'with --ocr: mask all text (default) or only the text the identifier detectors flag' });
}

/** The setup's OCR option from the shared flags (undefined: as the profile says). */
export function ocrOption(args: { ocr?: boolean; 'ocr-policy'?: string }): { policy?: 'all' | 'identifiers' } | undefined {
  if (!args.ocr && args['ocr-policy'] === undefined) return undefined;
  return args['ocr-policy'] ? { policy: args['ocr-policy'] as 'all' | 'identifiers' } : {};
}
