import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { PseudoError } from '../src/pseudo/errors.js';
import { readPseudonymTable } from '../src/pseudo/pseudonym-table.js';

const dir = mkdtempSync(join(tmpdir(), 'anonflow-table-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string | Buffer): string => {
  const p = join(dir, `map${n++}.csv`);
  writeFileSync(p, text);
  return p;
};
const caught = (f: () => unknown): PseudoError => {
  try {
    f();
  } catch (e) {
    if (e instanceof PseudoError) return e;
    throw e;
  }
  throw new Error('expected a PseudoError');
};

// The anonapi mapping file exactly as shared/api/README.md §2.1 shows it, with the CRLF line ends
// and the blank line after the options that anonapi writes.
const ANONAPI = [
  '## Description ##',
  'Mapping created February 12 2020 by z123',
  '## Options ##',
  'root_source_path,\\\\server\\share2\\data',
  'project,Wetenschap-Algemeen',
  'destination_path,\\\\server\\share\\folder',
  'pims_key,555',
  '',
  '## Mapping ##',
  'source,pseudo_id,pseudo_name,description',
  'folder:example/folder1,001,Patient1,All files from folder1',
  'study_instance_uid:123.12178,002,Patient2,A StudyInstanceUID from PACS',
  'accession_number:12345678.1234567,003,Patient3,An AccessionNumber from PACS',
  'fileselection:a/fileselection.txt,004,Patient4,A selection of files in a',
  '',
].join('\r\n');

t.test('readPseudonymTable anonapi mapping format', async (t) => {
  const p = file(ANONAPI);
  const tab = readPseudonymTable(p);
  t.equal(tab.file, p, 'readPseudonymTable remembers the file');
  t.equal(tab.description, 'Mapping created February 12 2020 by z123', 'readPseudonymTable reads the description');
  t.same(
    tab.options,
    { root_source_path: '\\\\server\\share2\\data', project: 'Wetenschap-Algemeen', destination_path: '\\\\server\\share\\folder', pims_key: '555' },
    'readPseudonymTable reads the options',
  );
  t.equal(tab.entries.length, 4, 'readPseudonymTable anonapi example → 4 rows');
  t.same(
    tab.entries[0],
    { source: { type: 'folder', value: 'example/folder1' }, id: '001', name: 'Patient1', description: 'All files from folder1', line: 11 },
    'readPseudonymTable folder row with its line number',
  );
  t.same(tab.lookup({ studyInstanceUid: '123.12178' }), { id: '002', name: 'Patient2' }, 'readPseudonymTable lookup by StudyInstanceUID');
  t.same(tab.lookup({ studyInstanceUid: '123.12178\0' }), { id: '002', name: 'Patient2' }, 'readPseudonymTable lookup ignores UI padding');
  t.same(tab.lookup({ accessionNumber: '12345678.1234567' }), { id: '003', name: 'Patient3' }, 'readPseudonymTable lookup by AccessionNumber');
  t.same(
    tab.lookup({ patientId: 'nobody', studyInstanceUid: 'x', accessionNumber: '12345678.1234567' }),
    { id: '003', name: 'Patient3' },
    'readPseudonymTable lookup falls through to the next attribute',
  );
  t.equal(tab.get('001'), undefined, 'readPseudonymTable get() does not confuse a pseudonym with an original ID');
  t.equal(tab.lookup({}), undefined, 'readPseudonymTable lookup with nothing → undefined');
  t.equal(tab.entries[3].source.type, 'fileselection', 'readPseudonymTable fileselection source kept');
});

t.test('readPseudonymTable patient_id sources', async (t) => {
  const p = file('## Description ##\n## Options ##\n## Mapping ##\nsource,pseudo_id,pseudo_name\npatient_id:MRN-1,P001,Anon^One\npatient_id: MRN-2 ,P002,\n');
  const tab = readPseudonymTable(p);
  t.same(tab.get('MRN-1'), { id: 'P001', name: 'Anon^One' }, 'readPseudonymTable get(original ID) with a patient_id: source');
  t.same(tab.get('MRN-1 '), { id: 'P001', name: 'Anon^One' }, 'readPseudonymTable get() ignores LO padding');
  t.same(tab.get('MRN-2'), { id: 'P002' }, 'readPseudonymTable empty pseudo_name cell → name undefined');
  t.same(tab.lookup({ patientId: 'MRN-1', studyInstanceUid: '9.9' }), { id: 'P001', name: 'Anon^One' }, 'readPseudonymTable lookup by patient ID');
  t.equal(tab.get('MRN-3'), undefined, 'readPseudonymTable unknown ID → undefined');
  t.equal(tab.get(''), undefined, 'readPseudonymTable empty ID → undefined');
});

t.test('readPseudonymTable messy variants', async (t) => {
  const semi = file(
    '\uFEFF## Description ##;;;\r\nmade by hand\r\n## Options ##;;;\r\nproject;Wetenschap-Algemeen\r\n;;;\r\n## Mapping ##;;;\r\n' +
      '"Source" ; "Pseudo ID" ; "Pseudo Name" ; "DESCRIPTION"\r\n' +
      '"study_instance_uid:1.2.3" ; "P1" ; "Doe^Anon" ; "has ; inside"\r\n' +
      ';;;\r\n' +
      'accession_number:A-9 ; P2 ; "Quote ""x""" ;\r\n',
  );
  const a = readPseudonymTable(semi);
  t.same(a.lookup({ studyInstanceUid: '1.2.3' }), { id: 'P1', name: 'Doe^Anon' }, 'readPseudonymTable semicolons, BOM, CRLF, quoted headers with case and spaces');
  t.equal(a.entries[0].description, 'has ; inside', 'readPseudonymTable quoted field keeps its delimiter');
  t.same(a.lookup({ accessionNumber: 'A-9' }), { id: 'P2', name: 'Quote "x"' }, 'readPseudonymTable doubled quotes and trailing empty cells');
  t.same(a.options, { project: 'Wetenschap-Algemeen' }, 'readPseudonymTable separator-only option lines ignored');
  t.equal(a.entries[1].line, 10, 'readPseudonymTable line numbers count from the top of the file');

  const legacy = file('## Description ##\n## Options ##\n## Mapping ##\nSOURCE, PATIENT_ID, patient name\nstudy_instance_uid:1.2.4, L1, Legacy^Name\n');
  t.same(
    readPseudonymTable(legacy).lookup({ studyInstanceUid: '1.2.4' }),
    { id: 'L1', name: 'Legacy^Name' },
    'readPseudonymTable legacy column names patient_id / patient_name (= the pseudonyms)',
  );

  const plain = file('id_old,id_new\r\nMRN-1,ANONAAAA\r\n"MRN,2",ANONBBBB\r\n');
  const p = readPseudonymTable(plain);
  t.same(p.get('MRN-1'), { id: 'ANONAAAA', name: 'ANONAAAA' }, 'readPseudonymTable plain id_old,id_new CSV (no sections); name copied from the ID');
  t.same(p.get('MRN,2'), { id: 'ANONBBBB', name: 'ANONBBBB' }, 'readPseudonymTable plain CSV quoted original with a comma');

  const plain2 = file('\n\nsource,pseudo_id,pseudo_name,description\npatient_id:X1,Q1,Q^One,"multi\nline"\npatient_id:X2,Q2,Q^Two,\n');
  const q = readPseudonymTable(plain2);
  t.same(q.get('X2'), { id: 'Q2', name: 'Q^Two' }, 'readPseudonymTable plain anonapi grid without section headers');
  t.equal(q.entries[0].description, 'multi\nline', 'readPseudonymTable quoted line break inside a field');
  t.equal(q.entries[1].line, 6, 'readPseudonymTable line numbers after a multi-line field');

  const nameOnly = file('source,pseudo_name\npatient_id:X1,OnlyName\n');
  t.same(readPseudonymTable(nameOnly).get('X1'), { id: 'OnlyName', name: 'OnlyName' }, 'readPseudonymTable only pseudo_name column → used as the ID too (anonapi rule)');
  const emptyId = file('source,pseudo_id,pseudo_name\npatient_id:X1,,Name1\n');
  t.same(readPseudonymTable(emptyId).get('X1'), { id: 'Name1', name: 'Name1' }, 'readPseudonymTable empty pseudo_id cell → the name');

  const latin1 = file(Buffer.concat([Buffer.from('source,pseudo_id,pseudo_name\npatient_id:X1,P1,M'), Buffer.from([0xfc]), Buffer.from('ller^A\n')]));
  t.same(readPseudonymTable(latin1).get('X1'), { id: 'P1', name: 'Müller^A' }, 'readPseudonymTable a Latin-1 file (not UTF-8) is decoded as Latin-1');

  const dup = file('source,pseudo_id\npatient_id:X1,P1\npatient_id:X1,P1\n');
  t.equal(readPseudonymTable(dup).entries.length, 1, 'readPseudonymTable identical duplicate rows accepted once');
  const multi = file('source,pseudo_id\nstudy_instance_uid:1.1,P1\nstudy_instance_uid:1.2,P1\n');
  t.equal(readPseudonymTable(multi).entries.length, 2, 'readPseudonymTable several studies of one pseudonym are fine');
});

t.test('readPseudonymTable errors name the file and line', async (t) => {
  const check = (text: string, line: number, re: RegExp, label: string): void => {
    const p = file(text);
    const e = caught(() => readPseudonymTable(p));
    t.equal(e.code, 'PSEUDONYM_TABLE', `${label} → PSEUDONYM_TABLE`);
    t.equal(e.file, p, `${label}: error names the file`);
    t.equal(e.line, line, `${label}: error names line ${line}`);
    t.match(e.message, re, `${label}: message says why`);
    t.ok(e.message.startsWith(`${p}:${line}: `), `${label}: message starts with file:line`);
  };
  check('source,pseudo_id\npatient_id:X1,P1\npatient_id:X1,P2\n', 3, /"P2" here but "P1" on line 2/, 'readPseudonymTable duplicate original with different pseudonyms');
  check('id_old;id_new\nA;P1\nB;P2\n a ;P3\nA ;P9\n', 5, /patient_id:A is given pseudonym "P9"/, 'readPseudonymTable duplicate after padding is removed');
  check('## Description ##\n## Options ##\n## Mapping ##\nsource,pseudo_id,age\n', 4, /unknown column "age"/, 'readPseudonymTable unknown column');
  check('source,pseudo_id\nfolder:a,P1\nseries:1.2,P2\n', 3, /source "series:1.2" must be <type>:<value>/, 'readPseudonymTable unknown source type');
  check('source,pseudo_id\nMRN-1,P1\n', 2, /must be <type>:<value>/, 'readPseudonymTable source without a type');
  check('source,pseudo_id\npatient_id:X,P1,extra\n', 2, /3 values but 2 column headers/, 'readPseudonymTable more values than headers');
  check('## Description ##\nx\n## Options ##\nproject,p\nsource,pseudo_id\n', 3, /"## Mapping ##" not found/, 'readPseudonymTable sections without ## Mapping ##');
  check('## Mapping ##\nsource,pseudo_id\n## Options ##\n', 3, /must come before/, 'readPseudonymTable sections out of order');
  check('source,pseudo_id,pseudo_name\npatient_id:X1,,\n', 2, /no pseudonym for patient_id:X1/, 'readPseudonymTable row without a pseudonym');
  check('source,pseudo_id\npatient_id:X1,P\\1\n', 2, /not a valid LO/, 'readPseudonymTable pseudo ID with a backslash');
  check(`source,pseudo_id\npatient_id:X1,${'P'.repeat(65)}\n`, 2, /not a valid LO/, 'readPseudonymTable pseudo ID over 64 characters');
  check('source,pseudo_id,pseudo_name\npatient_id:X1,P1,A=B=C=D\n', 2, /not a valid PN/, 'readPseudonymTable pseudo name with 4 groups');
  check('source,description\npatient_id:X1,x\n', 1, /no "pseudo_id" or "pseudo_name" column/, 'readPseudonymTable no pseudonym column');
  check('pseudo_id,pseudo_name\nP1,N1\n', 1, /no "source" \(or "id_old"\) column/, 'readPseudonymTable no source column');
  check('source,pseudo_id,patient_id\n', 1, /mean the same thing/, 'readPseudonymTable pseudo_id and legacy patient_id together');
  check('source,pseudo_id\npatient_id:X1,"P1\n', 2, /unterminated quoted field/, 'readPseudonymTable unterminated quote');
  check('## Mapping ##\n\n', 2, /no header row/, 'readPseudonymTable empty mapping section');

  const missing = join(dir, 'absent.csv');
  const e = caught(() => readPseudonymTable(missing));
  t.equal(e.code, 'PSEUDONYM_TABLE', 'readPseudonymTable missing file → PSEUDONYM_TABLE');
  t.equal(e.file, missing, 'readPseudonymTable missing file: error names the file');
});
