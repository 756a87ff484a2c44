// A key per project: the same patient in two projects gets unlinkable pseudonyms, a project's
// pseudonyms survive a restart, pims_keyfile_id picks a key made beforehand, keys are 0600, and
// each project's MIDI-B mapping is exported from what its jobs recorded.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createKey, keysDir, listKeys, projectKeyId } from '../src/serve/project-keys.js';
import { loadMapping } from '../src/job/mapping-log.js';
import { exportMidiB } from '../src/pseudo/mapping.js';
import { startServer } from '../src/serve/server.js';
import { ALICE, callAs, finished, folderJob, PROJECT, PROJECT2, serve } from './helpers/serve.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

/** The pseudonymised Patient ID and Study UID: the first two folders of the hierarchy layout. */
function pseudonyms(dir: string): { patient: string; study: string } {
  const patient = readdirSync(dir).filter((n) => !n.startsWith('.'))[0];
  return { patient, study: readdirSync(join(dir, patient))[0] };
}

t.test('attack: linking projects by pseudonym (same patient, two projects) → different Patient ID and UIDs', async (t) => {
  const e = await serve(t);
  const a = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ destination_path: '\\\\srv\\share\\p1' }))).json.job_id as number;
  const b = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ project_name: PROJECT2, destination_path: '\\\\srv\\share\\p2' }))).json.job_id as number;
  t.equal((await finished(e, ALICE, a)).status, 'DONE');
  t.equal((await finished(e, ALICE, b)).status, 'DONE');
  const p1 = pseudonyms(join(e.share, 'p1'));
  const p2 = pseudonyms(join(e.share, 'p2'));
  t.not(p1.patient, p2.patient, 'Patient IDs differ');
  t.not(p1.study, p2.study, 'Study UIDs differ');
  t.same(listKeys(e.cfg.data_dir).filter((k) => k.startsWith('project-')).length, 2, 'one key per project');
  t.equal(statSync(keysDir(e.cfg.data_dir)).mode & 0o777, 0o700, 'the keys folder is 0700');
  for (const k of listKeys(e.cfg.data_dir)) t.equal(statSync(join(keysDir(e.cfg.data_dir), `${k}.key`)).mode & 0o777, 0o600, `${k} is 0600`);
  // each project's MIDI-B mapping holds its own pseudonym for the patient
  for (const [project, seen] of [
    [PROJECT, p1],
    [PROJECT2, p2],
  ] as const) {
    const dir = join(e.dir, 'export', projectKeyId(project));
    const r = exportMidiB(loadMapping(e.cfg.data_dir, projectKeyId(project)), dir, { forbiddenRoots: [e.share] });
    t.equal(r.patidRows, 1, `${project}: one patient`);
    t.match(readFileSync(r.patidFile, 'utf8'), new RegExp(`,${seen.patient}\n`), `${project}: the mapping names its own pseudonym`);
    t.ok(r.uidRows >= 3, `${project}: the UIDs`);
  }
});

t.test('one project across a restart → the same pseudonyms', async (t) => {
  const e = await serve(t);
  const a = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ destination_path: '\\\\srv\\share\\before' }))).json.job_id as number;
  t.equal((await finished(e, ALICE, a)).status, 'DONE');
  await e.server.close();
  e.server = await startServer(e.cfg, { pollMs: 100, logStream: { write: () => true } as never });
  e.base = `${e.server.url}/sandbox`;
  const b = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ project_name: PROJECT, destination_path: '\\\\srv\\share\\after' }))).json.job_id as number;
  t.equal((await finished(e, ALICE, b)).status, 'DONE');
  t.same(pseudonyms(join(e.share, 'after')), pseudonyms(join(e.share, 'before')));
});

t.test('pims_keyfile_id → that key (made beforehand); an unknown or malformed id → 400', async (t) => {
  const e = await serve(t);
  t.ok(createKey(e.cfg.data_dir, 'trial-42'));
  t.notOk(createKey(e.cfg.data_dir, 'trial-42'), 'creating it again keeps the first key');
  const own = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ destination_path: '\\\\srv\\share\\own' }))).json.job_id as number;
  const keyed = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ destination_path: '\\\\srv\\share\\keyed', pims_keyfile_id: 'trial-42' }))).json.job_id as number;
  t.equal((await finished(e, ALICE, own)).status, 'DONE');
  t.equal((await finished(e, ALICE, keyed)).status, 'DONE');
  t.not(pseudonyms(join(e.share, 'keyed')).patient, pseudonyms(join(e.share, 'own')).patient);
  for (const id of ['no-such-key', '../../etc/passwd', '.hidden']) {
    const r = await callAs(e, ALICE, 'create_job', 'POST', folderJob({ pims_keyfile_id: id }));
    t.equal(r.status, 400, `${id}: refused`);
    t.ok((r.json as any).errors.pims_keyfile_id, 'named in the errors');
  }
});
