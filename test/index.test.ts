// The package entry as a consumer loads it: the built dist/src/index.js, not the sources.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeSample } from '../fixtures/sample.js';
import { fromRoot } from './helpers/root.js';

const ENTRY = fromRoot('dist/src/index.js');
const skip = existsSync(ENTRY) ? false : 'dist/ not built: run npm run build (npm test does)';
type Entry = typeof import('../src/index.js');

t.test('package entry on the sample study → reads, de-identifies and verifies through the public API', { skip }, async (t) => {
  const lib = (await import(ENTRY)) as Entry;
  const d = mkdtempSync(join(tmpdir(), 'anonflow-entry-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  writeSample(join(d, 'in'));
  const secretFile = join(d, 'secret');
  writeFileSync(secretFile, 'entry-test-secret-0123456789', { mode: 0o600 });

  const f = await lib.openDicom(join(d, 'in', 'ct', 'slice-1.dcm'));
  let name: string;
  try {
    name = JSON.stringify(lib.dumpJson(f)['00100010']?.Value);
    t.match(name, /\w/, 'the original names its patient');
  } finally {
    lib.closeDicom(f);
  }
  t.ok(
    lib.listBuiltinProfiles().some((p) => p.name === 'basic'),
    'built-in profiles listed',
  );
  t.equal(lib.loadProfile('basic').name, 'basic');

  const report = await lib.run({
    inputs: [join(d, 'in')],
    out: join(d, 'out'),
    layout: 'mirror',
    profile: 'basic',
    secretFile,
    threads: 0,
    reportDir: join(d, 'report'),
  });
  t.equal(report.status, 'SUCCEEDED');
  t.equal(report.anonymized_files.length, 4, 'the four DICOM slices written');
  t.equal(report.skipped.length, 1, 'the text file skipped');

  const out = await lib.openDicom(report.anonymized_files[0].path);
  try {
    t.not(JSON.stringify(lib.dumpJson(out)['00100010']?.Value), name, 'the patient name is replaced');
  } finally {
    lib.closeDicom(out);
  }
  const verification = await lib.verifyReportDir(join(d, 'report'), { profile: 'basic' });
  t.equal(verification.ok, true, 'independent verification passes');
  t.equal(verification.pairs, 4);
  t.ok(readdirSync(join(d, 'out')).length > 0);
  await t.rejects(
    lib.run({
      inputs: [join(d, 'in')],
      out: join(d, 'in', 'o'),
      layout: 'mirror',
      profile: 'basic',
      secretFile,
      threads: 0,
      reportDir: join(d, 'r2'),
    }),
    lib.UsageError,
    'usage errors are the exported class',
  );
});
