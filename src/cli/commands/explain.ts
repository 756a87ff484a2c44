import type { CommandModule } from 'yargs';
import { deidentify } from '../../deid/engine.js';
import type { ExplainEntry } from '../../deid/state.js';
import { closeDicom, openDicom } from '../../dicom/file.js';
import { UsageError } from '../../errors.js';
import { setupDeid } from '../../job/setup.js';

interface ExplainArgs {
  file: string;
  profile: string;
  option: string[];
  'secret-file'?: string;
  json: boolean;
}

const DASH = '-';

/** `anon profile explain FILE`: every element, nested ones too, with its action, rule and result. */
export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: 'explain <file>',
  describe: 'Show, for every element of a file (at any depth), the action taken, the rule that decided it, and the result',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('profile', { alias: 'p', type: 'string', default: 'basic', describe: 'profile name or JSON file' })
      .option('option', { type: 'string', array: true, default: [], describe: 'PS3.15 E.3 option to add (repeatable)' })
      .option('secret-file', { type: 'string', describe: 'the project secret (else ANON_SECRET, else the per-user secret)' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object per element' }),
  handler: async (args) => {
    const entries: ExplainEntry[] = [];
    const setup = setupDeid({ profile: args.profile, options: args.option, secretFile: args['secret-file'], explain: (e) => entries.push(e) });
    if (!setup.env) throw new UsageError(`profile '${setup.profile.name}' changes nothing: there is nothing to explain`);
    const f = await openDicom(args.file);
    try {
      deidentify(f, setup.env);
    } finally {
      closeDicom(f);
    }
    if (args.json) {
      for (const e of entries) console.log(JSON.stringify({ ...e, tag: undefined, tagHex: e.tag.toString(16).padStart(8, '0').toUpperCase() }));
      return;
    }
    const w = Math.min(44, Math.max(...entries.map((e) => e.path.length), 4));
    for (const e of entries) {
      const change = e.before === e.after ? `= ${e.before ?? ''}` : `${e.before ?? DASH} → ${e.after ?? '(removed)'}`;
      console.log(`${e.path.padEnd(w)} ${e.vr.padEnd(2)} ${e.action.padEnd(6)} ${(e.keyword || DASH).padEnd(28)} ${change}   [${e.origin}]`);
    }
  },
};
