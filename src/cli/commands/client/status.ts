// `anon status`: anonapi's overview of the client itself (local only, no server call): the
// servers it knows and the active one, the active mapping, and the batch in the current folder.

import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { readBatch } from '../../../client/batch.js';
import { ClientError } from '../../../client/errors.js';
import { mappingPath, readMapping } from '../../../client/mapping.js';
import { ctx, guarded, table } from './common.js';

export const statusCommand: CommandModule = {
  command: 'status',
  describe: 'Client overview: servers and the active one, the active mapping, the batch in the current folder',
  handler: guarded(() => {
    const c = ctx();
    const s = c.settings;
    console.log(`settings file: ${c.settingsFile}`);
    console.log(`user: ${s.user_name}`);
    const names = Object.keys(s.servers).sort();
    if (names.length) {
      console.log('servers:');
      console.log(
        table(
          ['', 'name', 'url'],
          names.map((n) => [n === s.active_server_name ? '*' : '', n, s.servers[n]]),
        ).replace(/^/gm, '  '),
      );
    } else console.log('servers: none (anon server add NAME URL)');
    console.log(`active server: ${s.active_server_name ? `${s.active_server_name} (${s.servers[s.active_server_name]})` : 'none (anon server activate NAME)'}`);

    const file = s.active_mapping_file;
    let mapping: string;
    if (!file) {
      mapping = existsSync(mappingPath(c.cwd)) ? `none (there is one here: anon map activate)` : 'none (anon map init)';
    } else if (!existsSync(file)) mapping = `${file} (missing)`;
    else {
      try {
        mapping = `${file} (${readMapping(file).rows.length} row(s))`;
      } catch (e) {
        if (!(e instanceof ClientError)) throw e;
        mapping = `${file} (cannot be read: ${e.message})`;
      }
    }
    console.log(`active mapping: ${mapping}`);

    let batch: string;
    try {
      const b = readBatch(c.cwd);
      batch = b ? `${b.job_ids.length} job(s) on ${b.server.name} (${b.server.url})` : 'none';
    } catch (e) {
      if (!(e instanceof ClientError)) throw e;
      batch = `cannot be read: ${e.message}`;
    }
    console.log(`batch in ${c.cwd}: ${batch}`);
  }),
};
