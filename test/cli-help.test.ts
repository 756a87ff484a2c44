import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import type { CommandModule } from 'yargs';
import { COMMAND_HELP } from '../src/cli/command-help.js';
import { COMMANDS } from '../src/cli/main.js';
import { cleanEnv } from './helpers/child-env.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const skip = existsSync(fromRoot('dist/src/cli/main.js')) ? false : 'dist/ not built: run npm run build (npm test does)';

/** Each command's module and the name of its export. */
const MODULES: Record<string, [string, string]> = {
  run: ['run', 'runCommand'],
  preview: ['preview', 'previewCommand'],
  serve: ['serve', 'serveCommand'],
  dump: ['dump', 'dumpCommand'],
  profile: ['profile', 'profileCommand'],
  bench: ['bench', 'benchCommand'],
  verify: ['verify', 'verifyCommand'],
  watch: ['watch', 'watchCommand'],
  review: ['review', 'reviewCommand'],
  worker: ['worker', 'workerCommand'],
  server: ['client/server', 'serverCommand'],
  job: ['client/job', 'jobCommand'],
  batch: ['client/batch', 'batchCommand'],
  map: ['client/map', 'mapCommand'],
  select: ['client/select', 'selectCommand'],
  create: ['client/create', 'createCommand'],
  settings: ['client/settings', 'settingsCommand'],
  status: ['client/status', 'statusCommand'],
  pacs: ['pacs', 'pacsCommand'],
};

t.test('COMMAND_HELP → every command, in the CLI order, with the usage line and description its module declares', async (t) => {
  t.same(Object.keys(COMMAND_HELP), Object.keys(COMMANDS), 'the same commands in the same order');
  t.same(Object.keys(MODULES).sort(), Object.keys(COMMANDS).sort(), 'this test knows every module');
  for (const [name, [file, exported]] of Object.entries(MODULES)) {
    const m = (await import(`../src/cli/commands/${file}.js`))[exported] as CommandModule;
    t.same(COMMAND_HELP[name], [m.command, m.describe], name);
    t.same(
      Object.keys(m).filter((k) => !['command', 'describe', 'builder', 'handler'].includes(k)),
      [],
      `${name}: no aliases or flags the help table would miss`,
    );
  }
});

t.test('anon --help, and anon with an unknown command → every command listed with its description', { skip }, async (t) => {
  const env = { ...cleanEnv(), ANON_SECRET: 'cli-help-test-secret-0123456789' };
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', env });
  t.equal(help.status, 0);
  const unknown = spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8', env });
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /Unknown argument: frobnicate/);
  for (const [command, describe] of Object.values(COMMAND_HELP)) {
    // yargs wraps long descriptions: their first words are enough to place them
    const start = describe.split(' ').slice(0, 3).join(' ');
    for (const out of [help.stdout, unknown.stderr]) {
      t.ok(out.includes(`anon ${command}`) && out.includes(start), `${command} listed`);
    }
  }
});
