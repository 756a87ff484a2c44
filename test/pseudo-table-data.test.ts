import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readCsvRecords, sniffDelimiter, writeCsv } from '../src/pseudo/csv.js';
import { PseudoError } from '../src/pseudo/errors.js';
import { parseMappingGrid } from '../src/pseudo/mapping-grid.js';
import { pseudonymLookup } from '../src/pseudo/pseudonym-lookup.js';
import { parsePseudonymTableData, readPseudonymTableData } from '../src/pseudo/pseudonym-table-data.js';

const dir = mkdtempSync(join(tmpdir(), 'anonflow-table-data-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const MAPPING = [
  '## Description ##',
  'Mapping created February 12 2020 by z123',
  '## Options ##',
  'project,Wetenschap-Algemeen',
  '',
  '## Mapping ##',
  'source,pseudo_id,pseudo_name,description',
  'patient_id:MRN-1,P001,Anon^One,',
  'study_instance_uid:1.2.3,P002,Anon^Two,',
  'accession_number:A-9,P003,,',
  'folder:some/folder,P004,Anon^Four,',
  '',
].join('\r\n');

t.test('pseudonym table data after structuredClone → the same lookups', async (t) => {
  const file = join(dir, 'anon_mapping.csv');
  writeFileSync(file, MAPPING);
  const data = readPseudonymTableData(file);
  const copy = structuredClone(data);
  t.same(copy, data, 'the data survives structuredClone unchanged');
  t.not(copy, data, 'the clone is a copy');
  const before = pseudonymLookup(data);
  const after = pseudonymLookup(copy);
  const queries = [
    { patientId: 'MRN-1' },
    { patientId: 'MRN-1 ' },
    { studyInstanceUid: '1.2.3\0' },
    { accessionNumber: 'A-9' },
    { patientId: 'nobody', studyInstanceUid: 'x', accessionNumber: 'A-9' },
    { patientId: 'some/folder' },
    {},
  ];
  for (const q of queries) t.same(after.lookup(q), before.lookup(q), `lookup ${JSON.stringify(q)} answers the same after cloning`);
  t.same(after.lookup({ studyInstanceUid: '1.2.3' }), { id: 'P002', name: 'Anon^Two' }, 'cloned lookup by StudyInstanceUID → its pseudonym');
  t.same(after.lookup({ accessionNumber: 'A-9' }), { id: 'P003' }, 'cloned lookup with an empty name cell → ID only');
  t.same(after.get('MRN-1'), { id: 'P001', name: 'Anon^One' }, 'cloned get(original Patient ID) → its pseudonym');
  t.equal(after.lookup({ patientId: 'some/folder' }), undefined, 'a folder: source is not looked up by DICOM attributes');
});

t.test('pseudonymLookup with the same source twice → the first entry wins', async (t) => {
  const data = parsePseudonymTableData('source,pseudo_id\npatient_id:X1,P1\npatient_id:X1,P1\n');
  t.equal(data.entries.length, 1, 'identical duplicates are kept once in the data');
  t.same(pseudonymLookup(data).get('X1'), { id: 'P1', name: 'P1' }, 'the lookup answers the kept entry');
});

t.test('readCsvRecords', async (t) => {
  const fail = (line: number, msg: string): Error => new Error(`line ${line}: ${msg}`);
  t.equal(sniffDelimiter('a;b;"c,d,e"'), ';', 'sniffDelimiter more ; than , outside quotes → ;');
  t.equal(sniffDelimiter('a,b;c'), ',', 'sniffDelimiter a tie → ,');
  t.same(
    readCsvRecords('pre "amble\nx;y\n\n"a\nb";c\nd;e\n', { fromLine: 2, fail }),
    [
      { fields: ['x', 'y'], line: 2 },
      { fields: ['a\nb', 'c'], line: 4 },
      { fields: ['d', 'e'], line: 6 },
    ],
    'readCsvRecords from a line, past a stray quote above it → records with their first line',
  );
  t.same(
    readCsvRecords('a,b\r\n\r\nc,d', { keepBlankLines: true, fail }).map((r) => r.fields),
    [['a', 'b'], [''], ['c', 'd']],
    'readCsvRecords keepBlankLines → a blank line is a record',
  );
  t.throws(() => readCsvRecords('a,b\n\n"x\n', { fail }), /line 3: unterminated quoted field/, 'readCsvRecords unterminated quote → the line it opens on');
  t.throws(() => readCsvRecords('a,b\n"x" y,z\n', { fail }), /line 2: text after a closing quote/, 'readCsvRecords text after a closing quote → an error on its line');
});

t.test('writeCsv', async (t) => {
  t.equal(
    writeCsv([
      ['id_old', 'id_new'],
      ['a,b', ' c'],
      ['x;y', 'q"'],
    ]),
    'id_old,id_new\n"a,b"," c"\nx;y,"q"""\n',
    'writeCsv quotes , " and surrounding spaces, \\n line ends',
  );
  t.equal(writeCsv([['x;y', '']], { eol: '\r\n', quoteSemicolons: true }), '"x;y",\r\n', 'writeCsv anonapi style → CRLF and quoted ;');
  const rows = [
    ['source', 'pseudo_id', 'description'],
    ['folder:a b', 'P1', 'has "quotes", commas; and\nbreaks'],
  ];
  const text = `## Mapping ##\r\n${writeCsv(rows, { eol: '\r\n', quoteSemicolons: true })}`;
  t.same(
    parseMappingGrid(text).rows[0].cells,
    { source: 'folder:a b', pseudo_id: 'P1', description: 'has "quotes", commas; and\nbreaks' },
    'writeCsv output reads back through the mapping reader',
  );
});

t.test('parsePseudonymTableData errors → PseudoError with file and line', async (t) => {
  try {
    parsePseudonymTableData('source,pseudo_id\npatient_id:X1,"P1" x\n', 'm.csv');
    t.fail('expected an error');
  } catch (e) {
    t.ok(e instanceof PseudoError, 'a PseudoError');
    t.match(e, { code: 'PSEUDONYM_TABLE', file: 'm.csv', line: 2 }, 'text after a closing quote → PSEUDONYM_TABLE at its line');
  }
});
