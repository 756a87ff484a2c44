/**
 * Nothing under the inputs is dropped in silence and no bad path aborts a run (issue 13): the walk
 * reports missing inputs, unreadable folders, dangling links, FIFOs, links leading out of the
 * inputs and link loops as items with an outcome, and a run journals and reports every one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildDicom } from '../fixtures/build.js';
import { walkAll, type WalkItem } from '../src/io/walk.js';
import { parseDicom } from '../src/dicom/file.js';
import { DicomError } from '../src/dicom/errors.js';
import { runBatch } from '../src/pool/batch.js';
import { loadProfile } from '../src/profile/load.js';
import { fromRoot } from './helpers/root.js';
import { tempDir } from './helpers/tmp.js';

const built = existsSync(fromRoot('dist/src/pool/worker.js'));
const KEY = new Uint8Array(Buffer.from('walk-test-secret-0123456789'));
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

const tmp = (t: Test): string => tempDir(t, 'walk');

const dicom = (): Buffer =>
  buildDicom({
    elements: [
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: 0x00080018, vr: 'UI', value: '2.25.77' },
      { tag: 0x00100010, vr: 'PN', value: 'Walk^Test' },
    ],
  });

/** in/ with a file, a sub folder, links in and out, a loop, a dangling link and (where mkfifo exists) a FIFO. */
function tree(d: string): string {
  const inp = join(d, 'in');
  mkdirSync(join(inp, 'sub'), { recursive: true });
  mkdirSync(join(d, 'elsewhere'));
  writeFileSync(join(inp, 'a.dcm'), dicom());
  writeFileSync(join(inp, 'sub', 'b.dcm'), dicom());
  writeFileSync(join(d, 'elsewhere', 'c.dcm'), dicom());
  symlinkSync(join(inp, 'sub', 'b.dcm'), join(inp, 'link-in.dcm'));
  symlinkSync(join(d, 'elsewhere', 'c.dcm'), join(inp, 'link-out.dcm'));
  symlinkSync(inp, join(inp, 'sub', 'loop'));
  symlinkSync(join(d, 'nowhere.dcm'), join(inp, 'dangling.dcm'));
  if (hasMkfifo) spawnSync('mkfifo', [join(inp, 'pipe')]);
  return inp;
}

const collect = async (inputs: string[]): Promise<WalkItem[]> => {
  const out: WalkItem[] = [];
  for await (const i of walkAll(inputs)) out.push(i);
  return out;
};

t.test('walkAll over links, a loop, a dangling link and a FIFO → every entry once, with an outcome', async (t) => {
  const d = tmp(t);
  const inp = tree(d);
  const items = await collect([inp]);
  const by = (name: string): WalkItem | undefined => items.find((i) => i.path === join(inp, name));
  t.equal(by('a.dcm')?.kind, 'file', 'a plain file');
  t.equal(by('sub/b.dcm')?.kind, 'file', 'a file in a sub folder');
  t.equal(by('link-in.dcm')?.kind, 'file', 'a link to a file inside the inputs is followed');
  t.match(by('link-out.dcm'), { kind: 'problem', status: 'skipped', reason: /outside the input folders/ }, 'a link leading out is skipped with a reason');
  t.match(by('sub/loop'), { kind: 'problem', status: 'skipped', reason: /already walked/ }, 'a loop is detected');
  t.match(by('dangling.dcm'), { kind: 'problem', status: 'failed', reason: /dangling/ }, 'a dangling link fails');
  if (hasMkfifo) t.match(by('pipe'), { kind: 'problem', status: 'skipped', reason: /FIFO/ }, 'a FIFO is skipped with a reason');
  t.equal(new Set(items.map((i) => i.path)).size, items.length, 'no entry twice');
});

t.test('walkAll with a missing input → a failed INPUT_MISSING item, and the other inputs walked', async (t) => {
  const d = tmp(t);
  const inp = tree(d);
  const items = await collect([join(d, 'missing'), inp]);
  t.match(items[0], { kind: 'problem', status: 'failed', code: 'INPUT_MISSING', path: join(d, 'missing') });
  t.ok(
    items.some((i) => i.path === join(inp, 'a.dcm')),
    'the next input is walked',
  );
});

t.test('walkAll with links not followed → each link skipped with a reason', async (t) => {
  const d = tmp(t);
  const inp = tree(d);
  const items: WalkItem[] = [];
  for await (const i of walkAll([inp], { followSymlinks: false })) items.push(i);
  t.match(
    items.find((i) => i.path === join(inp, 'link-in.dcm')),
    { kind: 'problem', status: 'skipped', reason: /not followed/ },
  );
});

