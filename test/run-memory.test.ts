// What a batch keeps per file is bounded: the duplicate check holds a hash and a journal offset per
// output (not the path), a resumed run the same per input done before (not the entry), latencies
// go into a fixed histogram, notices are spooled like the lists.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { writeSeries } from '../fixtures/series.js';
import { DoneInputs } from '../src/job/done-inputs.js';
import { Journal } from '../src/job/journal.js';
import { LatencyHistogram } from '../src/job/latency.js';
import { ReportBuilder } from '../src/job/report-builder.js';
import type { RunReport } from '../src/job/report.js';
import { loadProfile } from '../src/profile/load.js';
import { runBatch } from '../src/pool/batch.js';
import { OutputClaims, pathHash } from '../src/pool/output-claims.js';
import { fromRoot } from './helpers/root.js';
import { tempDir } from './helpers/tmp.js';

const KEY = new Uint8Array(Buffer.from('run-memory-test-secret-0123456789'));

const tmp = (t: Test): string => tempDir(t, 'mem');

t.test('OutputClaims with every path hashing alike → duplicates found exactly, others not taken for duplicates', async (t) => {
  const d = tmp(t);
  const journal = new Journal(join(d, 'journal.ndjson'), false);
  t.teardown(() => journal.close());
  const claims = new OutputClaims(
    (at) => journal.outputAt(at),
    () => 7,
  );
  const paths = Array.from({ length: 50 }, (_, i) => `/out/p/st/se/${i}.dcm`);
  for (const p of paths) {
    t.notOk(claims.has(p), `${p} not yet claimed`);
    claims.add(p, journal.append({ input: `/in/${p}`, status: 'written', output: p, size: 1, entities: {} }));
  }
  t.ok(
    paths.every((p) => claims.has(p)),
    'every claimed path is found',
  );
  t.notOk(claims.has('/out/p/st/se/50.dcm'), 'an unclaimed path with the same hash is not a duplicate');
  claims.add('/out/unjournaled.dcm', undefined);
  t.ok(claims.has('/out/unjournaled.dcm'), 'a claim whose journal line failed is still found');
  t.equal(claims.size, 51);
});

t.test('OutputClaims over 20,000 paths → ≤ 32 bytes per claim, every one found, none invented', async (t) => {
  const d = tmp(t);
  const journal = new Journal(join(d, 'journal.ndjson'), false);
  t.teardown(() => journal.close());
  let reads = 0;
  const claims = new OutputClaims((at) => (reads++, journal.outputAt(at)));
  const path = (i: number): string => `/data/out/PAT${i % 97}/2.25.${i * 7919}/2.25.${i * 104729}/2.25.${i}.dcm`;
  const n = 20_000;
  for (let i = 0; i < n; i++) claims.add(path(i), journal.append({ input: `/in/${i}`, status: 'written', output: path(i), size: 1, entities: {} }));
  t.ok(claims.bytes / n <= 32, `${(claims.bytes / n).toFixed(1)} bytes per claim`);
  let found = 0;
  for (let i = 0; i < n; i += 97) found += claims.has(path(i)) ? 1 : 0;
  t.equal(found, Math.ceil(n / 97), 'claimed paths found');
  let invented = 0;
  for (let i = n; i < n + 5000; i++) invented += claims.has(path(i)) ? 1 : 0;
  t.equal(invented, 0, 'no unclaimed path taken for a duplicate');
  t.ok(reads < Math.ceil(n / 97) + 10, `journal read only to confirm a hash match (${reads} reads)`);
  t.not(pathHash(path(1)), pathHash(path(2)), 'different paths, different hashes');
});

t.test('DoneInputs with every input hashing alike → the last journal entry about an input decides, exactly', async (t) => {
  const d = tmp(t);
  const journal = new Journal(join(d, 'journal.ndjson'), false);
  t.teardown(() => journal.close());
  const done = new DoneInputs(
    (at) => journal.inputAt(at),
    () => 7,
  );
  const note = (input: string, state: 'redo' | 'skipped' | 'written'): number => {
    const at = journal.append(state === 'redo' ? { input, status: 'failed', code: 'X', message: 'x' } : { input, status: 'skipped', reason: 'r' });
    done.note(input, at, state);
    return at;
  };
  note('/in/a', 'written');
  const b = note('/in/b', 'skipped');
  note('/in/c', 'redo');
  note('/in/d', 'written');
  note('/in/d', 'redo'); // failed when redone: tried again
  note('/in/c', 'written'); // failed, then written by a resume
  t.ok(done.has('/in/a') && done.has('/in/b') && done.has('/in/c'), 'written and skipped inputs are done');
  t.notOk(done.has('/in/d'), 'an input whose last entry failed is redone');
  t.notOk(done.has('/in/e'), 'an input never journaled is not done');
  t.equal(done.size, 3);
  t.equal(done.written, 2);
  t.ok(done.decides('/in/b', b), 'the entry that made an input done is found by its offset');
  t.notOk(done.decides('/in/b', b + 1), 'another offset is not');
});

