// Confinement by construction: the attacks of issue 14 as a second user of the share would try
// them, each against a running server, and a symlink swapped in while a batch runs.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeSample } from '../fixtures/sample.js';
import { runBatch } from '../src/pool/batch.js';
import { openConfined } from '../src/io/confined.js';
import { closeSync } from 'node:fs';
import { ALICE, callAs, finished, folderJob, serve } from './helpers/serve.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

/** Every file below a folder (lstat: links are listed, not followed). */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}

t.test('attack: deletes outside every root (symlink at <destination>/.anonflow-tmp) → the target is untouched, the job ERROR', async (t) => {
  const e = await serve(t);
  // what a stale-temp clean-up would have emptied: a "dead process" folder and a loose file
  mkdirSync(join(e.outside, '999999-stale'));
  writeFileSync(join(e.outside, '999999-stale', 'precious.dcm'), 'keep me');
  writeFileSync(join(e.outside, 'precious.txt'), 'keep me too');
  symlinkSync(e.outside, join(e.share, 'out', '.anonflow-tmp'));
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  const job = await finished(e, ALICE, id);
  t.equal(job.status, 'ERROR');
  t.match(job.error, /symlink/);
  t.equal(readFileSync(join(e.outside, '999999-stale', 'precious.dcm'), 'utf8'), 'keep me', 'nothing deleted through the link');
  t.equal(readFileSync(join(e.outside, 'precious.txt'), 'utf8'), 'keep me too');
  t.same(readdirSync(e.outside).sort(), ['999999-stale', 'precious.txt'], 'nothing added either');
});

t.test('attack: writes outside every root (symlink at <destination>/<pseudonym>) → nothing written outside, the job ERROR', async (t) => {
  const e = await serve(t);
  symlinkSync(e.outside, join(e.share, 'out', 'PSEUDO1'));
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ anonymizedpatientid: 'PSEUDO1' }))).json.job_id as number;
  const job = await finished(e, ALICE, id);
  t.equal(job.status, 'ERROR');
  t.match(job.error, /PATH_SYMLINK/);
  t.same(filesBelow(e.outside), [], 'no file outside the share');
});

t.test('attack: a symlink deeper in the output tree (<destination>/<pseudonym>/<study>) → refused there too', async (t) => {
  const e = await serve(t);
  // first run: learn the study folder's name, then replace it by a link and run a second job
  const first = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ anonymizedpatientid: 'PSEUDO2' }))).json.job_id as number;
  t.equal((await finished(e, ALICE, first)).status, 'DONE');
  const study = readdirSync(join(e.share, 'out', 'PSEUDO2'))[0];
  renameSync(join(e.share, 'out', 'PSEUDO2', study), join(e.share, 'moved'));
  symlinkSync(e.outside, join(e.share, 'out', 'PSEUDO2', study));
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ anonymizedpatientid: 'PSEUDO2' }))).json.job_id as number;
  const job = await finished(e, ALICE, id);
  t.equal(job.status, 'ERROR');
  t.same(filesBelow(e.outside), [], 'no file outside the share');
});

t.test('attack: a symlink in the destination path itself (\\\\srv\\share\\link\\out) → the job ERROR, nothing written through it', async (t) => {
  const e = await serve(t);
  mkdirSync(join(e.share, 'real'));
  symlinkSync(join(e.share, 'real'), join(e.share, 'link')); // even one pointing inside the share
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob({ destination_path: '\\\\srv\\share\\link\\out' }))).json.job_id as number;
  const job = await finished(e, ALICE, id);
  t.equal(job.status, 'ERROR');
  t.match(job.error, /symlink/);
  t.same(filesBelow(join(e.share, 'real')), [], 'nothing written through the link');
});

t.test('attack: a symlink swapped in while a job runs → later files still go to the folder the job opened, none through the link', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-swap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const outside = join(dir, 'outside');
  const out = join(dir, 'share', 'out');
  mkdirSync(outside);
  mkdirSync(out, { recursive: true });
  for (let i = 0; i < 6; i++) writeSample(join(dir, 'share', 'in', `s${i}`));
  const outFd = openConfined(join(dir, 'share'), ['out'], false);
  t.teardown(() => closeSync(outFd));
  let swapped = false;
  const report = await runBatch({
    inputs: [join(dir, 'share', 'in')],
    out,
    outFd,
    layout: 'mirror',
    worker: { record: false, noOverwrite: true },
    profileName: 'identity',
    profileOptions: [],
    threads: 0,
    reportDir: join(dir, 'report'),
    onEvent: (ev) => {
      // after the first file lands, a share user moves the folder away and plants a link
      if (ev.type !== 'file' || swapped || ev.outcome.status !== 'written') return;
      swapped = true;
      renameSync(out, join(dir, 'share', 'moved'));
      symlinkSync(outside, out);
    },
  });
  t.ok(swapped, 'the link was swapped in mid-run');
  t.same(filesBelow(outside), [], 'no file written through the swapped link');
  t.ok(report.anonymized_files.length > 1, 'files kept going to the folder the job opened');
  t.ok(existsSync(join(dir, 'share', 'moved')), 'the moved folder holds the outputs');
  t.notOk(existsSync(join(dir, 'share', 'moved', '.anonflow-tmp')), 'the temp folder was removed');
});