t.test('a run over links, a loop, a FIFO and a missing input → every entry journaled and reported, the run completes', { skip: built ? false : 'dist/ not built' }, async (t) => {
  const d = tmp(t);
  const inp = tree(d);
  const report = await runBatch({
    inputs: [inp, join(d, 'missing')],
    out: join(d, 'out'),
    layout: 'mirror',
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 0,
    reportDir: join(d, 'report'),
  });
  const journal = readFileSync(join(d, 'report', 'journal.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { path: string; status: string });
  const expected = 7 + (hasMkfifo ? 1 : 0); // a, b, link-in, link-out, loop, dangling, missing (+ pipe)
  t.equal(journal.length, expected, 'one journal line per entry');
  t.equal(report.anonymized_files.length, 3, 'a, b and the followed link written');
  t.ok(report.skipped.some((s) => /FIFO/.test(s.reason)) || !hasMkfifo, 'the FIFO is in the report');
  t.ok(
    report.failures.some((f) => f.path === join(d, 'missing')),
    'the missing input is a failure in the report',
  );
  t.equal(report.status, 'FAILED', 'failures make the run FAILED, not a crash');
});

t.test('a preamble whose DICM marker is damaged, followed by a file meta group → BAD_META, not "not DICOM"', async (t) => {
  const b = dicom();
  b.write('DICN', 128, 'latin1');
  try {
    parseDicom(b);
    t.fail('parsed');
  } catch (e) {
    t.ok(e instanceof DicomError);
    t.equal((e as DicomError).code, 'BAD_META');
  }
});

t.test('a run whose output folder cannot be made → ends at once with a FAILED report saying why', { skip: built ? false : 'dist/ not built' }, async (t) => {
  const d = tmp(t);
  const inp = tree(d);
  writeFileSync(join(d, 'plain-file'), 'not a folder');
  const report = await runBatch({
    inputs: [inp],
    out: join(d, 'plain-file', 'out'),
    layout: 'mirror',
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 0,
    reportDir: join(d, 'report'),
  });
  t.equal(report.status, 'FAILED');
  t.match(report.results.error, /output folder .* cannot be written/);
  t.ok(existsSync(join(d, 'report', 'report.json')), 'report.json written');
});

t.test('a run whose report folder cannot be written → a usage error before any file is touched', { skip: built ? false : 'dist/ not built' }, async (t) => {
  const d = tmp(t);
  const inp = tree(d);
  writeFileSync(join(d, 'plain-file'), 'not a folder');
  await t.rejects(
    runBatch({
      inputs: [inp],
      out: join(d, 'out'),
      layout: 'mirror',
      worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
      profileName: 'basic',
      profileOptions: [],
      threads: 0,
      reportDir: join(d, 'plain-file', 'report'),
    }),
    { code: 'USAGE', message: /report folder .* cannot be written/ },
  );
  t.notOk(existsSync(join(d, 'out')), 'no output folder made');
});

t.test(
  'mirror layout over two folders holding the same relative path, and a file of that name → three outputs, none written over another',
  { skip: built ? false : 'dist/ not built' },
  async (t) => {
    const d = tmp(t);
    const uid = (n: number): Buffer =>
      buildDicom({
        elements: [
          { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
          { tag: 0x00080018, vr: 'UI', value: `2.25.78${n}` },
          { tag: 0x00100010, vr: 'PN', value: 'Walk^Test' },
        ],
      });
    for (const [i, dir] of ['A', 'B', 'C/A'].entries()) {
      mkdirSync(join(d, dir, 'sub'), { recursive: true });
      writeFileSync(join(d, dir, 'sub', 'x.dcm'), uid(i));
    }
    writeFileSync(join(d, 'x.dcm'), uid(9));
    const inputs = [join(d, 'A'), join(d, 'B'), join(d, 'C', 'A'), join(d, 'x.dcm'), join(d, 'A')];
    const report = await runBatch({
      inputs,
      out: join(d, 'out'),
      layout: 'mirror',
      worker: { deid: { profile: loadProfile('identity'), key: KEY }, record: false },
      profileName: 'identity',
      profileOptions: [],
      threads: 0,
      reportDir: join(d, 'report'),
    });
    t.equal(report.anonymized_files.length, 4, 'each input written once (the folder given twice walked once)');
    t.same(report.skipped, [], 'no input skipped as a duplicate');
    const sop = (p: string): string =>
      parseDicom(readFileSync(join(d, 'out', p)))
        .dataset.get(0x00080018)!
        .value!.toString('latin1')
        .replace(/\0$/, '');
    t.equal(sop('A/sub/x.dcm'), '2.25.780', 'A keeps its name');
    t.equal(sop('B/sub/x.dcm'), '2.25.781', 'B keeps its name');
    t.equal(sop('A-2/sub/x.dcm'), '2.25.782', 'a second input called A is A-2');
    t.equal(sop('x.dcm'), '2.25.789', 'a file given itself keeps its name');
  },
);
