import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t, { type Test } from 'tap';
import { writeInstances } from '../fixtures/instances.js';
import type { JobSpec } from '../src/job/task.js';
import { loadProfile } from '../src/profile/load.js';
import { runBatch, type RunOptions } from '../src/pool/batch.js';
import { INLINE_TASKS_PER_WORKER, openPool, prestartPool, releasePrestartedPool, workerCount } from '../src/pool/pool.js';
import { skipUnlessBuilt } from './helpers/root.js';
import { fileTree } from './helpers/tree.js';
import { tempDir } from './helpers/tmp.js';

const skip = skipUnlessBuilt();
const KEY = new Uint8Array(Buffer.from('inline-pool-test-secret-0123456'));

const tmp = (t: Test): string => tempDir(t, 'inline');

const batch = (d: string, name: string, threads: number, inline: boolean): RunOptions => ({
  inputs: [join(d, 'in')],
  out: join(d, name),
  layout: 'hierarchy',
  worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
  profileName: 'basic',
  profileOptions: [],
  threads,
  inline,
  reportDir: join(d, `${name}-report`),
});

function sameTrees(t: Test, a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  t.same([...b.keys()].sort(), [...a.keys()].sort(), `${what}: same output paths`);
  t.ok(
    [...a].every(([k, v]) => v.equals(b.get(k)!)),
    `${what}: every output identical`,
  );
}

t.test('workerCount → one worker fewer only when this thread is one of two or more', async (t) => {
  t.equal(workerCount(2, true), 1);
  t.equal(workerCount(4, true), 3);
  t.equal(workerCount(1, true), 1, 'one thread asked: the worker, this thread only feeds it');
  t.equal(workerCount(2, false), 2);
  t.equal(workerCount(0, true), 0);
});

t.test('more files at once than the workers hold, on an inline pool of 2 threads → 1 worker, the rest processed here, all written as with threads 0', { skip }, async (t) => {
  const d = tmp(t);
  const n = INLINE_TASKS_PER_WORKER + 4;
  writeInstances(join(d, 'in'), n, { study: '2.25.7070', patientName: 'Inline^Pool', patientId: 'IP-1', pixels: 512 });
  const files = readdirSync(join(d, 'in'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const tasks = files.map((e) => ({ path: join(e.parentPath, e.name), rel: relative(join(d, 'in'), join(e.parentPath, e.name)) }));
  t.equal(tasks.length, n);
  const spec = (out: string): JobSpec => ({ deid: { profile: loadProfile('basic'), key: KEY }, record: false, out: join(d, out), layout: 'hierarchy' });
  const results = async (out: string, threads: number, inline: boolean) => {
    const pool = await openPool(spec(out), threads, { inline });
    try {
      return { workers: pool.workers, slots: pool.slots, results: await Promise.all(tasks.map((task) => pool.run(task))) };
    } finally {
      await pool.close();
    }
  };
  const here = await results('inline', 2, true);
  const alone = await results('alone', 0, false);
  t.equal(here.workers, 1, 'one worker started');
  t.equal(here.slots, INLINE_TASKS_PER_WORKER + 2, "the worker's tasks and this thread's two");
  t.equal(alone.workers, 0);
  t.same(
    here.results.map((r) => r.outcome.status),
    tasks.map(() => 'written'),
    'every file written',
  );
  sameTrees(t, fileTree(join(d, 'alone')), fileTree(join(d, 'inline')), 'inline against threads 0');
});

t.test('a run inline, one not, and one claiming a prestarted pool → the same outputs and every file journaled once', { skip }, async (t) => {
  const d = tmp(t);
  writeInstances(join(d, 'in'), 6, { study: '2.25.7071', patientName: 'Inline^Run', patientId: 'IR-1', pixels: 1024 });
  const pooled = await runBatch(batch(d, 'pooled', 2, false));
  const inline = await runBatch(batch(d, 'inline', 2, true));
  await prestartPool(2);
  const early = await runBatch(batch(d, 'early', 2, true));
  await releasePrestartedPool(); // claimed: nothing left
  for (const r of [pooled, inline, early]) {
    t.equal(r.status, 'SUCCEEDED');
    t.equal(r.anonymized_files.length, 6);
  }
  sameTrees(t, fileTree(join(d, 'pooled')), fileTree(join(d, 'inline')), 'inline against 2 workers');
  sameTrees(t, fileTree(join(d, 'pooled')), fileTree(join(d, 'early')), 'prestarted and claimed');
  const journaled = readFileSync(join(d, 'inline-report', 'journal.ndjson'), 'utf8')
    .trim()
    .split('\n');
  t.equal(new Set(journaled.map((l) => (JSON.parse(l) as { input: string }).input)).size, 6, 'each input journaled once');
});
