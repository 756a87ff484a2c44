import type { Argv, CommandModule } from 'yargs';
import { IdisApi, ServerNotResponding } from '../../../client/api.js';
import { ClientError } from '../../../client/errors.js';
import { saveSettings } from '../../../client/settings.js';
import { api, ctx, guarded, jobTable, table } from './common.js';

const nameArg = (b: Argv) => b.positional('name', { type: 'string', demandOption: true, describe: "the server's name" });

export const serverCommand: CommandModule = {
  command: 'server <command>',
  describe: 'Job servers (IDIS web API, e.g. anon serve) the client talks to',
  builder: (y: Argv) =>
    y
      .command({
        command: 'add <name> <url>',
        describe: 'Add a server: a name and its base URL, e.g. sandbox http://127.0.0.1:8080/sandbox (the first one added is activated)',
        builder: (b: Argv) => nameArg(b).positional('url', { type: 'string', demandOption: true, describe: 'its base URL' }),
        handler: guarded((a: { name: string; url: string }) => {
          const c = ctx();
          const name = String(a.name);
          if (name in c.settings.servers) throw new ClientError(`there is already a server called ${name}`);
          let url: URL;
          try {
            url = new URL(String(a.url));
          } catch {
            throw new ClientError(`${a.url} is not a URL`);
          }
          if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ClientError(`${a.url}: only http and https URLs`);
          c.settings.servers[name] = String(a.url).replace(/\/+$/, '');
          if (!c.settings.active_server_name) c.settings.active_server_name = name;
          saveSettings(c.settings, c.settingsFile);
          console.log(`added ${name}: ${c.settings.servers[name]}${c.settings.active_server_name === name ? ' (active)' : ''}`);
        }),
      })
      .command({
        command: 'remove <name>',
        describe: 'Remove a server',
        builder: nameArg,
        handler: guarded((a: { name: string }) => {
          const c = ctx();
          const name = String(a.name);
          if (!(name in c.settings.servers)) throw new ClientError(`unknown server ${name}`);
          delete c.settings.servers[name];
          if (c.settings.active_server_name === name) c.settings.active_server_name = null;
          saveSettings(c.settings, c.settingsFile);
          console.log(`removed ${name}`);
        }),
      })
      .command({
        command: 'list',
        describe: 'List the servers (* = active)',
        handler: guarded(() => {
          const c = ctx();
          const names = Object.keys(c.settings.servers).sort();
          if (names.length === 0) {
            console.log('no servers; add one with "anon server add NAME URL"');
            return;
          }
          console.log(
            table(
              ['', 'name', 'url'],
              names.map((n) => [n === c.settings.active_server_name ? '*' : '', n, c.settings.servers[n]]),
            ),
          );
        }),
      })
      .command({
        command: 'activate <name>',
        describe: 'Make a server the one job, batch and create commands use',
        builder: nameArg,
        handler: guarded((a: { name: string }) => {
          const c = ctx();
          const name = String(a.name);
          if (!(name in c.settings.servers)) throw new ClientError(`unknown server ${name} (known: ${Object.keys(c.settings.servers).join(', ') || 'none'})`);
          c.settings.active_server_name = name;
          saveSettings(c.settings, c.settingsFile);
          console.log(`active server: ${name} (${c.settings.servers[name]})`);
        }),
      })
      .command({
        command: 'status [name]',
        describe: 'Check that the (active) server is online and responsive',
        builder: (b: Argv) => b.positional('name', { type: 'string', describe: "the server's name (default: the active one)" }),
        handler: guarded(async (a: { name?: string }) => {
          const c = ctx();
          const name = a.name ?? c.settings.active_server_name;
          if (!name) throw new ClientError('no active server; name one');
          const url = c.settings.servers[name];
          if (!url) throw new ClientError(`unknown server ${name}`);
          try {
            await IdisApi.fromSettings(c.settings, { name, url }).documentation();
            console.log(`OK: ${name}: ${url} is online and responsive`);
          } catch (e) {
            if (e instanceof ServerNotResponding) throw new ClientError(`server '${name}' cannot be reached. Is the URL correct? (${url})`);
            if (e instanceof ClientError) throw new ClientError(`'${name}' is not responding properly. Error: ${e.message}`);
            throw e;
          }
        }),
      })
      .command({
        command: 'jobs',
        describe: 'The most recent jobs on the active server',
        handler: guarded(async () => {
          const c = ctx();
          const a = api(c);
          const jobs = await a.jobs();
          console.log(`most recent jobs on ${a.server.name}:`);
          console.log(jobTable(jobs, [{ head: 'description', get: (j) => j.description }]));
        }),
      })
      .demandCommand(1, 'Name a server command.'),
  handler: () => undefined,
};
