import type { CommandModule } from 'yargs';
import { dumpJson, dumpText } from '../../dicom/dump.js';
import { closeDicom, openDicom } from '../../dicom/file.js';

interface DumpArgs {
  file: string;
  json: boolean;
  meta?: boolean;
}

/**
 * `anon dump <file>`: the file as dcmdump-style text, or (--json) as the DICOM JSON model. Errors
 * (DicomError included) are thrown to the CLI edge, which prints them and sets the exit code.
 */
export const dumpCommand: CommandModule<object, DumpArgs> = {
  command: 'dump <file>',
  describe: 'Print a DICOM file: dcmdump-style text, or the DICOM JSON model (PS3.18 F.2) with --json',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'DICOM file to read' })
      .option('json', { type: 'boolean', default: false, describe: 'print the DICOM JSON model instead of text' })
      .option('meta', {
        type: 'boolean',
        default: undefined,
        describe: 'include the file meta group (text: default on, --no-meta hides it; JSON: default off)',
      }) as never,
  handler: async (args) => {
    const f = await openDicom(args.file);
    try {
      const out = args.json
        ? `${JSON.stringify(dumpJson(f, { meta: args.meta === true }), null, 2)}\n`
        : dumpText(f, { meta: args.meta !== false });
      process.stdout.write(out);
    } finally {
      closeDicom(f);
    }
  },
};
