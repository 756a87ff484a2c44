import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cleanEnv } from './helpers/child-env.js';
import { writeSeries } from '../fixtures/series.js';
import { fromRoot } from './helpers/root.js';

const BIN = fromRoot('bin/anon');
const built = existsSync(fromRoot('dist/src/cli/main.js'));
const skip = built ? false : 'dist/ not built: run npm run build (npm test does)';

t.test('writeSeries → n DICOM files with PHI in the header, about 0.5 MiB each', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anon-series-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = writeSeries(dir, 8);
  t.equal(r.files.length, 8);
  t.ok(r.bytes / 8 > 400 * 1024 && r.bytes / 8 < 600 * 1024, `average size ${Math.round(r.bytes / 8 / 1024)} KiB`);
  const small = writeSeries(join(dir, 'small'), 2, { rows: 16, modality: 'MR' });
  t.ok(small.bytes < 8 * 1024, 'rows shrinks the files');
});

t.test('anon bench --generate 5 --repeat 1 --json → a row per profile plus cp, with numbers', { skip }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'anon-bench-test-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [BIN, 'bench', '--generate', '5', '--repeat', '1', '--warmup', '0', '--threads', '1', '--json', '--quiet', '--tmp', tmp], {
    encoding: 'utf8',
    env: cleanEnv(),
  });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.equal(out.corpus.files, 5);
  t.ok(out.corpus.mib > 0);
  t.same(
    out.rows.map((x: { name: string }) => x.name),
    ['cp -r', 'identity', 'basic'],
  );
  for (const row of out.rows) {
    for (const k of ['files', 'mib', 'wall_s_median', 'files_per_second', 'mib_per_second']) t.ok(row[k] > 0, `${row.name}: ${k} > 0`);
    if (row.kind === 'anon') {
      t.equal(row.files, 5, `${row.name}: every file written`);
      for (const k of ['p50_ms', 'p99_ms', 'cpu_seconds', 'peak_rss_mib', 'x_cp']) t.ok(row[k] > 0, `${row.name}: ${k} > 0`);
      t.same(row.exit_codes, [0]);
    }
  }
  t.same(readdirSync(tmp), [], 'temp folders are removed');
});

t.test('anon bench without --corpus or --generate → usage error, exit 2', { skip }, async (t) => {
  const r = spawnSync(process.execPath, [BIN, 'bench'], { encoding: 'utf8', env: cleanEnv() });
  t.equal(r.status, 2);
  t.match(r.stderr, /--corpus|--generate/);
});
