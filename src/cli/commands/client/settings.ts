import { randomInt } from 'node:crypto';
import type { Argv, CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { ClientError } from '../../../client/errors.js';
import { loadSettings, saveSettings, settingsPath } from '../../../client/settings.js';
import { ctx, guarded, openEditor } from './common.js';

export const settingsCommand: CommandModule = {
  command: 'settings <command>',
  describe: 'Client settings (anonapi style): user name and token for the job servers',
  builder: (y: Argv) =>
    y
      .command({
        command: 'show',
        describe: 'Print the settings file (token hidden)',
        handler: guarded(() => {
          const c = ctx();
          console.log(`settings file: ${c.settingsFile}`);
          console.log(JSON.stringify({ ...c.settings, user_token: c.settings.user_token ? '***' : '' }, null, 2));
        }),
      })
      .command({
        command: 'edit',
        describe: 'Open the settings file in $VISUAL / $EDITOR, then check it',
        handler: guarded(() => {
          const file = settingsPath();
          if (!existsSync(file)) loadSettings(file); // written with the defaults, as every command does
          openEditor(file);
          try {
            loadSettings(file);
          } catch (e) {
            if (e instanceof ClientError) throw new ClientError(`the settings file is not valid after the edit: ${e.message} (run anon settings edit again)`);
            throw e;
          }
          console.log(`${file} is valid`);
        }),
      })
      .command({
        command: 'user <command>',
        describe: 'The user name and API token sent to the servers',
        builder: (u: Argv) =>
          u
            .command({
              command: 'info',
              describe: 'Show the user name and (part of) the token',
              handler: guarded(() => {
                const c = ctx();
                const t = c.settings.user_token;
                console.log(`user_name: ${c.settings.user_name}`);
                console.log(`user_token: ${t.length > 8 ? `${t.slice(0, 4)}...${t.slice(-2)}` : '***'} (${t.length} characters)`);
                console.log(`settings file: ${c.settingsFile}`);
              }),
            })
            .command({
              command: 'set-username <name>',
              describe: 'Set the user name',
              builder: (b: Argv) => b.positional('name', { type: 'string', demandOption: true, describe: 'the user name' }),
              handler: guarded((a: { name: string }) => {
                const c = ctx();
                c.settings.user_name = String(a.name);
                saveSettings(c.settings, c.settingsFile);
                console.log(`user name set to ${c.settings.user_name}`);
              }),
            })
            .command({
              command: 'set-token <token>',
              describe: 'Set the API token (as provisioned on the server)',
              builder: (b: Argv) => b.positional('token', { type: 'string', demandOption: true, describe: 'the token' }),
              handler: guarded((a: { token: string }) => {
                const c = ctx();
                c.settings.user_token = String(a.token);
                saveSettings(c.settings, c.settingsFile);
                console.log('token set');
              }),
            })
            .command({
              command: 'get-token',
              describe: 'Generate a random 64-character token locally and save it (give it to the server admin)',
              handler: guarded(() => {
                const c = ctx();
                const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
                let t = '';
                for (let i = 0; i < 64; i++) t += abc[randomInt(abc.length)];
                c.settings.user_token = t;
                saveSettings(c.settings, c.settingsFile);
                console.log(`new token saved: ${t}`);
              }),
            })
            .demandCommand(1, 'Name a user command.'),
        handler: () => undefined,
      })
      .demandCommand(1, 'Name a settings command.'),
  handler: () => undefined,
};
