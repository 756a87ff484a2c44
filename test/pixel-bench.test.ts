// The pixel masking bench (bench/pixel.ts), functionally: tiny images, one repeat, no timing
// assertions. Every encoding of the pixel fixtures must give a row with positive figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import t, { type Test } from 'tap';
import { formatTable, runPixelBench, type PixelBenchRow } from '../bench/pixel.js';
import { pixelSpecs } from '../fixtures/pixel.js';
import { fromRoot } from './helpers/root.js';

const POSITIVE: (keyof PixelBenchRow)[] = ['file_bytes', 'output_bytes', 'pixel_bytes', 'pixel_mib', 'pixels_filled', 'total_ms_median', 'mib_per_second', 'ms_per_frame'];

function checkRows(t: Test, rows: PixelBenchRow[], size: number, frames: number): void {
  const specs = pixelSpecs();
  for (const spec of specs) {
    const mine = rows.filter((r) => r.name === spec.name);
    t.ok(mine.length >= 1, `${spec.name}: a row`);
    for (const r of mine) {
      for (const k of POSITIVE) t.ok((r[k] as number) > 0 && Number.isFinite(r[k] as number), `${r.name}: ${k} > 0`);
      t.equal(r.frames, frames, `${r.name}: frames`);
      t.equal(r.columns, size, `${r.name}: columns`);
      t.equal(r.rows, size, `${r.name}: rows`);
      t.not(r.output, 'decoded-only', `${r.name}: the masked image is written`);
      t.not(r.output, 'unchanged', `${r.name}: something was masked`);
      if (spec.transferSyntax !== '1.2.840.10008.1.2.4.50') {
        t.equal(r.lossless, true, `${r.name}: lossless`);
        t.equal(r.transfer_syntax_out, spec.transferSyntax, `${r.name}: same transfer syntax`);
      }
    }
  }
  // JPEG baseline: one row per lossy policy; re-encoding is lossy, writing native is not.
  const baseline = rows.filter((r) => r.transfer_syntax === '1.2.840.10008.1.2.4.50');
  t.ok(baseline.length > 0);
  for (const r of baseline) {
    if (r.lossy_policy === 'reencode') {
      t.equal(r.output, 'reencoded-lossy');
      t.equal(r.lossless, false);
    } else {
      t.equal(r.output, 'converted-native');
      t.equal(r.transfer_syntax_out, '1.2.840.10008.1.2.1');
    }
  }
}

t.test('runPixelBench: tiny images, one repeat → a row per encoding with positive numbers', async (t) => {
  const r = await runPixelBench({ size: 32, frames: 2, repeat: 1 });
  t.equal(r.rows.length, pixelSpecs().length + pixelSpecs().filter((s) => s.transferSyntax === '1.2.840.10008.1.2.4.50').length, 'JPEG baseline twice (reencode, native)');
  checkRows(t, r.rows, 32, 2);
  t.same(r.options.banner, { x: 0, y: 0, width: 32, height: 4 }, 'banner: full width, size / 8 rows');
  t.ok(r.machine.nproc > 0);
  const table = formatTable(r);
  t.equal(table.split('\n').length, r.rows.length + 2, 'table: header, rule, one line per row');
});

t.test('runPixelBench --only and --lossy narrow the rows', async (t) => {
  const r = await runPixelBench({ size: 32, frames: 1, repeat: 1, only: 'jpeg baseline', lossy: 'native' });
  t.equal(r.rows.length, 2);
  for (const row of r.rows) t.equal(row.lossy_policy, 'native');
});

const SCRIPT = fromRoot('dist/bench/pixel.js');
const skip = existsSync(SCRIPT) ? false : 'dist/ not built: run npm run build (npm test does)';

t.test('node dist/bench/pixel.js --size 32 --frames 2 --repeat 1 --json', { skip }, async (t) => {
  const r = spawnSync(process.execPath, [SCRIPT, '--size', '32', '--frames', '2', '--repeat', '1', '--json'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  checkRows(t, out.rows, 32, 2);
  for (const size of ['16', '36']) {
    const bad = spawnSync(process.execPath, [SCRIPT, '--size', size], { encoding: 'utf8' });
    t.equal(bad.status, 2, `--size ${size} (under 32, or not a multiple of 8) → usage error`);
  }
});
