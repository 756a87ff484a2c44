import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { listBuiltinProfiles, loadProfile, ProfileError, validateProfileFile, type ResolvedProfile } from '../../profile/load.js';
import { UsageError } from '../../errors.js';
import { explainCommand } from './explain.js';

// Profile errors reach the CLI edge as UsageErrors: a bad profile is the user's input (exit 2).
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ProfileError) throw new UsageError(`${e.code}: ${e.message}`);
    throw e;
  }
}

const listCommand: CommandModule<object, { json: boolean }> = {
  command: 'list',
  describe: 'List the built-in profiles',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: (args) => {
    const profiles = listBuiltinProfiles().map(({ name, description }) => ({ name, description }));
    if (args.json) {
      console.log(JSON.stringify(profiles, null, 2));
      return;
    }
    const width = Math.max(0, ...profiles.map((p) => p.name.length));
    for (const p of profiles) console.log(`${p.name.padEnd(width)}  ${p.description ?? ''}`.trimEnd());
  },
};

interface ShowArgs {
  profile: string;
  resolved: boolean;
}

const showCommand: CommandModule<object, ShowArgs> = {
  command: 'show <profile>',
  describe: 'Print a profile (a built-in name or a JSON file) as JSON; it is validated first',
  builder: (y) =>
    y.positional('profile', { type: 'string', demandOption: true, describe: 'built-in name or path to a JSON file' }).option('resolved', {
      type: 'boolean',
      default: false,
      describe: 'print the resolved form: the "extends" chain as layers, merged options, defaults, pseudonyms, marks',
    }),
  handler: (args) => {
    const resolved: ResolvedProfile = asUsage(() => loadProfile(args.profile));
    if (args.resolved) {
      console.log(JSON.stringify(resolved, null, 2));
      return;
    }
    process.stdout.write(readFileSync(resolved.layers[0].file, 'utf8'));
  },
};

interface ValidateArgs {
  file: string;
  json: boolean;
}

const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <file>',
  describe: 'Check a profile file and everything it extends; print "FILE: valid" or every error (exit 2)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'profile JSON file (or a built-in name)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the errors as JSON' }),
  handler: (args) => {
    const errors = validateProfileFile(args.file);
    if (args.json) console.log(JSON.stringify({ file: args.file, valid: errors.length === 0, errors }, null, 2));
    if (errors.length === 0) {
      if (!args.json) console.log(`${args.file}: valid`);
      return;
    }
    if (!args.json) for (const e of errors) console.error(e.message);
    throw new UsageError(`${args.file}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
  },
};

export const profileCommand: CommandModule = {
  command: 'profile',
  describe: 'List, show and validate de-identification profiles',
  builder: (y: Argv) =>
    y.command(listCommand).command(showCommand).command(validateCommand).command(explainCommand).demandCommand(1, 'Name a profile command: list, show or validate.'),
  handler: () => {},
};
