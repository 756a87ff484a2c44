// The thread that feeds a pool collects its old generation between results once it has grown a step
// past its last low (src/pool/heap-trim.ts): the collection comes when it should, and costs no file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeSeries } from '../fixtures/series.js';
import { loadProfile } from '../src/profile/load.js';
import { runBatch } from '../src/pool/batch.js';
import { heapTrimmer } from '../src/pool/heap-trim.js';
import { fileTree } from './helpers/tree.js';

const KEY = new Uint8Array(Buffer.from('run-memory-trim-test-secret-0123456789'));

const tmp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-trim-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const withStep = (t: Test, mb: string): void => {
  const was = process.env.ANON_HEAP_TRIM_MB;
  process.env.ANON_HEAP_TRIM_MB = mb;
  t.teardown(() => {
    if (was === undefined) delete process.env.ANON_HEAP_TRIM_MB;
    else process.env.ANON_HEAP_TRIM_MB = was;
  });
};

t.test('heapTrimmer with the old generation grown past its step → one full collection, then none until it grows again', async (t) => {
  withStep(t, '2');
  const trim = heapTrimmer();
  t.equal(trim(), false, 'the first idle point only takes the low');
  // survives many scavenges, so it is promoted: ~10 MiB of old generation
  const kept: { i: number; s: string }[] = [];
  for (let i = 0; i < 200_000; i++) kept.push({ i, s: `value ${i}` });
  t.equal(trim(), true, 'grown past the step → collected');
  t.equal(trim(), false, 'right after a collection → not again');
  t.equal(kept.length, 200_000, 'what is reachable stays');
  kept.length = 0;
  t.equal(trim(), false, 'shrunk → not collected, the low taken lower');
});

t.test('heapTrimmer with ANON_HEAP_TRIM_MB=Infinity → never collects', async (t) => {
  withStep(t, 'Infinity');
  const trim = heapTrimmer();
  trim();
  const kept: object[] = [];
  for (let i = 0; i < 200_000; i++) kept.push({ i });
  t.equal(trim(), false);
  t.equal(kept.length, 200_000);
});

t.test('run with a full collection between every result → every file written, byte-identical to a run without', async (t) => {
  const d = tmp(t);
  const { files } = writeSeries(join(d, 'in'), 12, { rows: 16 });
  const run = async (mb: string, name: string, threads: number): Promise<Map<string, Buffer>> => {
    process.env.ANON_HEAP_TRIM_MB = mb;
    const report = await runBatch({
      inputs: [join(d, 'in')],
      out: join(d, name),
      reportDir: join(d, `${name}-report`),
      layout: 'hierarchy',
      worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
      profileName: 'basic',
      profileOptions: [],
      threads,
    });
    t.equal(report.anonymized_files.length, files.length, `${name}: every file written`);
    return fileTree(join(d, name));
  };
  withStep(t, '');
  const every = await run('0', 'every', 1);
  // no pool, so no trimmer: the same outputs, whoever writes them
  const never = await run('Infinity', 'never', 0);
  t.equal(every.size, files.length);
  t.same([...every.keys()].sort(), [...never.keys()].sort(), 'the same outputs');
  t.ok(
    [...every].every(([k, b]) => b.equals(never.get(k)!)),
    'the same bytes',
  );
});
