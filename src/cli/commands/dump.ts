import type { CommandModule } from 'yargs';
import { dumpJson, dumpText } from '../../dicom/dump.js';
import { closeDicom, openDicom } from '../../dicom/file.js';

interface DumpArgs {
  file: string;
  json: boolean;
  meta?: boolean;
}

/** The dump of one file: dcmdump-style text, or the DICOM JSON model as indented JSON. */
export async function dumpFile(path: string, opts: { json?: boolean; meta?: boolean } = {}): Promise<string> {
  const f = await openDicom(path);
  try {
    return opts.json ? `${JSON.stringify(dumpJson(f, { meta: opts.meta === true }), null, 2)}\n` : dumpText(f, { meta: opts.meta !== false });
  } finally {
    closeDicom(f);
  }
}

/**
 * `anon dump <file>` writing to `write` (stdout by default). Errors, DicomError included, are
 * thrown to the CLI edge, which prints them and sets the exit code.
 */
export function makeDumpCommand(write: (text: string) => void = (text) => void process.stdout.write(text)): CommandModule<object, DumpArgs> {
  return {
    command: 'dump <file>',
    describe: 'Print a DICOM file: dcmdump-style text, or the DICOM JSON model (PS3.18 F.2) with --json',
    builder: (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'DICOM file to read' })
        .option('json', { type: 'boolean', default: false, describe: 'print the DICOM JSON model instead of text' })
        .option('meta', {
          type: 'boolean',
          describe: 'include the file meta group (text: on unless --no-meta; JSON: off unless --meta)',
        }),
    handler: async (args) => {
      write(await dumpFile(args.file, { json: args.json, meta: args.meta }));
    },
  };
}

export const dumpCommand: CommandModule<object, DumpArgs> = makeDumpCommand();