t.test('DoneInputs over 20,000 journaled inputs → ≤ 32 bytes per input, the journal read only to confirm a match', async (t) => {
  const d = tmp(t);
  const journal = new Journal(join(d, 'journal.ndjson'), false);
  t.teardown(() => journal.close());
  let reads = 0;
  const done = new DoneInputs((at) => (reads++, journal.inputAt(at)));
  const input = (i: number): string => `/data/in/patient-${i % 97}/study-${i % 13}/series-${i % 7}/IM${i}.dcm`;
  const n = 20_000;
  for (let i = 0; i < n; i++) done.note(input(i), journal.append({ input: input(i), status: 'skipped', reason: 'not DICOM' }), 'skipped');
  t.ok(done.bytes / n <= 32, `${(done.bytes / n).toFixed(1)} bytes per input`);
  t.ok(reads < 10, `loading read back ${reads} lines`);
  reads = 0;
  let found = 0;
  for (let i = 0; i < n; i += 97) found += done.has(input(i)) ? 1 : 0;
  t.equal(found, Math.ceil(n / 97), 'done inputs found');
  let invented = 0;
  for (let i = n; i < n + 5000; i++) invented += done.has(input(i)) ? 1 : 0;
  t.equal(invented, 0, 'no new input taken for a done one');
  t.ok(reads < Math.ceil(n / 97) + 10, `${reads} reads`);
});

t.test('Journal.done on a journal of every kind of entry → written with their output intact and skipped are done, the rest redone', async (t) => {
  const d = tmp(t);
  const path = join(d, 'journal.ndjson');
  const out = (name: string, bytes: number): string => (writeFileSync(join(d, name), Buffer.alloc(bytes)), join(d, name));
  const w = new Journal(path, false);
  w.append({ input: '/in/ok', status: 'written', output: out('ok.dcm', 10), size: 10, entities: {} });
  w.append({ input: '/in/cut', status: 'written', output: out('cut.dcm', 4), size: 10, entities: {} });
  w.append({ input: '/in/gone', status: 'written', output: out('gone.dcm', 10), size: 10, entities: {} });
  w.append({ input: '/in/skip', status: 'skipped', reason: 'not DICOM' });
  w.append({ input: '/in/fail', status: 'failed', code: 'DICOM_PARSE', message: 'bad' });
  w.append({ input: '/in/q', status: 'quarantined', reason: 'burned-in text' });
  w.close();
  unlinkSync(join(d, 'gone.dcm'));
  const again = new Journal(path, true);
  t.teardown(() => again.close());
  const done = again.done();
  t.same(
    ['/in/ok', '/in/cut', '/in/gone', '/in/skip', '/in/fail', '/in/q'].filter((i) => done.has(i)),
    ['/in/ok', '/in/skip'],
  );
  t.same(Journal.doneCounts(path), { done: 2, written: 1 });
  t.same(Journal.doneCounts(join(d, 'none.ndjson')), { done: 0, written: 0 }, 'no journal → nothing done');
});

t.test('LatencyHistogram on 20,000 latencies → p50 and p99 within 0.5 % of the exact ones', async (t) => {
  const h = new LatencyHistogram();
  const xs: number[] = [];
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20_000; i++) {
    const ms = 0.2 + 30 * rnd() ** 4; // a long tail, like real files
    xs.push(ms);
    h.add(ms);
  }
  xs.sort((a, b) => a - b);
  for (const p of [50, 99]) {
    const exact = xs[Math.floor((p / 100) * xs.length)];
    t.ok(Math.abs(h.percentile(p) - exact) / exact <= 0.005, `p${p}: ${h.percentile(p).toFixed(4)} against ${exact.toFixed(4)}`);
  }
  const one = new LatencyHistogram();
  one.add(3.25);
  t.equal(one.percentile(99), 3.25, 'a single latency is given back as it is');
  t.equal(new LatencyHistogram().percentile(50), 0, 'no latency → 0');
});

t.test('ReportBuilder with more notices than it keeps in memory → report.json lists them all, the returned report the first ones', async (t) => {
  const d = tmp(t);
  const b = new ReportBuilder(d, { id: 'notices-run', profile: 'basic', options: {} });
  const n = 1_005;
  for (let i = 0; i < n; i++)
    b.addEntry({ input: `/in/${i}`, status: 'written', output: `/out/${i}.dcm`, size: 1, entities: {}, notices: ['overlay removed, not cleaned'] }, false);
  const report = b.finish();
  b.close();
  t.equal(report.notices?.length, 1_000, 'returned report: the first 1,000');
  const saved = JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as RunReport;
  t.equal(saved.notices?.length, n, 'report.json: every notice');
  t.same(saved.notices?.[n - 1], { path: `/out/${n - 1}.dcm`, notice: 'overlay removed, not cleaned' });
  const none = new ReportBuilder(d, { id: 'quiet-run', profile: 'basic', options: {} });
  none.addEntry({ input: '/in/x', status: 'written', output: '/out/x.dcm', size: 1, entities: {} }, false);
  none.finish();
  none.close();
  t.notOk('notices' in (JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as object), 'no notice → no notices field');
});

