// The review page inside anon serve lists each user's own jobs' quarantines, and releases an image
// the way its job wrote the rest of the study: the project's key, the job's profile, the job's
// destination. Another user's items do not exist for them.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { buildPixelFile } from '../fixtures/pixel.js';
import { parseDicom } from '../src/dicom/file.js';
import { decodeStrings, fileContext } from '../src/dicom/values.js';
import * as T from '../src/dicom/tags.generated.js';
import { US_SPEC } from './helpers/review.js';
import { ALICE, BOB, callAs, finished, folderJob, runCall, serve } from './helpers/serve.js';

process.env.ANON_SECRET ??= 'serve-test-secret-0123456789';

// the bundled sample study's patient and study (fixtures/sample.ts), so the ultrasound joins it
const STUDY = '2.25.314159265358979323846264338327950288';
const US = {
  ...US_SPEC,
  extra: [
    ...US_SPEC.extra!.filter((e) => e.tag !== T.PatientName && e.tag !== T.PatientID && e.tag !== T.StudyInstanceUID),
    { tag: T.StudyInstanceUID, vr: 'UI', value: STUDY },
    { tag: T.PatientName, vr: 'PN', value: 'Sample^Patient' },
    { tag: T.PatientID, vr: 'LO', value: 'PID-000123' },
  ],
} as typeof US_SPEC;

const read = (file: string, tag: number): string | undefined => {
  const f = parseDicom(readFileSync(file));
  const el = f.dataset.get(tag);
  return el ? decodeStrings(el, fileContext(f))[0] : undefined;
};

/** Every file below dir, recursively, by its relative path. */
const filesIn = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .map((d) => relative(dir, join(d.parentPath, d.name)));

t.test("a serve job's quarantined ultrasound → listed to its owner only, released into the job's study with the project's key", async (t) => {
  const e = await serve(t);
  mkdirSync(join(e.share, 'root', 'study1', 'us'), { recursive: true });
  writeFileSync(join(e.share, 'root', 'study1', 'us', 'us1.dcm'), await buildPixelFile(US));
  const id = (await callAs(e, ALICE, 'create_job', 'POST', folderJob())).json.job_id as number;
  const job = await finished(e, ALICE, id);
  t.equal(job.status, 'DONE', JSON.stringify(job).slice(0, 300));
  const out = join(e.share, 'out');
  const [patient] = readdirSync(out).filter((n) => !n.startsWith('.'));
  const [study] = readdirSync(join(out, patient));
  const before = new Set(filesIn(out));
  t.ok(before.size >= 4, `the CT slices were written (${before.size} files)`);

  const items = await runCall(e, ALICE, 'GET', '/review/api/items');
  t.equal(items.status, 200, String(items.body));
  t.equal(items.json.items.length, 1, 'the ultrasound is the one quarantined item');
  const item = items.json.items[0];
  t.match(item, { source: 'job', modality: 'US' });

  const bob = await runCall(e, BOB, 'GET', '/review/api/items');
  t.same(bob.json.items, [], "bob does not see alice's job's quarantine");
  t.equal((await runCall(e, BOB, 'GET', `/review/api/items/${item.id}`)).status, 404, "bob: alice's item does not exist");
  const stolen = await runCall(e, BOB, 'POST', `/review/api/items/${item.id}/release`, { boxes: [{ x: 0, y: 0, width: 80, height: 20 }] });
  t.equal(stolen.status, 404, 'bob cannot release it');
  t.equal(filesIn(out).length, before.size, 'nothing was written for bob');

  const released = await runCall(e, ALICE, 'POST', `/review/api/items/${item.id}/release`, { boxes: [{ x: 0, y: 0, width: 80, height: 20 }] });
  t.equal(released.status, 200, String(released.body));
  t.match(released.json, { action: 'released', reviewer: 'alice' });
  t.notMatch(String(released.json.output), /\//, 'the output is named without a server path');
  const added = filesIn(out).filter((n) => !before.has(n));
  t.equal(added.length, 1, 'one file added to the job destination');
  t.ok(added[0].startsWith(join(patient, study)), `in the same pseudonymous patient and study folders as the CT (${added[0]}): the project's key, not the default secret`);
  const file = join(out, added[0]);
  t.equal(read(file, T.PatientID), patient, "the job's pseudonymous Patient ID");
  t.notOk(readFileSync(file).includes('Sample^Patient'), 'no patient name');
  t.notOk(readFileSync(file).includes('PID-000123'), 'no patient ID');
  t.same((await runCall(e, ALICE, 'GET', '/review/api/items')).json.items, [], 'released: it left the quarantine');
  t.ok(existsSync(join(e.share, 'root', 'study1', 'us', 'us1.dcm')), 'the input stays where it was');
});
