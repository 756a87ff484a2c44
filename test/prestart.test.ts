import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeInstances } from '../fixtures/instances.js';
import { plainRunThreads } from '../src/cli/prestart.js';
import { loadProfile } from '../src/profile/load.js';
import { runBatch, type RunOptions } from '../src/pool/batch.js';
import { prestartPool, releasePrestartedPool } from '../src/pool/pool.js';
import { skipUnlessBuilt } from './helpers/root.js';
import { fileTree } from './helpers/tree.js';
import { tempDir } from './helpers/tmp.js';

const skip = skipUnlessBuilt();
const KEY = new Uint8Array(Buffer.from('prestart-test-secret-0123456789'));

const tmp = (t: Test): string => tempDir(t, 'prestart');

const batch = (d: string, name: string, threads: number): RunOptions => ({
  inputs: [join(d, 'in')],
  out: join(d, name),
  layout: 'hierarchy',
  worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
  profileName: 'basic',
  profileOptions: [],
  threads,
  reportDir: join(d, `${name}-report`),
});

t.test('plainRunThreads of a plain anon run → the threads it will open (the cores by default)', async (t) => {
  t.equal(plainRunThreads(['run', 'in', '--out', 'o']), availableParallelism());
  t.equal(plainRunThreads(['run', 'in', '--out', 'o', '--threads', '3']), 3);
  t.equal(plainRunThreads(['run', 'in', '--threads=2', '--quiet']), 2);
  t.equal(plainRunThreads(['run', '-j', '1', 'in']), 1);
  t.equal(plainRunThreads(['run', '-j4', 'in']), 4);
});

t.test('plainRunThreads of anything but a plain run with workers → undefined (no pool started early)', async (t) => {
  for (const argv of [
    ['watch', 'in', '--out', 'o'],
    ['run', '--help'],
    ['run', 'in', '-h'],
    ['run', 'in', '--out', 'o', '--threads', '0'],
    ['run', 'in', '--out', 'o', '--threads', 'two'],
    ['run', 'in', '--out', 'o', '--threads'],
    ['run', 'in', '--out', 'o', '-j', '1', '--threads', '2'],
    ['run', 'in', '--out', 'o', '-qj', '2'],
    ['run', 'in', '--out', 'o', '--queue', 'redis://127.0.0.1:6379'],
    ['run', '--pacs', 'http://127.0.0.1:8042/dicom-web', '--study', '1.2', '--out', 'o'],
    ['run', 'in', '--stow=http://127.0.0.1:8042/dicom-web'],
    ['run', '--', '--threads', '2'],
    ['--threads', '2', 'run', 'in'],
  ])
    t.equal(plainRunThreads(argv), undefined, argv.join(' '));
});

t.test('a pool started before its spec, then claimed by a run → the same outputs, byte for byte, as a pool opened with it', { skip }, async (t) => {
  const d = tmp(t);
  writeInstances(join(d, 'in'), 4, { study: '2.25.4242', patientName: 'Early^Pool', patientId: 'EP-1', pixels: 1024 });
  const plain = await runBatch(batch(d, 'plain', 2));
  await prestartPool(2);
  // prestarted pools are anon run's, whose main thread is one of the threads
  const early = await runBatch({ ...batch(d, 'early', 2), inline: true });
  t.equal(plain.status, 'SUCCEEDED');
  t.equal(early.status, 'SUCCEEDED');
  t.equal(early.anonymized_files.length, 4);
  const a = fileTree(join(d, 'plain'));
  const b = fileTree(join(d, 'early'));
  t.same([...b.keys()].sort(), [...a.keys()].sort(), 'same output paths');
  for (const [k, v] of a) t.ok(v.equals(b.get(k)!), `${k} identical`);
});

t.test('a pool started early for another thread count → ended unused, the run opens its own and completes', { skip }, async (t) => {
  const d = tmp(t);
  writeInstances(join(d, 'in'), 2, { pixels: 256 });
  await prestartPool(2);
  const report = await runBatch(batch(d, 'out', 1));
  t.equal(report.status, 'SUCCEEDED');
  t.equal(report.anonymized_files.length, 2);
  await releasePrestartedPool(); // nothing left to release: a no-op
});

t.test('a pool started early that no run claims → released, and a later run opens a fresh one', { skip }, async (t) => {
  const d = tmp(t);
  writeInstances(join(d, 'in'), 1, { pixels: 256 });
  await prestartPool(1);
  await releasePrestartedPool();
  const report = await runBatch(batch(d, 'out', 1));
  t.equal(report.status, 'SUCCEEDED');
  t.equal(report.anonymized_files.length, 1);
});
