import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ClientError } from '../../../client/errors.js';
import { FILESELECTION_FILE, findFiles, newFileSelection, readFileSelection, writeFileSelection } from '../../../client/fileselection.js';
import { confirm, ctx, guarded, yesOption } from './common.js';

export const selectCommand: CommandModule = {
  command: 'select <command>',
  describe: 'The file selection (fileselection.txt) in the current folder',
  builder: (y: Argv) =>
    y
      .command({
        command: 'add <patterns..>',
        describe: 'Add the files matching patterns (e.g. "*", "*.dcm", "series1/**") below the current folder; dotfiles are skipped',
        builder: (b: Argv) =>
          b
            .positional('patterns', { type: 'string', array: true, demandOption: true })
            .option('exclude-pattern', { alias: 'e', type: 'string', array: true, default: [], describe: 'leave out files matching this (repeatable)' })
            .option('check-dicom', { type: 'boolean', default: false, describe: 'only files with a DICOM header ("DICM" at byte 128)' })
            .option('recurse', { type: 'boolean', default: true, describe: 'look in subfolders (--no-recurse: only this folder)' }),
        handler: guarded((a: { patterns: string[]; 'exclude-pattern': string[]; 'check-dicom': boolean; recurse: boolean }) => {
          const c = ctx();
          const file = join(c.cwd, FILESELECTION_FILE);
          const sel = existsSync(file) ? readFileSelection(file) : newFileSelection();
          const found = findFiles(c.cwd, {
            patterns: a.patterns.map(String),
            exclude: a['exclude-pattern'].map(String),
            recurse: a.recurse,
            dicom: a['check-dicom'] ? 'header' : 'none',
          });
          const have = new Set(sel.selected_paths);
          const added = found.filter((p) => !have.has(p));
          sel.selected_paths.push(...added);
          writeFileSelection(file, sel);
          console.log(`added ${added.length} file(s) to ${FILESELECTION_FILE}; it selects ${sel.selected_paths.length}`);
        }),
      })
      .command({
        command: 'status',
        describe: 'How many files the selection holds',
        handler: guarded(() => {
          const c = ctx();
          const file = join(c.cwd, FILESELECTION_FILE);
          if (!existsSync(file)) throw new ClientError(`no ${FILESELECTION_FILE} in ${c.cwd}`);
          const sel = readFileSelection(file);
          console.log(`${FILESELECTION_FILE}: ${sel.selected_paths.length} file(s) selected (id ${sel.id}, ${sel.description})`);
        }),
      })
      .command({
        command: 'delete',
        describe: 'Delete the selection file (not the files)',
        builder: (b: Argv) => b.option('yes', yesOption),
        handler: guarded(async (a: { yes?: boolean }) => {
          const c = ctx();
          const file = join(c.cwd, FILESELECTION_FILE);
          if (!existsSync(file)) throw new ClientError(`no ${FILESELECTION_FILE} in ${c.cwd}`);
          if (!(await confirm(`delete ${file}?`, a.yes))) return;
          rmSync(file);
          console.log(`deleted ${FILESELECTION_FILE}`);
        }),
      })
      .demandCommand(1, 'Name a select command.'),
  handler: () => undefined,
};
