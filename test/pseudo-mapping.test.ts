import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import t from 'tap';
import { csvField } from '../src/pseudo/csv.js';
import { exportMidiB, MappingRecorder } from '../src/pseudo/mapping.js';
import { readPseudonymTable } from '../src/pseudo/pseudonym-table.js';
import { pseudoUID } from '../src/pseudo/uid.js';

const base = mkdtempSync(join(tmpdir(), 'anonflow-mapping-'));
t.teardown(() => rmSync(base, { recursive: true, force: true }));
const posix = process.platform !== 'win32';
const mode = (p: string): number => statSync(p).mode & 0o777;
const K = Buffer.from('project-secret-one-0123456789');

t.test('MappingRecorder', async (t) => {
  const r = new MappingRecorder();
  r.addUID('1.2.3', '2.25.1');
  r.addUID('1.2.3', '2.25.1');
  r.addUID('1.2.4', '2.25.2');
  r.addUID('1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.2');
  r.addPatient('MRN-1', 'ANON1');
  t.same(r.size, { uids: 2, patientIds: 1 }, 'MappingRecorder deduplicates and skips unchanged values');

  const w1 = new MappingRecorder();
  w1.addUID('1.2.4', '2.25.2');
  w1.addUID('1.2.5', '2.25.3');
  w1.addPatient('MRN-2', 'ANON2');
  const json = JSON.parse(JSON.stringify(w1.toJSON()));
  r.merge(json);
  r.merge(json);
  t.same(r.size, { uids: 3, patientIds: 2 }, 'MappingRecorder merge of a worker result (through JSON) is idempotent');
  t.same(
    r.entries('uids'),
    [
      ['1.2.3', '2.25.1'],
      ['1.2.4', '2.25.2'],
      ['1.2.5', '2.25.3'],
    ],
    'MappingRecorder entries are sorted by original',
  );
  t.same(MappingRecorder.fromJSON(r.toJSON()).toJSON(), r.toJSON(), 'MappingRecorder fromJSON(toJSON()) round-trips');
  const other = new MappingRecorder().merge(w1);
  t.same(other.size, { uids: 2, patientIds: 1 }, 'MappingRecorder merge accepts a recorder');

  const d = w1.drain();
  t.equal(d.uids.length, 2, 'MappingRecorder drain returns the content');
  t.same(w1.size, { uids: 0, patientIds: 0 }, 'MappingRecorder drain empties the recorder');

  r.addPatient('MRN-1', 'OTHER');
  t.equal(r.conflicts.count, 1, 'MappingRecorder one original with two replacements → a conflict');
  t.same(r.conflicts.samples[0], { kind: 'patientIds', original: 'MRN-1', kept: 'ANON1', other: 'OTHER' }, 'MappingRecorder conflict keeps the first replacement');
  const m = new MappingRecorder().merge(r.toJSON());
  t.equal(m.conflicts.count, 1, 'MappingRecorder conflicts survive a merge');

  const small = new MappingRecorder({ limit: 3 });
  for (let i = 0; i < 10; i++) small.addUID(`1.${i}`, `2.25.${i}`);
  small.addUID('1.0', '2.25.0');
  t.same(small.size, { uids: 3, patientIds: 0 }, 'MappingRecorder keeps at most `limit` entries per kind');
  t.same(small.dropped, { uids: 7, patientIds: 0 }, 'MappingRecorder counts what it dropped');
  t.same(new MappingRecorder().merge(small.toJSON()).dropped, { uids: 7, patientIds: 0 }, 'MappingRecorder dropped counts survive a merge');

  const big = new MappingRecorder();
  for (let i = 0; i < 100_000; i++) big.addUID(`1.2.826.0.1.${i}`, pseudoUID(K, `1.2.826.0.1.${i}`));
  t.equal(big.size.uids, 100_000, 'MappingRecorder holds 10^5 UID mappings');
});

