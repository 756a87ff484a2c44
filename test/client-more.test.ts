// More of the anonapi-style client: per-row mapping columns, anon map activate, anon create
// set-defaults / show-defaults / from-mapping --filter, anon settings edit and anon status; as
// child processes (against `anon serve` on loopback where a server is needed) with a temp
// settings home (ANONFLOW_HOME), in the style of client.test.ts.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { writeSample } from '../fixtures/sample.js';
import { readBatch } from '../src/client/batch.js';
import { formatMapping, jobParams, readMapping } from '../src/client/mapping.js';
import { parseMappingGrid } from '../src/pseudo/mapping-grid.js';
import { readPseudonymTable } from '../src/pseudo/pseudonym-table.js';
import { idisCall } from '../src/client/idis-client.js';
import { login, setup, USER, type Env } from './helpers/client.js';
import { fromRoot } from './helpers/root.js';

const built = existsSync(fromRoot('dist/src/cli/commands/client/status.js'));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';

async function waitFor(e: Env, ids: string[], ms = 60_000): Promise<Record<string, any>> {
  const until = Date.now() + ms;
  for (;;) {
    const j = (await idisCall(e.base, 'get_jobs_list', 'GET', { job_ids: ids }, USER)).json as Record<string, any>;
    if (ids.every((id) => j[id] && (j[id].status === 'DONE' || j[id].status === 'ERROR'))) return j;
    if (Date.now() > until) throw new Error(`jobs not finished: ${JSON.stringify(j).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const MAPPING = [
  '## Description ##',
  'per-row test',
  '## Options ##',
  'root_source_path,\\\\srv\\share\\work',
  'project,Wetenschap-Algemeen',
  'destination_path,\\\\srv\\share\\out',
  'pims_key,555',
  '',
  '## Mapping ##',
  'source,pseudo_id,pseudo_name,description,pims_key,destination_path,root_source_path,project',
  'folder:study1,P1,N1,plain,,,,',
  'folder:study2,P2,N2,own destination,,\\\\srv\\share\\out2,,',
  'folder:x,,N3,own root and key,777,,\\\\srv\\other,',
  'accession_number:12345.6,P4,,own project,,,,Other-Project',
  '',
].join('\r\n');

t.test('per-row mapping columns override the Options section; empty pseudo cells are sent as ""', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-client-more-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'anon_mapping.csv');
  writeFileSync(file, MAPPING);
  const m = readMapping(file);
  t.equal(m.rows.length, 4);
  const p = m.rows.map((r) => jobParams(r, m));

  t.equal(p[0].destination_path, '\\\\srv\\share\\out', 'empty cells: the options apply');
  t.equal(p[0].project_name, 'Wetenschap-Algemeen');
  t.equal(p[0].pims_keyfile_id, '555');
  t.equal(p[0].source_path, 'folder:\\\\srv\\share\\work\\study1');

  t.equal(p[1].destination_path, '\\\\srv\\share\\out2', 'destination_path cell overrides the option');
  t.equal(p[2].source_path, 'folder:\\\\srv\\other\\x', "root_source_path cell: the row's source is joined to it");
  t.equal(p[2].pims_keyfile_id, '777', 'pims_key cell overrides the option');
  t.equal(p[3].project_name, 'Other-Project', 'project cell overrides the option');
  t.equal(p[3].destination_path, '\\\\srv\\share\\out');

  t.equal(p[2].anonymizedpatientid, '', 'empty pseudo_id cell is sent as "" (not the name)');
  t.equal(p[2].anonymizedpatientname, 'N3');
  t.equal(p[3].anonymizedpatientname, '', 'empty pseudo_name cell is sent as ""');
  t.equal(p[3].anonymizedpatientid, 'P4');
  t.equal(readPseudonymTable(file).get('x'), undefined, 'the engine reader still reads the same file');
  t.same(readPseudonymTable(file).entries[2].id, 'N3', 'the engine reader keeps its own rule (empty ID takes the name)');

  // a column absent: the other pseudonym's value is used (anonapi's fill rule)
  writeFileSync(
    join(dir, 'only-name.csv'),
    '## Description ##\r\n## Options ##\r\nproject,P\r\ndestination_path,\\\\srv\\share\\out\r\n## Mapping ##\r\nsource,pseudo_name\r\naccession_number:1,NAME1\r\n',
  );
  const only = readMapping(join(dir, 'only-name.csv'));
  t.same(
    [jobParams(only.rows[0], only).anonymizedpatientid, jobParams(only.rows[0], only).anonymizedpatientname],
    ['NAME1', 'NAME1'],
    'no pseudo_id column: the name is used for both',
  );

  // the per-row columns survive a rewrite, in anonapi's column order; absent ones are not written
  t.equal(formatMapping(m), MAPPING, 'read → write round-trips byte for byte, option columns included');
  const plain = { ...m, rows: m.rows.map((r) => ({ source: r.source, pseudo_id: r.pseudo_id, pseudo_name: r.pseudo_name })) };
  t.match(formatMapping(plain), /\r\nsource,pseudo_id,pseudo_name,description\r\n/, 'no option columns when no row has a value');

  // settings defaults are the last resort; the placeholders are not defaults
  const bare = { description: '', options: [] as [string, string][], rows: [{ source: 'accession_number:9', pseudo_id: 'A', pseudo_name: 'A' }] };
  t.throws(() => jobParams(bare.rows[0], bare, { project: 'NOT_SET', destination_path: '.' }), /no "project"/);
  const d = jobParams(bare.rows[0], bare, { project: 'DefProj', destination_path: '\\\\srv\\share\\def' });
  t.same([d.project_name, d.destination_path], ['DefProj', '\\\\srv\\share\\def'], 'settings defaults used when the mapping has none');
  t.throws(() => jobParams({ ...m.rows[1], destination_path: 'C:\\out' }, m), /not a UNC path \(.*line 12/, 'a bad per-row value is named with its line');

  // the grid reader: columns by anonapi name, cells as written
  const g = parseMappingGrid('## Description ##\n## Options ##\n## Mapping ##\nsource;Patient_ID;PIMS key\nfolder:a;;7\n');
  t.same(g.columns, ['source', 'pseudo_id', 'pims_key'], 'legacy and spaced headers normalised');
  t.same(g.rows[0].cells, { source: 'folder:a', pseudo_id: '', pims_key: '7' });
  t.throws(() => parseMappingGrid('source,age\n'), /unknown column "age"/);
  t.throws(() => parseMappingGrid('source,project,Project\n'), /mean the same thing/);
});

t.test('create from-mapping against anon serve: per-row destination, --filter, empty pseudo_id', { skip }, async (t) => {
  const e = await setup(t);
  await login(t, e);
  const work = join(e.share, 'work');
  writeSample(join(work, 'study1'));
  writeSample(join(work, 'study2'));
  writeFileSync(
    join(work, 'anon_mapping.csv'),
    [
      '## Description ##',
      'x',
      '## Options ##',
      'root_source_path,\\\\srv\\share\\work',
      'project,Wetenschap-Algemeen',
      'destination_path,\\\\srv\\share\\out',
      '',
      '## Mapping ##',
      'source,pseudo_id,pseudo_name,description,destination_path',
      'folder:study1,PID1,NAME1,one,',
      'folder:study2,,NAME2,two,\\\\srv\\share\\out2',
      'accession_number:777,A3,A3,pacs,',
      '',
    ].join('\r\n'),
  );
  let r = await e.anon(work, ['map', 'activate']);
  t.equal(r.code, 0, r.err);

  r = await e.anon(work, ['create', 'from-mapping', '--dry-run', '--filter', 'folder:*']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /--filter: 2 of 3 row\(s\)/);
  t.match(r.out, /dry run: would create 2 job\(s\)/);
  t.notMatch(r.out, /accession_number/, 'the filtered-out row is not sent');
  t.match(
    r.out,
    /"destination_path":"\\\\\\\\srv\\\\share\\\\out2".*"anonymizedpatientname":"NAME2","anonymizedpatientid":""/,
    'dry run shows the per-row destination and the empty pseudo ID',
  );
  r = await e.anon(work, ['create', 'from-mapping', '--dry-run', '--filter', 'study2']);
  t.match(r.out, /--filter: 1 of 3 row\(s\)/, 'a pattern without wildcards matches as a substring');
  r = await e.anon(work, ['create', 'from-mapping', '--filter', 'nothing*', '-y']);
  t.equal(r.code, 1);
  t.match(r.err, /no row of .* matches --filter nothing\*/);

  r = await e.anon(work, ['create', 'from-mapping', '--filter', 'folder:*', '--filter', 'none', '-y']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /created 2 job\(s\)/);
  const batch = readBatch(work)!;
  t.same(batch.job_ids, ['1', '2']);
  const done = await waitFor(e, batch.job_ids);
  t.equal(done['1'].status, 'DONE', JSON.stringify(done['1']));
  const j1 = (await idisCall(e.base, 'get_job', 'GET', { job_id: 1 }, USER)).json as Record<string, any>;
  const j2 = (await idisCall(e.base, 'get_job', 'GET', { job_id: 2 }, USER)).json as Record<string, any>;
  t.equal(j1.destination_path, '\\\\srv\\share\\out', 'row without a destination cell: the option');
  t.equal(j2.destination_path, '\\\\srv\\share\\out2', 'row with a destination cell: its own');
  t.equal(j1.source_anonymizedpatientid, 'PID1');
  t.notOk(j2.source_anonymizedpatientid, 'empty pseudo_id cell: no pseudo ID sent (the server takes "" as not given)');
  t.equal(j2.source_anonymizedpatientname, 'NAME2');
});

t.test('map activate, anon status, create set-defaults / show-defaults, settings edit', { skip }, async (t) => {
  const e = await setup(t, { server: false });
  await login(t, e);
  const a = join(e.dir, 'a');
  const b = join(e.dir, 'b');
  const none = join(e.dir, 'none');
  for (const d of [a, b, none]) mkdirSync(d);
  const settingsFile = join(e.home, 'settings.yml');
  const settings = (): any => parse(readFileSync(settingsFile, 'utf8'));

  // create set-defaults / show-defaults
  let r = await e.anon(e.dir, ['create', 'show-defaults']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /default IDIS project name: NOT_SET\ndefault job destination directory: \./, 'anonapi defaults');
  r = await e.anon(e.dir, ['create', 'set-defaults', '--project', 'Proj-A', '--destination-path', '\\\\srv\\share\\dest']);
  t.equal(r.code, 0, r.err);
  t.same(settings().job_default_parameters, ['project,Proj-A', 'destination_path,\\\\srv\\share\\dest'], 'saved in anonapi\'s "field,value" format');
  r = await e.anon(e.dir, ['create', 'set-defaults'], 'Proj-B\n\n');
  t.equal(r.code, 0, r.err);
  t.match(r.err, /default IDIS project name \[Proj-A\]: /, 'asks with the current value');
  t.same(settings().job_default_parameters, ['project,Proj-B', 'destination_path,\\\\srv\\share\\dest'], 'an empty answer keeps the value');
  r = await e.anon(e.dir, ['create', 'set-defaults'], '');
  t.equal(r.code, 0, r.err);
  t.same(settings().job_default_parameters, ['project,Proj-B', 'destination_path,\\\\srv\\share\\dest'], 'EOF keeps everything');
  r = await e.anon(e.dir, ['create', 'show-defaults']);
  t.match(r.out, /default IDIS project name: Proj-B\ndefault job destination directory: \\\\srv\\share\\dest/);
  r = await e.anon(e.dir, ['create', 'set-defaults', '--project', ' ']);
  t.equal(r.code, 1, 'an empty option is refused');

  // map init uses the defaults and activates; map activate switches; commands use the active mapping
  t.equal((await e.anon(a, ['map', 'init', '--root-source-path', '\\\\srv\\share\\a'])).code, 0);
  t.match(readFileSync(join(a, 'anon_mapping.csv'), 'utf8'), /project,Proj-B\r\ndestination_path,\\\\srv\\share\\dest\r\n/, 'map init takes the defaults');
  t.equal(settings().active_mapping_file, join(a, 'anon_mapping.csv'));
  t.equal((await e.anon(b, ['map', 'init', '--root-source-path', '\\\\srv\\share\\b'])).code, 0);
  t.equal(settings().active_mapping_file, join(b, 'anon_mapping.csv'), 'the newest init is active');
  r = await e.anon(a, ['map', 'add-accession-numbers', '111']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, join(b, 'anon_mapping.csv'), 'added to the active mapping, not the one in the current folder');
  t.equal(readMapping(join(b, 'anon_mapping.csv')).rows.length, 1);
  t.equal(readMapping(join(a, 'anon_mapping.csv')).rows.length, 0);
  r = await e.anon(a, ['map', 'activate']);
  t.equal(r.code, 0, r.err);
  t.equal(settings().active_mapping_file, join(a, 'anon_mapping.csv'));
  r = await e.anon(none, ['map', 'status']);
  t.match(r.out, `mapping ${join(a, 'anon_mapping.csv')}`, 'status shows the active mapping from anywhere');
  r = await e.anon(none, ['map', 'activate']);
  t.equal(r.code, 1, 'activate needs a mapping in the current folder');
  t.match(r.err, /no mapping at/);
  t.equal(settings().active_mapping_file, join(a, 'anon_mapping.csv'), 'a failed activate changes nothing');
  r = await e.anon(none, ['create', 'from-mapping', '--dry-run']);
  t.equal(r.code, 1);
  t.match(r.err, /the mapping has no rows/, 'create uses the active mapping (a, empty)');

  // anon status
  r = await e.anon(b, ['status']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /user: z123sandbox/);
  t.match(r.out, /\*\s+sandbox\s+http:\/\/127\.0\.0\.1:1\/sandbox/);
  t.match(r.out, /active server: sandbox \(http:\/\/127\.0\.0\.1:1\/sandbox\)/);
  t.match(r.out, `active mapping: ${join(a, 'anon_mapping.csv')} (0 row(s))`);
  t.match(r.out, `batch in ${b}: none`);
  t.equal((await e.anon(b, ['batch', 'init'])).code, 0);
  t.equal((await e.anon(b, ['batch', 'add', '3-5'])).code, 0);
  r = await e.anon(b, ['status']);
  t.match(r.out, `batch in ${b}: 3 job(s) on sandbox (http://127.0.0.1:1/sandbox)`);
  rmSync(join(a, 'anon_mapping.csv'));
  r = await e.anon(b, ['status']);
  t.equal(r.code, 0, 'status still answers when the active mapping is gone');
  t.match(r.out, `active mapping: ${join(a, 'anon_mapping.csv')} (missing)`);
  r = await e.anon(b, ['map', 'status']);
  t.equal(r.code, 1);
  t.match(r.err, /the active mapping .* does not exist: run "anon map activate"/);
  t.equal((await e.anon(b, ['map', 'activate'])).code, 0);
  t.notOk(r.out.includes('s3cr3t') || (await e.anon(b, ['status'])).out.includes(USER.token), 'status does not print the token');

  // settings edit: $EDITOR is run on the settings file, then the file is checked
  const editor = join(e.dir, 'editor.mjs');
  writeFileSync(
    editor,
    [
      "import { readFileSync, writeFileSync } from 'node:fs';",
      'const f = process.argv[2];',
      'const s = readFileSync(f, "utf8");',
      'const mode = process.env.MODE;',
      'if (mode === "break") writeFileSync(f, s.replace(/^active_server_name: .*$/m, "active_server_name: nope"));',
      'else if (mode === "repair") writeFileSync(f, s.replace(/^active_server_name: .*$/m, "active_server_name: sandbox"));',
      'else writeFileSync(f, s.replace(/^user_name: .*$/m, "user_name: edited_user"));',
    ].join('\n'),
  );
  const EDITOR = `"${process.execPath}" "${editor}"`;
  r = await e.anon(e.dir, ['settings', 'edit'], undefined, { EDITOR, VISUAL: '' });
  t.equal(r.code, 0, r.err);
  t.match(r.out, /is valid/);
  t.equal(settings().user_name, 'edited_user', 'the editor changed the file');
  r = await e.anon(e.dir, ['settings', 'edit'], undefined, { EDITOR, VISUAL: '', MODE: 'break' });
  t.equal(r.code, 1);
  t.match(r.err, /not valid after the edit: .*active server "nope"/);
  r = await e.anon(e.dir, ['server', 'list']);
  t.equal(r.code, 1, 'other commands refuse the broken file');
  r = await e.anon(e.dir, ['settings', 'edit'], undefined, { EDITOR, VISUAL: '', MODE: 'repair' });
  t.equal(r.code, 0, `settings edit opens a broken file, so it can be repaired: ${r.err}`);
  t.equal(settings().active_server_name, 'sandbox');
  r = await e.anon(e.dir, ['settings', 'edit'], undefined, { EDITOR: `"${process.execPath}" -e "process.exit(3)"`, VISUAL: '' });
  t.equal(r.code, 1);
  t.match(r.err, /editor .* failed \(exit 3\)/);

  // map edit uses the same editor launch
  writeFileSync(editor, "import { appendFileSync } from 'node:fs'; appendFileSync(process.argv[2], 'accession_number:222,Q,Q,x\\r\\n');");
  r = await e.anon(e.dir, ['map', 'edit'], undefined, { EDITOR, VISUAL: '' });
  t.equal(r.code, 0, r.err);
  t.same(
    readMapping(join(b, 'anon_mapping.csv')).rows.map((x) => x.source),
    ['accession_number:111', 'accession_number:222'],
    'map edit edits the active mapping',
  );
});