t.test('run with two copies of one instance → one written, the other skipped as a duplicate; a resumed run still knows the claim', async (t) => {
  const d = tmp(t);
  const [one] = writeSeries(join(d, 'a'), 1, { rows: 16 }).files;
  mkdirSync(join(d, 'b'));
  copyFileSync(one, join(d, 'b', 'copy.dcm'));
  const base = {
    out: join(d, 'out'),
    layout: 'hierarchy' as const,
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 0,
  };
  const first = await runBatch({ ...base, inputs: [join(d, 'a'), join(d, 'b')], reportDir: join(d, 'r1') });
  t.equal(first.anonymized_files.length, 1, 'one written');
  t.match(first.skipped, [{ reason: /^duplicate: another input of this run has the same output / }], 'the other skipped as a duplicate');
  const partial = await runBatch({ ...base, out: join(d, 'out2'), inputs: [join(d, 'a')], reportDir: join(d, 'r2') });
  t.equal(partial.anonymized_files.length, 1);
  const resumed = await runBatch({ ...base, out: join(d, 'out2'), inputs: [join(d, 'a'), join(d, 'b')], reportDir: join(d, 'r2'), resume: true });
  t.equal(resumed.counts?.written, 1, 'the resumed input stays written');
  t.match(resumed.skipped, [{ path: join(d, 'b', 'copy.dcm'), reason: /^duplicate/ }], 'the new copy is a duplicate of the journaled output');
});

t.test(
  'heap growth held, then a pool worker started (Node resets V8 flags) → the main thread young generation does not grow, its old generation is collected near what it keeps',
  async (t) => {
    // a fresh process: this one's heap has grown already
    const d = tmp(t);
    const dist = (m: string): string => pathToFileURL(fromRoot('dist/src', m)).href;
    const script = `
    import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
    import { holdHeapGrowth } from '${dist('heap-growth.js')}';
    import { openPool } from '${dist('pool/pool.js')}';
    const space = (name, what) => getHeapSpaceStatistics().find((s) => s.space_name === name)[what];
    holdHeapGrowth();
    const pool = await openPool({ out: ${JSON.stringify(d)}, tmpDir: ${JSON.stringify(d)}, layout: 'hierarchy', record: false }, 1);
    const ran = await pool.run({ path: ${JSON.stringify(join(d, 'none.dcm'))}, rel: 'none.dcm' });
    await pool.close();
    // objects that survive a few scavenges, as a batch's results in flight do: promoted, then garbage
    const churn = (n, ring) => {
      const keep = new Array(ring);
      let oldPeak = 0;
      for (let i = 0; i < n; i++) {
        keep[i % ring] = { i, s: 'x' + i, a: [i, i + 1] };
        if (i % 1000 === 0) oldPeak = Math.max(oldPeak, space('old_space', 'space_used_size'));
      }
      return oldPeak;
    };
    // the old generation's growth past a live heap of some size (V8's own factor applies to it)
    const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: 'live' + i }));
    const oldGrowth = () => {
      gc();
      const base = space('old_space', 'space_used_size');
      return churn(2_000_000, 100_000) - base;
    };
    const young = space('new_space', 'space_size');
    churn(500_000, 20_000);
    const youngAfter = space('new_space', 'space_size');
    const held = oldGrowth();
    setFlagsFromString('--semi-space-growth-factor=2 --heap-growing-percent=0'); // V8's defaults
    const free = oldGrowth();
    console.log(JSON.stringify({ status: ran.outcome.status, young, youngAfter, held, free, live: live.length }));`;
    writeFileSync(join(d, 'probe.mjs'), script);
    // without the test runner's loader: plain Node, as bin/anon runs
    const r = spawnSync(process.execPath, ['--expose-gc', join(d, 'probe.mjs')], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    t.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { status: string; young: number; youngAfter: number; held: number; free: number };
    const MiB = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
    t.equal(m.status, 'failed', 'the worker ran (a missing file fails)');
    // V8 may shrink it (after a full collection), never grow it
    t.ok(m.youngAfter <= m.young, `young generation ${MiB(m.young)} → ${MiB(m.youngAfter)}`);
    // held: V8's floor, 8 MiB plus the young generation past what is alive; left to V8, a factor of it
    t.ok(m.held < m.free / 2, `old generation grew ${MiB(m.held)} held, ${MiB(m.free)} with V8's defaults`);
  },
);

t.test('bin/anon → sets the same heap growth flags as every pool worker, before it loads the CLI', async (t) => {
  const bin = readFileSync(fromRoot('bin/anon'), 'utf8');
  const { HOLD_HEAP_GROWTH } = await import('../src/heap-growth.js');
  const set = bin.indexOf(`setFlagsFromString('${HOLD_HEAP_GROWTH}')`);
  t.ok(set > 0, `bin/anon sets '${HOLD_HEAP_GROWTH}'`);
  t.ok(set < bin.indexOf("import('../dist/bundle/cli.js')"), 'before the CLI is imported');
});
