import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cleanEnv } from './helpers/child-env.js';
import { writeSample } from '../fixtures/sample.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/cli/main.js'));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';

/** The report carried by the last NDJSON event of `anon run --json`. */
const reportOf = (stdout: string): any => JSON.parse(stdout.trim().split('\n').pop()!).report;

function anon(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  // A fixed secret: tests never create a per-user secret in the real home folder.
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...cleanEnv(), ANON_SECRET: 'cli-test-secret-0123456789' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('anon --version → the package version', { skip }, async (t) => {
  const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8'));
  const r = anon('--version');
  t.equal(r.status, 0);
  t.equal(r.stdout, `${pkg.version}\n`, 'the version alone, as yargs printed it');
  t.equal(r.stderr, '');
});

t.test('anon <command> --help → usage for every command', { skip }, async (t) => {
  for (const cmd of ['run', 'dump']) {
    const r = anon(cmd, '--help');
    t.equal(r.status, 0, `${cmd} --help exits 0`);
    t.match(r.stdout, new RegExp(`anon ${cmd}`), `${cmd} --help shows its usage`);
  }
});

t.test('anon with no command → usage error, exit 2', { skip }, async (t) => {
  t.equal(anon().status, 2);
});

t.test('anon run --profile identity --layout mirror → every file unchanged at its relative path, report written', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in');
  const names = writeSample(input);
  const r = anon('run', input, '--out', join(dir, 'out'), '--profile', 'identity', '--layout', 'mirror', '--report-dir', join(dir, 'report'), '--json');
  t.equal(r.status, 0, r.stderr);
  const report = reportOf(r.stdout);
  t.equal(report.status, 'SUCCEEDED');
  t.equal(report.results.samples_processed, names.length);
  t.equal(report.skipped.length, 1, 'the text file is skipped');
  t.match(report.skipped[0].reason, /not DICOM/);
  for (const name of names.filter((n) => !n.endsWith('.txt'))) {
    t.ok(readFileSync(join(dir, 'out', name)).equals(readFileSync(join(input, name))), `${name} identical`);
  }
  t.same(JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')).id, report.id);
});

t.test('anon run with the output inside an input → refused with exit 2, nothing written', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeSample(dir);
  const r = anon('run', dir, '--out', join(dir, 'out'));
  t.equal(r.status, 2);
  t.match(r.stderr, /must not be inside input/);
  t.notOk(existsSync(join(dir, 'out')));
});

t.test('anon run with an unknown profile → exit 2 before any file is touched', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeSample(join(dir, 'in'));
  const r = anon('run', join(dir, 'in'), '--out', join(dir, 'out'), '--profile', 'no-such-profile');
  t.equal(r.status, 2);
  t.match(r.stderr, /no-such-profile/);
  t.notOk(existsSync(join(dir, 'out')));
});

t.test('anon run with an invalid profile file → exit 2 naming the JSON path, before any file is touched', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeSample(join(dir, 'in'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ name: 'bad', extends: 'basic', rules: [{ match: { tag: '(0010,001)' }, action: 'X' }] }));
  const r = anon('run', join(dir, 'in'), '--out', join(dir, 'out'), '--profile', bad);
  t.equal(r.status, 2);
  t.match(r.stderr, /\/rules\/0\/match\/tag/);
  t.notOk(existsSync(join(dir, 'out')));
});

t.test('anon run with the default profile → basic profile, hierarchy of pseudonymised names, no original identifier in paths or headers', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeSample(join(dir, 'in'));
  const r = anon('run', join(dir, 'in'), '--out', join(dir, 'out'), '--report-dir', join(dir, 'r'), '--json');
  t.equal(r.status, 0, r.stderr);
  const report = reportOf(r.stdout);
  t.equal(report.profile, 'basic');
  t.equal(report.anonymized_files.length, 4);
  t.ok(report.results.entity_summary.names > 0, 'names counted');
  t.ok(report.results.entity_summary.uids > 0, 'UIDs counted');
  for (const f of report.anonymized_files) {
    t.notMatch(f.path, /slice|PID-000123|2\.25\.314159265358979323846264338327950288/, 'no original identifier in the output path');
    const bytes = readFileSync(f.path);
    for (const secret of ['Sample^Patient', 'PID-000123', 'ACC20240117', 'Referring^Rita', '19600229', 'VENDOR PRIVATE', '314159265358979323846264338327950288']) {
      t.notOk(bytes.includes(Buffer.from(secret, 'latin1')), `${secret} is gone`);
    }
  }
});

t.test('anon run over a broken file → it is listed as failed with its code, exit 1', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in');
  writeSample(input);
  const good = readFileSync(join(input, 'ct', 'slice-1.dcm'));
  mkdirSync(join(input, 'broken'));
  writeFileSync(join(input, 'broken', 'cut.dcm'), good.subarray(0, good.length - 100));
  const r = anon('run', input, '--out', join(dir, 'out'), '--layout', 'mirror', '--report-dir', join(dir, 'r'), '--json');
  t.equal(r.status, 1);
  const report = reportOf(r.stdout);
  t.equal(report.status, 'FAILED');
  t.equal(report.failures.length, 1);
  t.equal(report.failures[0].code, 'TRUNCATED');
  t.equal(report.failures[0].element_path, '(7FE0,0010)');
  t.notOk(existsSync(join(dir, 'out', 'broken', 'cut.dcm')), 'no output for the failed file');
});

t.test('anon dump → dcmdump-style lines; --json → the DICOM JSON model', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeSample(dir);
  const text = anon('dump', join(dir, 'ct', 'slice-1.dcm'));
  t.equal(text.status, 0, text.stderr);
  t.match(text.stdout, /\(0010,0010\) PN \[Sample\^Patient\]/);
  const json = anon('dump', join(dir, 'ct', 'slice-2.dcm'), '--json');
  t.equal(json.status, 0, json.stderr);
  const model = JSON.parse(json.stdout);
  t.same(model['00100010'], { vr: 'PN', Value: [{ Alphabetic: 'Sample^Patient' }] });
});

t.test('anon run --profile basic --profile FILE → composed, the later profile taking precedence', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeSample(join(dir, 'in'));
  const keepInstitution = join(dir, 'keep-institution.json');
  writeFileSync(keepInstitution, JSON.stringify({ name: 'keep-institution', rules: [{ match: { keyword: 'InstitutionName' }, action: 'K' }] }));
  const r = anon('run', join(dir, 'in'), '--out', join(dir, 'out'), '--profile', 'basic', '--profile', keepInstitution, '--report-dir', join(dir, 'r'), '--json');
  t.equal(r.status, 0, r.stderr);
  const report = reportOf(r.stdout);
  t.equal(report.profile, 'basic+keep-institution');
  const plain = report.anonymized_files.find((f: { source: string }) => f.source.endsWith('slice-1.dcm')); // not the deflated one
  const bytes = readFileSync(plain.path);
  t.ok(bytes.includes(Buffer.from('St. Example Hospital')), 'the later profile keeps the institution');
  t.notOk(bytes.includes(Buffer.from('Sample^Patient')), 'the basic profile still replaces the name');
});