t.test('exportMidiB', async (t) => {
  const out = join(base, 'out');
  mkdirSync(join(out, 'sub'), { recursive: true });
  const r = new MappingRecorder();
  r.addUID('1.2.3', '2.25.1');
  r.addUID('1.2.10', '2.25.2');
  r.addPatient('MRN,1', 'ANON1');
  r.addPatient('He said "hi"', 'ANON2');
  r.addPatient(' padded', 'ANON3');

  const forbiddenRoots = [out];
  for (const bad of [out, join(out, 'sub'), join(out, 'new', 'deeper'), join(out, 'sub', '..', 'x'), relative(process.cwd(), join(out, 'rel'))]) {
    t.throws(() => exportMidiB(r, bad, { forbiddenRoots }), { code: 'MAPPING_PATH' }, `exportMidiB refuses ${bad} inside the output tree`);
  }
  if (posix) {
    const link = join(base, 'link-to-out');
    symlinkSync(out, link);
    t.throws(() => exportMidiB(r, join(link, 'maps'), { forbiddenRoots }), { code: 'MAPPING_PATH' }, 'exportMidiB refuses a path reaching the output tree through a symlink');
    t.throws(() => exportMidiB(r, join(out, 'maps'), { forbiddenRoots: [link] }), { code: 'MAPPING_PATH' }, 'exportMidiB refuses when the forbidden root is given as a symlink');
  }
  t.same(readdirSync(out).sort(), ['sub'], 'exportMidiB a refused export writes nothing');

  const maps = join(base, 'out-maps'); // shares the prefix "out" but is not inside it
  const res = exportMidiB(r, maps, { forbiddenRoots });
  t.same(
    res,
    { uidFile: join(maps, 'uid_mapping.csv'), patidFile: join(maps, 'patid_mapping.csv'), uidRows: 2, patidRows: 3, dropped: { uids: 0, patientIds: 0 } },
    'exportMidiB result',
  );
  t.equal(readFileSync(res.uidFile, 'utf8'), 'id_old,id_new\n1.2.10,2.25.2\n1.2.3,2.25.1\n', 'exportMidiB uid_mapping.csv: header id_old,id_new, rows sorted');
  t.equal(
    readFileSync(res.patidFile, 'utf8'),
    'id_old,id_new\n" padded",ANON3\n"He said ""hi""",ANON2\n"MRN,1",ANON1\n',
    'exportMidiB patid_mapping.csv: fields CSV-quoted where needed',
  );
  if (posix) {
    t.equal(mode(res.uidFile), 0o600, 'exportMidiB uid_mapping.csv has mode 0600');
    t.equal(mode(res.patidFile), 0o600, 'exportMidiB patid_mapping.csv has mode 0600');
    t.equal(mode(maps), 0o700, 'exportMidiB creates the folder 0700');
  }
  const back = readPseudonymTable(res.patidFile);
  t.same(back.get('MRN,1'), { id: 'ANON1', name: 'ANON1' }, 'exportMidiB patid_mapping.csv reads back as a pseudonym table');
  t.same(back.get('He said "hi"'), { id: 'ANON2', name: 'ANON2' }, 'exportMidiB quoted original reads back');

  const again = join(base, 'existing');
  mkdirSync(again);
  writeFileSync(join(again, 'uid_mapping.csv'), 'old\n', { mode: 0o644 });
  if (posix) chmodSync(join(again, 'uid_mapping.csv'), 0o644);
  exportMidiB(r, again, { forbiddenRoots });
  if (posix) t.equal(mode(join(again, 'uid_mapping.csv')), 0o600, 'exportMidiB replacing a 0644 file leaves a 0600 file');
  t.match(readFileSync(join(again, 'uid_mapping.csv'), 'utf8'), /^id_old,id_new\n/, 'exportMidiB replaces an existing file');
  t.same(readdirSync(again).sort(), ['patid_mapping.csv', 'uid_mapping.csv'], 'exportMidiB leaves no temporary files');

  const empty = exportMidiB(new MappingRecorder(), join(base, 'empty'), { forbiddenRoots });
  t.equal(readFileSync(empty.uidFile, 'utf8'), 'id_old,id_new\n', 'exportMidiB empty recorder → header only');
});

t.test('csvField', async (t) => {
  t.equal(csvField('2.25.123'), '2.25.123', 'csvField plain value unquoted');
  t.equal(csvField('a,b'), '"a,b"', 'csvField comma → quoted');
  t.equal(csvField('a"b'), '"a""b"', 'csvField quote → doubled and quoted');
  t.equal(csvField('a\nb'), '"a\nb"', 'csvField newline → quoted');
  t.equal(csvField('a '), '"a "', 'csvField trailing space → quoted');
});
