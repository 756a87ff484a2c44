import { loadProfile } from '../src/profile/load.js';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeInstances } from '../fixtures/instances.js';

const writeSeriesN = (dir: string, n: number): void => writeInstances(dir, n, { study: '2.25.777', patientName: 'Resume^Test', patientId: 'RT-1', pixels: 64 * 1024 });
import { writeSample } from '../fixtures/sample.js';
import { UsageError } from '../src/errors.js';
import { runBatch as run, type RunEvent } from '../src/pool/batch.js';
import { cleanEnv } from './helpers/child-env.js';
import { fromRoot, skipUnlessBuilt } from './helpers/root.js';
import { tempDir } from './helpers/tmp.js';

const BIN = fromRoot('bin/anon');
const skip = skipUnlessBuilt();
const KEY = new Uint8Array(Buffer.from('run-test-secret-0123456789'));

const tmp = (t: Test): string => tempDir(t, 'run');

const countFiles = (dir: string): number => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;

t.test('run with worker threads → every input accounted for once, journal and report written', { skip }, async (t) => {
  const d = tmp(t);
  writeSample(join(d, 'in'));
  const events: RunEvent[] = [];
  const report = await run({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'hierarchy',
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 2,
    reportDir: join(d, 'report'),
    onEvent: (e) => events.push(e),
  });
  t.equal(report.status, 'SUCCEEDED');
  t.equal(report.results.samples_processed, 5);
  t.equal(report.anonymized_files.length + report.skipped.length, 5);
  t.equal(events.filter((e) => e.type === 'file').length, 5, 'one event per input');
  t.equal(events[0].type, 'start');
  t.equal(events.at(-1)!.type, 'end');
  t.equal(
    readFileSync(join(d, 'report', 'journal.ndjson'), 'utf8')
      .trim()
      .split('\n').length,
    5,
  );
  t.ok(report.performance && report.performance.p99_ms >= report.performance.p50_ms, 'latency percentiles');
  t.equal(countFiles(join(d, 'out')), 4);
});

t.test('run in-process (threads 0) → the same outputs as with workers', { skip }, async (t) => {
  const d = tmp(t);
  writeSample(join(d, 'in'));
  const common = {
    inputs: [join(d, 'in')],
    layout: 'hierarchy' as const,
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
  };
  const a = await run({ ...common, out: join(d, 'a'), threads: 0, reportDir: join(d, 'ra') });
  const b = await run({ ...common, out: join(d, 'b'), threads: 2, reportDir: join(d, 'rb') });
  const rel = (p: string, root: string): string => p.slice(root.length);
  t.same(a.anonymized_files.map((f) => rel(f.path, join(d, 'a'))).sort(), b.anonymized_files.map((f) => rel(f.path, join(d, 'b'))).sort());
  for (const f of a.anonymized_files) {
    t.ok(readFileSync(f.path).equals(readFileSync(join(d, 'b', rel(f.path, join(d, 'a'))))), 'identical bytes');
  }
});

t.test('output folder inside an input, or report inside the output → UsageError before any file', { skip }, async (t) => {
  const d = tmp(t);
  writeSample(join(d, 'in'));
  const base = { layout: 'mirror' as const, worker: { record: false }, profileName: 'identity', profileOptions: [], threads: 0 };
  await t.rejects(run({ ...base, inputs: [join(d, 'in')], out: join(d, 'in', 'out'), reportDir: join(d, 'r') }), UsageError);
  await t.rejects(run({ ...base, inputs: [join(d, 'in')], out: join(d, 'out'), reportDir: join(d, 'out', 'r') }), UsageError);
  t.notOk(existsSync(join(d, 'in', 'out')));
});

t.test('the same instance twice in the input, hierarchy layout → written once, the copy skipped as a duplicate', { skip }, async (t) => {
  const d = tmp(t);
  writeSample(join(d, 'in'));
  cpSync(join(d, 'in', 'ct', 'slice-1.dcm'), join(d, 'in', 'copy-of-slice-1.dcm'));
  const report = await run({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'hierarchy',
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 0,
    reportDir: join(d, 'r'),
  });
  t.equal(report.anonymized_files.length, 4);
  t.equal(report.skipped.filter((s) => /duplicate: another input of this run has the same output/.test(s.reason)).length, 1);
  t.equal(countFiles(join(d, 'out')), 4);
});

