// The per-file job as the orchestrators use it: a spec of plain data, compiled once per thread.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { instance } from '../fixtures/instances.js';
import { createProcessor } from '../src/job/processor.js';
import { setupDeid } from '../src/job/setup.js';
import type { JobSpec } from '../src/job/task.js';
import { loadProfile, withLayer } from '../src/profile/load.js';

const tmp = (t: Test): string => {
  const d = mkdtempSync(join(tmpdir(), 'anonflow-job-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const secretFile = (d: string): string => {
  const f = join(d, 'secret');
  writeFileSync(f, 'job-test-secret-0123456789abcdef', { mode: 0o600 });
  return f;
};

t.test('job spec after structuredClone (as a worker receives it) → the same output bytes as the original spec', async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'in.dcm'), instance(1, { patientName: 'Clone^Test', patientId: 'CL-1' }));
  const setup = setupDeid({ profile: 'basic', secretFile: secretFile(d) });
  t.ok(setup.spec, 'a de-identifying profile gives a spec');
  const outputs: Buffer[] = [];
  for (const [name, deid] of [
    ['a', setup.spec],
    ['b', structuredClone(setup.spec)],
  ] as const) {
    const spec: JobSpec = { deid, record: false, out: join(d, name), layout: 'mirror' };
    const r = await createProcessor(spec)({ path: join(d, 'in.dcm'), rel: 'in.dcm' });
    t.equal(r.outcome.status, 'written', `spec ${name} → written`);
    outputs.push(readFileSync(join(d, name, 'in.dcm')));
  }
  t.ok(outputs[0].equals(outputs[1]), 'identical bytes');
  t.notOk(outputs[0].includes('Clone^Test'), 'the name is gone');
});

t.test('identity profile → no spec: files are written as read', async (t) => {
  const d = tmp(t);
  const input = instance(2, { patientName: 'Keep^Me' });
  writeFileSync(join(d, 'in.dcm'), input);
  const setup = setupDeid({ profile: 'identity' });
  t.equal(setup.spec, undefined, 'no de-identification spec');
  const r = await createProcessor({ deid: setup.spec, record: false, out: join(d, 'out'), layout: 'mirror' })({ path: join(d, 'in.dcm'), rel: 'in.dcm' });
  t.equal(r.outcome.status, 'written');
  t.ok(readFileSync(join(d, 'out', 'in.dcm')).equals(input), 'byte for byte');
});

t.test('several profiles given together → composed in memory, the later taking precedence, no file written', async (t) => {
  const d = tmp(t);
  const file = join(d, 'keep-desc.json');
  writeFileSync(file, JSON.stringify({ name: 'keep-desc', rules: [{ match: { keyword: 'StudyDescription' }, action: 'K' }] }));
  const before = readdirSync(tmpdir()).filter((n) => n.startsWith('anonflow-profiles-')).length;
  const p = loadProfile(['basic', file]);
  t.equal(p.name, 'basic+keep-desc', 'named after its parts');
  t.same(p.layers.map((l) => l.profile).slice(1), ['keep-desc', 'basic'], 'the later profile is the more derived layer');
  t.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('anonflow-profiles-')).length, before, 'no temp profile file');
  t.throws(() => loadProfile([]), { code: 'PROFILE_NOT_FOUND' }, 'no profile at all → PROFILE_NOT_FOUND');
});

t.test("withLayer (a server job's pseudonyms) → its rules win over the profile's, the base left unchanged", async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'in.dcm'), instance(3, { patientName: 'Layer^Test', patientId: 'LY-1' }));
  const base = loadProfile('basic');
  const layered = withLayer(base, { name: 'job-7', rules: [{ match: { keyword: 'PatientID' }, action: { set: 'STUDY-0007' } }] });
  t.equal(layered.name, 'job-7');
  t.equal(base.layers.length + 1, layered.layers.length, 'one more layer');
  t.equal(base.name, 'basic', 'base unchanged');
  const setup = setupDeid({ profile: 'basic', secretFile: secretFile(d), overlay: { name: 'job-7', rules: layered.layers[0].rules } });
  const r = await createProcessor({ deid: setup.spec, record: false, out: join(d, 'out'), layout: 'mirror' })({ path: join(d, 'in.dcm'), rel: 'in.dcm' });
  t.equal(r.outcome.status, 'written');
  t.ok(readFileSync(join(d, 'out', 'in.dcm')).includes('STUDY-0007'), "the layer's Patient ID is written");
});

t.test('pseudonym table in the spec → read once as data, used by a worker after structuredClone', async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'in.dcm'), instance(4, { patientName: 'Table^Test', patientId: 'TB-1' }));
  const table = join(d, 'mapping.csv');
  writeFileSync(table, 'source,pseudo_id,pseudo_name\npatient_id:TB-1,P-0004,Anon^Four\n');
  const setup = setupDeid({ profile: 'basic', secretFile: secretFile(d), pseudonyms: table });
  rmSync(table); // workers never read the file again
  const r = await createProcessor({ deid: structuredClone(setup.spec), record: false, out: join(d, 'out'), layout: 'mirror' })({ path: join(d, 'in.dcm'), rel: 'in.dcm' });
  t.equal(r.outcome.status, 'written');
  const out = readFileSync(join(d, 'out', 'in.dcm'));
  t.ok(out.includes('P-0004') && out.includes('Anon^Four'), "the table's pseudonyms are written");
  t.notOk(out.includes('TB-1'), 'the original ID is gone');
});
