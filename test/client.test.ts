// The anonapi-style client commands (anon server|job|batch|map|select|create|settings) as child
// processes against `anon serve` on loopback, with a temp settings home (ANONFLOW_HOME).

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import t from 'tap';
import { parse } from 'yaml';
import { writeSample } from '../fixtures/sample.js';
import { readBatch } from '../src/client/batch.js';
import { readFileSelection } from '../src/client/fileselection.js';
import { rowsFrom, parseCsvText, readInputFile } from '../src/client/inputfile.js';
import { formatMapping, jobParams, readMapping } from '../src/client/mapping.js';
import { parseJobIds } from '../src/client/ranges.js';
import { readPseudonymTable } from '../src/pseudo/pseudonym-table.js';
import { idisCall } from '../src/client/idis-client.js';
import { login, setup, USER, type Env } from './helpers/client.js';
import { fromRoot } from './helpers/root.js';

const built = existsSync(fromRoot('dist/src/cli/commands/client/map.js'));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';

const jobs = async (e: Env, ids: (string | number)[]): Promise<Record<string, any>> =>
  (await idisCall(e.base, 'get_jobs_list', 'GET', { job_ids: ids.map(String) }, USER)).json as Record<string, any>;

async function waitFor(e: Env, ids: (string | number)[], done: (s: string) => boolean, ms = 60_000): Promise<Record<string, any>> {
  const until = Date.now() + ms;
  for (;;) {
    const j = await jobs(e, ids);
    if (ids.every((id) => j[String(id)] && done(j[String(id)].status))) return j;
    if (Date.now() > until) throw new Error(`jobs not finished: ${JSON.stringify(j).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A minimal .xlsx (stored zip, shared strings) with one sheet; numbers stay numeric cells. */
function writeXlsx(file: string, rows: (string | number | null)[][]): void {
  const strings: string[] = [];
  const col = (i: number): string => String.fromCharCode(65 + i);
  const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const sheetRows = rows
    .map(
      (r, ri) =>
        `<row r="${ri + 1}">${r
          .map((v, ci) => {
            if (v === null) return '';
            const ref = `${col(ci)}${ri + 1}`;
            if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
            strings.push(v);
            return `<c r="${ref}" t="s"><v>${strings.length - 1}</v></c>`;
          })
          .join('')}</row>`,
    )
    .join('');
  const ns = 'http://schemas.openxmlformats.org';
  const files: [string, string][] = [
    [
      '[Content_Types].xml',
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="${ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
    ],
    [
      '_rels/.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    [
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${ns}/spreadsheetml/2006/main" xmlns:r="${ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${ns}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    ],
    ['xl/worksheets/sheet1.xml', `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${ns}/spreadsheetml/2006/main"><sheetData>${sheetRows}</sheetData></worksheet>`],
    [
      'xl/sharedStrings.xml',
      `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${ns}/spreadsheetml/2006/main" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((x) => `<si><t>${esc(x)}</t></si>`).join('')}</sst>`,
    ],
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of files) {
    const data = Buffer.from(text, 'utf8');
    const fname = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fname.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fname, data);
    centrals.push(central, fname);
    offset += local.length + fname.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(file, Buffer.concat([...locals, cd, end]));
}

t.test('job id ranges', async (t) => {
  t.same(parseJobIds(['1,2,5-9']), ['1', '2', '5', '6', '7', '8', '9']);
  t.same(parseJobIds(['3', '5-7', '3']), ['3', '5', '6', '7'], 'space-separated, duplicates dropped');
  t.same(parseJobIds(['20-22,abc']), ['20', '21', '22', 'abc'], 'non-numeric passed through (the server says 400)');
  t.throws(() => parseJobIds(['9-5']), /before the start/);
});

t.test('settings and servers: YAML file, mode 0600, add/list/activate/remove/status', { skip }, async (t) => {
  const e = await setup(t);
  await login(t, e);
  const file = join(e.home, 'settings.yml');
  t.equal(statSync(file).mode & 0o777, 0o600, 'settings file is 0600');
  const s = parse(readFileSync(file, 'utf8'));
  t.same(s.servers, { sandbox: e.base });
  t.equal(s.active_server_name, 'sandbox', 'the first server added is active');
  t.equal(s.user_name, USER.user);
  t.equal(s.user_token, USER.token);
  t.same(s.job_default_parameters, ['project,NOT_SET', 'destination_path,.'], 'anonapi defaults');

  let r = await e.anon(e.dir, ['server', 'status']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, `OK: sandbox: ${e.base} is online and responsive`);
  r = await e.anon(e.dir, ['settings', 'user', 'info']);
  t.match(r.out, /user_name: z123sandbox/);
  t.notMatch(r.out, /s3cr3t/, 'token not printed');

  t.equal((await e.anon(e.dir, ['server', 'add', 'p01', 'http://127.0.0.1:1/p01'])).code, 0);
  r = await e.anon(e.dir, ['server', 'add', 'p01', 'http://x/p01']);
  t.equal(r.code, 1);
  t.match(r.err, /already a server called p01/);
  r = await e.anon(e.dir, ['server', 'list']);
  t.match(r.out, /\*\s+sandbox/);
  t.match(r.out, /p01\s+http:\/\/127\.0\.0\.1:1\/p01/);
  t.equal((await e.anon(e.dir, ['server', 'activate', 'p01'])).code, 0);
  r = await e.anon(e.dir, ['server', 'status']);
  t.equal(r.code, 1);
  t.match(r.err, /cannot be reached/);
  t.equal((await e.anon(e.dir, ['server', 'activate', 'nope'])).code, 1);
  t.equal((await e.anon(e.dir, ['server', 'remove', 'p01'])).code, 0);
  t.equal(parse(readFileSync(file, 'utf8')).active_server_name, null, 'removing the active server deactivates it');
  r = await e.anon(e.dir, ['job', 'list', '1']);
  t.equal(r.code, 1);
  t.match(r.err, /no active server/);
  t.equal((await e.anon(e.dir, ['server', 'activate', 'sandbox'])).code, 0);

  // a wrong token: 401 in words
  t.equal((await e.anon(e.dir, ['settings', 'user', 'set-token', 'wrong'])).code, 0);
  r = await e.anon(e.dir, ['server', 'jobs']);
  t.equal(r.code, 1);
  t.match(r.err, /401 - Unauthorized/);
});

t.test('map, select, create from-mapping, batch and job commands against anon serve', { skip }, async (t) => {
  const e = await setup(t);
  await login(t, e);
  const work = join(e.share, 'work');
  writeSample(join(work, 'study1'));
  writeSample(join(work, 'study2'));
  writeFileSync(join(work, 'study2', 'notes.txt'), 'not dicom');

  // select: fileselection.txt with --check-dicom and an exclude pattern
  let r = await e.anon(join(work, 'study2'), ['select', 'add', '*', '--check-dicom', '-e', '*-2.dcm']);
  t.equal(r.code, 0, r.err);
  const sel = readFileSelection(join(work, 'study2', 'fileselection.txt'));
  t.ok(sel.selected_paths.length > 0);
  t.notOk(
    sel.selected_paths.some((p) => p.endsWith('notes.txt')),
    '--check-dicom leaves out non-DICOM',
  );
  t.notOk(
    sel.selected_paths.some((p) => p.endsWith('-2.dcm')),
    'exclude pattern',
  );
  t.ok(
    sel.selected_paths.every((p) => !p.startsWith('/') && !p.includes('\\')),
    'relative POSIX paths',
  );
  t.match(sel.id, /^[0-9a-f-]{36}$/);
  r = await e.anon(join(work, 'study2'), ['select', 'status']);
  t.match(r.out, `${sel.selected_paths.length} file(s) selected`);
  const raw = parse(readFileSync(join(work, 'study2', 'fileselection.txt'), 'utf8'));
  t.same(Object.keys(raw).sort(), ['description', 'id', 'selected_paths'], 'fileselection keys');

  // map
  r = await e.anon(work, ['map', 'init', '--root-source-path', '\\\\srv\\share\\work', '--destination-path', '\\\\srv\\share\\out']);
  t.equal(r.code, 0, r.err);
  t.equal((await e.anon(work, ['map', 'init'])).code, 1, 'init does not overwrite');
  t.equal((await e.anon(work, ['map', 'add-study-folders', 'study1'])).code, 0);
  t.ok(existsSync(join(work, 'study1', 'fileselection.txt')), 'add-study-folders writes a fileselection');
  r = await e.anon(work, ['map', 'add-selection-file', 'study2/fileselection.txt']);
  t.equal(r.code, 0, r.err);
  t.equal((await e.anon(work, ['map', 'add-accession-numbers', '12345.6'])).code, 0);
  const text = readFileSync(join(work, 'anon_mapping.csv'), 'utf8');
  t.match(
    text,
    /^## Description ##\r\nMapping created .* by z123sandbox\r\n## Options ##\r\nroot_source_path,\\\\srv\\share\\work\r\nproject,Wetenschap-Algemeen\r\ndestination_path,\\\\srv\\share\\out\r\n\r\n## Mapping ##\r\nsource,pseudo_id,pseudo_name,description\r\n/,
  );
  const m = readMapping(join(work, 'anon_mapping.csv'));
  t.same(
    m.rows.map((x) => x.source),
    ['fileselection:study1/fileselection.txt', 'fileselection:study2/fileselection.txt', 'accession_number:12345.6'],
  );
  t.ok(
    m.rows.every((x) => /^[A-Z0-9]{8}$/.test(x.pseudo_name!) && x.pseudo_id === x.pseudo_name),
    'random 8-char pseudonyms',
  );
  t.equal(formatMapping(m), text, 'read → write round-trips byte for byte');
  t.equal(readPseudonymTable(join(work, 'anon_mapping.csv')).entries.length, 3, 'the engine reads it as a pseudonym table');
  r = await e.anon(work, ['map', 'status']);
  t.match(r.out, /3 row\(s\)/);

  // create from-mapping stops at the first failure (WADO is not configured on anon serve), keeping what it made
  r = await e.anon(work, ['create', 'from-mapping', '--dry-run']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /"source_path":"fileselection:\\\\\\\\srv\\\\share\\\\work\\\\study1\\\\fileselection.txt"/);
  t.match(r.out, /"source_instance_id":"accession_number:12345.6"/);
  t.equal(readBatch(work), undefined, 'dry run: no batch');
  r = await e.anon(work, ['create', 'from-mapping'], 'n\n');
  t.match(r.out, /Cancelled/);
  t.equal(readBatch(work), undefined, 'answer no: nothing created');
  r = await e.anon(work, ['create', 'from-mapping', '--yes']);
  t.equal(r.code, 1);
  t.match(r.err, /stopped after 2 of 3 job\(s\) \(created: 1,2\).*not configured/);
  const batch = readBatch(work)!;
  t.same(batch.job_ids, ['1', '2']);
  t.same(batch.server, { name: 'sandbox', url: e.base });
  t.same(parse(readFileSync(join(work, '.anonbatch'), 'utf8')).job_ids, ['1', '2'], 'ids stored as strings');
  const done = await waitFor(e, [1, 2], (s) => s === 'DONE' || s === 'ERROR');
  t.equal(done['1'].status, 'DONE', JSON.stringify(done['1']));
  t.equal(done['1'].user_name, USER.user);
  const job1 = (await idisCall(e.base, 'get_job', 'GET', { job_id: 1 }, USER)).json as Record<string, any>;
  t.equal(job1.source_anonymizedpatientid, m.rows[0].pseudo_id, 'pseudonym from the mapping');
  t.equal(job1.source_path, 'fileselection:\\\\srv\\share\\work\\study1\\fileselection.txt');

  // batch
  r = await e.anon(work, ['batch', 'status', '--patient-name']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /anon_name/);
  t.match(r.out, m.rows[0].pseudo_id!);
  t.match(r.out, /DONE\s+2/);
  r = await e.anon(work, ['batch', 'init']);
  t.equal(r.code, 1, 'init refuses when a batch exists');
  t.equal((await e.anon(work, ['batch', 'add', '20-22,30'])).code, 0);
  t.same(readBatch(work)!.job_ids, ['1', '2', '20', '21', '22', '30']);
  t.equal((await e.anon(work, ['batch', 'remove', '21-22', '30'])).code, 0);
  t.same(readBatch(work)!.job_ids, ['1', '2', '20']);
  r = await e.anon(work, ['batch', 'status']);
  t.match(r.out, /NOT_FOUND\s+1/, 'unknown ids counted');
  t.equal((await e.anon(work, ['batch', 'remove', '20'])).code, 0);
  r = await e.anon(work, ['batch', 'info']);
  t.match(r.out, /jobs \(2\): 1,2/);

  // an ERROR job: a selection naming a missing file
  mkdirSync(join(work, 'bad'));
  writeFileSync(join(work, 'bad', 'fileselection.txt'), 'description: x\nid: 3df27f44-0a5c-48cd-bebe-f911817d42f6\nselected_paths:\n- missing.dcm\n');
  const bad = (
    await idisCall(
      e.base,
      'create_job',
      'POST',
      {
        source_type: 'PATH',
        source_path: 'fileselection:\\\\srv\\share\\work\\bad\\fileselection.txt',
        destination_type: 'PATH',
        project_name: 'Wetenschap-Algemeen',
        destination_path: '\\\\srv\\share\\out',
      },
      USER,
    )
  ).json as Record<string, any>;
  const badId = String(bad.job_id);
  t.equal((await e.anon(work, ['batch', 'add', badId])).code, 0);
  const afterBad = await waitFor(e, [badId], (s) => s === 'DONE' || s === 'ERROR');
  if (afterBad[badId].status === 'ERROR') {
    r = await e.anon(work, ['batch', 'show-error']);
    t.match(r.out, new RegExp(`^${badId}: .+`, 'm'));
    r = await e.anon(work, ['batch', 'reset-error', '-y']);
    t.equal(r.code, 0, r.err);
    t.match(r.out, `reset job ${badId}`);
    t.notMatch(r.out, /reset job 1\b/, 'only the jobs in ERROR');
  } else t.fail(`expected job ${badId} to fail: ${JSON.stringify(afterBad[badId])}`);

  // job commands
  r = await e.anon(work, ['job', 'info', '1']);
  t.match(r.out, /^job_id\s+1$/m);
  t.match(r.out, /^source_anonymizedpatientid\s+\S+/m);
  r = await e.anon(work, ['job', 'list', '1-2', '99']);
  t.match(r.out, /1 job\(s\) not found/);
  r = await e.anon(work, ['job', 'cancel', '1,2']);
  t.match(r.out, /Cancelled/, 'no stdin answer: nothing done');
  t.equal((await jobs(e, [1]))['1'].status, 'DONE');
  r = await e.anon(work, ['job', 'cancel', '1,2'], 'y\n');
  t.equal(r.code, 0, r.err);
  let j = await jobs(e, [1, 2]);
  t.equal(j['1'].status, 'INACTIVE');
  t.equal(j['2'].status, 'INACTIVE');
  r = await e.anon(work, ['job', 'set-opt-out-ignore', '1', 'consent given', '-y']);
  t.equal(r.code, 0, r.err);
  r = await e.anon(work, ['job', 'reset', '1', '-y']);
  t.equal(r.code, 0, r.err);
  j = await waitFor(e, [1], (s) => s !== 'INACTIVE');
  t.not(j['1'].status, 'INACTIVE', 'reset made the job run again');
  r = await e.anon(work, ['job', 'cancel', '1,abc', '-y']);
  t.equal(r.code, 1);
  t.match(r.err, /job abc: API returns errors: job_id/);
  await waitFor(e, [1], (s) => s === 'DONE' || s === 'ERROR' || s === 'INACTIVE');
  r = await e.anon(work, ['batch', 'cancel', '-y']);
  t.equal(r.code, 0, r.err);
  j = await jobs(e, [1, 2, badId]);
  t.ok(
    Object.values(j).every((x: any) => x.status === 'INACTIVE'),
    'batch cancel',
  );
  r = await e.anon(work, ['batch', 'reset', '-y']);
  t.equal(r.code, 0);
  r = await e.anon(work, ['batch', 'cancel-active', '-y']);
  t.equal(r.code, 0, r.err);

  // a batch for another server is not appended to
  t.equal((await e.anon(work, ['server', 'add', 'other', 'http://127.0.0.1:1/x'])).code, 0);
  t.equal((await e.anon(work, ['server', 'activate', 'other'])).code, 0);
  r = await e.anon(work, ['create', 'from-mapping', '-y']);
  t.equal(r.code, 1);
  t.match(r.err, /the batch in .* is for sandbox/);

  t.equal((await e.anon(work, ['batch', 'delete', '-y'])).code, 0);
  t.notOk(existsSync(join(work, '.anonbatch')));
  t.equal((await e.anon(work, ['map', 'delete', '-y'])).code, 0);
  t.notOk(existsSync(join(work, 'anon_mapping.csv')));
  t.equal((await e.anon(join(work, 'study2'), ['select', 'delete', '-y'])).code, 0);
  t.notOk(existsSync(join(work, 'study2', 'fileselection.txt')));
});

t.test('input files: forgiving headers, header row below junk, rows skipped or refused', { skip }, async (t) => {
  const e = await setup(t, { server: false });
  t.same(rowsFrom(parseCsvText('Study list;;\n;;\nAcc. Nr;Pseudonym;other\n123;P1;x\n;;\n456;P2;y\n'), 'accession_number'), [
    { accession_number: '123', pseudonym: 'P1' },
    { accession_number: '456', pseudonym: 'P2' },
  ]);
  t.same(rowsFrom(parseCsvText('"Accession_Number",name\r\n"1,2",A\r\n'), 'accession_number'), [{ accession_number: '1,2', pseudonym: 'A' }]);
  t.throws(() => rowsFrom(parseCsvText('accession number,pseudoID\n123,\n'), 'accession_number'), /row 2/);
  t.throws(() => rowsFrom(parseCsvText('folder\nx\n'), 'accession_number'), /no accession_number column/);

  const work = join(e.dir, 'w');
  mkdirSync(join(work, 'a'), { recursive: true });
  writeSample(join(work, 'a'));
  writeFileSync(join(work, 'in.csv'), 'Folder,PseudoID\na,PAT-A\n');
  writeFileSync(join(work, 'acc.csv'), 'acc-nr;name\n999;PAT-B\n');
  t.same(await readInputFile(join(work, 'in.csv'), 'folder'), [{ folder: 'a', pseudonym: 'PAT-A' }]);
  writeXlsx(join(work, 'acc.xlsx'), [
    ['Study list', null],
    [null, null],
    ['Accession Number', 'pseudo_id', 'remarks'],
    [12345, 'X1', 'first'],
    ['AB.77', 'X2', null],
    [null, null, null],
    [1.5, 'X3'],
  ]);
  t.same(
    await readInputFile(join(work, 'acc.xlsx'), 'accession_number'),
    [
      { accession_number: '12345', pseudonym: 'X1' },
      { accession_number: 'AB.77', pseudonym: 'X2' },
      { accession_number: '1.5', pseudonym: 'X3' },
    ],
    'xlsx: first sheet, header below junk, numbers as text',
  );
  t.equal((await e.anon(work, ['map', 'init'])).code, 0);
  let r = await e.anon(work, ['map', 'add-study-folders', '-f', 'in.csv']);
  t.equal(r.code, 0, r.err);
  r = await e.anon(work, ['map', 'add-accession-numbers', '-f', 'acc.csv']);
  t.equal(r.code, 0, r.err);
  const m = readMapping(join(work, 'anon_mapping.csv'));
  t.same(
    m.rows.map((x) => [x.source, x.pseudo_id]),
    [
      ['fileselection:a/fileselection.txt', 'PAT-A'],
      ['accession_number:999', 'PAT-B'],
    ],
  );
  t.throws(() => jobParams(m.rows[0], m), /not a UNC path/, 'map init outside a share: create refuses relative roots');
  r = await e.anon(work, ['map', 'add-accession-numbers', '-f', 'acc.xlsx']);
  t.equal(r.code, 0, r.err);
  t.same(
    readMapping(join(work, 'anon_mapping.csv'))
      .rows.slice(2)
      .map((x) => x.source),
    ['accession_number:12345', 'accession_number:AB.77', 'accession_number:1.5'],
  );
  writeFileSync(join(work, 'x.ods'), '');
  r = await e.anon(work, ['map', 'add-accession-numbers', '-f', 'x.ods']);
  t.equal(r.code, 1);
  t.match(r.err, /unknown input file type/);
});