t.test('two different files claiming one instance UID, hierarchy layout → both written, the second under a suffix, nothing overwritten', { skip }, async (t) => {
  const d = tmp(t);
  writeSeriesN(join(d, 'in', 'a'), 1);
  writeSeriesN(join(d, 'in', 'b'), 1);
  // Same UIDs, different pixels: another file, not a copy.
  const b = readFileSync(join(d, 'in', 'b', 'img00000.dcm'));
  b[b.length - 1] ^= 0xff;
  writeFileSync(join(d, 'in', 'b', 'img00000.dcm'), b);
  const opts = {
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'hierarchy' as const,
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 0,
  };
  const report = await run({ ...opts, reportDir: join(d, 'r') });
  t.equal(report.anonymized_files.length, 2);
  t.equal(report.failures.length, 0);
  const names = report.anonymized_files.map((f) => f.path).sort();
  t.equal(names.filter((n) => /\.1\.dcm$/.test(n)).length, 1, 'the second takes the next suffix');
  t.equal(countFiles(join(d, 'out')), 2);
  const again = await run({ ...opts, reportDir: join(d, 'r2') });
  t.same(again.anonymized_files.map((f) => f.path).sort(), names, 'a second run finds both in place: same names, nothing added');
  t.equal(countFiles(join(d, 'out')), 2);
});

t.test('run killed with SIGKILL mid-way, then --resume → every input once, no duplicates, no partial outputs', { skip, timeout: 120_000 }, async (t) => {
  const d = tmp(t);
  const N = 300;
  writeSeriesN(join(d, 'in'), N);
  const args = [BIN, 'run', join(d, 'in'), '--out', join(d, 'out'), '--threads', '1', '--quiet'];
  const env = { ...cleanEnv(), ANON_SECRET: 'run-test-secret-0123456789' };
  const journal = join(d, 'r', 'journal.ndjson');
  const child = spawn(process.execPath, [...args, '--report-dir', join(d, 'r')], { env, stdio: 'ignore' });
  // Kill once some, but not all, files are journaled.
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0;
      if (lines >= 20 || child.exitCode !== null) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
  });
  await new Promise((r) => child.on('exit', r));
  const before = readFileSync(journal, 'utf8').split('\n').filter(Boolean).length;
  t.ok(before < N, `killed part-way (${before} of ${N} journaled)`);
  const resumed = spawn(process.execPath, [...args, '--resume', join(d, 'r'), '--json'], { env });
  let out = '';
  resumed.stdout.on('data', (b) => (out += b));
  const code = await new Promise((r) => resumed.on('exit', r));
  t.equal(code, 0);
  const events = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.ok(events[0].resumed >= before, 'journaled inputs are not redone');
  const report = events.at(-1).report;
  t.equal(report.results.samples_processed, N, 'every input accounted for');
  t.equal(report.anonymized_files.length, N);
  t.equal(new Set(report.anonymized_files.map((f: { source: string }) => f.source)).size, N, 'no input twice');
  t.equal(countFiles(join(d, 'out')), N, 'exactly one output per input');
  const leftovers = readdirSync(join(d, 'out'), { recursive: true }).filter((n) => String(n).endsWith('.tmp'));
  t.same(leftovers, [], 'no temp files left, not even those of the killed run');
  for (const f of report.anonymized_files) t.equal(statSync(f.path).size, f.size_in_bytes);
});

t.test('run with an aborted signal → no new file started after the abort, report FAILED with the reason', { skip }, async (t) => {
  const d = tmp(t);
  writeSeriesN(join(d, 'in'), 40);
  const ac = new AbortController();
  const report = await run({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'hierarchy',
    worker: { deid: { profile: loadProfile('basic'), key: KEY }, record: false },
    profileName: 'basic',
    profileOptions: [],
    threads: 0,
    reportDir: join(d, 'r'),
    signal: ac.signal,
    onEvent: (e) => {
      if (e.type === 'file' && e.counts.done === 5) ac.abort('job cancelled');
    },
  });
  t.ok(report.results.samples_processed < 40, `stopped early (${report.results.samples_processed} of 40)`);
  t.equal(report.status, 'FAILED');
  t.match(report.results.error, /cancelled: job cancelled/);
  t.equal(countFiles(join(d, 'out')), report.anonymized_files.length, 'every started file finished and is reported');
});
