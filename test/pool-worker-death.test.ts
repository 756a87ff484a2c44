import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeInstances } from '../fixtures/instances.js';
import { loadProfile } from '../src/profile/load.js';
import { openPool, TASKS_PER_WORKER, WORKER_HEAP_MB } from '../src/pool/pool.js';
import { fromRoot } from './helpers/root.js';
import { rtstructWithContours } from './helpers/rtstruct.js';

const skip = existsSync(fromRoot('dist/src/pool/worker.js')) ? false : 'dist/ not built: run npm run build (npm test does)';
// 100,000 contours ran a worker out of its heap on the machine this was written on (60,000 did not)
const CONTOURS = 120_000;

t.test(
  `a worker out of its ${WORKER_HEAP_MB} MiB heap on one file, holding another behind it → both run again alone, every file written`,
  { skip, timeout: 120_000 },
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'anonflow-death-'));
    t.teardown(() => rmSync(d, { recursive: true, force: true }));
    mkdirSync(join(d, 'in'));
    writeFileSync(join(d, 'in', 'rt.dcm'), rtstructWithContours(CONTOURS, { name: 'Heap^Patient' }));
    writeInstances(join(d, 'in', 'small'), 3, { patientName: 'Queued^Behind', pixels: 256 });
    const rels = ['rt.dcm', 'small/img00000.dcm', 'small/img00001.dcm', 'small/img00002.dcm'];
    t.ok(rels.length > TASKS_PER_WORKER, 'more files than the worker holds: one waits behind the big one');
    const pool = await openPool({ deid: { profile: loadProfile('basic'), key: new Uint8Array(32).fill(7) }, record: false, out: join(d, 'out'), layout: 'hierarchy' }, 1);
    t.equal(pool.workers, 1);
    const results = await Promise.all(rels.map((rel) => pool.run({ path: join(d, 'in', rel), rel }))).finally(() => pool.close());
    t.ok(pool.reruns >= 2, `the big file and the one behind it ran again alone (${pool.reruns})`);
    t.same(
      results.map((r) => r.outcome.status),
      rels.map(() => 'written'),
      'every file written',
    );
    const outputs = readdirSync(join(d, 'out'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    t.equal(outputs.length, rels.length, 'one output each');
    const bytes = outputs.map((e) => readFileSync(join(e.parentPath, e.name)));
    const rt = bytes.find((b) => b.length > 1_000_000);
    t.ok(rt, 'the RTSTRUCT written');
    t.equal(rt?.indexOf('Heap^Patient'), -1, 'its name gone');
    t.ok(
      bytes.every((b) => b.indexOf('Queued^Behind') === -1),
      'no name in any output',
    );
  },
);
